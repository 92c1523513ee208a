// Users, access keys and identity policies in the store (docs/iam.md, The identity API), in-process over a
// memory store: what each call accepts and refuses (status, code and words), what it writes, that a
// refusal writes nothing, and who find() lets in (the verifier's view of a credential).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.ts';
import { fromBase64 } from '../../src/crypto/encoding.ts';
import { StaticCredentials, type Credential } from '../../src/iam/credentials.ts';
import { describeUser, Directory, DirectoryError, MAX_ACCESS_KEYS_PER_USER, POLICY_NAME, USER_NAME } from '../../src/iam/directory.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { ConflictError, getJson, listAll, type Store } from '../../src/store/store.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';
import { RacingStore } from '../helpers/racing-store.ts';
import { rejection } from '../helpers/kms.ts';

const P1 = 'p0000000000000000000000000000001';
const P2 = 'p0000000000000000000000000000002';
const START = 1_700_000_000_000;
const ALLOW_ENCRYPT = { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['kms:cmk:encrypt'] }] };
const DENY_DECRYPT = { Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['kms:cmk:decrypt'], Resource: ['KMS:*:*:KeyId:*'] }] };
const CONFIGURED: Credential = { accessKey: 'CONFIGUREDAK00000000', secretKey: utf8('ConfiguredSecretKey00000000000000000000'), principal: 'app1', projects: [P1], role: 'user' };

afterEach(() => vi.restoreAllMocks());

async function rig(store: Store = new MemoryStore(), configured: Credential[] = [CONFIGURED]) {
  let now = START;
  const root = await RootKey.fromBytes(new Uint8Array(32).fill(7), nodeCrypto);
  const dir = new Directory(store, root, new StaticCredentials(configured), () => now);
  const snapshot = async () => JSON.stringify(await Promise.all((await listAll(store, '')).map(async (k) => [k, new TextDecoder().decode((await store.get(k))?.value)])));
  return { dir, store, root, advance: (ms: number) => (now += ms), snapshot };
}

async function directoryError(p: Promise<unknown>): Promise<DirectoryError> {
  const e = await rejection(p);
  expect(e).toBeInstanceOf(DirectoryError);
  expect((e as Error).name).toBe('DirectoryError');
  return e as DirectoryError;
}
const answer = async (p: Promise<unknown>) => {
  const e = await directoryError(p);
  return [e.status, e.code, e.message];
};

describe('users', () => {
  it('are created with their projects (once each), no policies and no keys, and read back', async () => {
    const { dir, store } = await rig();
    const user = await dir.createUser('alice', [P1, P2, P1]);
    expect(user).toEqual({ name: 'alice', projects: [P1, P2], policies: [], access_keys: [], created_at: START });
    expect((await getJson(store, 'iam/users/alice'))?.value).toEqual(user);
    expect(await dir.user('alice')).toEqual(user);
    const bob = await dir.createUser('B'.repeat(64), Array.from({ length: 64 }, (_, i) => `p_${i}-x`));
    expect(await dir.listUsers()).toEqual([user, bob].sort((a, b) => (a.name < b.name ? -1 : 1)));
    expect(describeUser(user)).toEqual({ name: 'alice', projects: [P1, P2], policies: [], access_keys: [], created_at: new Date(START).toISOString() });
    expect(USER_NAME.test('alice') && !USER_NAME.test('al-ice') && POLICY_NAME.test('a_b-c') && !POLICY_NAME.test('a.b')).toBe(true);
  });

  it.each([
    ['a name that is not a string', [1, [P1]], 'name must be 1-64 letters and digits, not "admin".'],
    ['an empty name', ['', [P1]], 'name must be 1-64 letters and digits, not "admin".'],
    ['a long name', ['a'.repeat(65), [P1]], 'name must be 1-64 letters and digits, not "admin".'],
    ['a name with a dot', ['a.b', [P1]], 'name must be 1-64 letters and digits, not "admin".'],
    ['admin', ['admin', [P1]], 'name must be 1-64 letters and digits, not "admin".'],
    ['projects that are not a list', ['alice', P1], 'projects must be 1-64 project ids.'],
    ['no projects', ['alice', []], 'projects must be 1-64 project ids.'],
    ['65 projects', ['alice', Array.from({ length: 65 }, (_, i) => `p${i}`)], 'projects must be 1-64 project ids.'],
    ['a project that is not a string', ['alice', [P1, null]], 'projects must be 1-64 project ids.'],
    ['a malformed project', ['alice', ['p 1']], 'projects must be 1-64 project ids.'],
    ['a long project', ['alice', ['p'.repeat(65)]], 'projects must be 1-64 project ids.'],
  ] as [string, [unknown, unknown], string][])('refuses %s with 400, writing nothing', async (_n, args, message) => {
    const { dir, snapshot } = await rig();
    const before = await snapshot();
    expect(await answer(dir.createUser(...args))).toEqual([400, 'EDGEKMS.0400', message]);
    expect(await snapshot()).toBe(before);
  });

  it('refuses a name taken with 409, keeping the user', async () => {
    const { dir } = await rig();
    const alice = await dir.createUser('alice', [P1]);
    expect(await answer(dir.createUser('alice', [P2]))).toEqual([409, 'EDGEKMS.0409', 'The user alice already exists.']);
    expect(await dir.user('alice')).toEqual(alice);
  });

  it('a store failure while creating is passed on as it is', async () => {
    const faulty = new FaultyStore(new MemoryStore());
    const { dir } = await rig(faulty);
    faulty.arm(1);
    expect(await rejection(dir.createUser('alice', [P1]))).toBe(faulty.injected);
  });

  it('that do not exist are 404, naming at most 64 characters', async () => {
    const { dir } = await rig();
    expect(await answer(dir.user('nobody'))).toEqual([404, 'EDGEKMS.0404', 'The user nobody does not exist.']);
    expect(await answer(dir.user('n'.repeat(80)))).toEqual([404, 'EDGEKMS.0404', `The user ${'n'.repeat(64)} does not exist.`]);
    expect(await answer(dir.user('../policies/x'))).toEqual([404, 'EDGEKMS.0404', 'The user ../policies/x does not exist.']);
    expect(await answer(dir.deleteUser('nobody'))).toEqual([404, 'EDGEKMS.0404', 'The user nobody does not exist.']);
    expect(await answer(dir.createAccessKey('nobody'))).toEqual([404, 'EDGEKMS.0404', 'The user nobody does not exist.']);
    expect(await answer(dir.createAccessKey('m'.repeat(70)))).toEqual([404, 'EDGEKMS.0404', `The user ${'m'.repeat(64)} does not exist.`]);
    expect(await answer(dir.listAccessKeys('nobody'))).toEqual([404, 'EDGEKMS.0404', 'The user nobody does not exist.']);
  });

  it('deleted take their access keys with them', async () => {
    const { dir, store } = await rig();
    await dir.createUser('alice', [P1]);
    const k1 = await dir.createAccessKey('alice');
    const k2 = await dir.createAccessKey('alice');
    await dir.createUser('bob', [P1]);
    const kb = await dir.createAccessKey('bob');
    await dir.deleteUser('alice');
    expect(await store.get('iam/users/alice')).toBeNull();
    for (const k of [k1, k2]) {
      expect(await store.get(`iam/access-keys/${k.access_key}`)).toBeNull();
      expect(await dir.find(k.access_key)).toBeNull();
    }
    expect((await dir.find(kb.access_key))?.principal).toBe('bob');
    expect((await dir.listUsers()).map((u) => u.name)).toEqual(['bob']);
  });
});

