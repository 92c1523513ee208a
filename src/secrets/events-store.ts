// Events, notification records and rotation tasks in the store. Huawei sends event notifications through
// SMN, which does not exist here: edgekms keeps the subscription settings as given and, when a subscribed
// event happens, writes a notification record (ListNotificationRecords) with notification_status
// "INVALID" (no target was reachable) instead of sending anything. Records and tasks are written after the
// change they describe has committed and are best effort: a failed record write never fails or undoes the
// change. Each project keeps the newest MAX_KEPT of each.
import { randomBytes } from '../crypto/bytes.ts';
import { toHex } from '../crypto/encoding.ts';
import { ConflictError, getJson, listAll, putJson } from '../store/store.ts';
import { CsmsCode, CsmsError, invalidParameter, resourceNotFound } from './errors.ts';
import type { SecretRecord } from './record.ts';
import { MAX_CAS_RETRIES } from './repository.ts';
import type { Secrets } from './secrets.ts';
import { documentsPrefix, Tally } from '../store/tally.ts';

export const EVENT_TYPES = ['SECRET_VERSION_CREATED', 'SECRET_VERSION_EXPIRED', 'SECRET_ROTATED', 'SECRET_DELETED', 'SECRET_ROTATED_FAILED', 'SECRET_VERSION_NEAR_EXPIRY'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface EventRecord {
  name: string;
  id: string;
  eventTypes: string[];
  state: 'ENABLED' | 'DISABLED';
  createdAt: number;
  updatedAt: number;
  notification: { target_type: string; target_id: string; target_name: string };
  /** Set by a delete before it looks for subscribers (remove); never shown. */
  deleting?: true;
}

export interface NotificationRecord {
  event_name: string;
  trigger_event_type: string;
  create_time: number;
  secret_name: string;
  secret_type: string;
  notification_target_name: string;
  notification_target_id: string;
  notification_content: string;
  notification_status: 'SUCCESS' | 'FAIL' | 'INVALID';
}

export interface TaskRecord {
  task_id: string;
  secret_name: string;
  rotation_func_urn?: string;
  task_status: 'SUCCESS' | 'FAILED';
  operate_type: string;
  task_time: number;
  attempt_nums: number;
  task_error_code?: string;
  task_error_msg?: string;
}

/** A notification record or task with its place in the log, which list markers name. */
export interface Logged<T> {
  /** Zero-padded milliseconds, then randomness so two entries never collide: later entries sort after. */
  position: string;
  value: T;
}

/** The form of a log position (a list marker of notification records and tasks). */
export const LOG_POSITION = /^[0-9]{15}-[0-9a-f]{12}$/;

const MAX_KEPT = 1000;
const eventPath = (project: string, name: string) => documentsPrefix(project, 'csms/event') + name;
const logPrefix = (project: string, kind: 'record' | 'task') => `csms/${project}/${kind}/`;
const logKey = (project: string, kind: 'record' | 'task', at: number) => `${logPrefix(project, kind)}${String(at).padStart(15, '0')}-${toHex(randomBytes(6), false)}`;

export class EventStore {
  constructor(private readonly secrets: Pick<Secrets, 'kms'>) {}

  private get store() {
    return this.secrets.kms.store;
  }

  /** The events each project holds, for the limit on creates (tally.ts: what it holds where the store is shared). */
  private get tally() {
    return Tally.of(this.store, 'csms/event');
  }

  async get(project: string, name: string): Promise<{ event: EventRecord; version: string } | null> {
    const e = await getJson<EventRecord>(this.store, eventPath(project, name));
    return e ? { event: e.value, version: e.version } : null;
  }

  /** Writes an event: `ifVersion` null creates, a version string replaces that version. Returns the new version. */
  async put(project: string, event: EventRecord, ifVersion: string | null): Promise<string> {
    const version = await putJson(this.store, eventPath(project, event.name), event, { ifVersion });
    this.tally.noted(project, event.name, true);
    return version;
  }

  /**
   * Stores a new event; CSMS.0002 when the project's events and the creates under way already fill `quota`
   * (checked first, so a taken name at the limit gets this answer too), or when the name is taken. The place
   * is held from the check to the write, as a secret's (tally.ts).
   */
  async create(project: string, event: EventRecord, quota: number): Promise<void> {
    const release = await this.tally.hold(project, quota);
    if (!release) throw invalidParameter('name', `a project may have at most ${quota} events`);
    try {
      await this.createDocument(project, event);
    } finally {
      // After createDocument's promise settles: its note of the name goes first (tally.ts, noted).
      release();
    }
  }

  private async createDocument(project: string, event: EventRecord): Promise<void> {
    const taken = () => invalidParameter('name', `an event named ${event.name} already exists`);
    if (await this.get(project, event.name)) throw taken();
    try {
      await this.put(project, event, null);
    } catch (e) {
      if (e instanceof ConflictError) throw taken();
      // The write may have landed although it reported failure: the count follows what the store holds.
      await this.tally.recheck(project, event.name);
      throw e;
    }
  }

  /**
   * Replaces an event with `change` of it, read again while others write it meanwhile; undefined when it does
   * not exist. It also takes back the mark of a delete (remove) that could not: a delete still under way then
   * loses its compare-and-set and starts over, marking again.
   */
  async update(project: string, name: string, change: (e: EventRecord) => EventRecord): Promise<EventRecord | undefined> {
    return this.retried(project, name, async ({ event: { deleting: _, ...event }, version }) => {
      const next = change(event);
      await this.put(project, next, version);
      return next;
    });
  }

  /**
   * Deletes an event once `check` (which throws to refuse) passes, checked again on each attempt; false when
   * it does not exist. The event is marked `deleting` before `check` looks for subscribers and deleted only at
   * the marked version, while a subscribing write looks at the event after it has landed and takes itself back
   * when it finds it marked or gone (refusedSubscriptions). On a store where every read returns the last
   * acknowledged write (the file and memory stores, a project's Durable Object), whichever of the two comes
   * second sees the other: either the subscriber's look comes after the mark, or its write came before the
   * mark and so before `check`. A refused delete takes its mark back; if that write fails the mark stays until
   * the event's next update or delete, and subscribing is refused meanwhile (never a dangling subscription).
   */
  async remove(project: string, name: string, check: () => Promise<void>): Promise<boolean> {
    const removed = await this.retried(project, name, async ({ event, version }) => {
      const { deleting: _, ...unmarked } = event;
      const marked = await this.put(project, { ...unmarked, deleting: true }, version);
      try {
        await check();
      } catch (refusal) {
        await this.put(project, unmarked, marked).catch(() => {});
        throw refusal;
      }
      await this.tally.delete(project, name, marked);
      return true;
    });
    return removed ?? false;
  }

  /**
   * The names of `names` a secret may not subscribe to: events that do not exist or are being deleted, each
   * with the refusal to answer. Asked before a subscribing write and again once it has landed (remove says why).
   */
  async refusedSubscriptions(project: string, names: readonly string[]): Promise<{ name: string; refusal: CsmsError }[]> {
    const refused: { name: string; refusal: CsmsError }[] = [];
    for (const name of names) {
      const e = await this.get(project, name);
      if (!e) refused.push({ name, refusal: resourceNotFound(`event ${name}`) });
      else if (e.event.deleting) refused.push({ name, refusal: new CsmsError(CsmsCode.InvalidRequest, `The event ${name} is being deleted.`) });
    }
    return refused;
  }

  /** Compare-and-set on one event: `write` runs on a fresh read until no one else wrote in between. */
  private async retried<T>(project: string, name: string, write: (e: { event: EventRecord; version: string }) => Promise<T>): Promise<T | undefined> {
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const e = await this.get(project, name);
      if (!e) return undefined;
      try {
        return await write(e);
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    throw new CsmsError(CsmsCode.InvalidRequest, `Too many concurrent changes to event ${name}; try again.`, 500);
  }

  async list(project: string): Promise<EventRecord[]> {
    const out: EventRecord[] = [];
    for (const p of await listAll(this.store, `csms/${project}/event/`)) {
      const e = await getJson<EventRecord>(this.store, p);
      if (e) out.push(e.value);
    }
    return out;
  }

  /** Newest first. */
  async records(project: string): Promise<Logged<NotificationRecord>[]> {
    return this.readLog<NotificationRecord>(project, 'record');
  }

  /** Newest first. */
  async tasks(project: string): Promise<Logged<TaskRecord>[]> {
    return this.readLog<TaskRecord>(project, 'task');
  }

  async addTask(project: string, task: TaskRecord): Promise<void> {
    await this.append(project, 'task', task.task_time, task);
  }

  async addRecord(project: string, record: NotificationRecord): Promise<void> {
    await this.append(project, 'record', record.create_time, record);
  }

  private async readLog<T>(project: string, kind: 'record' | 'task'): Promise<Logged<T>[]> {
    const out: Logged<T>[] = [];
    const prefix = logPrefix(project, kind);
    for (const p of (await listAll(this.store, prefix)).reverse()) {
      const e = await getJson<T>(this.store, p);
      if (e) out.push({ position: p.slice(prefix.length), value: e.value });
    }
    return out;
  }

  private async append(project: string, kind: 'record' | 'task', at: number, value: unknown): Promise<void> {
    await putJson(this.store, logKey(project, kind, at), value, { ifVersion: null });
    const all = await listAll(this.store, logPrefix(project, kind));
    for (const p of all.slice(0, Math.max(0, all.length - MAX_KEPT))) await this.store.delete(p).catch(() => {});
  }
}

/** Records a notification for every enabled event the secret subscribes to that covers `type`. Never throws. */
export async function notify(secrets: Secrets, r: SecretRecord, type: EventType, detail: Record<string, unknown> = {}): Promise<void> {
  try {
    for (const name of r.eventSubscriptions) {
      const e = await secrets.events.get(r.project, name);
      if (!e || e.event.state !== 'ENABLED' || !e.event.eventTypes.includes(type)) continue;
      const now = secrets.clock.now();
      await secrets.events.addRecord(r.project, {
        event_name: name,
        trigger_event_type: type,
        create_time: now,
        secret_name: r.name,
        secret_type: r.secretType,
        notification_target_name: e.event.notification.target_name,
        notification_target_id: e.event.notification.target_id,
        // Metadata only: secret values never go into notifications.
        notification_content: JSON.stringify({ event_type: type, secret_name: r.name, secret_id: r.id, time: now, ...detail }),
        notification_status: 'INVALID',
      });
    }
  } catch {
    // best effort (see above)
  }
}
