// The event, notification-record, task and password operations (ops/events.ts) called in-process: every
// field rule at its bound with the exact CSMS refusal (and the stored events unchanged by it), the whole
// Event model of each answer and the stored record behind it, the listings' paging (a marker goes on past
// the entry it names, even when that entry is gone or shares its time with others), the task filters,
// deletion refused while a secret subscribes, and the password policy each field sets.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EVENT_TYPES, type EventRecord, type TaskRecord } from '../../src/secrets/events-store.ts';
import { csmsFields, type CsmsOperation } from '../../src/secrets/operation.ts';
import { createEventOp, deleteEventOp, generatePasswordOp, listEventsOp, listRecordsOp, listTasksOp, showEventOp, updateEventOp } from '../../src/secrets/ops/events.ts';
import { createSecretOp, deleteSecretOp } from '../../src/secrets/ops/secrets.ts';
import { Secrets } from '../../src/secrets/secrets.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { getJson, listAll, StoreError, type Store } from '../../src/store/store.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';
import { ADMIN, makeRig, rejection } from '../helpers/kms.ts';
import { RacingStore } from '../helpers/racing-store.ts';

afterEach(() => vi.restoreAllMocks());

const PROJECT = ADMIN.project;
const NOTIFICATION = { target_type: 'SMN', target_id: 'urn:smn:region:p:topic', target_name: 'topic' };
const body = (name: string, fields: Record<string, unknown> = {}) => ({ name, event_types: ['SECRET_VERSION_CREATED'], state: 'ENABLED', notification: NOTIFICATION, ...fields });

interface Input {
  body?: unknown;
  query?: Record<string, string>;
  params?: Record<string, string>;
}

async function rig(store?: Store) {
  const t = await makeRig(store ? { store } : {});
  const secrets = new Secrets(t.kms);
  const call = { project: PROJECT } as never;
  const run = (op: CsmsOperation, input: Input = {}) => op(secrets, call, { body: csmsFields(input.body ?? {}), query: new URLSearchParams(input.query ?? {}), params: input.params ?? {} });
  const answer = async (op: CsmsOperation, input: Input = {}) => {
    const reply = await run(op, input);
    expect(reply.status).toBe(200);
    return reply.body as any;
  };
  const refused = async (op: CsmsOperation, input: Input = {}) => {
    const e = await rejection(run(op, input));
    return [e.status, e.code, e.message];
  };
  const create = (name: string, fields: Record<string, unknown> = {}) => answer(createEventOp, { body: body(name, fields) });
  /** Every stored event document, by key. */
  const stored = async () => {
    const out: Record<string, unknown> = {};
    for (const k of await listAll(t.store, `csms/${PROJECT}/event/`)) out[k] = (await getJson(t.store, k))!.value;
    return out;
  };
  const storedEvent = async (name: string) => (await getJson<EventRecord>(t.store, `csms/${PROJECT}/event/${name}`))?.value;
  return { ...t, secrets, run, answer, refused, create, stored, storedEvent };
}

const invalid = (field: string, why: string) => [400, 'CSMS.0002', `Invalid ${field}: ${why}.`];
const missing = (field: string) => [400, 'CSMS.0002', `Missing required parameter: ${field}.`];
const notFound = (name: string) => [400, 'CSMS.0005', `The event ${name} does not exist.`];
const NAME_RULE = 'must match ^[a-zA-Z0-9_-]{1,64}$';