describe('access keys', () => {
  it('are created active, their secret sealed in the store and shown once; find() gives the user’s credential', async () => {
    const { dir, store } = await rig();
    await dir.createUser('alice', [P1, P2]);
    const k = await dir.createAccessKey('alice');
    expect(k).toEqual({ access_key: expect.stringMatching(/^[A-Z0-9]{20}$/), secret_key: expect.stringMatching(/^[A-Za-z0-9]{40}$/), status: 'active', created_at: START });
    const record = (await getJson<Record<string, unknown>>(store, `iam/access-keys/${k.access_key}`))!.value;
    expect(record).toEqual({ access_key: k.access_key, user: 'alice', secret: expect.any(String), status: 'active', created_at: START });
    expect(JSON.stringify(record)).not.toContain(k.secret_key);
    expect((await dir.user('alice')).access_keys).toEqual([k.access_key]);
    expect(await dir.listAccessKeys('alice')).toEqual([{ access_key: k.access_key, status: 'active', created_at: START }]);
    expect(await dir.find(k.access_key)).toEqual({ accessKey: k.access_key, secretKey: utf8(k.secret_key), principal: 'alice', projects: [P1, P2], role: 'user', policies: [] });
  });

  it('at most two per user; the refusal writes nothing', async () => {
    const { dir, snapshot } = await rig();
    await dir.createUser('alice', [P1]);
    await dir.createAccessKey('alice');
    await dir.createAccessKey('alice');
    expect(MAX_ACCESS_KEYS_PER_USER).toBe(2);
    const before = await snapshot();
    expect(await answer(dir.createAccessKey('alice'))).toEqual([409, 'EDGEKMS.0409', 'The user alice already has 2 access keys; delete one first.']);
    expect(await snapshot()).toBe(before);
  });

  it('two created at once for a user with one: exactly one is listed and works', async () => {
    const { dir, store } = await rig();
    await dir.createUser('alice', [P1]);
    await dir.createAccessKey('alice');
    const results = await Promise.allSettled([dir.createAccessKey('alice'), dir.createAccessKey('alice')]);
    const made = results.filter((r) => r.status === 'fulfilled');
    expect(made).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(DirectoryError);
    expect([(refused.reason as DirectoryError).status, (refused.reason as DirectoryError).message]).toEqual([409, 'The user alice already has 2 access keys; delete one first.']);
    const keys = (await dir.user('alice')).access_keys;
    expect(keys).toHaveLength(2);
    // The loser's record may be left behind, but it is not listed by its user, so it never works.
    for (const ak of await listAll(store, 'iam/access-keys/')) {
      const id = ak.slice('iam/access-keys/'.length);
      expect(await dir.find(id) !== null, id).toBe(keys.includes(id));
    }
  });

  it('keep the secret sealed under the root key for the context ["iam-access-key", access key]', async () => {
    const { dir, store, root } = await rig();
    await dir.createUser('alice', [P1]);
    const k = await dir.createAccessKey('alice');
    const { secret } = (await getJson<{ secret: string }>(store, `iam/access-keys/${k.access_key}`))!.value;
    // The stored format: keys created by one version must open in the next.
    expect(new TextDecoder().decode(await root.open(fromBase64(secret), ['iam-access-key', k.access_key]))).toBe(k.secret_key);
    await expect(root.open(fromBase64(secret), ['iam-session', k.access_key])).rejects.toThrow();
  });

  it('never overwrite another user’s key: an access key drawn twice fails the second create', async () => {
    const { dir, store } = await rig();
    await dir.createUser('alice', [P1]);
    await dir.createUser('bob', [P1]);
    // A CSPRNG that repeats itself (all zeros): both users draw the same access key.
    vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(a: T): T => {
      new Uint8Array((a as unknown as Uint8Array).buffer, (a as unknown as Uint8Array).byteOffset, (a as unknown as Uint8Array).byteLength).fill(0);
      return a;
    });
    const ka = await dir.createAccessKey('alice');
    const record = await store.get(`iam/access-keys/${ka.access_key}`);
    expect(await rejection(dir.createAccessKey('bob'))).toBeInstanceOf(ConflictError);
    expect(await store.get(`iam/access-keys/${ka.access_key}`)).toEqual(record);
    expect((await dir.user('bob')).access_keys).toEqual([]);
    expect((await dir.find(ka.access_key))?.principal).toBe('alice');
  });

  it('a status set on a key deleted meanwhile does not bring its record back', async () => {
    const store = new RacingStore();
    const { dir } = await rig(store);
    await dir.createUser('alice', [P1]);
    const k = await dir.createAccessKey('alice');
    const key = `iam/access-keys/${k.access_key}`;
    store.beforePut.set(key, async () => {
      await dir.deleteAccessKey('alice', k.access_key);
    });
    expect(await rejection(dir.setAccessKeyStatus('alice', k.access_key, 'disabled'))).toBeInstanceOf(ConflictError);
    expect(await store.get(key)).toBeNull();
  });

  it('users, keys and policies listed and then deleted by someone else are left out', async () => {
    const store = new RacingStore();
    const { dir } = await rig(store);
    await dir.createUser('alice', [P1]);
    await dir.createUser('bob', [P1]);
    const k1 = await dir.createAccessKey('alice');
    const k2 = await dir.createAccessKey('alice');
    await dir.putPolicy('a', ALLOW_ENCRYPT);
    await dir.putPolicy('b', ALLOW_ENCRYPT);
    for (const k of ['iam/users/bob', `iam/access-keys/${k1.access_key}`, 'iam/policies/a']) store.vanished.add(k);
    expect((await dir.listUsers()).map((u) => u.name)).toEqual(['alice']);
    expect((await dir.listAccessKeys('alice')).map((k) => k.access_key)).toEqual([k2.access_key]);
    expect((await dir.listPolicies()).map((p) => p.name)).toEqual(['b']);
  });

  it('never take an access key configuration holds', async () => {
    // Every candidate access key is "configured" until the fourth draw: createAccessKey draws again.
    let draws = 0;
    const taken = { find: async (ak: string) => (++draws < 4 ? { ...CONFIGURED, accessKey: ak } : null) };
    const store = new MemoryStore();
    const root = await RootKey.fromBytes(new Uint8Array(32).fill(7), nodeCrypto);
    const dir = new Directory(store, root, taken, () => START);
    await dir.createUser('alice', [P1]);
    const k = await dir.createAccessKey('alice');
    expect(draws).toBe(4);
    expect(k.access_key).toMatch(/^[A-Z0-9]{20}$/);
  });

  it('disabled stop working and enabled work again; status is checked', async () => {
    const { dir, snapshot } = await rig();
    await dir.createUser('alice', [P1]);
    const k = await dir.createAccessKey('alice');
    await dir.setAccessKeyStatus('alice', k.access_key, 'disabled');
    expect(await dir.find(k.access_key)).toBeNull();
    expect(await dir.listAccessKeys('alice')).toEqual([{ access_key: k.access_key, status: 'disabled', created_at: START }]);
    await dir.setAccessKeyStatus('alice', k.access_key, 'active');
    expect((await dir.find(k.access_key))?.principal).toBe('alice');
    const before = await snapshot();
    for (const status of ['enabled', undefined, 1, 'Active']) {
      expect(await answer(dir.setAccessKeyStatus('alice', k.access_key, status)), String(status)).toEqual([400, 'EDGEKMS.0400', 'status must be "active" or "disabled".']);
    }
    expect(await snapshot()).toBe(before);
  });

  it('belong to their user: another user’s, an unknown or a malformed key is 404 and nothing changes', async () => {
    const { dir, snapshot } = await rig();
    await dir.createUser('alice', [P1]);
    await dir.createUser('bob', [P1]);
    const ka = await dir.createAccessKey('alice');
    const before = await snapshot();
    expect(await answer(dir.setAccessKeyStatus('bob', ka.access_key, 'disabled'))).toEqual([404, 'EDGEKMS.0404', `The access key ${ka.access_key} of bob does not exist.`]);
    expect(await answer(dir.deleteAccessKey('bob', ka.access_key))).toEqual([404, 'EDGEKMS.0404', `The access key ${ka.access_key} of bob does not exist.`]);
    expect(await answer(dir.deleteAccessKey('alice', 'ABCDEFGHIJKLMNOPQRST'))).toEqual([404, 'EDGEKMS.0404', 'The access key ABCDEFGHIJKLMNOPQRST of alice does not exist.']);
    expect(await answer(dir.deleteAccessKey('alice', ka.access_key.toLowerCase()))).toEqual([404, 'EDGEKMS.0404', `The access key ${ka.access_key.toLowerCase()} of alice does not exist.`]);
    expect(await answer(dir.deleteAccessKey('alice', `${ka.access_key}XYZ`))).toEqual([404, 'EDGEKMS.0404', `The access key ${ka.access_key} of alice does not exist.`]);
    expect(await answer(dir.deleteAccessKey('nobody', ka.access_key))).toEqual([404, 'EDGEKMS.0404', 'The user nobody does not exist.']);
    expect(await snapshot()).toBe(before);
    expect((await dir.find(ka.access_key))?.principal).toBe('alice');
  });

  it('deleted: gone from the user first, then the record', async () => {
    const { dir, store } = await rig();
    await dir.createUser('alice', [P1]);
    const k1 = await dir.createAccessKey('alice');
    const k2 = await dir.createAccessKey('alice');
    await dir.deleteAccessKey('alice', k1.access_key);
    expect((await dir.user('alice')).access_keys).toEqual([k2.access_key]);
    expect(await store.get(`iam/access-keys/${k1.access_key}`)).toBeNull();
    expect(await dir.find(k1.access_key)).toBeNull();
    expect((await dir.find(k2.access_key))?.principal).toBe('alice');
    // A failure after the user's write leaves a record no user lists: it does not work.
    const faulty = new FaultyStore(new MemoryStore());
    const f = await rig(faulty);
    await f.dir.createUser('alice', [P1]);
    const k = await f.dir.createAccessKey('alice');
    faulty.arm(2);
    expect(await rejection(f.dir.deleteAccessKey('alice', k.access_key))).toBe(faulty.injected);
    expect(await faulty.get(`iam/access-keys/${k.access_key}`)).not.toBeNull();
    expect(await f.dir.find(k.access_key)).toBeNull();
  });

  it('a failure between the writes of a create leaves no usable key', async () => {
    for (const failAt of [1, 2, 3]) {
      const faulty = new FaultyStore(new MemoryStore());
      const { dir } = await rig(faulty);
      await dir.createUser('alice', [P1]);
      faulty.arm(failAt);
      expect(await rejection(dir.createAccessKey('alice')), `write ${failAt}`).toBe(faulty.injected);
      expect((await dir.user('alice')).access_keys, `write ${failAt}`).toEqual([]);
      for (const ak of await listAll(faulty, 'iam/access-keys/')) expect(await dir.find(ak.slice('iam/access-keys/'.length))).toBeNull();
    }
  });
});

