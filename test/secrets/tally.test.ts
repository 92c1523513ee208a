// The secrets quota's count (src/store/tally.ts through src/secrets/repository.ts): one listing of a
// project's names, then memory; concurrent creates held to the quota; two repositories over one store
// counting alike; and the count following the store through every injected write fault of a create, a
// delete and a purge (failed writes, writes that landed although they reported failure, and a read-back
// that fails too, after which the project is listed again).
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/kms/clock.ts';
import { SecretRepository, secretPath } from '../../src/secrets/repository.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { listAll, StoreError, type ListOptions, type PutOptions, type Store } from '../../src/store/store.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';
import { secretRecord } from '../helpers/secret-record.ts';

const P = 'proj';
const record = (name: string) => secretRecord({ id: `id-${name}`, project: P, name });
/** The secret documents in the store, listed beneath the counting wrapper. */
const stored = async (store: Store) => (await listAll(store instanceof FaultyStore ? store.inner : store, `csms/${P}/secret/`)).length;

/** A faulty store that counts listings of the project's secrets and can hold a put at a gate. */
class WatchedStore extends FaultyStore {
  listings = 0;
  /** The next put of each of these keys waits for its promise; `waiting` has the keys of puts waiting. */
  readonly gates = new Map<string, Promise<void>>();
  readonly waiting = new Set<string>();

  override async put(key: string, value: Uint8Array, options?: PutOptions) {
    const gate = this.gates.get(key);
    if (gate) {
      this.gates.delete(key);
      this.waiting.add(key);
      await gate;
      this.waiting.delete(key);
    }
    return super.put(key, value, options);
  }

  /** Until a put of `key` waits at its gate. */
  async reached(key: string): Promise<void> {
    for (let i = 0; i < 1000 && !this.waiting.has(key); i++) await new Promise((r) => setImmediate(r));
    expect(this.waiting.has(key)).toBe(true);
  }

  override list(prefix: string, options?: ListOptions) {
    if (prefix === `csms/${P}/secret/`) this.listings++;
    return super.list(prefix, options);
  }
}

function rig() {
  const clock = new ManualClock();
  const store = new WatchedStore(new MemoryStore());
  return { clock, store, repo: new SecretRepository(store, clock) };
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string; name?: string }) => e.code ?? e.name,
  );

