// Roles and their temporary credentials (docs/iam.md, Temporary credentials), in-process over a memory
// store with a clock the test moves: what create, authenticate, issue and find accept and refuse (with
// the answer's code and words), what they write, and that a refusal writes nothing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.ts';
import { fromBase64, fromBase64Url } from '../../src/crypto/encoding.ts';
import { sha256Hex } from '../../src/crypto/hash.ts';
import { StaticCredentials } from '../../src/iam/credentials.ts';
import { Directory, DirectoryError } from '../../src/iam/directory.ts';
import { MAX_DURATION_SECONDS, WorkloadAuthError } from '../../src/iam/roles.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { ConflictError, getJson, listAll, StoreError, type Store } from '../../src/store/store.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';
import { RacingStore } from '../helpers/racing-store.ts';
import { rejection } from '../helpers/kms.ts';

const P1 = 'p0000000000000000000000000000001';
const P2 = 'p0000000000000000000000000000002';
const START = 1_700_000_000_000;
const POLICY = { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['kms:cmk:encrypt'] }] } as const;

afterEach(() => vi.restoreAllMocks());

async function rig(store: Store = new MemoryStore()) {
  let now = START;
  const root = await RootKey.fromBytes(new Uint8Array(32).fill(7), nodeCrypto);
  const dir = new Directory(store, root, new StaticCredentials([]), () => now);
  /** Every entry of the store with its value, to show that a refusal changed nothing. */
  const snapshot = async () => Promise.all((await listAll(store, '')).map(async (k) => [k, new TextDecoder().decode((await store.get(k))?.value)])).then((e) => JSON.stringify(e));
  return { dir, roles: dir.roles, store, root, advance: (ms: number) => (now += ms), now: () => now, snapshot };
}

async function directoryError(p: Promise<unknown>): Promise<DirectoryError> {
  const e = await rejection(p);
  expect(e).toBeInstanceOf(DirectoryError);
  return e as DirectoryError;
}
const answer = (e: DirectoryError) => [e.status, e.code, e.message];