describe('find', () => {
  it('configured credentials come first; malformed or unknown keys find nothing', async () => {
    const { dir } = await rig();
    expect(await dir.find(CONFIGURED.accessKey)).toBe(CONFIGURED);
    for (const ak of ['ABCDEFGHIJKLMNOPQRST', 'abcdefghijklmnopqrst', 'SHORT', '../users/alice000000', '']) expect(await dir.find(ak), ak).toBeNull();
  });

  it('a configured access key that is not in the store’s shape is still found', async () => {
    const odd: Credential = { ...CONFIGURED, accessKey: 'lower-case-ak' };
    const { dir } = await rig(new MemoryStore(), [odd]);
    expect(await dir.find('lower-case-ak')).toBe(odd);
  });

  it('a key its user no longer lists, or whose user is gone, finds nothing', async () => {
    const { dir, store } = await rig();
    await dir.createUser('alice', [P1]);
    const k = await dir.createAccessKey('alice');
    const user = (await getJson<Record<string, unknown>>(store, 'iam/users/alice'))!.value;
    await store.put('iam/users/alice', utf8(JSON.stringify({ ...user, access_keys: [] })));
    expect(await dir.find(k.access_key)).toBeNull();
    await store.delete('iam/users/alice');
    expect(await dir.find(k.access_key)).toBeNull();
  });

  it('a sealed secret moved to another access key does not open', async () => {
    const { dir, store } = await rig();
    await dir.createUser('alice', [P1]);
    const k1 = await dir.createAccessKey('alice');
    const k2 = await dir.createAccessKey('alice');
    const r1 = (await getJson<Record<string, unknown>>(store, `iam/access-keys/${k1.access_key}`))!.value;
    const r2 = (await getJson<Record<string, unknown>>(store, `iam/access-keys/${k2.access_key}`))!.value;
    await store.put(`iam/access-keys/${k2.access_key}`, utf8(JSON.stringify({ ...r2, secret: r1.secret })));
    await expect(dir.find(k2.access_key)).rejects.toThrow();
  });

  it('gives the same credential while its records are unchanged, and a new one on the request after any change', async () => {
    const { dir, store } = await rig();
    await dir.createUser('alice', [P1]);
    await dir.putPolicy('enc', ALLOW_ENCRYPT);
    await dir.attachPolicy('alice', 'enc');
    const k = await dir.createAccessKey('alice');
    const first = await dir.find(k.access_key);
    expect(first).toMatchObject({ accessKey: k.access_key, principal: 'alice', projects: [P1], policies: ALLOW_ENCRYPT.Statement });
    expect(first!.secretKey).toEqual(utf8(k.secret_key));
    expect(await dir.find(k.access_key)).toBe(first);
    // a policy of the user replaced
    await dir.putPolicy('enc', DENY_DECRYPT);
    const second = await dir.find(k.access_key);
    expect(second).not.toBe(first);
    expect(second!.policies).toEqual(DENY_DECRYPT.Statement);
    // the user's policies and projects changed
    await dir.detachPolicy('alice', 'enc');
    expect((await dir.find(k.access_key))!.policies).toEqual([]);
    const user = (await getJson<Record<string, unknown>>(store, 'iam/users/alice'))!.value;
    await store.put('iam/users/alice', utf8(JSON.stringify({ ...user, projects: [P2] })));
    expect((await dir.find(k.access_key))!.projects).toEqual([P2]);
    // the key disabled, enabled again; the policy deleted while attached
    await dir.setAccessKeyStatus('alice', k.access_key, 'disabled');
    expect(await dir.find(k.access_key)).toBeNull();
    await dir.setAccessKeyStatus('alice', k.access_key, 'active');
    await dir.attachPolicy('alice', 'enc');
    expect((await dir.find(k.access_key))!.policies).toEqual(DENY_DECRYPT.Statement);
    await store.delete('iam/policies/enc');
    expect((await dir.find(k.access_key))!.policies).toEqual([]);
    // the key deleted
    await dir.deleteAccessKey('alice', k.access_key);
    expect(await dir.find(k.access_key)).toBeNull();
  });

  it('falls through to temporary credentials', async () => {
    const { dir } = await rig();
    await dir.putPolicy('app', ALLOW_ENCRYPT);
    const { role } = await dir.roles.create('worker', [P1], ['app'], 60);
    const t = await dir.roles.issue(role);
    expect(await dir.find(t.access)).toMatchObject({ accessKey: t.access, principal: 'worker', securityToken: t.securitytoken, policies: ALLOW_ENCRYPT.Statement });
  });
});