describe('create', () => {
  it('answers the whole Event model and stores exactly it', async () => {
    const t = await rig();
    const now = t.clock.now();
    const out = await t.create('ev_1-A', { event_types: ['SECRET_DELETED', 'SECRET_ROTATED'], state: 'DISABLED' });
    expect(out).toStrictEqual({
      event: {
        name: 'ev_1-A',
        event_id: out.event.event_id,
        event_types: ['SECRET_DELETED', 'SECRET_ROTATED'],
        state: 'DISABLED',
        create_time: now,
        update_time: now,
        notification: NOTIFICATION,
      },
    });
    expect(out.event.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await t.storedEvent('ev_1-A')).toStrictEqual({
      name: 'ev_1-A',
      id: out.event.event_id,
      eventTypes: ['SECRET_DELETED', 'SECRET_ROTATED'],
      state: 'DISABLED',
      createdAt: now,
      updatedAt: now,
      notification: NOTIFICATION,
    });
    // Every type at once, and bounds of the name and the target fields.
    const all = await t.create('x'.repeat(64), { event_types: [...EVENT_TYPES], notification: { target_type: 'SMN', target_id: 'i'.repeat(256), target_name: 'n' } });
    expect(all.event.event_types).toEqual([...EVENT_TYPES]);
    expect(all.event.notification).toEqual({ target_type: 'SMN', target_id: 'i'.repeat(256), target_name: 'n' });
    expect((await t.create('y', { notification: { target_type: 'SMN', target_id: 'i', target_name: 'n'.repeat(256) } })).event.notification.target_name).toBe('n'.repeat(256));
    // Unknown notification fields are not kept.
    await t.create('z', { notification: { ...NOTIFICATION, extra: 'dropped' } });
    expect((await t.storedEvent('z'))!.notification).toStrictEqual(NOTIFICATION);
  });

  it('refuses each bad field with its exact error and stores nothing', async () => {
    const t = await rig();
    const cases: [Record<string, unknown>, unknown[]][] = [
      [{ name: undefined }, missing('name')],
      [{ name: '' }, invalid('name', 'has an invalid format')],
      [{ name: 'x'.repeat(65) }, invalid('name', 'has an invalid format')],
      [{ name: 'bad name' }, invalid('name', 'has an invalid format')],
      [{ name: 7 }, invalid('name', 'must be a JSON string')],
      [{ event_types: undefined }, missing('event_types')],
      [{ event_types: [] }, invalid('event_types', 'must have at least 1 items')],
      [{ event_types: [...EVENT_TYPES, 'SECRET_DELETED'] }, invalid('event_types', 'must have at most 6 items')],
      [{ event_types: ['SECRET_GONE'] }, invalid('event_types[0]', `must be one of ${EVENT_TYPES.join(', ')}`)],
      [{ event_types: ['SECRET_DELETED', 'SECRET_DELETED'] }, invalid('event_types', 'names a type twice')],
      [{ state: undefined }, missing('state')],
      [{ state: 'ON' }, invalid('state', 'must be one of ENABLED, DISABLED')],
      [{ notification: undefined }, missing('notification')],
      [{ notification: 'SMN' }, invalid('notification', 'must be a JSON object')],
      [{ notification: { ...NOTIFICATION, target_type: undefined } }, missing('target_type')],
      [{ notification: { ...NOTIFICATION, target_type: 'SMS' } }, invalid('target_type', 'must be one of SMN')],
      [{ notification: { ...NOTIFICATION, target_id: undefined } }, missing('target_id')],
      [{ notification: { ...NOTIFICATION, target_id: '' } }, invalid('target_id', 'must be at least 1 characters')],
      [{ notification: { ...NOTIFICATION, target_id: 'i'.repeat(257) } }, invalid('target_id', 'must be at most 256 characters')],
      [{ notification: { ...NOTIFICATION, target_name: undefined } }, missing('target_name')],
      [{ notification: { ...NOTIFICATION, target_name: '' } }, invalid('target_name', 'must be at least 1 characters')],
      [{ notification: { ...NOTIFICATION, target_name: 'n'.repeat(257) } }, invalid('target_name', 'must be at most 256 characters')],
    ];
    for (const [fields, error] of cases) expect(await t.refused(createEventOp, { body: body('ev', fields) }), JSON.stringify(fields)).toEqual(error);
    expect(await t.stored()).toEqual({});
  });

  it('refuses a name that exists, also when it is created between the check and the write; other store failures stay failures', async () => {
    const store = new RacingStore();
    const t = await rig(store);
    await t.create('ev');
    const before = await t.stored();
    expect(await t.refused(createEventOp, { body: body('ev', { state: 'DISABLED' }) })).toEqual(invalid('name', 'an event named ev already exists'));
    expect(await t.stored()).toEqual(before);
    // Another writer creates `race` after the name was checked.
    store.beforePut.set(`csms/${PROJECT}/event/race`, async () => {
      await t.secrets.events.put(PROJECT, { ...(await t.storedEvent('ev'))!, name: 'race', id: 'theirs' }, null);
    });
    expect(await t.refused(createEventOp, { body: body('race') })).toEqual(invalid('name', 'an event named race already exists'));
    expect((await t.storedEvent('race'))!.id).toBe('theirs');
    // A store failure is not a taken name.
    store.beforePut.set(`csms/${PROJECT}/event/broken`, async () => {
      throw new StoreError('disk gone');
    });
    const e = await rejection(t.run(createEventOp, { body: body('broken') }));
    expect(e).toBeInstanceOf(StoreError);
    expect(e.message).toBe('disk gone');
    store.beforePut.set(`csms/${PROJECT}/event/odd`, async () => {
      throw 'not an Error';
    });
    expect(await rejection(t.run(createEventOp, { body: body('odd') }))).toBe('not an Error');
  });

  it('a project holds at most 100 events', async () => {
    const t = await rig();
    for (let i = 0; i < 99; i++) await t.create(`e${i}`);
    await t.create('e99');
    const before = await t.stored();
    expect(Object.keys(before).length).toBe(100);
    expect(await t.refused(createEventOp, { body: body('e100') })).toEqual(invalid('name', 'a project may have at most 100 events'));
    // The count is checked before the name: an existing name at the limit gets the quota error too.
    expect(await t.refused(createEventOp, { body: body('e5') })).toEqual(invalid('name', 'a project may have at most 100 events'));
    expect(await t.stored()).toEqual(before);
  });
});

