// Fault injection over the secrets service: the store fails its Nth write, for every N, during secret
// creation, new versions, stage moves, scheduled deletion, restore, immediate deletion and purge - before
// the write lands ("fail") and after it ("lost-ack"). After every failure: no half-made secret (a secret
// is there with every version opening and every stage on an existing version, or it is not there at
// all), the id index agrees, earlier secrets still read, and the operation can be done again.
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/kms/clock.ts';
import { runSecretsMaintenance } from '../../src/secrets/maintenance.ts';
import type { SecretRecord } from '../../src/secrets/record.ts';
import { openValue } from '../../src/secrets/sealing.ts';
import { Secrets } from '../../src/secrets/secrets.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { getJson, listAll } from '../../src/store/store.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';
import { makeRig, type Rig } from '../helpers/kms.ts';

const P = '/v1/{project_id}';

interface World {
  rig: Rig;
  store: FaultyStore;
  call: (method: string, path: string, body?: unknown) => Promise<any>;
  /** Every value ever written, by secret name: a version may only hold one of these. */
  written: Map<string, Set<string>>;
}

async function world(): Promise<World> {
  const store = new FaultyStore(new MemoryStore());
  const rig = await makeRig({ store });
  const call = (method: string, path: string, body?: unknown) => rig.client.request(method, `${P}${path}`, body);
  const w: World = { rig, store, call, written: new Map() };
  await put(w, 'keep', 'keep-1');
  await put(w, 'target', 'target-1');
  await call('POST', '/secrets/target/versions', { secret_string: note(w, 'target', 'target-2') });
  return w;
}

function note(w: World, name: string, value: string): string {
  (w.written.get(name) ?? w.written.set(name, new Set()).get(name)!).add(value);
  return value;
}

async function put(w: World, name: string, value: string) {
  return w.call('POST', '/secrets', { name, secret_string: note(w, name, value) });
}

/** Checks the invariants; returns the live secrets by name. */
async function assertConsistent(w: World): Promise<Map<string, SecretRecord>> {
  w.store.arm(0);
  const { rig } = w;
  const project = rig.client.projectId;
  const live = new Map<string, SecretRecord>();
  for (const path of await listAll(rig.store, `csms/${project}/secret/`)) {
    const r = (await getJson<SecretRecord>(rig.store, path))!.value;
    if (r.state === 'PENDING_DELETE' && r.scheduledDeleteAt! <= rig.clock.now()) continue; // logically gone
    expect(r.versions.length, `${r.name} has no version`).toBeGreaterThan(0);
    expect(r.stages.SYSCURRENT, `${r.name} has no SYSCURRENT`).toBeDefined();
    for (const [stage, s] of Object.entries(r.stages)) expect(r.versions.some((v) => v.id === s.version), `${r.name}: ${stage} on a missing version`).toBe(true);
    for (const v of r.versions) {
      expect(Number(v.id.slice(1))).toBeLessThan(r.nextVersion);
      const plain = new TextDecoder().decode(await openValue(rig.kms, project, r.id, v));
      expect(w.written.get(r.name)?.has(plain), `${r.name} ${v.id} holds a value never written`).toBe(true);
    }
    expect((await rig.kms.repo.byName(project, 'csms/default'))?.id).toBeDefined();
    // The id index finds it (tags work), and the API reads it.
    expect((await w.call('GET', `/csms/${r.id}/tags`)).tags).toBeDefined();
    if (r.state === 'ENABLED') expect(w.written.get(r.name)?.has((await w.call('GET', `/secrets/${r.name}/versions/latest`)).version.secret_string)).toBe(true);
    live.set(r.name, r);
  }
  // Every id pointer is either right or invisible.
  for (const path of await listAll(rig.store, `csms/${project}/id/`)) {
    const id = path.slice(path.lastIndexOf('/') + 1);
    const found = await new Secrets(rig.kms).repo.byId(project, id);
    if (found) expect(live.get(found.name)?.id).toBe(id);
  }
  // The earlier secret is untouched.
  expect((await w.call('GET', '/secrets/keep/versions/latest')).version.secret_string).toBe('keep-1');
  return live;
}

/** Runs `op` with the Nth write failing, for N = 1.. until a run succeeds without the fault firing. */
async function forEveryWrite(setup: (w: World) => Promise<void>, op: (w: World) => Promise<unknown>, check: (w: World, live: Map<string, SecretRecord>, ok: boolean) => Promise<void>) {
  let runs = 0;
  for (const mode of ['fail', 'lost-ack'] as const) {
    for (let n = 1; n < 30; n++) {
      const w = await world();
      await setup(w);
      w.store.arm(n, mode);
      let ok = true;
      try {
        await op(w);
      } catch {
        ok = false;
      }
      const fired = w.store.writes >= n;
      const live = await assertConsistent(w);
      await check(w, live, ok);
      runs++;
      if (!fired) break;
    }
  }
  expect(runs).toBeGreaterThan(2);
}