describe('policies', () => {
  it('are created or replaced, read, listed and deleted', async () => {
    const { dir, store, advance } = await rig();
    const p = await dir.putPolicy('app-crypto_1', ALLOW_ENCRYPT);
    expect(p).toEqual({ name: 'app-crypto_1', document: ALLOW_ENCRYPT, updated_at: START });
    expect((await getJson(store, 'iam/policies/app-crypto_1'))?.value).toEqual(p);
    advance(5);
    const replaced = await dir.putPolicy('app-crypto_1', DENY_DECRYPT);
    expect(replaced).toEqual({ name: 'app-crypto_1', document: DENY_DECRYPT, updated_at: START + 5 });
    expect(await dir.policy('app-crypto_1')).toEqual(replaced);
    const other = await dir.putPolicy('P'.repeat(64), ALLOW_ENCRYPT);
    expect(await dir.listPolicies()).toEqual([other, replaced].sort((a, b) => (a.name < b.name ? -1 : 1)));
    await dir.deletePolicy('app-crypto_1');
    expect(await store.get('iam/policies/app-crypto_1')).toBeNull();
    expect(await dir.listPolicies()).toEqual([other]);
  });

  it('refuses a bad name or document with 400 and its reason, writing nothing', async () => {
    const { dir, snapshot } = await rig();
    const before = await snapshot();
    for (const name of ['', 'a.b', 'a b', 'p'.repeat(65)]) expect(await answer(dir.putPolicy(name, ALLOW_ENCRYPT)), name).toEqual([400, 'EDGEKMS.0400', 'a policy name is 1-64 letters, digits, "_" and "-".']);
    expect(await answer(dir.putPolicy('p', { Version: '1.1' }))).toEqual([400, 'EDGEKMS.0400', 'Invalid policy: Statement must be an array of 1-64 statements.']);
    expect(await answer(dir.putPolicy('p', undefined))).toEqual([400, 'EDGEKMS.0400', 'Invalid policy: the policy must be a JSON object.']);
    expect(await snapshot()).toBe(before);
  });

  it('that do not exist are 404 naming at most 64 characters', async () => {
    const { dir } = await rig();
    expect(await answer(dir.policy('nope'))).toEqual([404, 'EDGEKMS.0404', 'The policy nope does not exist.']);
    expect(await answer(dir.policy('q'.repeat(90)))).toEqual([404, 'EDGEKMS.0404', `The policy ${'q'.repeat(64)} does not exist.`]);
    expect(await answer(dir.policy('a/b'))).toEqual([404, 'EDGEKMS.0404', 'The policy a/b does not exist.']);
    expect(await answer(dir.deletePolicy('nope'))).toEqual([404, 'EDGEKMS.0404', 'The policy nope does not exist.']);
  });

  it('attached to a user apply on its next request, in order, and once each', async () => {
    const { dir } = await rig();
    await dir.createUser('alice', [P1]);
    const k = await dir.createAccessKey('alice');
    await dir.putPolicy('allow', ALLOW_ENCRYPT);
    await dir.putPolicy('deny', DENY_DECRYPT);
    await dir.attachPolicy('alice', 'allow');
    await dir.attachPolicy('alice', 'deny');
    await dir.attachPolicy('alice', 'allow');
    expect((await dir.user('alice')).policies).toEqual(['allow', 'deny']);
    expect((await dir.find(k.access_key))?.policies).toEqual([...ALLOW_ENCRYPT.Statement, ...DENY_DECRYPT.Statement]);
    expect(await dir.statementsOf(['deny', 'gone', 'allow'])).toEqual([...DENY_DECRYPT.Statement, ...ALLOW_ENCRYPT.Statement]);
    await dir.detachPolicy('alice', 'allow');
    expect((await dir.user('alice')).policies).toEqual(['deny']);
    expect((await dir.find(k.access_key))?.policies).toEqual(DENY_DECRYPT.Statement);
    await dir.deletePolicy('deny'); // taken away from its holders at once
    expect((await dir.find(k.access_key))?.policies).toEqual([]);
  });

  it('attach refuses a missing policy or user, the eleventh policy, and detach a policy not attached', async () => {
    const { dir, snapshot } = await rig();
    await dir.createUser('alice', [P1]);
    for (let i = 0; i < 10; i++) {
      await dir.putPolicy(`p${i}`, ALLOW_ENCRYPT);
      await dir.attachPolicy('alice', `p${i}`);
    }
    await dir.putPolicy('p10', ALLOW_ENCRYPT);
    const before = await snapshot();
    expect(await answer(dir.attachPolicy('alice', 'p10'))).toEqual([409, 'EDGEKMS.0409', 'The user alice already holds 10 policies.']);
    await expect(dir.attachPolicy('alice', 'p3')).resolves.toBeUndefined(); // held already: no change, no refusal
    expect(await answer(dir.attachPolicy('alice', 'missing'))).toEqual([404, 'EDGEKMS.0404', 'The policy missing does not exist.']);
    expect(await answer(dir.attachPolicy('nobody', 'p1'))).toEqual([404, 'EDGEKMS.0404', 'The user nobody does not exist.']);
    expect(await answer(dir.detachPolicy('alice', 'p10'))).toEqual([404, 'EDGEKMS.0404', 'The attachment of p10 to alice does not exist.']);
    expect(await answer(dir.detachPolicy('alice', 'z'.repeat(80)))).toEqual([404, 'EDGEKMS.0404', `The attachment of ${'z'.repeat(64)} to alice does not exist.`]);
    expect(await answer(dir.detachPolicy('nobody', 'p1'))).toEqual([404, 'EDGEKMS.0404', 'The user nobody does not exist.']);
    expect(await snapshot()).toBe(before);
    expect((await dir.user('alice')).policies).toHaveLength(10);
  });

  it('attached concurrently both land (the loser of the compare-and-set retries)', async () => {
    const { dir } = await rig();
    await dir.createUser('alice', [P1]);
    await dir.putPolicy('a', ALLOW_ENCRYPT);
    await dir.putPolicy('b', DENY_DECRYPT);
    await Promise.all([dir.attachPolicy('alice', 'a'), dir.attachPolicy('alice', 'b')]);
    expect((await dir.user('alice')).policies.sort()).toEqual(['a', 'b']);
  });

  it('a store failure in an update is passed on as it is', async () => {
    const faulty = new FaultyStore(new MemoryStore());
    const { dir } = await rig(faulty);
    await dir.createUser('alice', [P1]);
    await dir.putPolicy('a', ALLOW_ENCRYPT);
    faulty.arm(1);
    expect(await rejection(dir.attachPolicy('alice', 'a'))).toBe(faulty.injected);
    expect((await dir.user('alice')).policies).toEqual([]);
  });
});

