// The event store on its own over a memory store: events written with compare-and-set, each project's
// events, notification records and tasks kept apart under their own keys, the logs read newest first by
// their zero-padded position (so a time of 5 ms sorts before one of 40), the newest 1000 of each log kept,
// and `notify` writing one metadata-only record for each enabled subscribed event that covers the type,
// never throwing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/kms/clock.ts';
import { EventStore, LOG_POSITION, notify, type EventRecord, type NotificationRecord, type TaskRecord } from '../../src/secrets/events-store.ts';
import type { Secrets } from '../../src/secrets/secrets.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { ConflictError, getJson, listAll, putJson, type Store } from '../../src/store/store.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';
import { RacingStore } from '../helpers/racing-store.ts';
import { rejection } from '../helpers/kms.ts';
import { secretRecord } from '../helpers/secret-record.ts';

afterEach(() => vi.restoreAllMocks());

const eventsOver = (store: Store) => new EventStore({ kms: { store } } as never);

const event = (name: string, fields: Partial<EventRecord> = {}): EventRecord => ({
  name,
  id: `id-${name}`,
  eventTypes: ['SECRET_VERSION_CREATED'],
  state: 'ENABLED',
  createdAt: 1,
  updatedAt: 1,
  notification: { target_type: 'SMN', target_id: `urn-${name}`, target_name: `target-${name}` },
  ...fields,
});

const record = (at: number, name = 'db'): NotificationRecord => ({
  event_name: 'ev',
  trigger_event_type: 'SECRET_DELETED',
  create_time: at,
  secret_name: name,
  secret_type: 'COMMON',
  notification_target_name: 't',
  notification_target_id: 'u',
  notification_content: '{}',
  notification_status: 'INVALID',
});

const task = (at: number, id = `task-${at}`): TaskRecord => ({ task_id: id, secret_name: 'db', task_status: 'SUCCESS', operate_type: 'ROTATE', task_time: at, attempt_nums: 1 });

/** Every key of the store with its JSON value. */
async function everything(store: Store): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const k of await listAll(store, '')) out[k] = (await getJson(store, k))!.value;
  return out;
}