describe('the limit of 100 events under concurrent creates', () => {
  const LIMIT = invalid('name', 'a project may have at most 100 events');
  /** Creates `n` events one after another. */
  const seed = async (t: Awaited<ReturnType<typeof rig>>, n: number) => {
    for (let i = 0; i < n; i++) await t.create(`seed${i}`);
  };
  const outcomes = (t: Awaited<ReturnType<typeof rig>>, names: string[]) =>
    Promise.all(names.map((n) => t.run(createEventOp, { body: body(n) }).then(() => 'created', (e: any) => JSON.stringify([e.status, e.code, e.message]))));
  const eventCount = async (store: Store) => (await listAll(store, `csms/${PROJECT}/event/`)).length;

  it('of twelve at once with room for three, exactly three are created and every other gets the limit’s refusal', async () => {
    const t = await rig();
    await seed(t, 97);
    const results = await outcomes(t, Array.from({ length: 12 }, (_, i) => `c${i}`));
    expect(results.filter((r) => r === 'created')).toHaveLength(3);
    expect(results.filter((r) => r !== 'created')).toEqual(Array(9).fill(JSON.stringify(LIMIT)));
    expect(await eventCount(t.store)).toBe(100);
    expect((await t.answer(listEventsOp, { query: { limit: '200' } })).events).toHaveLength(100);
    // A delete gives its place back, to exactly one of the next creates.
    expect(await t.run(deleteEventOp, { params: { event_name: 'seed0' } })).toEqual({ status: 204 });
    expect((await outcomes(t, ['d1', 'd2', 'd3'])).filter((r) => r === 'created')).toHaveLength(1);
    expect(await eventCount(t.store)).toBe(100);
  });

  it('a create refused for its name, or racing another create of the same name, leaves no place held', async () => {
    const t = await rig();
    await seed(t, 98);
    // Two creates of one name at once: one is created, the other is told the name is taken.
    expect((await outcomes(t, ['same', 'same'])).sort()).toEqual([JSON.stringify(invalid('name', 'an event named same already exists')), 'created']);
    expect(await t.refused(createEventOp, { body: body('seed1') })).toEqual(invalid('name', 'an event named seed1 already exists'));
    expect(await outcomes(t, ['last', 'over'])).toEqual(['created', JSON.stringify(LIMIT)]);
    expect(await eventCount(t.store)).toBe(100);
  });

  for (const mode of ['fail', 'lost-ack'] as const) {
    for (const blind of [false, true]) {
      it(`a create or a delete whose write fails (${mode}${blind ? ', its read-back failing too' : ''}) is counted as the store holds it: the room left is filled exactly`, async () => {
        // A delete writes twice: its mark, then the delete.
        for (const [step, write] of [['create', 1], ['delete', 1], ['delete', 2]] as const) {
          const store = new FaultyStore(new MemoryStore());
          const t = await rig(store);
          await seed(t, 97);
          store.arm(write, mode);
          store.blindAfterFault = blind ? '/event/' : undefined;
          const failed = step === 'create' ? t.run(createEventOp, { body: body('faulty') }) : t.run(deleteEventOp, { params: { event_name: 'seed0' } });
          expect(await rejection(failed), step).toBe(store.injected);
          store.arm(0);
          await store.get('unblind/event/').catch(() => {}); // clears a blind read the step did not use
          // What the store holds: the faulty write landed only with lost-ack.
          const landed = mode === 'lost-ack' ? { create: 98, delete: write === 2 ? 96 : 97 } : { create: 97, delete: 97 };
          expect(await eventCount(store), `${step}, write ${write}`).toBe(landed[step]);
          const room = 100 - (await eventCount(store));
          const results = await outcomes(t, Array.from({ length: room + 3 }, (_, i) => `fill${i}`));
          expect(results.filter((r) => r === 'created'), `${step}: ${room} places`).toHaveLength(room);
          expect(await eventCount(store), step).toBe(100);
        }
      });
    }
  }

  it('on a store shared with other writers (Workers) the count is a listing: another writer’s events count, and creates through one service at once are held', async () => {
    const inner = new MemoryStore();
    const shared = (): Store => ({ get: (k) => inner.get(k), put: (k, v, o) => inner.put(k, v, o), delete: (k, o) => inner.delete(k, o), list: (p, o) => inner.list(p, o) });
    const t = await rig(shared());
    await seed(t, 95);
    // Another isolate (another store object over the same records) creates two.
    const other = new Secrets((await makeRig({ store: shared() })).kms);
    for (const name of ['theirs1', 'theirs2']) await createEventOp(other, { project: PROJECT } as never, { body: csmsFields(body(name)), query: new URLSearchParams(), params: {} });
    const results = await outcomes(t, Array.from({ length: 8 }, (_, i) => `c${i}`));
    expect(results.filter((r) => r === 'created')).toHaveLength(3);
    expect(await eventCount(inner)).toBe(100);
  });

  it('on a shared store, creates in two isolates at the same moment can pass the limit together (the limit this does not reach)', async () => {
    const inner = new MemoryStore();
    const shared = (): Store => ({ get: (k) => inner.get(k), put: (k, v, o) => inner.put(k, v, o), delete: (k, o) => inner.delete(k, o), list: (p, o) => inner.list(p, o) });
    const t = await rig(shared());
    await seed(t, 99);
    const other = await rig(shared());
    const results = await Promise.all([t.run(createEventOp, { body: body('one') }), other.run(createEventOp, { body: body('two') })].map((p) => p.then(() => 'created', (e: any) => e.code)));
    expect(results).toEqual(['created', 'created']);
    expect(await eventCount(inner)).toBe(101);
  });
});