describe('a key that no longer authenticates', () => {
  it('leaves no built credential behind: a disabled key frees its place, so the oldest stays built', async () => {
    const { dir } = await rig();
    const keys: string[] = [];
    for (let i = 0; i < 1025; i++) {
      await dir.createUser(`u${i}`, [P1]);
      keys.push((await dir.createAccessKey(`u${i}`)).access_key);
    }
    const oldest = await dir.find(keys[0]);
    for (const ak of keys.slice(1, 1024)) await dir.find(ak);
    await dir.setAccessKeyStatus('u5', keys[5], 'disabled');
    expect(await dir.find(keys[5])).toBeNull();
    await dir.find(keys[1024]); // the 1024th built credential: nothing need go, since u5's went
    expect(await dir.find(keys[0])).toBe(oldest);
  });
});

describe('deleting a policy', () => {
  async function holders(store: Store = new MemoryStore()) {
    const r = await rig(store);
    const { dir } = r;
    await dir.createUser('alice', [P1]);
    await dir.createUser('bob', [P1]);
    const key = await dir.createAccessKey('alice');
    await dir.putPolicy('app', ALLOW_ENCRYPT);
    await dir.putPolicy('keep', DENY_DECRYPT);
    await dir.attachPolicy('alice', 'app');
    await dir.attachPolicy('alice', 'keep');
    await dir.attachPolicy('bob', 'keep');
    const { role } = await dir.roles.create('worker', [P1], ['app', 'keep'], 600);
    const session = await dir.roles.issue(role, {});
    return { ...r, key, session };
  }

  it('detaches it from every user and role, so a policy created later under its name is not already held', async () => {
    const { dir, key, session } = await holders();
    await dir.deletePolicy('app');
    expect((await dir.user('alice')).policies).toEqual(['keep']);
    expect((await dir.user('bob')).policies).toEqual(['keep']);
    expect((await dir.roles.get('worker')).policies).toEqual(['keep']);
    await dir.putPolicy('app', ALLOW_ENCRYPT); // a new policy under the old name
    expect((await dir.find(key.access_key))?.policies).toEqual(DENY_DECRYPT.Statement);
    expect((await dir.find(session.access))?.policies).toEqual(DENY_DECRYPT.Statement);
  });

  it('a failure part-way leaves the policy in place, never a name a new policy would fill; deleting again finishes', async () => {
    for (const failAt of [1, 2, 3]) {
      const faulty = new FaultyStore(new MemoryStore());
      const { dir } = await holders(faulty);
      faulty.arm(failAt);
      expect(await rejection(dir.deletePolicy('app')), `write ${failAt}`).toBe(faulty.injected);
      const held = [(await dir.user('alice')).policies, (await dir.roles.get('worker')).policies].some((p) => p.includes('app'));
      if (held) expect((await dir.policy('app')).name, `write ${failAt}`).toBe('app'); // still there while anyone holds it
      faulty.arm(0);
      await dir.deletePolicy('app');
      expect([(await dir.user('alice')).policies, (await dir.user('bob')).policies, (await dir.roles.get('worker')).policies]).toEqual([['keep'], ['keep'], ['keep']]);
      expect(await listAll(faulty, 'iam/policies/')).toEqual(['iam/policies/keep']);
    }
  });
});

