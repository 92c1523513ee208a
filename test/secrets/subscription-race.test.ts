// A secret subscribing to an event while the event is deleted (src/secrets/events-store.ts, remove): each
// interleaving made to happen with store hooks, without timing. Whichever of the two commits second must see
// the other, so no secret is ever left subscribed to a deleted event: a delete that finds the subscriber is
// refused and takes its mark back, and a subscribing write (create, batch import, update, restore) that finds
// the event gone or being deleted once it has landed takes itself back (a restore keeps the secret and drops
// the subscription).
import { describe, expect, it } from 'vitest';
import { getJson, listAll, StoreError, type Store } from '../../src/store/store.ts';
import type { EventRecord } from '../../src/secrets/events-store.ts';
import type { SecretRecord } from '../../src/secrets/record.ts';
import { makeRig, rejection } from '../helpers/kms.ts';
import { RacingStore } from '../helpers/racing-store.ts';

const P = '/v1/{project_id}';
const NOTIFICATION = { target_type: 'SMN', target_id: 'urn:smn:region:p:topic', target_name: 'topic' };
const GONE = [400, 'CSMS.0005', 'The event ev does not exist.'];
const GOING = [400, 'CSMS.0003', 'The event ev is being deleted.'];

/**
 * `shared`: the service sees the racing store as one shared with other writers (no `exclusive`), as a Worker
 * sees a project's Durable Object: nothing is kept in memory, and the argument must hold all the same.
 */