describe('show, update and delete', () => {
  it('show answers the Event model; a missing or malformed name is refused', async () => {
    const t = await rig();
    const created = (await t.create('ev')).event;
    expect(await t.answer(showEventOp, { params: { event_name: 'ev' } })).toStrictEqual({ event: created });
    expect(await t.refused(showEventOp, { params: { event_name: 'nope' } })).toEqual(notFound('nope'));
    for (const op of [showEventOp, updateEventOp, deleteEventOp]) {
      for (const bad of ['!ev', 'ev!', '', 'x'.repeat(65)]) expect(await t.refused(op, { params: { event_name: bad } }), bad).toEqual(invalid('event_name', NAME_RULE));
      expect(await t.refused(op, { params: {} })).toEqual(invalid('event_name', NAME_RULE));
    }
    expect(await t.answer(showEventOp, { params: { event_name: 'ev' } })).toStrictEqual({ event: created });
  });

  it('update changes each given field, keeps the others and moves update_time only', async () => {
    const t = await rig();
    const created = (await t.create('ev')).event;
    t.clock.advance(1000);
    const onlyTime = await t.answer(updateEventOp, { params: { event_name: 'ev' } });
    expect(onlyTime).toStrictEqual({ event: { ...created, update_time: created.create_time + 1000 } });
    t.clock.advance(1000);
    const state = await t.answer(updateEventOp, { params: { event_name: 'ev' }, body: { state: 'DISABLED' } });
    expect(state).toStrictEqual({ event: { ...created, state: 'DISABLED', update_time: created.create_time + 2000 } });
    const types = await t.answer(updateEventOp, { params: { event_name: 'ev' }, body: { event_types: ['SECRET_ROTATED', 'SECRET_DELETED'] } });
    expect(types.event).toStrictEqual({ ...state.event, event_types: ['SECRET_ROTATED', 'SECRET_DELETED'] });
    const target = { target_type: 'SMN', target_id: 'other', target_name: 'other-name' };
    const notification = await t.answer(updateEventOp, { params: { event_name: 'ev' }, body: { notification: { ...target, extra: 1 } } });
    expect(notification.event).toStrictEqual({ ...types.event, notification: target });
    expect(await t.answer(showEventOp, { params: { event_name: 'ev' } })).toStrictEqual(notification);
    expect(await t.storedEvent('ev')).toStrictEqual({
      name: 'ev',
      id: created.event_id,
      eventTypes: ['SECRET_ROTATED', 'SECRET_DELETED'],
      state: 'DISABLED',
      createdAt: created.create_time,
      updatedAt: created.create_time + 2000,
      notification: target,
    });
    const all = await t.answer(updateEventOp, { params: { event_name: 'ev' }, body: { state: 'ENABLED', event_types: ['SECRET_VERSION_EXPIRED'], notification: NOTIFICATION } });
    expect(all.event).toStrictEqual({ ...created, event_types: ['SECRET_VERSION_EXPIRED'], update_time: created.create_time + 2000 });
  });

  it('update refuses a bad field or a missing event and changes nothing', async () => {
    const t = await rig();
    await t.create('ev');
    const before = await t.stored();
    const cases: [Record<string, unknown>, unknown[]][] = [
      [{ state: 'ON' }, invalid('state', 'must be one of ENABLED, DISABLED')],
      [{ event_types: [] }, invalid('event_types', 'must have at least 1 items')],
      [{ event_types: ['SECRET_ROTATED', 'SECRET_ROTATED'] }, invalid('event_types', 'names a type twice')],
      [{ state: 'DISABLED', event_types: ['NOPE'] }, invalid('event_types[0]', `must be one of ${EVENT_TYPES.join(', ')}`)],
      [{ state: 'DISABLED', notification: {} }, missing('target_type')],
      [{ notification: { ...NOTIFICATION, target_id: '' } }, invalid('target_id', 'must be at least 1 characters')],
      [{ notification: [] }, invalid('notification', 'must be a JSON object')],
    ];
    for (const [fields, error] of cases) expect(await t.refused(updateEventOp, { params: { event_name: 'ev' }, body: fields }), JSON.stringify(fields)).toEqual(error);
    expect(await t.refused(updateEventOp, { params: { event_name: 'other' }, body: { state: 'DISABLED' } })).toEqual(notFound('other'));
    expect(await t.stored()).toEqual(before);
  });

  it('delete is refused while a secret subscribes the event, and then removes only it', async () => {
    const t = await rig();
    await t.create('ev');
    await t.create('free');
    await t.answer(createSecretOp, { body: { name: 'plain', secret_string: 'v' } });
    await t.answer(createSecretOp, { body: { name: 'user', secret_string: 'v', event_subscriptions: ['ev'] } });
    const before = await t.stored();
    expect(await t.refused(deleteEventOp, { params: { event_name: 'ev' } })).toEqual([400, 'CSMS.0003', 'The event ev is still subscribed by secret user.']);
    expect(await t.refused(deleteEventOp, { params: { event_name: 'nope' } })).toEqual(notFound('nope'));
    expect(await t.stored()).toEqual(before);
    expect(await t.run(deleteEventOp, { params: { event_name: 'free' } })).toEqual({ status: 204 });
    expect(Object.keys(await t.stored())).toEqual([`csms/${PROJECT}/event/ev`]);
    await t.run(deleteSecretOp, { params: { secret_name: 'user' } });
    expect(await t.run(deleteEventOp, { params: { event_name: 'ev' } })).toEqual({ status: 204 });
    expect(await t.stored()).toEqual({});
    expect(await t.refused(showEventOp, { params: { event_name: 'ev' } })).toEqual(notFound('ev'));
  });
});