describe('secrets quota count', () => {
  it('lists the project once, then counts creates and deletes from memory', async () => {
    const { repo, store } = rig();
    for (const n of ['a', 'b', 'c']) await repo.create(record(n), 10);
    expect(store.listings).toBe(1);
    await repo.remove(P, 'b');
    await repo.create(record('d'), 10);
    expect(await repo.count(P)).toBe(3);
    for (let i = 0; i < 20; i++) expect(await repo.count(P)).toBe(3);
    expect(store.listings).toBe(1);
    expect(await repo.count('other')).toBe(0);
    expect(store.listings).toBe(1); // another project's listing is its own
  });

  it('refuses the create that would pass the quota with CSMS.0202, writing nothing, and lets one in after a delete', async () => {
    const { repo, store } = rig();
    await repo.create(record('a'), 2);
    await repo.create(record('b'), 2);
    store.arm(0); // counts writes from here
    expect(await outcome(repo.create(record('c'), 2))).toBe('CSMS.0202');
    expect(store.writes).toBe(0);
    await expect(repo.create(record('c'), 2)).rejects.toThrow('The project has reached its quota of 2 secrets.');
    await repo.remove(P, 'a');
    expect(await outcome(repo.create(record('c'), 2))).toBe('ok');
  });

  it('holds concurrent creates to the quota: exactly the room left is created', async () => {
    const { repo, store } = rig();
    await repo.create(record('first'), 5);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => outcome(repo.create(record(`s${i}`), 5))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(4);
    expect(results.filter((r) => r === 'CSMS.0202')).toHaveLength(8);
    expect(await stored(store)).toBe(5);
    expect(await repo.count(P)).toBe(5);
  });

  it('a create that is over gives its place to its secret, while the creates still under way keep theirs', async () => {
    const { repo, store } = rig();
    let open!: () => void;
    store.gates.set(secretPath(P, 'slow'), new Promise((r) => (open = r)));
    const slow = outcome(repo.create(record('slow'), 3)); // holds a place until its document is written
    expect(await outcome(repo.create(record('quick'), 3))).toBe('ok');
    // One secret, one create under way: room for exactly one more.
    expect(await Promise.all([outcome(repo.create(record('third'), 3)), outcome(repo.create(record('fourth'), 3))])).toEqual(['ok', 'CSMS.0202']);
    open();
    expect(await slow).toBe('ok');
    expect(await stored(store)).toBe(3);
  });

  it('counts the secrets already stored, and a delete of one of them', async () => {
    const inner = new MemoryStore();
    const clock = new ManualClock();
    for (const n of ['a', 'b', 'c']) await new SecretRepository(inner, clock).create(record(n));
    const repo = new SecretRepository(new WatchedStore(inner), clock); // another store object: listed afresh
    expect(await repo.count(P)).toBe(3);
    await repo.remove(P, 'b');
    expect(await repo.count(P)).toBe(2);
  });

  it('a create that loses its name to a racing create leaves the winner counted', async () => {
    const { repo, store } = rig();
    let open!: () => void;
    store.gates.set(secretPath(P, 'a'), new Promise((r) => (open = r)));
    const loser = outcome(repo.create(record('a'), 10));
    await store.reached(secretPath(P, 'a')); // its document write waits; the name is still free
    expect(await outcome(repo.create({ ...record('a'), id: 'winner' }, 10))).toBe('ok');
    open();
    expect(await loser).toBe('CSMS.0002');
    expect(await stored(store)).toBe(1);
    expect(await repo.count(P)).toBe(1);
  });

  it('creates that fail give their place back', async () => {
    const { repo, store } = rig();
    await repo.create(record('a'), 2);
    expect(await outcome(repo.create(record('a'), 2))).toBe('CSMS.0002'); // name taken: no place held
    store.arm(2); // the document write of the next create
    expect(await outcome(repo.create(record('b'), 2))).toBe('StoreError');
    expect(await outcome(repo.create(record('b'), 2))).toBe('ok');
    expect(await outcome(repo.create(record('c'), 2))).toBe('CSMS.0202');
  });

  it('two repositories over one store count each other’s writes', async () => {
    const { repo, store, clock } = rig();
    const other = new SecretRepository(store, clock);
    await repo.create(record('a'), 2);
    await other.create(record('b'), 2);
    expect(await outcome(repo.create(record('c'), 2))).toBe('CSMS.0202');
    await other.remove(P, 'a');
    expect(await outcome(repo.create(record('c'), 2))).toBe('ok');
    expect(await other.count(P)).toBe(2);
  });

  it('on a store shared with other writers counts by listing, every time', async () => {
    const inner = new MemoryStore();
    const shared: Store = { get: (k) => inner.get(k), put: (k, v, o) => inner.put(k, v, o), delete: (k, o) => inner.delete(k, o), list: (p, o) => inner.list(p, o) };
    const repo = new SecretRepository(shared, new ManualClock());
    await repo.create(record('a'), 2);
    await new SecretRepository(inner, new ManualClock()).create(record('b')); // another writer
    expect(await repo.count(P)).toBe(2);
    expect(await outcome(repo.create(record('c'), 2))).toBe('CSMS.0202');
  });

  it('a listing that fails fails the count, and the next count lists again', async () => {
    const { repo, store } = rig();
    await repo.create(record('a'));
    const list = store.list.bind(store);
    store.list = async () => {
      throw new StoreError('listing failed');
    };
    const fresh = new SecretRepository(new WatchedStore(store), new ManualClock()); // a store object not yet listed
    (fresh.store as WatchedStore).list = store.list;
    await expect(fresh.count(P)).rejects.toThrow('listing failed');
    (fresh.store as WatchedStore).list = list;
    expect(await fresh.count(P)).toBe(1);
  });

  describe('follows the store through write faults', () => {
    const steps: [string, (repo: SecretRepository, clock: ManualClock) => Promise<unknown>][] = [
      ['create', (repo) => repo.create(record('x'), 10)],
      ['delete', (repo) => repo.remove(P, 'a')],
      [
        'purge',
        async (repo, clock) => {
          await repo.update(P, 'b', (r) => ({ ...r, state: 'PENDING_DELETE', scheduledDeleteAt: clock.now() }));
          return repo.purgeDue(P);
        },
      ],
    ];
    for (const [name, step] of steps) {
      for (const mode of ['fail', 'lost-ack'] as const) {
        for (const blind of [false, true]) {
          it(`${name}, ${mode}${blind ? ', its read-back failing too' : ''}`, async () => {
            for (let n = 1; n <= 4; n++) {
              const { repo, store, clock } = rig();
              for (const s of ['a', 'b']) await repo.create(record(s), 10);
              store.arm(n, mode);
              store.blindAfterFault = blind ? '/secret/' : undefined;
              await step(repo, clock).catch(() => {});
              store.blindAfterFault = undefined;
              store.arm(0);
              await store.get('unblind/secret/').catch(() => {}); // clears a blind read the step did not use
              const listings = store.listings;
              expect(await repo.count(P), `write ${n}`).toBe(await stored(store));
              // The outcome was read back, so the count needs no new listing (with the read-back failing, it lists).
              if (!blind) expect(store.listings, `write ${n}: listed again`).toBe(listings);
              // And the quota holds on the count: fill the room left exactly.
              const room = 4 - (await stored(store));
              const results = await Promise.all(Array.from({ length: room + 2 }, (_, i) => outcome(repo.create(record(`f${i}`), 4))));
              expect(results.filter((r) => r === 'ok'), `write ${n}`).toHaveLength(room);
              expect(await stored(store)).toBe(4);
            }
          });
        }
      }
    }
  });

  it('a purge that deletes counts the secret out', async () => {
    const { repo, clock } = rig();
    await repo.create(record('a'), 1);
    await repo.update(P, 'a', (r) => ({ ...r, state: 'PENDING_DELETE', scheduledDeleteAt: clock.now() + 1 }));
    expect(await outcome(repo.create(record('b'), 1))).toBe('CSMS.0202');
    clock.advance(1);
    expect(await repo.purgeDue(P)).toBe(1);
    expect(await repo.count(P)).toBe(0);
    expect(await outcome(repo.create(record('b'), 1))).toBe('ok');
    expect(secretPath(P, 'b')).toBe(`csms/${P}/secret/b`);
  });
});
