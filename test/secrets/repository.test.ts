// The secrets store layer on its own (src/secrets/repository.ts) over a memory store, with faults and
// racing writers injected: the id pointer written before the document and given back only when the
// document is surely absent, compare-and-set retries and their limit, the sweep of dead pointers after
// their grace period, purging, listing order and slices, and the parse cache's bound.
import { describe, expect, it } from 'vitest';
import { DAY_MS, ManualClock } from '../../src/kms/clock.ts';
import { CsmsError } from '../../src/secrets/errors.ts';
import type { SecretRecord } from '../../src/secrets/record.ts';
import { SecretRepository, secretPath } from '../../src/secrets/repository.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { getJson, putJson, StoreError, type ListOptions, type PutOptions, type Store } from '../../src/store/store.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';
import { RacingStore } from '../helpers/racing-store.ts';
import { secretRecord } from '../helpers/secret-record.ts';

const P = 'proj';
const GRACE_MS = 10 * 60 * 1000;
const idPath = (id: string, project = P) => `csms/${project}/id/${id}`;

const record = (name: string, id = `id-${name}`, extra: Partial<SecretRecord> = {}): SecretRecord => secretRecord({ id, project: P, name, ...extra });

function rig(inner: Store = new MemoryStore()) {
  const clock = new ManualClock();
  const store = new FaultyStore(inner);
  return { clock, store, repo: new SecretRepository(store, clock) };
}

/** What an operation rejected with, for exact checks of class, code, status and message. */
async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.unreachable('resolved'),
    (e: unknown) => e,
  );
}

function csms(code: string, message: string, status = 400) {
  return expect.objectContaining({ name: 'CsmsError', code, message, status });
}

const nameTakenError = (name: string) => csms('CSMS.0002', `Invalid name: a secret named ${name} already exists.`);
const tooManyChanges = (name: string) => csms('CSMS.0003', `Too many concurrent changes to secret ${name}; try again.`, 500);

/** A secret in the pending-deletion state, due at `at`. */
const pending = (name: string, at: number, id?: string) => record(name, id, { state: 'PENDING_DELETE', scheduledDeleteAt: at });