describe('another writer between the read and the write', () => {
  it('update answers its change on top of theirs; delete checks the subscribers again and deletes', async () => {
    const store = new RacingStore();
    const t = await rig(store);
    const created = (await t.create('ev')).event;
    store.beforePut.set(`csms/${PROJECT}/event/ev`, async () => {
      await t.run(updateEventOp, { params: { event_name: 'ev' }, body: { event_types: ['SECRET_DELETED'] } });
    });
    t.clock.advance(1000);
    const out = await t.answer(updateEventOp, { params: { event_name: 'ev' }, body: { state: 'DISABLED' } });
    expect(out).toStrictEqual({ event: { ...created, state: 'DISABLED', event_types: ['SECRET_DELETED'], update_time: created.create_time + 1000 } });
    expect(await t.answer(showEventOp, { params: { event_name: 'ev' } })).toStrictEqual(out);
    // A secret subscribes while the event is changed under the delete: the second check sees it.
    store.beforeDelete.set(`csms/${PROJECT}/event/ev`, async () => {
      await t.run(updateEventOp, { params: { event_name: 'ev' }, body: { state: 'ENABLED' } });
      await t.answer(createSecretOp, { body: { name: 'late', secret_string: 'v', event_subscriptions: ['ev'] } });
    });
    expect(await t.refused(deleteEventOp, { params: { event_name: 'ev' } })).toEqual([400, 'CSMS.0003', 'The event ev is still subscribed by secret late.']);
    expect((await t.storedEvent('ev'))!.state).toBe('ENABLED');
    await t.run(deleteSecretOp, { params: { secret_name: 'late' } });
    store.beforeDelete.set(`csms/${PROJECT}/event/ev`, async () => {
      await t.run(updateEventOp, { params: { event_name: 'ev' }, body: { state: 'DISABLED' } });
    });
    expect(await t.run(deleteEventOp, { params: { event_name: 'ev' } })).toEqual({ status: 204 });
    expect(await t.stored()).toEqual({});
  });
});

describe('list events', () => {
  it('pages by name: limit, next_marker only when more, previous_marker, a marker of a deleted event', async () => {
    const t = await rig();
    const names = Array.from({ length: 53 }, (_, i) => `ev${String(i).padStart(2, '0')}`);
    for (const n of [...names].reverse()) await t.create(n);
    const list = async (query: Record<string, string> = {}) => {
      const out = await t.answer(listEventsOp, { query });
      return [out.events.map((e: any) => e.name), out.page_info];
    };
    expect(await list()).toEqual([names.slice(0, 50), { next_marker: 'ev49', current_count: 50 }]);
    expect(await list({ limit: '', marker: '' })).toEqual([names.slice(0, 50), { next_marker: 'ev49', current_count: 50 }]);
    expect(await list({ marker: 'ev49' })).toEqual([names.slice(50), { previous_marker: 'ev49', current_count: 3 }]);
    expect(await list({ limit: '3' })).toEqual([names.slice(0, 3), { next_marker: 'ev02', current_count: 3 }]);
    expect(await list({ limit: '3', marker: 'ev49' })).toEqual([names.slice(50), { previous_marker: 'ev49', current_count: 3 }]);
    expect(await list({ limit: '1', marker: 'ev51' })).toEqual([['ev52'], { previous_marker: 'ev51', current_count: 1 }]);
    expect(await list({ limit: '200', marker: 'ev52' })).toEqual([[], { previous_marker: 'ev52', current_count: 0 }]);
    expect(await list({ limit: '1' })).toEqual([['ev00'], { next_marker: 'ev00', current_count: 1 }]);
    // The marker's event is deleted between pages: the next page goes on after its name.
    await t.run(deleteEventOp, { params: { event_name: 'ev10' } });
    expect(await list({ limit: '2', marker: 'ev10' })).toEqual([['ev11', 'ev12'], { next_marker: 'ev12', previous_marker: 'ev10', current_count: 2 }]);
    expect(await list({ limit: '2', marker: 'ev09' })).toEqual([['ev11', 'ev12'], { next_marker: 'ev12', previous_marker: 'ev09', current_count: 2 }]);
    // A marker before every name gives the first page.
    expect(await list({ limit: '2', marker: 'a' })).toEqual([['ev00', 'ev01'], { next_marker: 'ev01', previous_marker: 'a', current_count: 2 }]);
    // The whole Event model.
    const [first] = (await t.answer(listEventsOp, { query: { limit: '1' } })).events;
    expect(first).toStrictEqual((await t.answer(showEventOp, { params: { event_name: 'ev00' } })).event);
  });

  it('refuses a limit outside 1-200 or not canonical, and a marker that is no event name', async () => {
    const t = await rig();
    await t.create('ev');
    for (const limit of ['0', '201', '01', 'x', '-1', '1.5']) expect(await t.refused(listEventsOp, { query: { limit } }), limit).toEqual(invalid('limit', 'must be 1-200'));
    expect((await t.answer(listEventsOp, { query: { limit: '200' } })).events.length).toBe(1);
    for (const marker of ['bad marker', 'x'.repeat(65), '!ev', 'ev!']) expect(await t.refused(listEventsOp, { query: { marker } }), marker).toEqual(invalid('marker', 'must be a next_marker of this listing'));
  });
});