describe('creating a role', () => {
  it('keeps the token only as its SHA-256, and answers the role as stored', async () => {
    const { roles, store } = await rig();
    const { role, workload_token } = await roles.create('worker1', [P1, P2, P1], ['app-crypto', 'app-crypto', 'other_2'], 900);
    expect(workload_token).toMatch(/^ekw\.worker1\.[A-Za-z0-9_-]{43}$/);
    expect(fromBase64Url(workload_token.slice('ekw.worker1.'.length))).toHaveLength(32);
    expect(role).toEqual({
      name: 'worker1',
      projects: [P1, P2],
      policies: ['app-crypto', 'other_2'],
      token_sha256: sha256Hex(utf8(workload_token)),
      duration_seconds: 900,
      revoked_before: 0,
      created_at: START,
    });
    expect((await getJson(store, 'iam/roles/worker1'))?.value).toEqual(role);
    expect(await roles.get('worker1')).toEqual(role);
    const raw = new TextDecoder().decode((await store.get('iam/roles/worker1'))!.value);
    expect(raw).not.toContain(workload_token.slice(12));
    // Another role gets another token.
    const second = await roles.create('worker2', [P1], undefined, undefined);
    expect(second.workload_token).not.toBe(workload_token);
    expect(second.role).toMatchObject({ policies: [], duration_seconds: 3600 });
  });

  it('takes names, projects, policies and durations at their bounds', async () => {
    const { roles } = await rig();
    const name = 'R'.repeat(64);
    const projects = Array.from({ length: 64 }, (_, i) => `p-${i}_x`);
    const policies = Array.from({ length: 10 }, (_, i) => (i === 0 ? 'P'.repeat(64) : `pol-${i}`));
    expect((await roles.create(name, projects, policies, MAX_DURATION_SECONDS)).role).toMatchObject({ name, projects, policies, duration_seconds: 43_200 });
    expect((await roles.create('short', ['x'.repeat(64)], [], 1)).role.duration_seconds).toBe(1);
    expect(MAX_DURATION_SECONDS).toBe(43_200);
  });

  it.each([
    ['a name that is not a string', [7, [P1], [], 60], 'name must be 1-64 letters and digits, not "admin".'],
    ['an empty name', ['', [P1], [], 60], 'name must be 1-64 letters and digits, not "admin".'],
    ['a long name', ['r'.repeat(65), [P1], [], 60], 'name must be 1-64 letters and digits, not "admin".'],
    ['a name with a dash', ['worker-1', [P1], [], 60], 'name must be 1-64 letters and digits, not "admin".'],
    ['the name admin', ['admin', [P1], [], 60], 'name must be 1-64 letters and digits, not "admin".'],
    ['projects that are not a list', ['w', P1, [], 60], 'projects must be 1-64 project ids.'],
    ['no projects', ['w', [], [], 60], 'projects must be 1-64 project ids.'],
    ['65 projects', ['w', Array.from({ length: 65 }, (_, i) => `p${i}`), [], 60], 'projects must be 1-64 project ids.'],
    ['a project that is not a string', ['w', [P1, 5], [], 60], 'projects must be 1-64 project ids.'],
    ['a malformed project', ['w', [P1, 'p/2'], [], 60], 'projects must be 1-64 project ids.'],
    ['a long project', ['w', ['p'.repeat(65)], [], 60], 'projects must be 1-64 project ids.'],
    ['policies that are not a list', ['w', [P1], 'app', 60], 'policies must be up to 10 policy names.'],
    ['11 policies', ['w', [P1], Array.from({ length: 11 }, (_, i) => `p${i}`), 60], 'policies must be up to 10 policy names.'],
    ['a policy that is not a string', ['w', [P1], [3], 60], 'policies must be up to 10 policy names.'],
    ['a malformed policy name', ['w', [P1], ['a b'], 60], 'policies must be up to 10 policy names.'],
    ['an empty policy name', ['w', [P1], [''], 60], 'policies must be up to 10 policy names.'],
    ['a long policy name', ['w', [P1], ['p'.repeat(65)], 60], 'policies must be up to 10 policy names.'],
    ['a zero duration', ['w', [P1], [], 0], 'duration_seconds must be 1-43200.'],
    ['a duration past the maximum', ['w', [P1], [], 43_201], 'duration_seconds must be 1-43200.'],
    ['a fractional duration', ['w', [P1], [], 1.5], 'duration_seconds must be 1-43200.'],
    ['a duration as a string', ['w', [P1], [], '60'], 'duration_seconds must be 1-43200.'],
  ] as [string, unknown[], string][])('refuses %s with 400, writing nothing', async (_n, args, message) => {
    const { roles, snapshot } = await rig();
    const before = await snapshot();
    const e = await directoryError(roles.create(...(args as [unknown, unknown, unknown, unknown])));
    expect(answer(e)).toEqual([400, 'EDGEKMS.0400', message]);
    expect(e.name).toBe('DirectoryError');
    expect(await snapshot()).toBe(before);
  });

  it('refuses a name taken with 409 and keeps the first role and its token', async () => {
    const { roles } = await rig();
    const first = await roles.create('worker', [P1], [], 60);
    const e = await directoryError(roles.create('worker', [P2], [], 120));
    expect(answer(e)).toEqual([409, 'EDGEKMS.0409', 'The role worker already exists.']);
    expect(await roles.get('worker')).toEqual(first.role);
    expect(await roles.authenticate(first.workload_token)).toEqual(first.role);
  });

  it('passes a store failure on as it is', async () => {
    const faulty = new FaultyStore(new MemoryStore());
    const { roles } = await rig(faulty);
    faulty.arm(1);
    expect(await rejection(roles.create('worker', [P1], [], 60))).toBe(faulty.injected);
    await expect(roles.get('worker')).rejects.toBeInstanceOf(DirectoryError);
  });
});