describe('SecretRepository.create', () => {
  it('stores the document and its id pointer {name, at}', async () => {
    const { repo, store, clock } = rig();
    await repo.create(record('a'));
    expect(await repo.get(P, 'a')).toEqual(record('a'));
    expect((await getJson(store, idPath('id-a')))?.value).toEqual({ name: 'a', at: clock.now() });
    expect(await repo.byId(P, 'id-a')).toEqual(record('a'));
  });

  it('refuses a taken name with CSMS.0002 and its exact message, writing nothing', async () => {
    const { repo, store } = rig();
    await repo.create(record('a'));
    store.arm(0);
    const e = await failure(repo.create(record('a', 'other-id')));
    expect(e).toBeInstanceOf(CsmsError);
    expect(e).toEqual(nameTakenError('a'));
    expect(store.writes).toBe(0);
    expect(await store.get(idPath('other-id'))).toBeNull();
  });

  it('refuses an id a live secret carries, leaving that secret and its pointer alone', async () => {
    const { repo, store } = rig();
    await repo.create(record('a', 'same'));
    const pointer = await store.get(idPath('same'));
    const e = await failure(repo.create(record('b', 'same')));
    expect(e).toEqual(csms('CSMS.0002', 'Invalid secret: a secret with id same already exists.'));
    expect(await repo.get(P, 'b')).toBeNull();
    expect(await store.get(idPath('same'))).toEqual(pointer);
    expect((await repo.byId(P, 'same'))?.name).toBe('a');
  });

  it('takes over a dead id pointer (its secret gone) by compare-and-set', async () => {
    const { repo, store } = rig();
    await putJson(store, idPath('reused'), { name: 'gone', at: 0 });
    await repo.create(record('b', 'reused'));
    expect((await getJson<{ name: string }>(store, idPath('reused')))?.value.name).toBe('b');
    expect((await repo.byId(P, 'reused'))?.name).toBe('b');
  });

  it('a pointer written by a racing create of the same id makes it CSMS.0002 and is kept', async () => {
    const racing = new RacingStore();
    const { repo } = rig(racing);
    racing.beforePut.set(idPath('x'), async () => {
      await putJson(racing, idPath('x'), { name: 'rival', at: 1 }, { ifVersion: null });
    });
    expect(await failure(repo.create(record('a', 'x')))).toEqual(nameTakenError('a'));
    expect((await getJson(racing, idPath('x')))?.value).toEqual({ name: 'rival', at: 1 });
    expect(await racing.get(secretPath(P, 'a'))).toBeNull();
  });

  it('a store fault writing the pointer is the store error itself, and nothing is left', async () => {
    const { repo, store } = rig();
    store.arm(1);
    const e = await failure(repo.create(record('a')));
    expect(e).toBe(store.injected);
    expect(await store.get(idPath('id-a'))).toBeNull();
    expect(await store.get(secretPath(P, 'a'))).toBeNull();
  });

  it('a document a racing create wrote first makes it CSMS.0002; its secret stays and our pointer goes', async () => {
    const racing = new RacingStore();
    const { repo } = rig(racing);
    // The rival's document lands after our name check and before we look for a leftover document.
    racing.beforePut.set(idPath('mine'), async () => {
      await putJson(racing, secretPath(P, 'a'), record('a', 'theirs'), { ifVersion: null });
    });
    expect(await failure(repo.create(record('a', 'mine')))).toEqual(nameTakenError('a'));
    expect((await repo.get(P, 'a'))?.id).toBe('theirs');
    expect(await racing.get(idPath('mine'))).toBeNull();
  });

  it('a document written between the leftover check and the put makes it CSMS.0002 (compare-and-set on absence)', async () => {
    const racing = new RacingStore();
    const { repo } = rig(racing);
    racing.beforePut.set(secretPath(P, 'a'), async () => {
      await putJson(racing, secretPath(P, 'a'), record('a', 'theirs'));
    });
    expect(await failure(repo.create(record('a', 'mine')))).toEqual(nameTakenError('a'));
    expect((await repo.get(P, 'a'))?.id).toBe('theirs');
    expect(await racing.get(idPath('mine'))).toBeNull();
  });

  it('writes over a due document whose removal failed, by compare-and-set on its version', async () => {
    const { repo, store, clock } = rig();
    await repo.create(pending('a', clock.now() + 1000, 'old'));
    clock.advance(1000);
    store.arm(1); // the delete of the due document fails: it stays, read as absent
    expect(await repo.get(P, 'a')).toBeNull();
    expect(await store.get(secretPath(P, 'a'))).not.toBeNull();
    await repo.create(record('a', 'new'));
    expect((await repo.get(P, 'a'))?.id).toBe('new');
    expect((await repo.byId(P, 'new'))?.name).toBe('a');
  });

  it('a due leftover replaced between the check and the put makes it CSMS.0002', async () => {
    const racing = new RacingStore();
    const { repo, store, clock } = rig(racing);
    await repo.create(pending('a', clock.now(), 'old'));
    store.arm(1); // the destroy on reading fails, so the due document is still there
    racing.beforePut.set(secretPath(P, 'a'), async () => {
      await putJson(racing, secretPath(P, 'a'), record('a', 'theirs'));
    });
    expect(await failure(repo.create(record('a', 'new')))).toEqual(nameTakenError('a'));
    expect((await repo.get(P, 'a'))?.id).toBe('theirs');
    expect(await racing.get(idPath('new'))).toBeNull();
  });

  it('a document write that fails gives the id back and rethrows the store error', async () => {
    const { repo, store } = rig();
    store.arm(2);
    const e = await failure(repo.create(record('a')));
    expect(e).toBe(store.injected);
    expect(e).toBeInstanceOf(StoreError);
    expect(await store.get(idPath('id-a'))).toBeNull();
    expect(await store.get(secretPath(P, 'a'))).toBeNull();
    await repo.create(record('a')); // and the name and id are free again
    expect((await repo.byId(P, 'id-a'))?.name).toBe('a');
  });

  it('a document write that landed although it failed keeps the id pointer', async () => {
    const { repo, store } = rig();
    store.arm(2, 'lost-ack');
    expect(await failure(repo.create(record('a')))).toBe(store.injected);
    expect(await store.get(idPath('id-a'))).not.toBeNull();
    expect((await repo.byId(P, 'id-a'))?.name).toBe('a');
  });

  it('keeps the id pointer when the document cannot be read back after a failed write (it may have landed)', async () => {
    // The document's write fails, and so does every read of it from then on.
    class Unreadable extends MemoryStore {
      broken = false;
      override async put(key: string, value: Uint8Array, options?: PutOptions) {
        if (key !== secretPath(P, 'a')) return super.put(key, value, options);
        this.broken = true;
        throw new StoreError('write failed');
      }
      override async get(key: string) {
        if (this.broken && key === secretPath(P, 'a')) throw new StoreError('read failed');
        return super.get(key);
      }
    }
    const store = new Unreadable();
    const repo = new SecretRepository(store, new ManualClock());
    expect(await failure(repo.create(record('a')))).toEqual(expect.objectContaining({ name: 'StoreError', message: 'write failed' }));
    expect(await store.get(idPath('id-a'))).not.toBeNull();
  });

  it('gives back only its own pointer: one rewritten meanwhile is left (compare-and-set on the delete)', async () => {
    const racing = new RacingStore();
    const { repo, store } = rig(racing);
    store.arm(2);
    racing.beforeDelete.set(idPath('x'), async () => {
      await putJson(racing, idPath('x'), { name: 'b', at: 5 });
    });
    expect(await failure(repo.create(record('a', 'x')))).toBe(store.injected);
    expect((await getJson(racing, idPath('x')))?.value).toEqual({ name: 'b', at: 5 });
  });
});