describe('notification records', () => {
  it('are listed newest first with every field, and page through records that share their time without repeating or skipping one', async () => {
    const t = await rig();
    await t.create('ev', { event_types: ['SECRET_VERSION_CREATED', 'SECRET_DELETED'] });
    // s1 and s2 a second apart; then the clock stands still: the last four records share their create_time.
    for (const name of ['s1', 's2', 's3', 's4', 's5']) {
      await t.answer(createSecretOp, { body: { name, secret_string: 'v', event_subscriptions: ['ev'] } });
      if (name < 's3') t.clock.advance(1000);
    }
    await t.run(deleteSecretOp, { params: { secret_name: 's5' } });
    const all = await t.answer(listRecordsOp);
    expect(all.page_info).toStrictEqual({ current_count: 6 });
    const now = t.clock.now();
    const seenOf = (records: any[]) => records.map((r: any) => [r.trigger_event_type, r.secret_name, r.create_time]);
    // Newest first; the order of records of the same millisecond is their random position's.
    expect(seenOf(all.records.slice(4))).toEqual([
      ['SECRET_VERSION_CREATED', 's2', now - 1000],
      ['SECRET_VERSION_CREATED', 's1', now - 2000],
    ]);
    expect(seenOf(all.records.slice(0, 4)).sort()).toEqual([
      ['SECRET_DELETED', 's5', now],
      ['SECRET_VERSION_CREATED', 's3', now],
      ['SECRET_VERSION_CREATED', 's4', now],
      ['SECRET_VERSION_CREATED', 's5', now],
    ]);
    expect(all.records).toStrictEqual((await t.secrets.events.records(PROJECT)).map((r) => r.value));
    const deleted = all.records.find((r: any) => r.trigger_event_type === 'SECRET_DELETED');
    expect(deleted).toStrictEqual({
      event_name: 'ev',
      trigger_event_type: 'SECRET_DELETED',
      create_time: now,
      secret_name: 's5',
      secret_type: 'COMMON',
      notification_target_name: 'topic',
      notification_target_id: 'urn:smn:region:p:topic',
      notification_content: deleted.notification_content,
      notification_status: 'INVALID',
    });
    const positions = (await t.secrets.events.records(PROJECT)).map((r) => r.position);
    // Pages of two, each going on past the last record of the one before.
    const seen: unknown[] = [];
    let marker: string | undefined;
    const infos: unknown[] = [];
    // At most four pages are asked for, so a listing that never ends fails instead of hanging.
    do {
      const out = await t.answer(listRecordsOp, { query: { limit: '2', ...(marker ? { marker } : {}) } });
      seen.push(...out.records);
      infos.push(out.page_info);
      marker = out.page_info.next_marker;
    } while (marker && infos.length < 4);
    expect(seen).toEqual(all.records);
    expect(infos).toEqual([
      { next_marker: positions[1], current_count: 2 },
      { next_marker: positions[3], previous_marker: positions[1], current_count: 2 },
      { previous_marker: positions[3], current_count: 2 },
    ]);
    // A marker past every record, a limit at its bound, and refusals.
    expect(await t.answer(listRecordsOp, { query: { marker: positions[5] } })).toStrictEqual({ records: [], page_info: { previous_marker: positions[5], current_count: 0 } });
    expect((await t.answer(listRecordsOp, { query: { limit: '1000' } })).records.length).toBe(6);
    for (const limit of ['0', '1001', '01']) expect(await t.refused(listRecordsOp, { query: { limit } })).toEqual(invalid('limit', 'must be 1-1000'));
    for (const marker of [String(now), 'ev', `${positions[0]}0`]) expect(await t.refused(listRecordsOp, { query: { marker } })).toEqual(invalid('marker', 'must be a next_marker of this listing'));
  });
});