describe('events', () => {
  it('are created only where absent and replaced only at the version read', async () => {
    const store = new MemoryStore();
    const events = eventsOver(store);
    expect(await events.get('p', 'ev')).toBeNull();
    await events.put('p', event('ev'), null);
    const first = (await events.get('p', 'ev'))!;
    expect(first.event).toEqual(event('ev'));
    expect((await getJson(store, 'csms/p/event/ev'))!.value).toEqual(event('ev'));
    // Creating again, or replacing at a version that is no longer current, is a conflict and changes nothing.
    expect(await rejection(events.put('p', event('ev', { state: 'DISABLED' }), null))).toBeInstanceOf(ConflictError);
    await events.put('p', event('ev', { updatedAt: 2 }), first.version);
    expect((await events.get('p', 'ev'))!.event).toEqual(event('ev', { updatedAt: 2 }));
    expect(await rejection(events.put('p', event('ev', { updatedAt: 3 }), first.version))).toBeInstanceOf(ConflictError);
    expect((await events.get('p', 'ev'))!.event).toEqual(event('ev', { updatedAt: 2 }));
  });

  it('update applies its change to the event as it is when written, read again after another writer', async () => {
    const store = new RacingStore();
    const events = eventsOver(store);
    expect(await events.update('p', 'ev', () => event('ev'))).toBeUndefined();
    expect(await listAll(store, '')).toEqual([]);
    await events.put('p', event('ev'), null);
    // Another writer disables the event between this update's read and its write.
    store.beforePut.set('csms/p/event/ev', async () => {
      await events.put('p', event('ev', { state: 'DISABLED' }), (await events.get('p', 'ev'))!.version);
    });
    const seen: EventRecord[] = [];
    const next = await events.update('p', 'ev', (e) => {
      seen.push(e);
      return { ...e, updatedAt: 9 };
    });
    expect(seen).toEqual([event('ev'), event('ev', { state: 'DISABLED' })]);
    expect(next).toEqual(event('ev', { state: 'DISABLED', updatedAt: 9 }));
    expect((await events.get('p', 'ev'))!.event).toEqual(next);
  });

  it('remove deletes only after its check passes, checking again after another writer; false when there is none', async () => {
    const store = new RacingStore();
    const events = eventsOver(store);
    let checks = 0;
    const check = async () => {
      checks++;
    };
    expect(await events.remove('p', 'ev', check)).toBe(false);
    expect(checks).toBe(0);
    await events.put('p', event('ev'), null);
    await events.put('p', event('keep'), null);
    const refusal = new Error('still subscribed');
    expect(
      await rejection(
        events.remove('p', 'ev', async () => {
          throw refusal;
        }),
      ),
    ).toBe(refusal);
    expect((await events.get('p', 'ev'))!.event).toEqual(event('ev'));
    store.beforeDelete.set('csms/p/event/ev', async () => {
      await events.put('p', event('ev', { updatedAt: 5 }), (await events.get('p', 'ev'))!.version);
    });
    expect(await events.remove('p', 'ev', check)).toBe(true);
    expect(checks).toBe(2);
    expect(await listAll(store, '')).toEqual(['csms/p/event/keep']);
  });

  it('gives up after 16 attempts that each lose to another writer, and stops at a failure that is no conflict', async () => {
    // A store where someone else rewrites the event just before every conditional write of it (a delete's
    // first is its mark).
    class Contended extends MemoryStore {
      attempts = 0;
      override async put(key: string, value: Uint8Array, options?: { ifVersion?: string | null }) {
        if (key === 'csms/p/event/ev' && typeof options?.ifVersion === 'string') {
          this.attempts++;
          await super.put(key, new TextEncoder().encode(JSON.stringify(event('ev', { updatedAt: this.attempts }))));
        }
        return super.put(key, value, options);
      }
    }
    const store = new Contended();
    const events = eventsOver(store);
    await events.put('p', event('ev'), null);
    const tooMany = ['CSMS.0003', 500, 'Too many concurrent changes to event ev; try again.'];
    const update = await rejection(events.update('p', 'ev', (e) => ({ ...e, state: 'DISABLED' })));
    expect([update.code, update.status, update.message]).toEqual(tooMany);
    expect(store.attempts).toBe(16);
    store.attempts = 0;
    const remove = await rejection(events.remove('p', 'ev', async () => {}));
    expect([remove.code, remove.status, remove.message]).toEqual(tooMany);
    expect(store.attempts).toBe(16);
    expect((await events.get('p', 'ev'))!.event).toEqual(event('ev', { updatedAt: 16 }));
    // A failure of the store is not retried.
    const faulty = new FaultyStore(new MemoryStore());
    const once = eventsOver(faulty);
    await once.put('p', event('ev'), null);
    faulty.arm(1);
    expect(await rejection(once.update('p', 'ev', (e) => e))).toBe(faulty.injected);
    faulty.arm(1);
    expect(await rejection(once.remove('p', 'ev', async () => {}))).toBe(faulty.injected);
    expect(faulty.writes).toBe(1);
    expect((await once.get('p', 'ev'))!.event).toEqual(event('ev'));
  });

  it("list gives the project's events by name, not another project's, records, tasks or one gone since it was listed", async () => {
    const store = new RacingStore();
    const events = eventsOver(store);
    expect(await events.list('p')).toEqual([]);
    for (const name of ['b', 'a', 'gone']) await events.put('p', event(name), null);
    await events.put('p2', event('other'), null);
    await events.addRecord('p', record(5));
    await events.addTask('p', task(6));
    store.vanished.add('csms/p/event/gone');
    expect(await events.list('p')).toEqual([event('a'), event('b')]);
    expect(await events.list('p2')).toEqual([event('other')]);
  });
});