describe('SecretRepository.byId', () => {
  it('is null for a pointer whose secret is gone or carries another id', async () => {
    const { repo, store } = rig();
    await repo.create(record('a', 'real'));
    await putJson(store, idPath('stale'), { name: 'a', at: 0 });
    await putJson(store, idPath('dead'), { name: 'nobody', at: 0 });
    expect(await repo.byId(P, 'stale')).toBeNull();
    expect(await repo.byId(P, 'dead')).toBeNull();
    expect(await repo.byId(P, 'missing')).toBeNull();
    expect((await repo.byId(P, 'real'))?.name).toBe('a');
  });
});

describe('SecretRepository.update', () => {
  it('retries a lost compare-and-set with a fresh copy and stores the result', async () => {
    const { repo, store } = rig();
    await repo.create(record('a'));
    const seen: string[] = [];
    const out = await repo.update(P, 'a', async (r) => {
      seen.push(r.description);
      if (seen.length === 1) await putJson(store, secretPath(P, 'a'), { ...r, description: 'theirs' });
      return { ...r, description: `${r.description}+mine` };
    });
    expect(seen).toEqual(['', 'theirs']);
    expect(out.description).toBe('theirs+mine');
    expect((await repo.get(P, 'a'))?.description).toBe('theirs+mine');
  });

  it('gives up after 16 lost compare-and-sets with CSMS.0003 (500), the secret as the other writer left it', async () => {
    const { repo, store } = rig();
    await repo.create(record('a'));
    let calls = 0;
    const e = await failure(
      repo.update(P, 'a', async (r) => {
        calls++;
        await putJson(store, secretPath(P, 'a'), { ...r, description: `other ${calls}` });
        return { ...r, description: 'mine' };
      }),
    );
    expect(e).toBeInstanceOf(CsmsError);
    expect(e).toEqual(tooManyChanges('a'));
    expect(calls).toBe(16);
    expect((await repo.get(P, 'a'))?.description).toBe('other 16');
  });

  it('rethrows a store fault as it is, without retrying', async () => {
    const { repo, store } = rig();
    await repo.create(record('a'));
    store.arm(1);
    let calls = 0;
    const e = await failure(repo.update(P, 'a', (r) => (calls++, { ...r, description: 'x' })));
    expect(e).toBe(store.injected);
    expect(calls).toBe(1);
    expect((await repo.get(P, 'a'))?.description).toBe('');
  });

  it('is CSMS.0106 for a secret that does not exist', async () => {
    const { repo } = rig();
    expect(await failure(repo.update(P, 'none', (r) => r))).toEqual(csms('CSMS.0106', 'The secret none does not exist.'));
  });
});