describe('find keeps a built credential while nothing it was built from changed', () => {
  it('the same credential until the key, its user or one of the user’s policies changes', async () => {
    const { dir } = await rig();
    await dir.createUser('alice', [P1]);
    await dir.putPolicy('allow', ALLOW_ENCRYPT);
    await dir.attachPolicy('alice', 'allow');
    const k = await dir.createAccessKey('alice');
    const first = await dir.find(k.access_key);
    expect(await dir.find(k.access_key)).toBe(first);
    await dir.putPolicy('allow', DENY_DECRYPT); // a policy edited
    const second = await dir.find(k.access_key);
    expect(second).not.toBe(first);
    expect(second?.policies).toEqual(DENY_DECRYPT.Statement);
    expect(await dir.find(k.access_key)).toBe(second);
    await dir.putPolicy('other', ALLOW_ENCRYPT);
    await dir.attachPolicy('alice', 'other'); // the user changed
    const third = await dir.find(k.access_key);
    expect(third?.policies).toEqual([...DENY_DECRYPT.Statement, ...ALLOW_ENCRYPT.Statement]);
    await dir.setAccessKeyStatus('alice', k.access_key, 'active'); // the key record rewritten
    expect(await dir.find(k.access_key)).not.toBe(third);
  });

  it('a policy deleted is no longer in the credential', async () => {
    const { dir, store } = await rig();
    await dir.createUser('alice', [P1]);
    await dir.putPolicy('allow', ALLOW_ENCRYPT);
    await dir.attachPolicy('alice', 'allow');
    const k = await dir.createAccessKey('alice');
    expect((await dir.find(k.access_key))?.policies).toEqual(ALLOW_ENCRYPT.Statement);
    await store.delete('iam/policies/allow'); // gone without being detached (a delete cut short)
    expect((await dir.find(k.access_key))?.policies).toEqual([]);
  });

  it('keeps at most 1024 built credentials, dropping the one built longest ago', async () => {
    const { dir, store } = await rig();
    const keys: string[] = [];
    for (let i = 0; i < 1025; i++) {
      await dir.createUser(`u${i}`, [P1]);
      keys.push((await dir.createAccessKey(`u${i}`)).access_key);
    }
    const built = new Map<string, unknown>();
    for (const ak of keys.slice(0, 1024)) built.set(ak, await dir.find(ak));
    // Rebuilding u0 (its key rewritten) makes it the newest; the 1025th then drops u1, the oldest.
    await dir.setAccessKeyStatus('u0', keys[0], 'active');
    const u0 = await dir.find(keys[0]);
    expect(u0).not.toBe(built.get(keys[0]));
    await dir.find(keys[1024]);
    expect(await dir.find(keys[0])).toBe(u0);
    expect(await dir.find(keys[2])).toBe(built.get(keys[2]));
    const u1 = await dir.find(keys[1]);
    expect(u1).not.toBe(built.get(keys[1]));
    expect(u1).toEqual(built.get(keys[1]));
    expect((await listAll(store, 'iam/users/')).length).toBe(1025);
  });
});