describe('the notification and task logs', () => {
  it('are read newest first by time (zero-padded: 5 ms before 40 and 300), each kind and project apart', async () => {
    const store = new MemoryStore();
    const events = eventsOver(store);
    for (const at of [40, 5, 300]) await events.addRecord('p', record(at));
    for (const at of [7, 1000]) await events.addTask('p', task(at));
    await events.addRecord('p2', record(9));
    await events.put('p', event('ev'), null);
    const records = await events.records('p');
    expect(records.map((r) => r.value)).toEqual([record(300), record(40), record(5)]);
    expect((await events.tasks('p')).map((t) => t.value)).toEqual([task(1000), task(7)]);
    expect((await events.records('p2')).map((r) => r.value)).toEqual([record(9)]);
    expect(await events.tasks('p2')).toEqual([]);
    // A position is the key under the log's prefix: 15 digits of milliseconds, then 12 lowercase hex digits.
    expect(records.map((r) => r.position.slice(0, 16))).toEqual(['000000000000300-', '000000000000040-', '000000000000005-']);
    for (const r of records) expect(r.position).toMatch(LOG_POSITION);
    expect(LOG_POSITION.test('000000000000300-0123456789ab')).toBe(true);
    for (const bad of ['00000000000300-0123456789ab', '000000000000300-0123456789AB', '000000000000300-0123456789a', 'x000000000000300-0123456789ab', '000000000000300-0123456789abc'])
      expect(LOG_POSITION.test(bad), bad).toBe(false);
    const keys = await listAll(store, 'csms/p/record/');
    expect(keys.map((k) => k.slice('csms/p/record/'.length))).toEqual(records.map((r) => r.position).reverse());
    expect((await getJson(store, keys[0]))!.value).toEqual(record(5));
  });

  it('an entry gone since the log was listed is skipped', async () => {
    const store = new RacingStore();
    const events = eventsOver(store);
    for (const at of [1, 2, 3]) await events.addRecord('p', record(at));
    for (const at of [1, 2]) await events.addTask('p', task(at));
    const [, middle] = await listAll(store, 'csms/p/record/');
    const [oldTask] = await listAll(store, 'csms/p/task/');
    store.vanished.add(middle);
    store.vanished.add(oldTask);
    expect((await events.records('p')).map((r) => r.value)).toEqual([record(3), record(1)]);
    expect((await events.tasks('p')).map((t) => t.value)).toEqual([task(2)]);
  });

  it('an append never overwrites: the same millisecond and the same random bytes is a conflict', async () => {
    const store = new MemoryStore();
    const events = eventsOver(store);
    vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      (array as unknown as Uint8Array).fill(0xab);
      return array;
    });
    await events.addRecord('p', record(5, 'first'));
    expect(await rejection(events.addRecord('p', record(5, 'second')))).toBeInstanceOf(ConflictError);
    await events.addTask('p', task(5, 'one'));
    expect(await rejection(events.addTask('p', task(5, 'two')))).toBeInstanceOf(ConflictError);
    vi.restoreAllMocks();
    expect(await events.records('p')).toEqual([{ position: '000000000000005-abababababab', value: record(5, 'first') }]);
    expect(await events.tasks('p')).toEqual([{ position: '000000000000005-abababababab', value: task(5, 'one') }]);
  });

  it('keep the newest 1000 entries of each log: the oldest go, nothing else does, and a failed pruning delete is ignored', async () => {
    const store = new FaultyStore(new MemoryStore());
    const events = eventsOver(store);
    // 999 records written straight into the log, then another project's record, a task and an event.
    for (let at = 1; at <= 999; at++) await putJson(store, `csms/p/record/${String(at).padStart(15, '0')}-000000000000`, record(at));
    await events.addRecord('p2', record(1));
    await events.addTask('p', task(1));
    await events.put('p', event('ev'), null);
    const before = await everything(store);
    // The 1000th record: nothing is pruned.
    await events.addRecord('p', record(1000));
    expect((await events.records('p')).length).toBe(1000);
    // The 1001st: the oldest goes.
    await events.addRecord('p', record(1001));
    const kept = await events.records('p');
    expect(kept.length).toBe(1000);
    expect(kept[0].value).toEqual(record(1001));
    expect(kept[999].value).toEqual(record(2));
    const after = await everything(store);
    for (const [k, v] of Object.entries(before)) if (k !== 'csms/p/record/000000000000001-000000000000') expect(after[k], k).toEqual(v);
    expect(after['csms/p/record/000000000000001-000000000000']).toBeUndefined();
    // The pruning delete fails (the put is write 1, the delete write 2): the record is written all the same.
    store.arm(2);
    await events.addRecord('p', record(1002));
    expect(store.injected).toBeDefined();
    const now = await events.records('p');
    expect(now.length).toBe(1001);
    expect(now[0].value).toEqual(record(1002));
    expect(now[1000].value).toEqual(record(2));
  });
});