describe('SecretRepository.remove', () => {
  it('deletes the document and its id pointer and returns the record', async () => {
    const { repo, store } = rig();
    await repo.create(record('a'));
    expect(await repo.remove(P, 'a')).toEqual(record('a'));
    expect(await store.get(secretPath(P, 'a'))).toBeNull();
    expect(await store.get(idPath('id-a'))).toBeNull();
    expect(await repo.count(P)).toBe(0);
  });

  it('succeeds when the id pointer is already gone', async () => {
    const { repo, store } = rig();
    await repo.create(record('a'));
    await store.delete(idPath('id-a'));
    expect((await repo.remove(P, 'a')).name).toBe('a');
    expect(await repo.get(P, 'a')).toBeNull();
  });

  it('leaves an id pointer rewritten meanwhile (a restore reusing the id)', async () => {
    const racing = new RacingStore();
    const { repo } = rig(racing);
    await repo.create(record('a', 'x'));
    racing.beforeDelete.set(idPath('x'), async () => {
      await putJson(racing, idPath('x'), { name: 'b', at: 9 });
    });
    await repo.remove(P, 'a');
    expect((await getJson(racing, idPath('x')))?.value).toEqual({ name: 'b', at: 9 });
  });

  it('retries when the document changed, checking the fresh copy', async () => {
    const racing = new RacingStore();
    const { repo } = rig(racing);
    await repo.create(record('a'));
    racing.beforeDelete.set(secretPath(P, 'a'), async () => {
      await putJson(racing, secretPath(P, 'a'), record('a', 'id-a', { description: 'changed' }));
    });
    const checked: string[] = [];
    const out = await repo.remove(P, 'a', (r) => void checked.push(r.description));
    expect(checked).toEqual(['', 'changed']);
    expect(out.description).toBe('changed');
    expect(await racing.get(secretPath(P, 'a'))).toBeNull();
  });

  it('gives up after 16 lost compare-and-sets with CSMS.0003 (500) and deletes nothing', async () => {
    const racing = new RacingStore();
    const { repo } = rig(racing);
    await repo.create(record('a'));
    let rewrites = 0;
    const rewrite = async () => {
      rewrites++;
      await putJson(racing, secretPath(P, 'a'), record('a', 'id-a', { description: `other ${rewrites}` }));
      racing.beforeDelete.set(secretPath(P, 'a'), rewrite);
    };
    racing.beforeDelete.set(secretPath(P, 'a'), rewrite);
    let checks = 0;
    const e = await failure(repo.remove(P, 'a', () => void checks++));
    expect(e).toBeInstanceOf(CsmsError);
    expect(e).toEqual(tooManyChanges('a'));
    expect(checks).toBe(16);
    racing.beforeDelete.clear();
    expect((await repo.get(P, 'a'))?.description).toBe('other 16');
    expect(await racing.get(idPath('id-a'))).not.toBeNull();
  });

  it('rethrows a store fault deleting the document and keeps the secret', async () => {
    const { repo, store } = rig();
    await repo.create(record('a'));
    store.arm(1);
    expect(await failure(repo.remove(P, 'a'))).toBe(store.injected);
    expect((await repo.get(P, 'a'))?.name).toBe('a');
    expect(await store.get(idPath('id-a'))).not.toBeNull();
  });

  it('is CSMS.0106 for a secret that does not exist, and runs no check', async () => {
    const { repo } = rig();
    let checks = 0;
    expect(await failure(repo.remove(P, 'none', () => void checks++))).toEqual(csms('CSMS.0106', 'The secret none does not exist.'));
    expect(checks).toBe(0);
  });

  it('a refusing check stops it before any write', async () => {
    const { repo, store } = rig();
    await repo.create(record('a'));
    store.arm(0);
    await expect(
      repo.remove(P, 'a', () => {
        throw new CsmsError('CSMS.0103', 'no');
      }),
    ).rejects.toThrow('no');
    expect(store.writes).toBe(0);
  });
});