describe('reading, listing, deleting', () => {
  it('a role that does not exist, or cannot, is 404 naming at most 64 characters', async () => {
    const { roles } = await rig();
    expect(answer(await directoryError(roles.get('nobody')))).toEqual([404, 'EDGEKMS.0404', 'The role nobody does not exist.']);
    expect(answer(await directoryError(roles.get('x'.repeat(100))))).toEqual([404, 'EDGEKMS.0404', `The role ${'x'.repeat(64)} does not exist.`]);
    expect(answer(await directoryError(roles.get('../users/alice')))).toEqual([404, 'EDGEKMS.0404', 'The role ../users/alice does not exist.']);
    expect(answer(await directoryError(roles.delete('nobody')))).toEqual([404, 'EDGEKMS.0404', 'The role nobody does not exist.']);
    expect(answer(await directoryError(roles.revokeSessions('nobody')))).toEqual([404, 'EDGEKMS.0404', 'The role nobody does not exist.']);
    expect(answer(await directoryError(roles.revokeSessions('y'.repeat(70))))).toEqual([404, 'EDGEKMS.0404', `The role ${'y'.repeat(64)} does not exist.`]);
    expect(answer(await directoryError(roles.attachPolicy('nobody', 'p')))).toEqual([404, 'EDGEKMS.0404', 'The role nobody does not exist.']);
    expect(answer(await directoryError(roles.detachPolicy('nobody', 'p')))).toEqual([404, 'EDGEKMS.0404', 'The role nobody does not exist.']);
  });

  it('lists every role and deletes one', async () => {
    const { roles, store } = await rig();
    const a = (await roles.create('a', [P1], [], 60)).role;
    const b = (await roles.create('b', [P2], [], 60)).role;
    expect(await roles.list()).toEqual([a, b]);
    await roles.delete('a');
    expect(await roles.list()).toEqual([b]);
    expect(await store.get('iam/roles/a')).toBeNull();
    await expect(roles.get('a')).rejects.toBeInstanceOf(DirectoryError);
  });
});

describe('policies of a role', () => {
  it('attach adds once, detach removes, and concurrent changes both land', async () => {
    const { roles } = await rig();
    await roles.create('w', [P1], ['base'], 60);
    await roles.attachPolicy('w', 'extra');
    await roles.attachPolicy('w', 'extra');
    expect((await roles.get('w')).policies).toEqual(['base', 'extra']);
    await roles.detachPolicy('w', 'base');
    expect((await roles.get('w')).policies).toEqual(['extra']);
    // Two writers read the same version; the one that loses the compare-and-set reads again and retries.
    await Promise.all([roles.attachPolicy('w', 'one'), roles.attachPolicy('w', 'two')]);
    expect((await roles.get('w')).policies.sort()).toEqual(['extra', 'one', 'two']);
  });

  it('detaching a policy the role does not hold is 404 and changes nothing, as for a user', async () => {
    const { roles, store } = await rig();
    await roles.create('w', [P1], ['base'], 60);
    const before = await store.get('iam/roles/w');
    expect(answer(await directoryError(roles.detachPolicy('w', 'never-attached')))).toEqual([404, 'EDGEKMS.0404', 'The attachment of never-attached to w does not exist.']);
    expect(answer(await directoryError(roles.detachPolicy('w', 'p'.repeat(70))))).toEqual([404, 'EDGEKMS.0404', `The attachment of ${'p'.repeat(64)} to w does not exist.`]);
    expect(await store.get('iam/roles/w')).toEqual(before);
  });

  it('a role holds at most 10 policies: the 11th is 409 and changes nothing; one held already is no refusal', async () => {
    const { roles, store } = await rig();
    await roles.create('w', [P1], Array.from({ length: 9 }, (_, i) => `p${i}`), 60);
    await roles.attachPolicy('w', 'p9');
    const full = await store.get('iam/roles/w');
    expect(answer(await directoryError(roles.attachPolicy('w', 'p10')))).toEqual([409, 'EDGEKMS.0409', 'The role w already holds 10 policies.']);
    expect(await store.get('iam/roles/w')).toEqual(full);
    await expect(roles.attachPolicy('w', 'p3')).resolves.toBeUndefined();
    expect((await roles.get('w')).policies).toHaveLength(10);
  });

  it('passes a store failure during an update on as it is', async () => {
    const faulty = new FaultyStore(new MemoryStore());
    const { roles } = await rig(faulty);
    await roles.create('w', [P1], [], 60);
    faulty.arm(1);
    expect(await rejection(roles.attachPolicy('w', 'p'))).toBe(faulty.injected);
    expect((await roles.get('w')).policies).toEqual([]);
  });
});