describe('deleting a policy', () => {
  it('detaches it from every user and role first, so one created later under its name is held by nobody', async () => {
    const { dir, store } = await rig();
    await dir.putPolicy('app', ALLOW_ENCRYPT);
    await dir.putPolicy('keep', DENY_DECRYPT);
    await dir.createUser('alice', [P1]);
    await dir.createUser('bob', [P1]);
    await dir.attachPolicy('alice', 'keep');
    await dir.attachPolicy('alice', 'app');
    await dir.attachPolicy('bob', 'keep');
    await dir.roles.create('worker', [P1], ['app', 'keep'], 60);
    await dir.roles.create('other', [P1], ['keep'], 60);
    const bobKey = await dir.createAccessKey('bob');
    const bobBefore = await dir.find(bobKey.access_key);
    const otherBefore = (await store.get('iam/roles/other'))!.version;
    await dir.deletePolicy('app');
    // Holders only are rewritten: bob's credential stays built, the other role's record untouched.
    expect(await dir.find(bobKey.access_key)).toBe(bobBefore);
    expect((await store.get('iam/roles/other'))!.version).toBe(otherBefore);
    expect((await dir.user('alice')).policies).toEqual(['keep']);
    expect((await dir.user('bob')).policies).toEqual(['keep']);
    expect((await dir.roles.get('worker')).policies).toEqual(['keep']);
    expect((await dir.roles.get('other')).policies).toEqual(['keep']);
    await dir.putPolicy('app', { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['*'] }] });
    expect((await dir.user('alice')).policies).toEqual(['keep']);
    expect((await dir.roles.get('worker')).policies).toEqual(['keep']);
  });

  it('a holder deleted meanwhile is skipped; any other failure leaves the policy for a second delete', async () => {
    const store = new RacingStore();
    const { dir } = await rig(store);
    await dir.putPolicy('app', ALLOW_ENCRYPT);
    await dir.createUser('alice', [P1]);
    await dir.attachPolicy('alice', 'app');
    await dir.roles.create('worker', [P1], ['app'], 60);
    // alice and worker go just before their records are rewritten.
    store.beforePut.set('iam/users/alice', async () => {
      await store.delete('iam/users/alice');
    });
    store.beforePut.set('iam/roles/worker', async () => {
      await store.delete('iam/roles/worker');
    });
    await dir.deletePolicy('app');
    expect(await store.get('iam/policies/app')).toBeNull();

    const faulty = new FaultyStore(new MemoryStore());
    const f = await rig(faulty);
    await f.dir.putPolicy('app', ALLOW_ENCRYPT);
    await f.dir.createUser('alice', [P1]);
    await f.dir.attachPolicy('alice', 'app');
    await f.dir.roles.create('worker', [P1], ['app'], 60);
    for (const failAt of [1, 2]) {
      faulty.arm(failAt); // the user's update, then the role's
      expect(await rejection(f.dir.deletePolicy('app')), `write ${failAt}`).toBe(faulty.injected);
      expect((await f.dir.policy('app')).name).toBe('app');
    }
    faulty.arm(0);
    await f.dir.deletePolicy('app');
    expect((await f.dir.user('alice')).policies).toEqual([]);
    expect((await f.dir.roles.get('worker')).policies).toEqual([]);
    await expect(f.dir.policy('app')).rejects.toBeInstanceOf(DirectoryError);
  });
});