describe('scheduled deletion', () => {
  it('a secret is due only when pending deletion and its time has come', async () => {
    const { repo, clock } = rig();
    const now = clock.now();
    await repo.create(record('enabled-with-old-date', undefined, { scheduledDeleteAt: now - 1 }));
    await repo.create(record('pending-no-date', undefined, { state: 'PENDING_DELETE' }));
    await repo.create(pending('pending-later', now + 1));
    await repo.create(pending('pending-now', now));
    expect((await repo.list(P)).map((r) => r.name)).toEqual(['enabled-with-old-date', 'pending-later', 'pending-no-date']);
    clock.advance(1);
    expect(await repo.get(P, 'pending-later')).toBeNull();
    expect(await repo.get(P, 'enabled-with-old-date')).not.toBeNull();
  });

  it('purgeDue deletes the due secrets of its project only, with their pointers, and counts them', async () => {
    const { repo, store, clock } = rig();
    await repo.create(pending('a', clock.now() + DAY_MS));
    await repo.create(pending('b', clock.now() + 2 * DAY_MS));
    await repo.create(record('c'));
    await repo.create({ ...pending('a', clock.now() + DAY_MS, 'other-a'), project: 'other' });
    clock.advance(DAY_MS);
    expect(await repo.purgeDue(P)).toBe(1);
    expect(await store.get(secretPath(P, 'a'))).toBeNull();
    expect(await store.get(idPath('id-a'))).toBeNull();
    expect(await store.get(secretPath('other', 'a'))).not.toBeNull();
    expect(await store.get(idPath('other-a', 'other'))).not.toBeNull();
    expect(await repo.count(P)).toBe(2);
    expect(await repo.purgeDue(P)).toBe(0);
    expect(await repo.purgeDue('other')).toBe(1);
  });

  it('purgeDue rethrows a store fault deleting a due secret', async () => {
    const { repo, store, clock } = rig();
    await repo.create(pending('a', clock.now()));
    store.arm(1);
    expect(await failure(repo.purgeDue(P))).toBe(store.injected);
    expect(await store.get(secretPath(P, 'a'))).not.toBeNull();
    expect(await store.get(idPath('id-a'))).not.toBeNull();
  });

  it('a due secret restored meanwhile is not deleted, nor its pointer, nor counted', async () => {
    const racing = new RacingStore();
    const { repo, clock } = rig(racing);
    await repo.create(pending('a', clock.now()));
    await repo.create(pending('b', clock.now()));
    // The restore lands between purgeDue's read of `a` and its delete.
    racing.beforeDelete.set(secretPath(P, 'a'), async () => {
      await putJson(racing, secretPath(P, 'a'), record('a'));
    });
    expect(await repo.purgeDue(P)).toBe(1);
    expect(await repo.get(P, 'a')).toEqual(record('a'));
    expect(await racing.get(idPath('id-a'))).not.toBeNull();
    expect(await racing.get(secretPath(P, 'b'))).toBeNull();
    expect(await racing.get(idPath('id-b'))).toBeNull();
  });
});

describe('SecretRepository.sweepPointers', () => {
  /** Pointers of four kinds written at the clock's time: live, dead (no secret), stale (secret has another id), vanished. */
  async function pointers() {
    const racing = new RacingStore();
    const r = rig(racing);
    await r.repo.create(record('live', 'live'));
    const at = r.clock.now();
    await putJson(racing, idPath('dead'), { name: 'nobody', at });
    await putJson(racing, idPath('stale'), { name: 'live', at });
    await putJson(racing, idPath('vanished'), { name: 'nobody', at });
    racing.vanished.add(idPath('vanished'));
    return { ...r, racing };
  }

  it('keeps every pointer younger than the 10 minute grace period', async () => {
    const { repo, racing, clock } = await pointers();
    clock.advance(GRACE_MS - 1);
    expect(await repo.sweepPointers(P)).toBe(0);
    for (const id of ['live', 'dead', 'stale']) expect(await racing.get(idPath(id))).not.toBeNull();
  });

  it('from the grace period on, removes dead and stale pointers, keeps live ones, and counts', async () => {
    const { repo, racing, clock } = await pointers();
    clock.advance(GRACE_MS);
    expect(await repo.sweepPointers(P)).toBe(2);
    expect(await racing.get(idPath('dead'))).toBeNull();
    expect(await racing.get(idPath('stale'))).toBeNull();
    expect(await racing.get(idPath('live'))).not.toBeNull();
    expect(await repo.sweepPointers(P)).toBe(0);
  });

  it('leaves a pointer rewritten between its read and its delete, and another project’s pointers', async () => {
    const { repo, racing, clock } = await pointers();
    await putJson(racing, idPath('dead', 'other'), { name: 'nobody', at: 0 });
    racing.beforeDelete.set(idPath('dead'), async () => {
      await putJson(racing, idPath('dead'), { name: 'nobody', at: clock.now() });
    });
    clock.advance(GRACE_MS);
    expect(await repo.sweepPointers(P)).toBe(2);
    expect(await racing.get(idPath('dead'))).not.toBeNull();
    expect(await racing.get(idPath('dead', 'other'))).not.toBeNull();
  });
});