describe('notify', () => {
  async function rig(store: Store = new MemoryStore()) {
    const clock = new ManualClock(1_700_000_000_000);
    const events = eventsOver(store);
    const secrets = { events, clock } as unknown as Secrets;
    return { store, clock, events, secrets };
  }

  it('writes one metadata-only record per enabled subscribed event covering the type, skipping missing, disabled and other-type events', async () => {
    const t = await rig();
    await t.events.put('p', event('off', { state: 'DISABLED', eventTypes: ['SECRET_DELETED'] }), null);
    await t.events.put('p', event('other', { eventTypes: ['SECRET_ROTATED', 'SECRET_VERSION_CREATED'] }), null);
    await t.events.put('p', event('on', { eventTypes: ['SECRET_VERSION_CREATED', 'SECRET_DELETED'] }), null);
    await t.events.put('p', event('also', { eventTypes: ['SECRET_DELETED'] }), null);
    const r = secretRecord({ project: 'p', name: 'db', id: 'sid', secretType: 'RDS-FG', eventSubscriptions: ['gone', 'off', 'other', 'on', 'also'] });
    await notify(t.secrets, r, 'SECRET_DELETED', { version_id: 'v3' });
    const now = t.clock.now();
    const expected = (name: string) => ({
      event_name: name,
      trigger_event_type: 'SECRET_DELETED',
      create_time: now,
      secret_name: 'db',
      secret_type: 'RDS-FG',
      notification_target_name: `target-${name}`,
      notification_target_id: `urn-${name}`,
      notification_content: JSON.stringify({ event_type: 'SECRET_DELETED', secret_name: 'db', secret_id: 'sid', time: now, version_id: 'v3' }),
      notification_status: 'INVALID',
    });
    expect((await t.events.records('p')).map((x) => x.value).sort((a, b) => a.event_name.localeCompare(b.event_name))).toEqual([expected('also'), expected('on')]);
    // Without detail the content holds only the event's metadata.
    const t2 = await rig();
    await t2.events.put('p', event('on'), null);
    await notify(t2.secrets, secretRecord({ project: 'p', eventSubscriptions: ['on'] }), 'SECRET_VERSION_CREATED');
    expect(JSON.parse((await t2.events.records('p'))[0].value.notification_content)).toEqual({ event_type: 'SECRET_VERSION_CREATED', secret_name: 'db', secret_id: 'id-1', time: t2.clock.now() });
    // A disabled event covering the type, or a type the event does not cover: no record.
    await notify(t2.secrets, secretRecord({ project: 'p', eventSubscriptions: ['on'] }), 'SECRET_DELETED');
    await t2.events.put('p', event('on', { state: 'DISABLED' }), (await t2.events.get('p', 'on'))!.version);
    await notify(t2.secrets, secretRecord({ project: 'p', eventSubscriptions: ['on'] }), 'SECRET_VERSION_CREATED');
    expect((await t2.events.records('p')).length).toBe(1);
  });

  it('never throws: a failed record write is swallowed and changes nothing', async () => {
    const t = await rig(new FaultyStore(new MemoryStore()));
    await t.events.put('p', event('on'), null);
    const store = t.store as FaultyStore;
    store.arm(1);
    await notify(t.secrets, secretRecord({ project: 'p', eventSubscriptions: ['on'] }), 'SECRET_VERSION_CREATED');
    expect(store.injected).toBeDefined();
    expect(await listAll(store, 'csms/p/record/')).toEqual([]);
  });
});
