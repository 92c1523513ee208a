// Events (subscriptions a secret names in event_subscriptions), notification records, rotation tasks and
// random passwords (docs/csms-api.md). Huawei delivers notifications through SMN; here they become notification
// records (events-store.ts). Errors are nested (routes.ts).
import { DECIMAL, type FieldReader } from '../../api/fields.ts';
import { CsmsCode, CsmsError, invalidParameter, resourceNotFound } from '../errors.ts';
import { EVENT_TYPES, LOG_POSITION, type EventRecord } from '../events-store.ts';
import { noContent, ok, type CsmsInput, type CsmsOperation } from '../operation.ts';
import { DEFAULT_POLICY, generatePassword } from '../password.ts';

const EVENT_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_EVENTS = 100;

const eventInfo = (e: EventRecord) => ({
  name: e.name,
  event_id: e.id,
  event_types: [...e.eventTypes],
  state: e.state,
  create_time: e.createdAt,
  update_time: e.updatedAt,
  notification: { ...e.notification },
});

function eventName(input: CsmsInput): string {
  const name = input.params.event_name ?? '';
  if (!EVENT_NAME.test(name)) throw invalidParameter('event_name', 'must match ^[a-zA-Z0-9_-]{1,64}$');
  return name;
}

function readTypes(f: FieldReader, required: boolean): string[] | undefined {
  const types = f.strings('event_types', { required, minItems: 1, maxItems: EVENT_TYPES.length, item: { enum: EVENT_TYPES } });
  if (types && new Set(types).size !== types.length) throw invalidParameter('event_types', 'names a type twice');
  return types;
}

function readNotification(f: FieldReader, required: boolean): EventRecord['notification'] | undefined {
  const n = f.object('notification', { required });
  if (!n) return undefined;
  return {
    target_type: n.string('target_type', { required: true, enum: ['SMN'] }),
    target_id: n.string('target_id', { required: true, min: 1, max: 256 }),
    target_name: n.string('target_name', { required: true, min: 1, max: 256 }),
  };
}

/**
 * One page of a listing. The marker is the cursor of the previous page's last entry and the page goes on
 * with the entries past it in the listing's order (names ascending, log positions newest first), so an
 * entry deleted or added between pages neither restarts the listing nor makes a page repeat.
 */
function page<T>(items: T[], cursor: (t: T) => string, input: CsmsInput, order: { newestFirst: boolean; marker: RegExp; max: number }) {
  const limitText = input.query.get('limit') || '50';
  if (!DECIMAL.test(limitText) || Number(limitText) < 1 || Number(limitText) > order.max) throw invalidParameter('limit', `must be 1-${order.max}`);
  const marker = input.query.get('marker') || undefined;
  if (marker !== undefined && !order.marker.test(marker)) throw invalidParameter('marker', 'must be a next_marker of this listing');
  const rest = marker === undefined ? items : items.filter((t) => (order.newestFirst ? cursor(t) < marker : cursor(t) > marker));
  const limit = Number(limitText);
  const out = rest.slice(0, limit);
  return {
    out,
    page_info: {
      ...(rest.length > limit ? { next_marker: cursor(out[out.length - 1]) } : {}),
      ...(marker === undefined ? {} : { previous_marker: marker }),
      current_count: out.length,
    },
  };
}

const BY_NAME = { newestFirst: false, marker: EVENT_NAME, max: 200 };
const BY_POSITION = { newestFirst: true, marker: LOG_POSITION, max: 1000 };

export const createEventOp: CsmsOperation = async (secrets, call, input) => {
  const f = input.body;
  const name = f.string('name', { required: true, pattern: EVENT_NAME });
  const eventTypes = readTypes(f, true)!;
  const state = f.string('state', { required: true, enum: ['ENABLED', 'DISABLED'] }) as EventRecord['state'];
  const notification = readNotification(f, true)!;
  const now = secrets.clock.now();
  const event: EventRecord = { name, id: crypto.randomUUID(), eventTypes, state, createdAt: now, updatedAt: now, notification };
  await secrets.events.create(call.project, event, MAX_EVENTS);
  return ok({ event: eventInfo(event) });
};

