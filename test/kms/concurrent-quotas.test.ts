// The KMS quotas under concurrency: keys per project (KMS.1105), aliases per project and grants per key
// (KMS.2404). Creates that arrive together with room for fewer, over real loopback HTTP; write faults that
// fail or land unacknowledged (and a read-back that fails too); places freed by deletes and destroyed keys;
// a restarted service counting what the store holds; the alias quota counted without listing every alias;
// and on a store shared with other writers (Workers), what holds there: this process's creates are held to
// the quota together, while a create in another process is seen only once written.
import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/kms/clock.ts';
import { runMaintenance } from '../../src/kms/maintenance.ts';
import type { KmsSettings } from '../../src/kms/kms.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import type { ApiError } from '../../src/sdk/errors.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { listAll, type ListOptions, type PutOptions, type Store } from '../../src/store/store.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';
import { ADMIN, listen, makeRig, type Rig } from '../helpers/kms.ts';

const P = ADMIN.project;
const KEY_QUOTA = (n: number) => [400, 'KMS.1105', `KMS.1105: The project has reached its quota of ${n} keys.`];
const ALIAS_QUOTA = (n: number) => [400, 'KMS.0308', `KMS.0308: The project has reached its quota of ${n} aliases.`];

/** The outcome of a call: 'ok', or the refusal's [status, code, message]. */
const outcome = (p: Promise<unknown>) => p.then(
  () => 'ok' as const,
  (e: ApiError) => [e.status, e.code, e.message] as unknown[],
);
const refusals = (results: (string | unknown[])[]) => results.filter((r) => r !== 'ok');

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/**
 * A rig whose admin client talks to its app over loopback HTTP, over a store whose writes take a moment (as
 * a disk's do), so that requests arriving together are all between their checks and their writes at once.
 */
async function served(options: { store?: Store; limits?: Partial<KmsSettings> } = {}) {
  const rig = await makeRig({ ...options, store: options.store ?? new CountingStore(new MemoryStore(), true) });
  const server = await listen(rig.app);
  servers.push(server);
  const client = new SignedClient({ endpoint: server.url, accessKey: ADMIN.accessKey, secretKey: ADMIN.secretKey, projectId: P, now: () => rig.clock.now() });
  return withCalls(rig, client);
}

function withCalls(rig: Rig, client = rig.client) {
  const kms = (action: string, body: unknown) => client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
  return {
    rig,
    kms,
    createKey: (alias: string) => kms('create-key', { key_alias: alias }),
    createAlias: (keyId: string, alias: string) => client.request('POST', '/v1.0/{project_id}/kms/aliases', { key_id: keyId, alias }),
    deleteAlias: (keyId: string, alias: string) => client.request('DELETE', '/v1.0/{project_id}/kms/aliases', { key_id: keyId, aliases: [alias] }),
    keysStored: async () => (await listAll(rig.store, `kms/${P}/key/`)).length,
    aliasesStored: async () => (await listAll(rig.store, `kms/${P}/alias/`)).length,
    cmkUsed: async () => (await client.request('GET', '/v1.0/{project_id}/kms/user-quotas')).quotas.resources[0].used as number,
  };
}