describe('secrets under store faults (every write, fail and lost-ack)', () => {
  it('a backup restores after a delete whose id pointer could not be removed', async () => {
    const w = await world();
    const blob = (await w.call('POST', '/secrets/target/backup')).secret_blob;
    w.store.arm(2); // delete-secret: the document goes (write 1), removing its id pointer fails (write 2)
    await w.call('DELETE', '/secrets/target');
    w.store.arm(0);
    const project = w.rig.client.projectId;
    expect(await listAll(w.rig.store, `csms/${project}/id/`)).toHaveLength(2); // keep's and the dead one
    const restored = await w.call('POST', '/secrets/restore', { secret_blob: blob });
    expect(restored.secret.name).toBe('target');
    expect((await w.call('GET', '/secrets/target/versions/latest')).version.secret_string).toBe('target-2');
    expect((await w.call('GET', `/csms/${restored.secret.id}/tags`)).tags).toEqual([]);
    await assertConsistent(w);
  });

  it('create-secret: the secret exists whole or not at all, and its name can be taken again', async () => {
    await forEveryWrite(
      async () => {},
      (w) => put(w, 'fresh', 'fresh-1'),
      async (w, live, ok) => {
        if (ok) expect(live.has('fresh')).toBe(true);
        if (!live.has('fresh')) await put(w, 'fresh', 'fresh-again');
        expect(w.written.get('fresh')!.has((await w.call('GET', '/secrets/fresh/versions/latest')).version.secret_string)).toBe(true);
      },
    );
  });

  it('create-version: the version is there with its stages moved, or the secret is as it was', async () => {
    await forEveryWrite(
      async () => {},
      (w) => w.call('POST', '/secrets/target/versions', { secret_string: note(w, 'target', 'target-3') }),
      async (_w, live, ok) => {
        const r = live.get('target')!;
        const cur = r.stages.SYSCURRENT.version;
        if (ok) expect(cur).toBe('v3');
        if (cur === 'v3') expect(r.stages.SYSPREVIOUS.version).toBe('v2');
        else expect([cur, r.stages.SYSPREVIOUS.version, r.versions.length]).toEqual(['v2', 'v1', 2]);
      },
    );
  });

  it('stage moves: a stage points at the old or the new version, SYSPREVIOUS follows SYSCURRENT', async () => {
    await forEveryWrite(
      async () => {},
      (w) => w.call('PUT', '/secrets/target/stages/SYSCURRENT', { version_id: 'v1' }),
      async (_w, live, ok) => {
        const r = live.get('target')!;
        if (ok) expect(r.stages.SYSCURRENT.version).toBe('v1');
        expect([r.stages.SYSCURRENT.version, r.stages.SYSPREVIOUS.version]).toEqual(r.stages.SYSCURRENT.version === 'v1' ? ['v1', 'v2'] : ['v2', 'v1']);
      },
    );
  });

  it('schedule deletion, restore, delete now and purge: the secret is whole or gone', async () => {
    await forEveryWrite(
      async () => {},
      (w) => w.call('POST', '/secrets/target/scheduled-deleted-tasks/create', { recovery_window_in_days: 7 }),
      async (_w, live, ok) => {
        expect(live.has('target')).toBe(true);
        if (ok) expect(live.get('target')!.state).toBe('PENDING_DELETE');
      },
    );
    await forEveryWrite(
      async (w) => void (await w.call('POST', '/secrets/target/scheduled-deleted-tasks/create', { recovery_window_in_days: 7 })),
      (w) => w.call('POST', '/secrets/target/scheduled-deleted-tasks/cancel'),
      async (_w, live, ok) => {
        if (ok) expect(live.get('target')!.state).toBe('ENABLED');
      },
    );
    await forEveryWrite(
      async () => {},
      (w) => w.call('DELETE', '/secrets/target'),
      async (w, live, ok) => {
        if (ok) expect(live.has('target')).toBe(false);
        if (!live.has('target')) await put(w, 'target', 'target-new'); // the name is free again
      },
    );
    await forEveryWrite(
      async (w) => {
        await w.call('POST', '/secrets/target/scheduled-deleted-tasks/create', { recovery_window_in_days: 7 });
        w.rig.clock.advance(7 * DAY_MS);
      },
      (w) => runSecretsMaintenance(new Secrets(w.rig.kms)).then((r) => expect(r.failed).toBe(0)),
      async (w, live) => {
        expect(live.has('target')).toBe(false); // past its date: gone whatever the store did
        await put(w, 'target', 'target-new');
      },
    );
  });
});