describe('the workload token', () => {
  it('authenticates its role, and nothing else does, all in the same words', async () => {
    const { roles } = await rig();
    const { role, workload_token } = await roles.create('worker', [P1], [], 60);
    const other = await roles.create('other', [P1], [], 60);
    expect(await roles.authenticate(workload_token)).toEqual(role);
    const secret = workload_token.slice('ekw.worker.'.length);
    const flipped = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
    const refused = [
      undefined,
      '',
      `ekw.worker.${flipped}`,
      `ekw.other.${secret}`, // the right secret under another role's name
      `ekw.nobody.${secret}`,
      `ekw.worker.${secret}x`,
      `ekw.worker.${secret.slice(1)}`,
      `EKW.worker.${secret}`,
      `xekw.worker.${secret}`,
      `${workload_token}\n`,
      `ekw.worker.${secret}`.padEnd(201, '.'),
      other.workload_token.replace('other', 'worker'),
    ];
    for (const token of refused) {
      const e = await rejection(roles.authenticate(token));
      expect(e, String(token)).toBeInstanceOf(WorkloadAuthError);
      expect((e as Error).name).toBe('WorkloadAuthError');
      expect((e as Error).message).toBe('Incorrect IAM authentication information: a valid X-Workload-Token is required.');
    }
  });

  it('of a deleted role is refused, and one of a role created again under its name is not the old one', async () => {
    const { roles } = await rig();
    const old = await roles.create('worker', [P1], [], 60);
    await roles.delete('worker');
    await expect(roles.authenticate(old.workload_token)).rejects.toBeInstanceOf(WorkloadAuthError);
    const fresh = await roles.create('worker', [P1], [], 60);
    await expect(roles.authenticate(old.workload_token)).rejects.toBeInstanceOf(WorkloadAuthError);
    expect((await roles.authenticate(fresh.workload_token)).token_sha256).toBe(fresh.role.token_sha256);
  });

  it('of a role whose name is 64 characters works', async () => {
    const { roles } = await rig();
    const { role, workload_token } = await roles.create('N'.repeat(64), [P1], [], 60);
    expect(await roles.authenticate(workload_token)).toEqual(role);
  });
});

describe('issuing temporary credentials', () => {
  it('for the role’s duration by default, sealed in the store, found as a user credential of the role', async () => {
    const { dir, roles, store } = await rig();
    await dir.putPolicy('app-crypto', POLICY);
    const { role } = await roles.create('worker', [P1, P2], ['app-crypto', 'deleted-since'], 900);
    const t = await roles.issue(role);
    expect(t.access).toMatch(/^[A-Z0-9]{20}$/);
    expect(t.secret).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(t.securitytoken).toMatch(/^[A-Za-z0-9_-]{128}$/);
    expect(t.expires_at).toBe(new Date(START + 900_000).toISOString());
    const record = (await getJson<Record<string, unknown>>(store, `iam/sessions/${t.access}`))!.value;
    expect(record).toEqual({ access_key: t.access, role: 'worker', role_token_sha256: role.token_sha256, sealed: expect.any(String), issued_at: START, expires_at: START + 900_000 });
    const raw = new TextDecoder().decode((await store.get(`iam/sessions/${t.access}`))!.value);
    expect(raw).not.toContain(t.secret);
    expect(raw).not.toContain(t.securitytoken);
    expect(await dir.find(t.access)).toEqual({
      accessKey: t.access,
      secretKey: utf8(t.secret),
      principal: 'worker',
      projects: [P1, P2],
      role: 'user',
      securityToken: t.securitytoken,
      expiresAt: START + 900_000,
      policies: POLICY.Statement,
    });
  });

  it('shorter when asked, never longer than the role allows', async () => {
    const { roles } = await rig();
    const { role } = await roles.create('worker', [P1], [], 900);
    expect((await roles.issue(role, { duration: 1 })).expires_at).toBe(new Date(START + 1000).toISOString());
    expect((await roles.issue(role, { duration: 900 })).expires_at).toBe(new Date(START + 900_000).toISOString());
    for (const duration of [0, 901, 1.5, '60']) {
      const e = await directoryError(roles.issue(role, { duration }));
      expect(answer(e), String(duration)).toEqual([400, 'EDGEKMS.0400', "duration_seconds must be 1-900 (the role's duration)."]);
    }
  });

  it('with a narrowing policy, kept with the session and given to the credential', async () => {
    const { dir, roles, store } = await rig();
    const { role } = await roles.create('worker', [P1], [], 60);
    const t = await roles.issue(role, { policy: POLICY });
    expect((await getJson<{ narrowing?: unknown }>(store, `iam/sessions/${t.access}`))!.value.narrowing).toEqual(POLICY.Statement);
    expect((await dir.find(t.access))?.narrowing).toEqual(POLICY.Statement);
    const plain = await roles.issue(role, {});
    expect(await dir.find(plain.access)).not.toHaveProperty('narrowing');
  });

  it('refuses an invalid narrowing policy with its reason, writing nothing', async () => {
    const { roles, snapshot } = await rig();
    const { role } = await roles.create('worker', [P1], [], 60);
    const before = await snapshot();
    const e = await directoryError(roles.issue(role, { policy: { Version: '1.1', Statement: [] } }));
    expect(answer(e)).toEqual([400, 'EDGEKMS.0400', 'Invalid policy: Statement must be an array of 1-64 statements.']);
    expect(await snapshot()).toBe(before);
  });

  it('seals the secret key and token under the root key, for the context ["iam-session", access key]', async () => {
    const { roles, store, root } = await rig();
    const { role } = await roles.create('worker', [P1], [], 60);
    const t = await roles.issue(role);
    const { sealed } = (await getJson<{ sealed: string }>(store, `iam/sessions/${t.access}`))!.value;
    // The stored format: sessions issued by one version must open in the next.
    const opened = JSON.parse(new TextDecoder().decode(await root.open(fromBase64(sealed), ['iam-session', t.access])));
    expect(opened).toEqual({ sk: t.secret, token: t.securitytoken });
    await expect(root.open(fromBase64(sealed), ['iam-access-key', t.access])).rejects.toThrow();
  });

  it('never overwrites a session: an access key drawn twice fails the second issue and keeps the first', async () => {
    const { roles, store, advance } = await rig();
    const { role } = await roles.create('worker', [P1], [], 60);
    // A CSPRNG that repeats itself (all zeros): both issues draw the same access key.
    vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(a: T): T => {
      new Uint8Array((a as unknown as Uint8Array).buffer, (a as unknown as Uint8Array).byteOffset, (a as unknown as Uint8Array).byteLength).fill(0);
      return a;
    });
    const first = await roles.issue(role, { duration: 10 });
    const record = (await store.get(`iam/sessions/${first.access}`))!;
    advance(1000);
    expect(await rejection(roles.issue(role, { duration: 20 }))).toBeInstanceOf(ConflictError);
    expect(await store.get(`iam/sessions/${first.access}`)).toEqual(record);
    expect((await roles.find(first.access))?.expiresAt).toBe(START + 10_000);
  });

  it('seals the secret key and token to the access key: a record moved to another key does not open', async () => {
    const { dir, roles, store } = await rig();
    const { role } = await roles.create('worker', [P1], [], 60);
    const a = await roles.issue(role);
    const b = await roles.issue(role);
    const recordA = (await getJson<Record<string, unknown>>(store, `iam/sessions/${a.access}`))!.value;
    await store.put(`iam/sessions/${b.access}`, utf8(JSON.stringify({ ...recordA, access_key: b.access })));
    await expect(dir.find(b.access)).rejects.toThrow();
    expect((await dir.find(a.access))?.secretKey).toEqual(utf8(a.secret));
  });
});

