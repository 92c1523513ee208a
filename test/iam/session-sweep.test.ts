// Maintenance of identity records. Temporary credentials leave a session record each; maintenance deletes
// the ones that can never be used again (expired, revoked, or of a role that is gone) and keeps the live
// ones. A role deleted and created again under the same name does not bring its predecessor's sessions
// back. Access key records their user does not list (a create or delete that failed between its writes)
// are removed once no create in progress can own them.
import { describe, expect, it } from 'vitest';
import { StaticCredentials } from '../../src/iam/credentials.ts';
import { Directory } from '../../src/iam/directory.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { readEnv } from '../../src/runtime/config.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { adminCredential, createService } from '../../src/runtime/service.ts';
import { loadWasmNode } from '../../src/runtime/wasm-node.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { listAll } from '../../src/store/store.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import type { Store } from '../../src/store/store.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';
import { rejection } from '../helpers/kms.ts';

const PROJECT = 'p0000000000000000000000000000001';

async function directory<S extends Store = MemoryStore>(store: S = new MemoryStore() as unknown as S) {
  let now = 1_000_000;
  const root = await RootKey.fromBytes(new Uint8Array(32).fill(7), nodeCrypto);
  const dir = new Directory(store, root, new StaticCredentials([]), () => now);
  return { dir, store, advance: (ms: number) => (now += ms) };
}

const sessions = (store: Store) => listAll(store, 'iam/sessions/');

describe('sweeping temporary credentials', () => {
  it('deletes expired, revoked and orphaned sessions, keeps live ones (which still authenticate)', async () => {
    const { dir, store, advance } = await directory();
    const { role: worker } = await dir.roles.create('worker', [PROJECT], [], 3600);
    const { role: batch } = await dir.roles.create('batch', [PROJECT], [], 3600);
    const { role: gone } = await dir.roles.create('gone', [PROJECT], [], 3600);
    const short = await dir.roles.issue(worker, { duration: 60 });
    const live = await dir.roles.issue(worker, { duration: 3600 });
    const revoked = await dir.roles.issue(batch, {});
    const orphan = await dir.roles.issue(gone, {});
    expect(await sessions(store)).toHaveLength(4);
    expect(await dir.roles.sweepSessions()).toBe(0); // nothing dead yet

    advance(61_000); // short has expired
    await dir.roles.revokeSessions('batch');
    await dir.roles.delete('gone');
    expect(await dir.roles.sweepSessions()).toBe(3);
    expect(await sessions(store)).toEqual([`iam/sessions/${live.access}`]);
    expect((await dir.find(live.access))?.principal).toBe('worker');
    for (const dead of [short, revoked, orphan]) expect(await dir.find(dead.access), dead.access).toBeNull();
    expect(await dir.roles.sweepSessions()).toBe(0);

    advance(3600_000); // and now the live one too
    expect(await dir.roles.sweepSessions()).toBe(1);
    expect(await sessions(store)).toEqual([]);
  });

  it('a role deleted and created again does not revive its predecessor\'s sessions', async () => {
    const { dir, advance } = await directory();
    const { role } = await dir.roles.create('worker', [PROJECT], [], 3600);
    const old = await dir.roles.issue(role, {});
    expect((await dir.find(old.access))?.principal).toBe('worker');
    await dir.roles.delete('worker');
    advance(1);
    const { role: again } = await dir.roles.create('worker', [PROJECT], [], 3600);
    expect(await dir.find(old.access)).toBeNull();
    const fresh = await dir.roles.issue(again, {});
    expect((await dir.find(fresh.access))?.principal).toBe('worker');
  });

  it('runs in the service\'s maintenance (what npm start calls every minute and the Worker on cron)', async () => {
    await loadWasmNode();
    const store = new MemoryStore();
    const rootKey = await RootKey.fromBytes(new Uint8Array(32).fill(9), nodeCrypto);
    const service = await createService({
      store,
      rootKey,
      crypto: nodeCrypto,
      config: readEnv({ EDGEKMS_LOG: 'silent' }),
      credentials: [adminCredential('SWEEPADMINAK00000000', 'SweepAdminSecretKey000000000000000000000')],
      logError: () => {},
    });
    // A role and a one-second credential from the token API, through the app.
    const admin = new SignedClient({ endpoint: 'http://kms.test', accessKey: 'SWEEPADMINAK00000000', secretKey: 'SweepAdminSecretKey000000000000000000000', projectId: PROJECT, fetch: async (r) => service.app.fetch(r), retry: false });
    const { workload_token } = await admin.request('POST', '/edgekms/v1/roles', { name: 'worker', projects: [PROJECT], duration_seconds: 1 });
    const issued = await service.app.fetch(new Request('http://kms.test/edgekms/v1/security-tokens', { method: 'POST', headers: { 'x-workload-token': workload_token } }));
    expect(issued.status).toBe(201);
    const raw = () => listAll(store, 'iam/sessions/');
    expect(await raw()).toHaveLength(1);
    expect(await service.maintain()).toBe(0);
    expect(await raw()).toHaveLength(1); // still valid: kept
    await new Promise((r) => setTimeout(r, 1100));
    expect(await service.maintain()).toBe(0);
    expect(await raw()).toEqual([]);
  });
});

describe('sweeping orphaned access key records', () => {
  it('removes records their user does not list, once older than a create in progress could be; listed keys stay', async () => {
    const faulty = new FaultyStore(new MemoryStore());
    const { dir, advance } = await directory(faulty);
    await dir.createUser('alice', [PROJECT]);
    await dir.createUser('bob', [PROJECT]);
    const kept = await dir.createAccessKey('alice');
    faulty.arm(3); // the user update that commits the key
    expect(await rejection(dir.createAccessKey('alice'))).toBe(faulty.injected);
    const bobs = await dir.createAccessKey('bob');
    faulty.arm(2); // deleting bob: the user goes, then its key record's delete fails
    expect(await rejection(dir.deleteUser('bob'))).toBe(faulty.injected);
    faulty.arm(0);
    const keys = () => listAll(faulty, 'iam/access-keys/');
    expect(await keys()).toHaveLength(3);
    expect(await dir.find(bobs.access_key)).toBeNull(); // invisible already

    expect(await dir.sweep()).toBe(0); // within the grace period: could be a create in progress
    advance(10 * 60 * 1000);
    expect(await dir.sweep()).toBe(2);
    expect(await keys()).toEqual([`iam/access-keys/${kept.access_key}`]);
    expect((await dir.find(kept.access_key))?.principal).toBe('alice');
    expect(await dir.sweep()).toBe(0);
  });
});