describe('tasks', () => {
  async function withTasks() {
    const t = await rig();
    const tasks: TaskRecord[] = [
      { task_id: 't1', secret_name: 'a', task_status: 'SUCCESS', operate_type: 'ROTATE', task_time: 1, attempt_nums: 1 },
      { task_id: 't2', secret_name: 'b', rotation_func_urn: 'urn:f', task_status: 'FAILED', operate_type: 'ROTATE', task_time: 2, attempt_nums: 3, task_error_code: 'E', task_error_msg: 'm' },
      { task_id: 't3', secret_name: 'a', task_status: 'FAILED', operate_type: 'ROTATE', task_time: 3, attempt_nums: 1 },
      { task_id: 't4', secret_name: 'b', task_status: 'SUCCESS', operate_type: 'ROTATE', task_time: 4, attempt_nums: 1 },
    ];
    for (const task of tasks) await t.secrets.events.addTask(PROJECT, task);
    // Another project's task is never listed.
    await t.secrets.events.addTask('fedcba9876543210fedcba9876543210', { ...tasks[0], task_id: 'elsewhere' });
    const ids = async (query: Record<string, string> = {}) => {
      const out = await t.answer(listTasksOp, { query });
      return [out.total, out.tasks.map((x: TaskRecord) => x.task_id), out.next_marker];
    };
    return { ...t, tasks, ids };
  }

  it('are listed newest first with every field, filtered by status, secret name and task id together', async () => {
    const t = await withTasks();
    const out = await t.answer(listTasksOp);
    expect(out).toStrictEqual({ total: 4, tasks: [...t.tasks].reverse() });
    expect(await t.ids({ status: 'SUCCESS' })).toEqual([2, ['t4', 't1'], undefined]);
    expect(await t.ids({ status: 'FAILED' })).toEqual([2, ['t3', 't2'], undefined]);
    expect(await t.ids({ secret_name: 'a' })).toEqual([2, ['t3', 't1'], undefined]);
    expect(await t.ids({ secret_name: 'b', status: 'FAILED' })).toEqual([1, ['t2'], undefined]);
    expect(await t.ids({ task_id: 't3' })).toEqual([1, ['t3'], undefined]);
    expect(await t.ids({ task_id: 't3', status: 'SUCCESS' })).toEqual([0, [], undefined]);
    expect(await t.ids({ task_id: 't3', secret_name: 'b' })).toEqual([0, [], undefined]);
    expect(await t.ids({ task_id: 'none' })).toEqual([0, [], undefined]);
    expect(await t.ids({ secret_name: 'none' })).toEqual([0, [], undefined]);
    expect(await t.ids({ status: '', secret_name: '', task_id: '' })).toEqual([4, ['t4', 't3', 't2', 't1'], undefined]);
    for (const status of ['DONE', 'success', 'FAIL']) expect(await t.refused(listTasksOp, { query: { status } }), status).toEqual(invalid('status', 'must be SUCCESS or FAILED'));
  });

  it('page with next_marker (a log position) while total counts every match', async () => {
    const t = await withTasks();
    const positions = (await t.secrets.events.tasks(PROJECT)).map((x) => x.position);
    expect(await t.ids({ limit: '3' })).toEqual([4, ['t4', 't3', 't2'], positions[2]]);
    expect(await t.ids({ limit: '3', marker: positions[2] })).toEqual([4, ['t1'], undefined]);
    expect(await t.ids({ limit: '4' })).toEqual([4, ['t4', 't3', 't2', 't1'], undefined]);
    expect(await t.ids({ limit: '1', secret_name: 'a' })).toEqual([2, ['t3'], positions[1]]);
    expect(await t.ids({ limit: '1', secret_name: 'a', marker: positions[1] })).toEqual([2, ['t1'], undefined]);
    for (const limit of ['0', '1001']) expect(await t.refused(listTasksOp, { query: { limit } })).toEqual(invalid('limit', 'must be 1-1000'));
    expect(await t.refused(listTasksOp, { query: { marker: 't1' } })).toEqual(invalid('marker', 'must be a next_marker of this listing'));
  });
});