describe('a temporary credential is checked against its role as it is now', () => {
  it('unknown or malformed access keys find nothing', async () => {
    const { roles } = await rig();
    for (const ak of ['ABCDEFGHIJKLMNOPQRST', 'abcdefghijklmnopqrst', 'ABC', '../roles/worker00000']) expect(await roles.find(ak), ak).toBeNull();
  });

  it('a deleted role ends its sessions; one created again does not revive them', async () => {
    const { roles, advance } = await rig();
    const { role } = await roles.create('worker', [P1], [], 60);
    const t = await roles.issue(role);
    await roles.delete('worker');
    expect(await roles.find(t.access)).toBeNull();
    await roles.create('worker', [P1], [], 60); // same instant
    expect(await roles.find(t.access)).toBeNull();
    advance(1);
    await roles.delete('worker');
    const again = await roles.create('worker', [P1], [], 60);
    expect(await roles.find(t.access)).toBeNull();
    // A session issued the instant its role was created is that role's.
    const same = await roles.issue(again.role);
    expect((await roles.find(same.access))?.principal).toBe('worker');
  });

  it('a session recorded before sessions named their role’s token is judged by the role’s creation time', async () => {
    const { roles, store, advance } = await rig();
    const { role } = await roles.create('worker', [P1], [], 60);
    const t = await roles.issue(role);
    const key = `iam/sessions/${t.access}`;
    const { role_token_sha256: _, ...legacy } = (await getJson<Record<string, unknown>>(store, key))!.value;
    await store.put(key, utf8(JSON.stringify(legacy)));
    expect((await roles.find(t.access))?.principal).toBe('worker'); // issued the instant its role was created
    await roles.delete('worker');
    advance(1);
    await roles.create('worker', [P1], [], 60);
    expect(await roles.find(t.access)).toBeNull();
    expect(await roles.sweepSessions()).toBe(1);
  });

  it('revoking ends every session issued up to that instant, and later ones work', async () => {
    const { roles, advance } = await rig();
    const { role } = await roles.create('worker', [P1], [], 60);
    advance(10);
    const before = await roles.issue(role);
    const sameInstant = await roles.issue(role);
    await roles.revokeSessions('worker');
    expect((await roles.get('worker')).revoked_before).toBe(START + 11);
    expect(await roles.find(before.access)).toBeNull();
    expect(await roles.find(sameInstant.access)).toBeNull();
    advance(1);
    const after = await roles.issue(await roles.get('worker'));
    expect((await roles.find(after.access))?.principal).toBe('worker');
  });

  it('a policy changed, detached or deleted applies to credentials already issued', async () => {
    const { dir, roles } = await rig();
    await dir.putPolicy('app', POLICY);
    const { role } = await roles.create('worker', [P1], ['app'], 60);
    const t = await roles.issue(role);
    expect((await roles.find(t.access))?.policies).toEqual(POLICY.Statement);
    const wider = { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['kms:*'] }] };
    await dir.putPolicy('app', wider);
    expect((await roles.find(t.access))?.policies).toEqual(wider.Statement);
    await roles.detachPolicy('worker', 'app');
    expect((await roles.find(t.access))?.policies).toEqual([]);
    await roles.attachPolicy('worker', 'app');
    await dir.deletePolicy('app');
    expect((await roles.find(t.access))?.policies).toEqual([]);
  });
});