export const listEventsOp: CsmsOperation = async (secrets, call, input) => {
  const { out, page_info } = page(await secrets.events.list(call.project), (e) => e.name, input, BY_NAME);
  return ok({ events: out.map(eventInfo), page_info });
};

export const showEventOp: CsmsOperation = async (secrets, call, input) => {
  const name = eventName(input);
  const e = await secrets.events.get(call.project, name);
  if (!e) throw resourceNotFound(`event ${name}`);
  return ok({ event: eventInfo(e.event) });
};

export const updateEventOp: CsmsOperation = async (secrets, call, input) => {
  const name = eventName(input);
  const f = input.body;
  const state = f.string('state', { enum: ['ENABLED', 'DISABLED'] }) as EventRecord['state'] | undefined;
  const eventTypes = readTypes(f, false);
  const notification = readNotification(f, false);
  const next = await secrets.events.update(call.project, name, (e) => ({
    ...e,
    ...(state ? { state } : {}),
    ...(eventTypes ? { eventTypes } : {}),
    ...(notification ? { notification } : {}),
    updatedAt: secrets.clock.now(),
  }));
  if (!next) throw resourceNotFound(`event ${name}`);
  return ok({ event: eventInfo(next) });
};

export const deleteEventOp: CsmsOperation = async (secrets, call, input) => {
  const name = eventName(input);
  const removed = await secrets.events.remove(call.project, name, async () => {
    const users = (await secrets.repo.list(call.project)).filter((r) => r.eventSubscriptions.includes(name));
    if (users.length) throw new CsmsError(CsmsCode.InvalidRequest, `The event ${name} is still subscribed by secret ${users[0].name}.`);
  });
  if (!removed) throw resourceNotFound(`event ${name}`);
  return noContent();
};

export const listRecordsOp: CsmsOperation = async (secrets, call, input) => {
  // The marker is the record's log position: create_time is not unique, so it could not say where a page ends.
  const { out, page_info } = page(await secrets.events.records(call.project), (r) => r.position, input, BY_POSITION);
  return ok({ records: out.map((r) => r.value), page_info });
};

export const listTasksOp: CsmsOperation = async (secrets, call, input) => {
  const q = input.query;
  const status = q.get('status') || undefined;
  if (status !== undefined && status !== 'SUCCESS' && status !== 'FAILED') throw invalidParameter('status', 'must be SUCCESS or FAILED');
  const secretName = q.get('secret_name') || undefined;
  const taskId = q.get('task_id') || undefined;
  const tasks = (await secrets.events.tasks(call.project)).filter(
    ({ value: t }) => (status === undefined || t.task_status === status) && (secretName === undefined || t.secret_name === secretName) && (taskId === undefined || t.task_id === taskId),
  );
  const { out, page_info } = page(tasks, (t) => t.position, input, BY_POSITION);
  return ok({ total: tasks.length, tasks: out.map((t) => t.value), ...(page_info.next_marker ? { next_marker: page_info.next_marker } : {}) });
};

export const generatePasswordOp: CsmsOperation = async (_secrets, _call, input) => {
  const f = input.body;
  f.string('password_policy_name', { max: 64 });
  const policy = {
    length: f.integer('length', { min: 8, max: 4096 }) ?? DEFAULT_POLICY.length,
    excludeCharacters: f.string('exclude_characters', { max: 128 }) ?? '',
    excludeLowercase: f.boolean('exclude_lowercase') ?? false,
    excludeUppercase: f.boolean('exclude_uppercase') ?? false,
    excludeNumbers: f.boolean('exclude_numbers') ?? false,
    excludePunctuation: f.boolean('exclude_punctuation') ?? false,
    includeSpace: f.boolean('include_space') ?? false,
    requireEachIncludedType: f.boolean('require_each_included_type') ?? true,
  };
  try {
    return ok({ password: generatePassword(policy) });
  } catch (e) {
    if (e instanceof RangeError) throw invalidParameter('password policy', e.message);
    throw e;
  }
};