describe('generate-password', () => {
  /** Makes crypto.getRandomValues hand out `script`, then fail (so a draw repeated forever ends the test). */
  function scriptRandom(script: number[]): void {
    const queue = [...script];
    vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      const bytes = array as unknown as Uint8Array;
      for (let i = 0; i < bytes.length; i++) {
        if (!queue.length) throw new Error('the scripted random bytes ran out');
        bytes[i] = queue.shift()!;
      }
      return array;
    });
  }
  const generate = async (fields: Record<string, unknown> = {}) => {
    const reply = await generatePasswordOp(null as never, null as never, { body: csmsFields(fields), query: new URLSearchParams(), params: {} });
    return (reply.body as { password: string }).password;
  };
  const refused = async (fields: Record<string, unknown>) => {
    const e = await rejection(generatePasswordOp(null as never, null as never, { body: csmsFields(fields), query: new URLSearchParams(), params: {} }));
    return [e.status, e.code, e.message];
  };
  // The alphabet without exclusions: 26 lowercase, 26 uppercase, 10 digits, 32 punctuation (94); a byte b
  // below 188 picks alphabet[b % 94]: 0 'a', 26 'A', 52 '0', 62 '!'.

  it('defaults: 32 characters, each type required, no space', async () => {
    scriptRandom([...new Array(32).fill(0), 26, 52, 62, ...new Array(29).fill(1)]);
    // The first draw is all 'a' and lacks three types, so it is drawn again.
    expect(await generate()).toBe(`A0!${'b'.repeat(29)}`);
    vi.restoreAllMocks();
    expect(await generate({ password_policy_name: 'p'.repeat(64) })).toHaveLength(32);
    expect(await generate({ require_each_included_type: false })).toHaveLength(32);
  });

  it('require_each_included_type false keeps the first draw; include_space adds the space', async () => {
    scriptRandom(new Array(8).fill(0));
    expect(await generate({ length: 8, require_each_included_type: false })).toBe('aaaaaaaa');
    // With the space the alphabet is 95 characters; byte 94 is the space.
    scriptRandom([94, 0, 26, 52, 62, 0, 0, 0]);
    expect(await generate({ length: 8, include_space: true })).toBe(' aA0!aaa');
    scriptRandom([94, 0, 26, 52, 62, 0, 0, 0]);
    // Without it byte 94 is 'a' again (94 % 94).
    expect(await generate({ length: 8, include_space: false, require_each_included_type: false })).toBe('aaA0!aaa');
  });

  it('each exclusion and the length are applied', async () => {
    for (const [fields, absent] of [
      [{ exclude_lowercase: true }, /[a-z]/],
      [{ exclude_uppercase: true }, /[A-Z]/],
      [{ exclude_numbers: true }, /[0-9]/],
      [{ exclude_punctuation: true }, /[^a-zA-Z0-9]/],
      [{ exclude_characters: 'abcdefghijklmnopqrstuvwxyz0123456789' }, /[a-z0-9]/],
    ] as const) {
      const p = await generate({ length: 4096, ...fields });
      expect(p, JSON.stringify(fields)).toHaveLength(4096);
      expect(absent.test(p), JSON.stringify(fields)).toBe(false);
    }
    const all = await generate({ length: 4096, include_space: true, exclude_characters: 'x'.repeat(128) });
    expect(all.includes(' ')).toBe(true);
    expect(all.includes('x')).toBe(false);
    expect((await generate({ length: 4096 })).includes(' ')).toBe(false);
    expect(await generate({ length: 8 })).toHaveLength(8);
  });

  it('refuses bad fields and a policy that allows no password; a CSPRNG failure is not a bad policy', async () => {
    expect(await refused({ length: 7 })).toEqual(invalid('length', 'must be at least 8'));
    expect(await refused({ length: 4097 })).toEqual(invalid('length', 'must be at most 4096'));
    expect(await refused({ length: '32' })).toEqual(invalid('length', 'must be a JSON integer'));
    expect(await refused({ exclude_characters: 'x'.repeat(129) })).toEqual(invalid('exclude_characters', 'must be at most 128 characters'));
    expect(await refused({ password_policy_name: 'p'.repeat(65) })).toEqual(invalid('password_policy_name', 'must be at most 64 characters'));
    for (const field of ['exclude_lowercase', 'exclude_uppercase', 'exclude_numbers', 'exclude_punctuation', 'include_space', 'require_each_included_type'])
      expect(await refused({ [field]: 'true' }), field).toEqual(invalid(field, 'must be a JSON boolean'));
    expect(await refused({ exclude_lowercase: true, exclude_uppercase: true, exclude_numbers: true, exclude_punctuation: true })).toEqual(
      invalid('password policy', 'the policy excludes every character'),
    );
    vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(() => {
      throw new TypeError('no entropy');
    });
    const e = await rejection(generatePasswordOp(null as never, null as never, { body: csmsFields({}), query: new URLSearchParams(), params: {} }));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe('no entropy');
  });
});

describe('a fault in the store', () => {
  it('fails update and delete without a partial change; a taken name is refused before any write is tried', async () => {
    const store = new FaultyStore(new MemoryStore());
    const t = await rig(store);
    await t.create('ev');
    const before = await t.stored();
    store.arm(1);
    expect(await t.refused(createEventOp, { body: body('ev') })).toEqual(invalid('name', 'an event named ev already exists'));
    expect(store.injected).toBeUndefined();
    store.arm(1);
    expect(await rejection(t.run(updateEventOp, { params: { event_name: 'ev' }, body: { state: 'DISABLED' } }))).toBe(store.injected);
    store.arm(1);
    expect(await rejection(t.run(deleteEventOp, { params: { event_name: 'ev' } }))).toBe(store.injected);
    expect(await t.stored()).toEqual(before);
  });
});