/** A store that counts listings of the project's aliases and reads of alias documents; `slow`: each write waits 2 ms. */
class CountingStore extends FaultyStore {
  aliasListings = 0;
  aliasReads = 0;
  shared = false;
  constructor(
    inner: Store,
    readonly slow = false,
  ) {
    super(inner);
  }
  override async put(key: string, value: Uint8Array, options?: PutOptions) {
    if (this.slow) await new Promise((r) => setTimeout(r, 2));
    return super.put(key, value, options);
  }
  override get exclusive() {
    return this.shared ? false : this.inner.exclusive;
  }
  override list(prefix: string, options?: ListOptions) {
    if (prefix.includes('/alias/')) this.aliasListings++;
    return super.list(prefix, options);
  }
  override async get(key: string) {
    if (key.includes('/alias/')) this.aliasReads++;
    return super.get(key);
  }
}

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('keys per project under concurrency', () => {
  it('of twelve create-key at once over loopback with room for four, exactly four are created and eight get KMS.1105', async () => {
    const t = await served({ limits: { keysPerProject: 5 } });
    await t.createKey('first');
    const results = await Promise.all(names('k', 12).map((n) => outcome(t.createKey(n))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(4);
    expect(refusals(results)).toEqual(Array(8).fill(KEY_QUOTA(5)));
    expect(await t.keysStored()).toBe(5);
    expect(await t.cmkUsed()).toBe(5);
    expect((await t.kms('list-keys', { limit: '100' })).total).toBe(5);
    // Full: one more, alone, is refused too, and writes nothing.
    expect(await outcome(t.createKey('late'))).toEqual(KEY_QUOTA(5));
    expect(await t.keysStored()).toBe(5);
  });

  it('key pairs generated at once are held from before their generation: none is generated past the quota', async () => {
    const t = await served({ limits: { keysPerProject: 2, keyGenerations: 8, keyGenerationsPerPrincipal: 8 } });
    let generations = 0;
    const run = t.rig.kms.keyGeneration.run.bind(t.rig.kms.keyGeneration);
    t.rig.kms.keyGeneration.run = (principal, work) => (generations++, run(principal, work));
    const results = await Promise.all(names('ec', 6).map((n) => outcome(t.kms('create-key', { key_alias: n, key_spec: 'EC_P256' }))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(2);
    expect(refusals(results)).toEqual(Array(4).fill(KEY_QUOTA(2)));
    expect(generations).toBe(2);
    expect(await t.keysStored()).toBe(2);
  });

  it('service default keys go through the same quota; first uses at once share one creation, even in its last place', async () => {
    const t = await served({ limits: { keysPerProject: 2 } });
    const a = (await t.createKey('a')).key_info.key_id;
    // Three first uses of one default key at once with room for one: one key, and every use gets it.
    const uses = await Promise.all([1, 2, 3].map(() => t.kms('encrypt-data', { key_id: 'obs/default', plain_text: 'x' })));
    expect(new Set(uses.map((u) => u.key_id)).size).toBe(1);
    expect(await t.keysStored()).toBe(2);
    const obs = (await t.kms('describe-key', { key_id: uses[0].key_id })).key_info;
    expect([obs.key_alias, obs.default_key_flag]).toEqual(['obs/default', '1']);
    expect(await outcome(t.kms('encrypt-data', { key_id: 'obs/default', plain_text: 'x' }))).toBe('ok');
    // At the quota, a first use of another default key is refused and creates nothing.
    expect(await outcome(t.kms('encrypt-data', { key_id: 'csms/default', plain_text: 'x' }))).toEqual(KEY_QUOTA(2));
    expect(await t.keysStored()).toBe(2);
    // A creation that failed is not kept: the next first use tries again.
    await t.kms('schedule-key-deletion', { key_id: a, pending_days: '7' });
    t.rig.clock.advance(7 * DAY_MS + 1);
    expect(await outcome(t.kms('encrypt-data', { key_id: 'csms/default', plain_text: 'x' }))).toBe('ok');
  });

  it('a key whose deletion date has come frees its place at once; one only scheduled keeps it; a purged one frees it', async () => {
    const t = withCalls(await makeRig({ limits: { keysPerProject: 2 } }));
    const a = (await t.createKey('a')).key_info.key_id;
    const b = (await t.createKey('b')).key_info.key_id;
    await t.kms('schedule-key-deletion', { key_id: a, pending_days: '7' });
    expect(await outcome(t.createKey('c'))).toEqual(KEY_QUOTA(2));
    t.rig.clock.advance(7 * DAY_MS + 1);
    // Nothing has read key a since its date came: the quota check destroys it and counts it out.
    expect(await outcome(t.createKey('c'))).toBe('ok');
    expect(await t.keysStored()).toBe(2);
    expect(await outcome(t.createKey('d'))).toEqual(KEY_QUOTA(2));
    // Maintenance's purge frees a place as well.
    await t.kms('schedule-key-deletion', { key_id: b, pending_days: '7' });
    t.rig.clock.advance(7 * DAY_MS + 1);
    expect((await runMaintenance(t.rig.kms)).destroyed).toBe(1);
    expect(await t.keysStored()).toBe(1);
    const results = await Promise.all(['d', 'e', 'f'].map((n) => outcome(t.createKey(n))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(await t.keysStored()).toBe(2);
  });

  it('a restarted service counts the keys its store holds', async () => {
    const store = new MemoryStore();
    const before = withCalls(await makeRig({ store, limits: { keysPerProject: 4 } }));
    await Promise.all(names('k', 3).map((n) => before.createKey(n)));
    const after = withCalls(await makeRig({ store, limits: { keysPerProject: 4 } }));
    expect(await after.cmkUsed()).toBe(3);
    const results = await Promise.all(names('r', 5).map((n) => outcome(after.createKey(n))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(refusals(results)).toEqual(Array(4).fill(KEY_QUOTA(4)));
    expect(await after.keysStored()).toBe(4);
  });

  describe('write faults leave no place held and no key past the quota', () => {
    // create-key writes its name claim (1), then its record (2).
    for (const mode of ['fail', 'lost-ack'] as const) {
      for (const blind of [false, true]) {
        it(`${mode}${blind ? ', the read-back failing too' : ''}`, async () => {
          for (const n of [1, 2]) {
            const store = new FaultyStore(new MemoryStore());
            const t = withCalls(await makeRig({ store, limits: { keysPerProject: 4 } }));
            await t.createKey('a');
            await t.createKey('b');
            store.arm(n, mode);
            store.blindAfterFault = blind ? '/key/' : undefined;
            const failed = await outcome(t.createKey('faulty'));
            expect(failed, `write ${n}`).not.toBe('ok');
            expect(store.injected, `write ${n}`).toBeDefined();
            store.arm(0);
            store.blindAfterFault = undefined;
            // The record landed only when its own write was acknowledged late.
            const landed = n === 2 && mode === 'lost-ack';
            expect(await t.keysStored(), `write ${n}`).toBe(landed ? 3 : 2);
            expect(await t.cmkUsed(), `write ${n}`).toBe(landed ? 3 : 2);
            const room = 4 - (await t.keysStored());
            const results = await Promise.all(names('fill', room + 3).map((x) => outcome(t.createKey(x))));
            expect(results.filter((r) => r === 'ok'), `write ${n}: ${room} places`).toHaveLength(room);
            expect(refusals(results), `write ${n}`).toEqual(Array(3).fill(KEY_QUOTA(4)));
            expect(await t.keysStored(), `write ${n}`).toBe(4);
          }
        });
      }
    }
  });
});

describe('grants per key under concurrency', () => {
  it('of ten create-grant at once on a key with room for three, exactly three are made and seven get KMS.2404', async () => {
    const t = await served({ limits: { grantsPerKey: 3 } });
    const keyId = (await t.createKey('g')).key_info.key_id;
    const results = await Promise.all(
      names('p', 10).map((principal) => outcome(t.kms('create-grant', { key_id: keyId, grantee_principal: principal, operations: ['describe-key'] }))),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(3);
    expect(refusals(results)).toEqual(Array(7).fill([400, 'KMS.2404', `KMS.2404: The key ${keyId} already has 3 grants, its limit.`]));
    expect((await t.kms('list-grants', { key_id: keyId })).total).toBe(3);
  });
});

describe('aliases per project under concurrency', () => {
  it('of twelve create-alias at once over loopback with room for four, exactly four are made and eight are refused', async () => {
    const t = await served({ limits: { aliasesPerProject: 5 } });
    const key = (await t.createKey('k')).key_info.key_id;
    await t.createAlias(key, 'first');
    const results = await Promise.all(names('al', 12).map((n) => outcome(t.createAlias(key, n))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(4);
    expect(refusals(results)).toEqual(Array(8).fill(ALIAS_QUOTA(5)));
    expect(await t.aliasesStored()).toBe(5);
    expect((await t.rig.client.request('GET', '/v1.0/{project_id}/kms/aliases?limit=1000'))[0].aliases).toHaveLength(5);
  });

  it('counts from memory: creates neither list the aliases nor read any alias but their own', async () => {
    const store = new CountingStore(new MemoryStore());
    const t = withCalls(await makeRig({ store, limits: { aliasesPerProject: 50 } }));
    const key = (await t.createKey('k')).key_info.key_id;
    for (const n of names('a', 30)) await t.createAlias(key, n);
    expect(store.aliasListings).toBe(1); // the project's names, once
    store.aliasReads = 0;
    store.aliasListings = 0;
    for (const n of names('b', 20)) await t.createAlias(key, n);
    // One read per create: whether its own name is taken. Before, every create read all the aliases and listed them.
    expect(store.aliasReads).toBe(20);
    expect(store.aliasListings).toBe(0);
    expect(await outcome(t.createAlias(key, 'over'))).toEqual(ALIAS_QUOTA(50));
  });

  it('a deleted alias, and the aliases of a destroyed key, free their places; a taken name holds none', async () => {
    const t = withCalls(await makeRig({ limits: { aliasesPerProject: 3 } }));
    const k1 = (await t.createKey('k1')).key_info.key_id;
    const k2 = (await t.createKey('k2')).key_info.key_id;
    await t.createAlias(k1, 'x');
    await t.createAlias(k2, 'y1');
    expect(await outcome(t.createAlias(k1, 'x'))).toEqual([400, 'KMS.1104', 'KMS.1104: The alias x already exists.']);
    await t.createAlias(k2, 'y2');
    expect(await outcome(t.createAlias(k1, 'z'))).toEqual(ALIAS_QUOTA(3));
    await t.deleteAlias(k1, 'x');
    expect(await Promise.all(['z', 'w'].map((n) => outcome(t.createAlias(k1, n))))).toEqual(['ok', ALIAS_QUOTA(3)]);
    // k2 is destroyed with its two aliases.
    await t.kms('schedule-key-deletion', { key_id: k2, pending_days: '7' });
    t.rig.clock.advance(7 * DAY_MS + 1);
    expect((await runMaintenance(t.rig.kms)).destroyed).toBe(1);
    expect(await t.aliasesStored()).toBe(1);
    const results = await Promise.all(names('n', 4).map((n) => outcome(t.createAlias(k1, n))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(2);
    expect(await t.aliasesStored()).toBe(3);
  });

  it('a restarted service counts the aliases its store holds', async () => {
    const store = new MemoryStore();
    const before = withCalls(await makeRig({ store, limits: { aliasesPerProject: 4 } }));
    const key = (await before.createKey('k')).key_info.key_id;
    for (const n of names('a', 3)) await before.createAlias(key, n);
    const after = withCalls(await makeRig({ store, limits: { aliasesPerProject: 4 } }));
    const results = await Promise.all(names('r', 4).map((n) => outcome(after.createAlias(key, n))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(refusals(results)).toEqual(Array(3).fill(ALIAS_QUOTA(4)));
    expect(await after.aliasesStored()).toBe(4);
  });

  describe('write faults leave no place held and no alias past the quota', () => {
    for (const step of ['create', 'delete'] as const) {
      for (const mode of ['fail', 'lost-ack'] as const) {
        for (const blind of [false, true]) {
          it(`${step}, ${mode}${blind ? ', the read-back failing too' : ''}`, async () => {
            const store = new CountingStore(new MemoryStore());
            const t = withCalls(await makeRig({ store, limits: { aliasesPerProject: 4 } }));
            const key = (await t.createKey('k')).key_info.key_id;
            await t.createAlias(key, 'a');
            await t.createAlias(key, 'b');
            store.arm(1, mode);
            store.blindAfterFault = blind ? '/alias/' : undefined;
            expect(await outcome(step === 'create' ? t.createAlias(key, 'faulty') : t.deleteAlias(key, 'a'))).not.toBe('ok');
            expect(store.injected).toBeDefined();
            store.arm(0);
            store.blindAfterFault = undefined;
            const landed = mode === 'lost-ack';
            expect(await t.aliasesStored()).toBe(step === 'create' ? (landed ? 3 : 2) : landed ? 1 : 2);
            const room = 4 - (await t.aliasesStored());
            const results = await Promise.all(names('fill', room + 3).map((n) => outcome(t.createAlias(key, n))));
            expect(results.filter((r) => r === 'ok'), `${room} places`).toHaveLength(room);
            expect(refusals(results)).toEqual(Array(3).fill(ALIAS_QUOTA(4)));
            expect(await t.aliasesStored()).toBe(4);
          });
        }
      }
    }
  });
});

/** Puts of keys under `gated` wait until opened: a create in flight, between its quota check and its write. */
class GatedStore extends CountingStore {
  gated: string | undefined;
  private waiting: (() => void)[] = [];
  override async put(key: string, value: Uint8Array, options?: PutOptions) {
    if (this.gated && key.includes(this.gated)) await new Promise<void>((r) => this.waiting.push(r));
    return super.put(key, value, options);
  }
  get held() {
    return this.waiting.length;
  }
  open() {
    this.gated = undefined;
    for (const r of this.waiting.splice(0)) r();
  }
}

const until = async (ready: () => boolean) => {
  for (let i = 0; i < 1000 && !ready(); i++) await new Promise((r) => setImmediate(r));
  expect(ready()).toBe(true);
};

describe('on a store shared with other writers (Store.exclusive false, as Workers’ Durable Object store)', () => {
  it('counts by listing every time and holds this process’s creates to the quota together', async () => {
    const store = new CountingStore(new MemoryStore(), true);
    store.shared = true;
    const t = await served({ store, limits: { keysPerProject: 4, aliasesPerProject: 3 } });
    const results = await Promise.all(names('k', 9).map((n) => outcome(t.createKey(n))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(4);
    expect(refusals(results)).toEqual(Array(5).fill(KEY_QUOTA(4)));
    const key = (await t.kms('list-keys', {})).keys[0];
    const aliases = await Promise.all(names('a', 7).map((n) => outcome(t.createAlias(key, n))));
    expect(aliases.filter((r) => r === 'ok')).toHaveLength(3);
    expect(await t.aliasesStored()).toBe(3);
    const listings = store.aliasListings;
    expect(await outcome(t.createAlias(key, 'again'))).toEqual(ALIAS_QUOTA(3));
    expect(store.aliasListings).toBe(listings + 1);
  });

  it('sees another process’s key once it is written; two processes creating at the same moment can pass the quota by the creates in flight', async () => {
    const inner = new MemoryStore();
    const store = new GatedStore(inner);
    store.shared = true;
    const other = new CountingStore(inner);
    other.shared = true;
    const here = withCalls(await makeRig({ store, limits: { keysPerProject: 2 } }));
    const there = withCalls(await makeRig({ store: other, limits: { keysPerProject: 2 } }));
    await there.createKey('theirs');
    // Written by the other process: counted here.
    expect(await here.cmkUsed()).toBe(1);
    store.gated = '/key/';
    const mine = outcome(here.createKey('mine')); // holds its place here, its record not yet written
    await until(() => store.held === 1);
    // Here, the held place counts; the other process cannot see it.
    expect(await outcome(here.createKey('mine2'))).toEqual(KEY_QUOTA(2));
    expect(await outcome(there.createKey('theirs2'))).toBe('ok');
    store.open();
    expect(await mine).toBe('ok');
    expect(await here.keysStored()).toBe(3);
    // Past the quota, both refuse every further create.
    expect(await outcome(here.createKey('more'))).toEqual(KEY_QUOTA(2));
    expect(await outcome(there.createKey('more'))).toEqual(KEY_QUOTA(2));
  });
});