describe('sweeping sessions', () => {
  it('a session is swept the instant it expires, not before', async () => {
    const { roles, store, advance } = await rig();
    const { role } = await roles.create('worker', [P1], [], 60);
    const t = await roles.issue(role, { duration: 10 });
    advance(9_999);
    expect(await roles.sweepSessions()).toBe(0);
    advance(1);
    expect(await roles.sweepSessions()).toBe(1);
    expect(await store.get(`iam/sessions/${t.access}`)).toBeNull();
  });

  it('judges every session of a role by that role', async () => {
    const { roles, store, advance } = await rig();
    const { role } = await roles.create('worker', [P1], [], 60);
    const { role: kept } = await roles.create('kept', [P1], [], 60);
    advance(1);
    const [, , live] = await Promise.all([roles.issue(role), roles.issue(role), roles.issue(kept), roles.issue(role)]);
    await roles.revokeSessions('worker');
    expect(await roles.sweepSessions()).toBe(3);
    expect(await listAll(store, 'iam/sessions/')).toEqual([`iam/sessions/${live.access}`]);
  });

  it('a session deleted by someone else after it was listed is skipped, and so is a role in list()', async () => {
    const store = new RacingStore();
    const { roles } = await rig(store);
    const { role } = await roles.create('worker', [P1], [], 60);
    await roles.create('gone', [P1], [], 60);
    const t = await roles.issue(role);
    await roles.revokeSessions('worker');
    store.vanished.add(`iam/sessions/${t.access}`);
    store.vanished.add('iam/roles/gone');
    expect(await roles.sweepSessions()).toBe(0);
    expect((await roles.list()).map((r) => r.name)).toEqual(['worker']);
  });

  it('a session rewritten after the sweep read it is left for the next sweep (compare-and-set delete)', async () => {
    const store = new RacingStore();
    const { roles, advance } = await rig(store);
    const { role } = await roles.create('worker', [P1], [], 60);
    const t = await roles.issue(role, { duration: 1 });
    advance(1000);
    const key = `iam/sessions/${t.access}`;
    store.beforeDelete.set(key, async () => {
      await store.put(key, (await store.get(key))!.value);
    });
    expect(await roles.sweepSessions()).toBe(0);
    expect(await store.get(key)).not.toBeNull();
    expect(await roles.sweepSessions()).toBe(1);
    expect(await store.get(key)).toBeNull();
  });

  it('a store failure other than a lost race is passed on', async () => {
    const faulty = new FaultyStore(new MemoryStore());
    const { roles } = await rig(faulty);
    const { role } = await roles.create('worker', [P1], [], 60);
    await roles.issue(role);
    await roles.delete('worker');
    faulty.arm(1);
    const e = await rejection(roles.sweepSessions());
    expect(e).toBeInstanceOf(StoreError);
    expect(e).toBe(faulty.injected);
  });
});