/** A store that lists keys in UTF-8 byte order, as Workers KV does, rather than `<`'s UTF-16 code unit order. */
class ByteOrderStore extends MemoryStore {
  override async list(prefix: string, options?: ListOptions) {
    const page = await super.list(prefix, { ...options, limit: 1000 });
    const bytes = (s: string) => Buffer.from(s, 'utf8');
    return { keys: page.keys.sort((a, b) => Buffer.compare(bytes(a), bytes(b))) };
  }
}

describe('SecretRepository.list', () => {
  it('orders by name as `<` compares, whatever order the store lists in', async () => {
    const { repo } = rig(new ByteOrderStore());
    // U+FF01 comes before U+1F600 in UTF-8 bytes, after its surrogate pair in UTF-16 units.
    const names = ['b', '\u{1F600}', '\uFF01', 'a', '\uE000'];
    for (const n of names) await repo.create(record(n));
    expect((await repo.list(P)).map((r) => r.name)).toEqual(['a', 'b', '\u{1F600}', '\uE000', '\uFF01']);
  });

  it('serves the event loop once per 16 secrets read', async () => {
    const { repo, store } = rig();
    for (let i = 0; i < 64; i++) await putJson(store, secretPath(P, `s${String(i).padStart(2, '0')}`), record(`s${i}`));
    let turns = 0;
    let listing = true;
    const spin = () => {
      if (!listing) return;
      turns++;
      setImmediate(spin);
    };
    setImmediate(spin);
    const listed = await repo.list(P);
    listing = false;
    expect(listed).toHaveLength(64);
    // 4 yields, each one turn of the event loop (a memory store answers without one).
    expect(turns).toBeGreaterThanOrEqual(3);
    expect(turns).toBeLessThanOrEqual(6);
  });

  it('reuses parsed records until a document changes, and holds at most 1024 of them', async () => {
    const { repo, store } = rig();
    const names = Array.from({ length: 1024 }, (_, i) => `s${String(i).padStart(4, '0')}`);
    for (const n of names) await putJson(store, secretPath(P, n), record(n));
    const first = await repo.list(P);
    const second = await repo.list(P);
    expect(second.every((r, i) => r === first[i])).toBe(true);
    await repo.update(P, names[5], (r) => ({ ...r, description: 'changed' }));
    const third = await repo.list(P);
    expect(third[5]).not.toBe(first[5]);
    expect(third[5].description).toBe('changed');
    expect(third[6]).toBe(first[6]);
    // One more secret, listed first, pushes the first one parsed out before it is read again.
    await putJson(store, secretPath(P, 'a'), record('a'));
    const fourth = await repo.list(P);
    expect(fourth[0].name).toBe('a');
    expect(fourth[1]).not.toBe(first[0]);
    expect(fourth[1]).toEqual(first[0]);
  });

  it('count counts the project’s documents, and projects names those with data', async () => {
    const { repo } = rig();
    await repo.create(record('a'));
    await repo.create(record('b'));
    await repo.create({ ...record('c'), project: 'other' });
    await putJson(repo.store, 'kms/not-csms/key/k', {}); // another service's data names no CSMS project
    expect(await repo.count(P)).toBe(2);
    expect(await repo.count('none')).toBe(0);
    expect((await repo.projects()).sort()).toEqual(['other', P]);
  });
});