async function rigOver(shared: boolean) {
  const racing = new RacingStore();
  const store: Store = shared ? { get: (k) => racing.get(k), put: (k, v, o) => racing.put(k, v, o), delete: (k, o) => racing.delete(k, o), list: (p, o) => racing.list(p, o) } : racing;
  const t = await makeRig({ store });
  const project = t.client.projectId;
  const call = (method: string, path: string, body?: unknown) => t.client.request<any>(method, `${P}${path}`, body);
  const refused = async (method: string, path: string, body?: unknown) => {
    const e = await rejection(call(method, path, body));
    return [e.status, e.code, e.message.replace(`${e.code}: `, '')];
  };
  const createEvent = (name: string) => call('POST', '/csms/events', { name, event_types: ['SECRET_VERSION_CREATED'], state: 'ENABLED', notification: NOTIFICATION });
  const deleteEvent = (name: string) => call('DELETE', `/csms/events/${name}`).then(() => 'deleted', (e: any) => e.code);
  // Store keys as the racing store sees them (beneath the barrier, under the same names).
  const secretKey = (name: string) => `csms/${project}/secret/${name}`;
  const eventKey = (name: string) => `csms/${project}/event/${name}`;
  const secret = async (name: string) => (await getJson<SecretRecord>(t.store, secretKey(name)))?.value;
  const event = async (name: string) => (await getJson<EventRecord>(t.store, eventKey(name)))?.value;
  /** Each stored secret's subscriptions, and the stored events' names. */
  const state = async () => {
    const secrets: Record<string, string[]> = {};
    for (const k of await listAll(t.store, `csms/${project}/secret/`)) secrets[k.split('/').pop()!] = (await getJson<SecretRecord>(t.store, k))!.value.eventSubscriptions;
    const events = (await listAll(t.store, `csms/${project}/event/`)).map((k) => k.split('/').pop());
    return { secrets, events };
  };
  /**
   * Starts deleting `name` and answers once the delete has marked it and found no subscriber: it then waits,
   * just before its commit, until `commit` is called; `done` is its outcome.
   */
  const deleteUpTo = async (name: string) => {
    let reached!: () => void;
    let commit!: () => void;
    const atCommit = new Promise<void>((r) => (reached = r));
    const gate = new Promise<void>((r) => (commit = r));
    racing.beforeDelete.set(eventKey(name), () => (reached(), gate));
    const done = deleteEvent(name);
    await atCommit;
    return { commit, done };
  };
  /** Counts every later put of `key` (the hook puts itself back each time). */
  const countPuts = (key: string) => {
    const count = { puts: 0 };
    const counted = async () => {
      count.puts++;
      racing.beforePut.set(key, counted);
    };
    racing.beforePut.set(key, counted);
    return count;
  };
  return { ...t, racing, project, call, refused, createEvent, deleteEvent, deleteUpTo, secretKey, eventKey, secret, event, state, countPuts };
}
for (const shared of [false, true]) {
  describe(shared ? 'over a store shared with other writers (Workers)' : 'over an exclusive store', () => {
    const rig = () => rigOver(shared);

    describe('create secret against delete event', () => {
      it('the event deleted between the create’s check and its write: the create takes itself back (CSMS.0005), leaving no record', async () => {
        const t = await rig();
        await t.createEvent('ev');
        t.racing.beforePut.set(t.secretKey('s'), async () => {
          expect(await t.deleteEvent('ev')).toBe('deleted'); // no subscriber yet
        });
        expect(await t.refused('POST', '/secrets', { name: 's', secret_string: 'v', event_subscriptions: ['ev'] })).toEqual(GONE);
        // Nothing of the project's CSMS data is left: no secret, no id pointer, no event, no notification.
        expect(await listAll(t.store, `csms/${t.project}/`)).toEqual([]);
        // The quota's count gave the place back: the name and the room are free.
        expect((await t.call('POST', '/secrets', { name: 's', secret_string: 'v' })).secret.event_subscriptions).toEqual([]);
      });

      it('the delete marks and looks before the write lands and commits after: the create sees the mark and takes itself back (CSMS.0003)', async () => {
        const t = await rig();
        await t.createEvent('ev');
        let deletion!: Awaited<ReturnType<typeof t.deleteUpTo>>;
        t.racing.beforePut.set(t.secretKey('s'), async () => {
          deletion = await t.deleteUpTo('ev');
        });
        expect(await t.refused('POST', '/secrets', { name: 's', secret_string: 'v', event_subscriptions: ['ev'] })).toEqual(GOING);
        expect(await t.secret('s')).toBeUndefined();
        deletion.commit();
        expect(await deletion.done).toBe('deleted');
        expect(await t.state()).toEqual({ secrets: {}, events: [] });
      });

      it('the write lands before the delete marks: the delete finds the subscriber, is refused and takes its mark back', async () => {
        const t = await rig();
        const created = (await t.createEvent('ev')).event;
        t.racing.beforePut.set(t.eventKey('ev'), async () => {
          // Just before the delete's mark is written, a secret subscribes.
          expect((await t.call('POST', '/secrets', { name: 's', secret_string: 'v', event_subscriptions: ['ev'] })).secret.event_subscriptions).toEqual(['ev']);
        });
        expect(await t.refused('DELETE', '/csms/events/ev')).toEqual([400, 'CSMS.0003', 'The event ev is still subscribed by secret s.']);
        expect(await t.state()).toEqual({ secrets: { s: ['ev'] }, events: ['ev'] });
        // The mark is gone: the stored event is the one created, and others may subscribe.
        expect(await t.event('ev')).toStrictEqual({ name: 'ev', id: created.event_id, eventTypes: ['SECRET_VERSION_CREATED'], state: 'ENABLED', createdAt: created.create_time, updatedAt: created.update_time, notification: NOTIFICATION });
        expect((await t.call('POST', '/secrets', { name: 's2', secret_string: 'v', event_subscriptions: ['ev'] })).secret.event_subscriptions).toEqual(['ev']);
      });

      it('a secret of that name made by someone else before the create takes itself back is left alone', async () => {
        const t = await rig();
        await t.createEvent('ev');
        t.racing.beforePut.set(t.secretKey('s'), async () => {
          expect(await t.deleteEvent('ev')).toBe('deleted');
          // Once the create has landed, and before it looks at the event again, its secret is replaced.
          t.racing.beforeGet.set(t.eventKey('ev'), async () => {
            await t.call('DELETE', '/secrets/s');
            await t.call('POST', '/secrets', { name: 's', secret_string: 'theirs', description: 'theirs' });
          });
        });
        expect(await t.refused('POST', '/secrets', { name: 's', secret_string: 'v', event_subscriptions: ['ev'] })).toEqual(GONE);
        expect(await t.state()).toEqual({ secrets: { s: [] }, events: [] });
        expect((await t.secret('s'))!.description).toBe('theirs');
      });

      it('a store failure while the create takes itself back is answered as such, and the subscription stays (the documented limit)', async () => {
        const t = await rig();
        await t.createEvent('ev');
        t.racing.beforePut.set(t.secretKey('s'), async () => {
          expect(await t.deleteEvent('ev')).toBe('deleted');
        });
        t.racing.beforeDelete.set(t.secretKey('s'), async () => {
          throw new StoreError('disk gone');
        });
        const e = await rejection(t.call('POST', '/secrets', { name: 's', secret_string: 'v', event_subscriptions: ['ev'] }));
        expect([e.status, e.code]).toEqual([500, 'KMS.0102']);
        expect(await t.state()).toEqual({ secrets: { s: ['ev'] }, events: [] });
      });

      it('a batch import item takes itself back the same way and is reported by name', async () => {
        const t = await rig();
        await t.createEvent('ev');
        t.racing.beforePut.set(t.secretKey('b'), async () => {
          expect(await t.deleteEvent('ev')).toBe('deleted');
        });
        const out = await t.call('POST', '/secrets/batch-import', { secrets: [{ name: 'a', secret_string: 'v' }, { name: 'b', secret_string: 'v', event_subscriptions: ['ev'] }] });
        expect(out).toEqual({ error_list: [{ name: 'b', error_msg: 'The event ev does not exist.' }], total: 2, success: 1, failed: 1 });
        expect(await t.state()).toEqual({ secrets: { a: [] }, events: [] });
      });
    });

    describe('update secret against delete event', () => {
      it('the event deleted between the update’s check and its write: the secret returns to what it was (CSMS.0005)', async () => {
        const t = await rig();
        await t.createEvent('ev');
        await t.createEvent('other');
        await t.call('POST', '/secrets', { name: 'db', secret_string: 'v', description: 'old', event_subscriptions: ['other'] });
        const before = await t.secret('db');
        t.racing.beforePut.set(t.secretKey('db'), async () => {
          expect(await t.deleteEvent('ev')).toBe('deleted');
        });
        t.clock.advance(1000);
        expect(await t.refused('PUT', '/secrets/db', { description: 'new', event_subscriptions: ['ev'] })).toEqual(GONE);
        expect(await t.secret('db')).toStrictEqual(before);
      });

      it('the delete marks and looks before the write lands: the update sees the mark and returns the secret to what it was (CSMS.0003)', async () => {
        const t = await rig();
        await t.createEvent('ev');
        await t.call('POST', '/secrets', { name: 'db', secret_string: 'v', description: 'old' });
        const before = await t.secret('db');
        let deletion!: Awaited<ReturnType<typeof t.deleteUpTo>>;
        t.racing.beforePut.set(t.secretKey('db'), async () => {
          deletion = await t.deleteUpTo('ev');
        });
        expect(await t.refused('PUT', '/secrets/db', { description: 'new', event_subscriptions: ['ev'] })).toEqual(GOING);
        expect(await t.secret('db')).toStrictEqual(before);
        deletion.commit();
        expect(await deletion.done).toBe('deleted');
        expect(await t.state()).toEqual({ secrets: { db: [] }, events: [] });
      });

      it('returning the secret to what it was would bring back a subscription whose event was deleted meanwhile: that one is dropped too', async () => {
        const t = await rig();
        await t.createEvent('ev');
        await t.createEvent('old');
        await t.call('POST', '/secrets', { name: 'db', secret_string: 'v', description: 'first', event_subscriptions: ['old'] });
        let deletion!: Awaited<ReturnType<typeof t.deleteUpTo>>;
        t.racing.beforePut.set(t.secretKey('db'), async () => {
          deletion = await t.deleteUpTo('ev');
          // Once the update has landed (db no longer subscribes `old`), `old` is deleted, before the update looks at `ev`.
          t.racing.beforeGet.set(t.eventKey('ev'), async () => {
            expect(await t.deleteEvent('old')).toBe('deleted');
          });
        });
        expect(await t.refused('PUT', '/secrets/db', { description: 'second', event_subscriptions: ['ev'] })).toEqual(GOING);
        deletion.commit();
        expect(await deletion.done).toBe('deleted');
        expect(await t.state()).toEqual({ secrets: { db: [] }, events: [] });
        expect((await t.secret('db'))!.description).toBe('first');
      });

      it('someone else wrote the secret after the update: their write stays and only the refused subscription is dropped', async () => {
        const t = await rig();
        await t.createEvent('ev');
        await t.call('POST', '/secrets', { name: 'db', secret_string: 'v', description: 'old' });
        t.racing.beforePut.set(t.secretKey('db'), async () => {
          expect(await t.deleteEvent('ev')).toBe('deleted');
          t.racing.beforeGet.set(t.eventKey('ev'), async () => {
            await t.call('PUT', '/secrets/db', { description: 'theirs' });
          });
        });
        expect(await t.refused('PUT', '/secrets/db', { description: 'mine', event_subscriptions: ['ev'] })).toEqual(GONE);
        expect(await t.state()).toEqual({ secrets: { db: [] }, events: [] });
        expect((await t.secret('db'))!.description).toBe('theirs');
      });

      it('the secret deleted by someone else before the update takes itself back: nothing to take back', async () => {
        const t = await rig();
        await t.createEvent('ev');
        await t.call('POST', '/secrets', { name: 'db', secret_string: 'v' });
        t.racing.beforePut.set(t.secretKey('db'), async () => {
          expect(await t.deleteEvent('ev')).toBe('deleted');
          t.racing.beforeGet.set(t.eventKey('ev'), async () => {
            await t.call('DELETE', '/secrets/db');
          });
        });
        expect(await t.refused('PUT', '/secrets/db', { event_subscriptions: ['ev'] })).toEqual(GONE);
        expect(await t.state()).toEqual({ secrets: {}, events: [] });
      });

      it('a store failure while the update takes itself back is answered as such', async () => {
        const t = await rig();
        await t.createEvent('ev');
        await t.call('POST', '/secrets', { name: 'db', secret_string: 'v' });
        t.racing.beforePut.set(t.secretKey('db'), async () => {
          expect(await t.deleteEvent('ev')).toBe('deleted');
          t.racing.beforePut.set(t.secretKey('db'), async () => {
            throw new StoreError('disk gone');
          });
        });
        const e = await rejection(t.call('PUT', '/secrets/db', { event_subscriptions: ['ev'] }));
        expect([e.status, e.code]).toEqual([500, 'KMS.0102']);
        expect(await t.state()).toEqual({ secrets: { db: ['ev'] }, events: [] });
      });

      it('an event being deleted, or missing, is refused before anything is written', async () => {
        const t = await rig();
        await t.createEvent('ev');
        await t.call('POST', '/secrets', { name: 'db', secret_string: 'v' });
        const before = await t.secret('db');
        const deletion = await t.deleteUpTo('ev');
        const writes = [t.countPuts(t.secretKey('db')), t.countPuts(t.secretKey('s'))];
        expect(await t.refused('PUT', '/secrets/db', { event_subscriptions: ['ev'] })).toEqual(GOING);
        expect(await t.refused('POST', '/secrets', { name: 's', secret_string: 'v', event_subscriptions: ['ev'] })).toEqual(GOING);
        expect(await t.refused('PUT', '/secrets/db', { event_subscriptions: ['nope'] })).toEqual([400, 'CSMS.0005', 'The event nope does not exist.']);
        expect(await t.refused('POST', '/secrets', { name: 's', secret_string: 'v', event_subscriptions: ['nope'] })).toEqual([400, 'CSMS.0005', 'The event nope does not exist.']);
        expect(writes.map((w) => w.puts)).toEqual([0, 0]);
        expect(await t.secret('db')).toStrictEqual(before);
        deletion.commit();
        expect(await deletion.done).toBe('deleted');
        expect(await t.state()).toEqual({ secrets: { db: [] }, events: [] });
      });
    });

    describe('restore against delete event', () => {
      async function backedUp() {
        const t = await rig();
        await t.createEvent('ev');
        await t.call('POST', '/secrets', { name: 'b', secret_string: 'v', event_subscriptions: ['ev'] });
        const blob = (await t.call('POST', '/secrets/b/backup')).secret_blob as string;
        await t.call('DELETE', '/secrets/b');
        return { t, blob };
      }

      it('keeps a subscription whose event exists', async () => {
        const { t, blob } = await backedUp();
        expect((await t.call('POST', '/secrets/restore', { secret_blob: blob })).secret.event_subscriptions).toEqual(['ev']);
        expect(await t.state()).toEqual({ secrets: { b: ['ev'] }, events: ['ev'] });
      });

      it('drops a subscription whose event was deleted since the backup, before writing the secret', async () => {
        const { t, blob } = await backedUp();
        expect(await t.deleteEvent('ev')).toBe('deleted');
        const writes = t.countPuts(t.secretKey('b'));
        expect((await t.call('POST', '/secrets/restore', { secret_blob: blob })).secret.event_subscriptions).toEqual([]);
        expect(await t.state()).toEqual({ secrets: { b: [] }, events: [] });
        expect(writes.puts).toBe(1); // written without the subscription at once, not written with it and then dropped
      });

      it('drops a subscription whose event is deleted while the restore writes, and answers the secret as it then is', async () => {
        const { t, blob } = await backedUp();
        t.racing.beforePut.set(t.secretKey('b'), async () => {
          expect(await t.deleteEvent('ev')).toBe('deleted');
        });
        expect((await t.call('POST', '/secrets/restore', { secret_blob: blob })).secret.event_subscriptions).toEqual([]);
        expect(await t.state()).toEqual({ secrets: { b: [] }, events: [] });
      });

      it('dropping the refused subscription keeps one someone else gave the secret meanwhile', async () => {
        const { t, blob } = await backedUp();
        await t.createEvent('other');
        t.racing.beforePut.set(t.secretKey('b'), async () => {
          expect(await t.deleteEvent('ev')).toBe('deleted');
          // Once the restore has landed, and before it looks at `ev` again, the secret subscribes to `other`.
          t.racing.beforeGet.set(t.eventKey('ev'), async () => {
            await t.call('PUT', '/secrets/b', { event_subscriptions: ['other'] });
          });
        });
        expect((await t.call('POST', '/secrets/restore', { secret_blob: blob })).secret.event_subscriptions).toEqual(['other']);
        expect(await t.state()).toEqual({ secrets: { b: ['other'] }, events: ['other'] });
      });

      it('drops a subscription whose event a delete marked before the restore landed', async () => {
        const { t, blob } = await backedUp();
        let deletion!: Awaited<ReturnType<typeof t.deleteUpTo>>;
        t.racing.beforePut.set(t.secretKey('b'), async () => {
          deletion = await t.deleteUpTo('ev');
        });
        expect((await t.call('POST', '/secrets/restore', { secret_blob: blob })).secret.event_subscriptions).toEqual([]);
        deletion.commit();
        expect(await deletion.done).toBe('deleted');
        expect(await t.state()).toEqual({ secrets: { b: [] }, events: [] });
      });
    });

    describe('a mark a refused delete could not take back', () => {
      it('refuses subscribing until the event is updated, and never shows', async () => {
        const t = await rig();
        const created = (await t.createEvent('ev')).event;
        await t.call('POST', '/secrets', { name: 's', secret_string: 'v', event_subscriptions: ['ev'] });
        // The delete's first write (its mark) lands; the second (taking the mark back after the refusal) fails.
        t.racing.beforePut.set(t.eventKey('ev'), async () => {
          t.racing.beforePut.set(t.eventKey('ev'), async () => {
            throw new StoreError('disk gone');
          });
        });
        expect(await t.refused('DELETE', '/csms/events/ev')).toEqual([400, 'CSMS.0003', 'The event ev is still subscribed by secret s.']);
        expect((await t.event('ev'))!.deleting).toBe(true);
        expect(await t.call('GET', '/csms/events/ev')).toStrictEqual({ event: created });
        expect(await t.refused('POST', '/secrets', { name: 's2', secret_string: 'v', event_subscriptions: ['ev'] })).toEqual(GOING);
        // An update of the event takes the mark back.
        await t.call('PUT', '/csms/events/ev', {});
        expect((await t.event('ev'))!.deleting).toBeUndefined();
        expect((await t.call('POST', '/secrets', { name: 's2', secret_string: 'v', event_subscriptions: ['ev'] })).secret.event_subscriptions).toEqual(['ev']);
        expect(await t.state()).toEqual({ secrets: { s: ['ev'], s2: ['ev'] }, events: ['ev'] });
      });
    });
  });
}