describe('sweeping access key records', () => {
  const GRACE = 10 * 60 * 1000;

  it('removes records no user lists once ten minutes old, keeps listed ones, and counts dead sessions too', async () => {
    const { dir, store, advance } = await rig();
    await dir.createUser('alice', [P1]);
    await dir.createUser('bob', [P1]);
    const kept = await dir.createAccessKey('alice');
    const unlisted = await dir.createAccessKey('alice');
    const orphan = await dir.createAccessKey('bob');
    const user = (await getJson<Record<string, unknown>>(store, 'iam/users/alice'))!.value;
    await store.put('iam/users/alice', utf8(JSON.stringify({ ...user, access_keys: [kept.access_key] })));
    await store.delete('iam/users/bob');
    const { role } = await dir.roles.create('worker', [P1], [], 60);
    await dir.roles.issue(role, { duration: 1 });
    advance(GRACE - 1);
    expect(await dir.sweep()).toBe(1); // only the expired session: the keys could be a create in progress
    advance(1);
    expect(await dir.sweep()).toBe(2);
    expect(await listAll(store, 'iam/access-keys/')).toEqual([`iam/access-keys/${kept.access_key}`]);
    for (const k of [unlisted, orphan]) expect(await store.get(`iam/access-keys/${k.access_key}`)).toBeNull();
    expect((await dir.find(kept.access_key))?.principal).toBe('alice');
  });

  it('a record listed meanwhile, rewritten or already gone is left alone; other failures are passed on', async () => {
    const store = new RacingStore();
    const { dir, advance } = await rig(store);
    await dir.createUser('alice', [P1]);
    const a = await dir.createAccessKey('alice');
    const b = await dir.createAccessKey('alice');
    const user = (await getJson<Record<string, unknown>>(store, 'iam/users/alice'))!.value;
    await store.put('iam/users/alice', utf8(JSON.stringify({ ...user, access_keys: [] })));
    advance(GRACE);
    const keyA = `iam/access-keys/${a.access_key}`;
    store.beforeDelete.set(keyA, async () => {
      await store.put(keyA, (await store.get(keyA))!.value); // rewritten between the read and the delete
    });
    store.vanished.add(`iam/access-keys/${b.access_key}`);
    expect(await dir.sweep()).toBe(0);
    expect(await store.get(keyA)).not.toBeNull();
    expect(await dir.sweep()).toBe(1);

    const faulty = new FaultyStore(new MemoryStore());
    const f = await rig(faulty);
    await f.dir.createUser('alice', [P1]);
    await f.dir.createAccessKey('alice');
    await f.dir.deleteUser('alice');
    const left = await f.dir.createUser('bob', [P1]).then(() => f.dir.createAccessKey('bob'));
    const bob = (await getJson<Record<string, unknown>>(faulty, 'iam/users/bob'))!.value;
    await faulty.put('iam/users/bob', utf8(JSON.stringify({ ...bob, access_keys: [] })));
    f.advance(GRACE);
    faulty.arm(1);
    expect(await rejection(f.dir.sweep())).toBe(faulty.injected);
    expect(await faulty.get(`iam/access-keys/${left.access_key}`)).not.toBeNull();
  });
});
