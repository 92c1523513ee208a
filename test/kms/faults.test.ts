// Fault injection: the store fails its Nth write, for every N, during create-key, rotation,
// schedule-deletion, destruction and renaming, both before the write lands ("fail") and after it
// ("lost-ack": done, but reported as failed). After every failure the service must be consistent: no
// half-created key, no key without its material or name, no lost material, and every earlier key and
// ciphertext still works.
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/kms/clock.ts';
import type { KeyRecord } from '../../src/kms/key-record.ts';
import { runMaintenance } from '../../src/kms/maintenance.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { StoreError, getJson, listAll } from '../../src/store/store.ts';
import { ApiError } from '../../src/sdk/errors.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';
import { makeRig, rejection, type Rig } from '../helpers/kms.ts';

interface World {
  rig: Rig;
  store: FaultyStore;
  a: string;
  b: string;
  cipherA: string;
  cipherB: string;
}

async function world(): Promise<World> {
  const store = new FaultyStore(new MemoryStore());
  const rig = await makeRig({ store });
  const kms = (x: string, body: object) => rig.client.request('POST', `/v1.0/{project_id}/kms/${x}`, body);
  const a = (await kms('create-key', { key_alias: 'a' })).key_info.key_id;
  const b = (await kms('create-key', { key_alias: 'b' })).key_info.key_id;
  await rig.client.request('POST', '/v1.0/{project_id}/kms/aliases', { key_id: a, alias: 'alias-a' });
  const cipherA = (await kms('encrypt-data', { key_id: a, plain_text: 'A' })).cipher_text;
  const cipherB = (await kms('encrypt-data', { key_id: b, plain_text: 'B' })).cipher_text;
  return { rig, store, a, b, cipherA, cipherB };
}

/** Checks the invariants; returns the live key records by alias. */
async function assertConsistent(w: World): Promise<Map<string, KeyRecord>> {
  const { rig } = w;
  w.store.arm(0);
  const project = rig.client.projectId;
  const kms = (x: string, body: object) => rig.client.request('POST', `/v1.0/{project_id}/kms/${x}`, body);
  const byAlias = new Map<string, KeyRecord>();
  for (const path of await listAll(rig.store, `kms/${project}/key/`)) {
    const r = (await getJson<KeyRecord>(rig.store, path))!.value;
    if (r.state === '4' && r.deletionAt! <= rig.clock.now()) continue; // logically destroyed
    // Every key has material (kms origin), a consistent rotation count, and owns its name.
    expect(r.versions.length).toBeGreaterThanOrEqual(1);
    expect(r.versions.map((v) => v.v)).toEqual(r.versions.map((_, i) => i + 1));
    expect(r.rotation.count).toBe(r.versions.length - 1);
    expect(byAlias.has(r.alias), `two keys named ${r.alias}`).toBe(false);
    byAlias.set(r.alias, r);
    expect((await rig.kms.repo.byName(project, r.alias))?.id).toBe(r.id);
    expect((await kms('describe-key', { key_id: r.id })).key_info.key_alias).toBe(r.alias);
    // Every material version opens under the root key.
    for (const v of r.versions) expect((await rig.kms.material.open(r, v)).length).toBe(32);
  }
  // Earlier keys still work, unless the operation under test legitimately changed their state.
  for (const [alias, cipher, plain] of [['a', w.cipherA, 'A'], ['b', w.cipherB, 'B']] as const) {
    const r = byAlias.get(alias);
    if (r?.state === '2') expect((await kms('decrypt-data', { cipher_text: cipher })).plain_text).toBe(plain);
  }
  // A name held by no live key is free to claim again.
  for (const name of ['a', 'b', 'c', 'renamed']) {
    if (!byAlias.has(name)) {
      const created = await kms('create-key', { key_alias: name });
      await kms('schedule-key-deletion', { key_id: created.key_info.key_id, pending_days: '7' });
    }
  }
  return byAlias;
}

/** Runs `op` with the Nth write failing, for N = 1.. until it succeeds untouched. */
const MAINTENANCE_FAILED = new Error('maintenance reported a failure');

async function forEveryWrite(
  name: string,
  setup: (w: World) => Promise<void>,
  op: (w: World) => Promise<unknown>,
  check: (w: World, keys: Map<string, KeyRecord>, ok: boolean) => void | Promise<void>,
) {
  for (const mode of ['fail', 'lost-ack'] as const) {
    for (let n = 1; n < 50; n++) {
      const w = await world();
      await setup(w);
      w.store.arm(n, mode);
      let ok = true;
      try {
        await op(w);
      } catch (e) {
        ok = false;
        // Only the injected fault may fail the operation, and it must reach the caller as the store
        // error (KMS.0102), not as a TypeError from rollback code or a generic internal error.
        expect(w.store.injected, `${name} #${n} ${mode}: failed without the fault: ${e}`).toBeInstanceOf(StoreError);
        if (e instanceof ApiError) expect([e.status, e.code], `${name} #${n} ${mode}`).toEqual([500, 'KMS.0102']);
        else expect(e, `${name} #${n} ${mode}`).toBe(MAINTENANCE_FAILED);
      }
      const writes = w.store.writes;
      const injected = w.store.injected;
      const reached = writes >= n;
      const keys = await assertConsistent(w);
      await check(w, keys, ok);
      if (!reached) {
        expect(ok, `${name}: succeeded without a fault`).toBe(true);
        // The fault-free run made n - 1 writes, and every one of them was failed in an earlier round.
        expect(writes, `${name} writes at least once`).toBe(n - 1);
        expect(writes).toBeGreaterThan(0);
        break;
      }
      expect(injected, `${name} #${n} ${mode}: the fault fired`).toBeInstanceOf(StoreError);
    }
  }
}

const call = (w: World, x: string, body: object) => w.rig.client.request('POST', `/v1.0/{project_id}/kms/${x}`, body);

describe('fault injection', () => {
  it('create-key', async () => {
    await forEveryWrite('create-key', async () => {}, (w) => call(w, 'create-key', { key_alias: 'c' }), (_w, keys, ok) => {
      if (ok) expect(keys.has('c')).toBe(true);
    });
  });

  it('rotate-on-demand', async () => {
    await forEveryWrite('rotate', async () => {}, (w) => call(w, 'rotate-on-demand', { key_id: w.a }), (_w, keys, ok) => {
      const a = keys.get('a')!;
      if (ok) expect(a.versions.length).toBe(2);
      else expect([1, 2]).toContain(a.versions.length); // a lost acknowledgement may have landed the rotation
    });
  });

  it('automatic rotation by maintenance', async () => {
    await forEveryWrite(
      'auto-rotate',
      async (w) => {
        await call(w, 'enable-key-rotation', { key_id: w.a });
        w.rig.clock.advance(366 * DAY_MS);
      },
      async (w) => {
        const r = await runMaintenance(w.rig.kms);
        if (r.failed) throw MAINTENANCE_FAILED;
      },
      (_w, keys, ok) => {
        if (ok) expect(keys.get('a')!.versions.length).toBe(2);
      },
    );
  });

  it('schedule-key-deletion', async () => {
    await forEveryWrite('schedule', async () => {}, (w) => call(w, 'schedule-key-deletion', { key_id: w.a, pending_days: '7' }), (_w, keys, ok) => {
      const a = keys.get('a')!;
      expect(['2', '4']).toContain(a.state);
      if (ok) expect(a.state).toBe('4');
      expect(a.deletionAt === undefined).toBe(a.state === '2');
    });
  });

  it('destruction at the deletion date', async () => {
    await forEveryWrite(
      'destroy',
      async (w) => {
        await call(w, 'schedule-key-deletion', { key_id: w.a, pending_days: '7' });
        w.rig.clock.advance(8 * DAY_MS);
      },
      async (w) => {
        const r = await runMaintenance(w.rig.kms);
        if (r.failed) throw MAINTENANCE_FAILED;
      },
      async (w) => {
        // Past its date the key is gone whether or not the purge finished; its alias went with it.
        // (assertConsistent leaves such keys out, so look at them directly.)
        const raw = await getJson<KeyRecord>(w.rig.store, `kms/${w.rig.client.projectId}/key/${w.a}`);
        if (raw) expect([raw.value.state, raw.value.deletionAt! <= w.rig.clock.now()]).toEqual(['4', true]);
        expect((await rejection<ApiError>(call(w, 'describe-key', { key_id: w.a }))).code).toBe('KMS.0207');
        expect((await rejection<ApiError>(call(w, 'decrypt-data', { cipher_text: w.cipherA }))).status).toBe(400);
        expect(await w.rig.kms.repo.getAlias(w.rig.client.projectId, 'alias-a')).toBeNull();
      },
    );
    // And a later maintenance run cleans whatever a failed one left.
    const w = await world();
    await call(w, 'schedule-key-deletion', { key_id: w.a, pending_days: '7' });
    w.rig.clock.advance(8 * DAY_MS);
    w.store.arm(2);
    await runMaintenance(w.rig.kms);
    w.store.arm(0);
    w.rig.clock.advance(DAY_MS);
    await runMaintenance(w.rig.kms);
    const left = await listAll(w.rig.store, 'kms/');
    expect(left.some((k) => k.endsWith(`/key/${w.a}`))).toBe(false);
    expect(left.some((k) => k.endsWith('/alias/alias-a'))).toBe(false);
    expect(await w.rig.kms.repo.getAlias(w.rig.client.projectId, 'alias-a')).toBeNull();
  });

  it('update-key-alias', async () => {
    await forEveryWrite('rename', async () => {}, (w) => call(w, 'update-key-alias', { key_id: w.a, key_alias: 'renamed' }), (w, keys, ok) => {
      const a = [...keys.values()].find((r) => r.id === w.a)!;
      expect(['a', 'renamed']).toContain(a.alias);
      if (ok) expect(a.alias).toBe('renamed');
    });
  });
});
