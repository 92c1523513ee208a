// Faults at the file-system level, one call at a time (test/helpers/faulty-fs.ts): every call the file
// store makes during create-key, rotation, disable and the first start is failed, failed after taking
// effect, or made to lose its effect, in turn. After each run the process "restarts" (the directory is
// opened again with the real file system) and:
// - memory and disk agree: what the live process served is what the restarted one serves;
// - no key_alias is ever held by two keys, not even after a second create-key with the same alias;
// - an operation reported as failed is not there after the restart, unless it was reported as an
//   unknown outcome (KMS.0102 "may or may not have taken effect");
// - a first start either completes or fails naming the file, and the next start works with one root key.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEnv } from '../../src/runtime/config.ts';
import { openDataDir } from '../../src/runtime/data-dir.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { FileStore } from '../../src/store/file.ts';
import { ApiError } from '../../src/sdk/errors.ts';
import { FS_FAULTS, FaultyFs, type FsFault } from '../helpers/faulty-fs.ts';
import { makeRig, type Rig } from '../helpers/kms.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';

const tempDir = tempDirs('fsfault');

type Outcome = 'ok' | 'failed' | 'unknown';
const kms = (rig: Rig, action: string, body: object) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);

async function outcomeOf(p: Promise<unknown>): Promise<Outcome> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.code !== 'KMS.0102') return 'failed'; // refused (an alias taken): changed nothing
    return /may or may not have taken effect/.test(e.message) ? 'unknown' : 'failed';
  }
}

/** What a process serves about the project's keys: alias, state and number of versions of each. */
async function view(rig: Rig): Promise<string[]> {
  const out: string[] = [];
  for (const r of await rig.kms.repo.list(rig.client.projectId)) out.push(`${r.alias} ${r.state} v${r.versions.length}`);
  return out.sort();
}

interface Op {
  name: string;
  run(rig: Rig, base: string): Promise<unknown>;
  /** Whether the operation's effect is in this view. */
  applied(view: string[]): boolean;
}

const ops: Op[] = [
  { name: 'create-key', run: (rig) => kms(rig, 'create-key', { key_alias: 'fresh' }), applied: (v) => v.some((l) => l.startsWith('fresh ')) },
  { name: 'rotate-on-demand', run: (rig, id) => kms(rig, 'rotate-on-demand', { key_id: id }), applied: (v) => v.includes('base 2 v2') },
  { name: 'disable-key', run: (rig, id) => kms(rig, 'disable-key', { key_id: id }), applied: (v) => v.includes('base 3 v1') },
];

async function scenario(op: Op, n: number, mode: FsFault): Promise<{ calls: number; hit: boolean }> {
  const dir = tempDir();
  const fs = new FaultyFs();
  const store = await FileStore.open(dir, { fs });
  const rig = await makeRig({ store });
  const base = (await kms(rig, 'create-key', { key_alias: 'base' })).key_info.key_id as string;
  fs.arm(n, mode);
  const outcome = await outcomeOf(op.run(rig, base));
  const calls = fs.calls.length;
  const hit = fs.hit;
  const faulted = fs.calls[n - 1] ?? '-';
  fs.arm(0);
  const live = await view(rig).catch(() => null); // null: the store stopped itself
  // A second create-key with the same alias must not give the alias a second key.
  let retried: Outcome | null = null;
  if (op.name === 'create-key' && live) {
    retried = await outcomeOf(kms(rig, 'create-key', { key_alias: 'fresh' })).catch(() => 'failed' as const);
    if (op.applied(live)) expect(retried).toBe('failed');
  }
  const liveAfter = await view(rig).catch(() => null);
  await store.close();

  const reopened = await FileStore.open(dir);
  const after = await view(await makeRig({ store: reopened }));
  await reopened.close();
  const label = `${op.name}, call ${n} (${faulted}) ${mode}: ${outcome}`;
  if (liveAfter) expect(after, `${label}: memory and disk disagree`).toEqual(liveAfter);
  const aliases = after.map((l) => l.split(' ')[0]);
  expect(new Set(aliases).size, `${label}: an alias held by two keys: ${after}`).toBe(aliases.length);
  if (outcome === 'failed' && retried !== 'ok') expect(op.applied(after), `${label}: reported failed but present after restart`).toBe(false);
  if (retried === 'ok') expect(op.applied(after), `${label}: the retry was reported done but is absent after restart`).toBe(true);
  if (outcome === 'ok') expect(op.applied(after), `${label}: reported done but absent after restart`).toBe(true);
  return { calls, hit };
}

describe('file-system faults, one call at a time', () => {
  for (const op of ops) {
    it(`${op.name}: every call failed, failed after its effect, or its effect lost`, async () => {
      const { calls } = await scenario(op, 0, 'fail');
      expect(calls).toBeGreaterThan(8);
      let injected = 0;
      for (let n = 1; n <= calls; n++) {
        for (const mode of FS_FAULTS) if ((await scenario(op, n, mode)).hit) injected++;
      }
      expect(injected).toBe(calls * FS_FAULTS.length);
    }, 120_000);
  }

  it('first start: every call faulted in turn either completes or fails naming the file, and the next start works', async () => {
    const count = new FaultyFs();
    const dry = tempDir();
    count.arm(0);
    const first = await openDataDir(readEnv({ EDGEKMS_DATA_DIR: dry }), nodeCrypto, { fs: count });
    await first.store.close();
    const calls = count.calls.length;
    expect(calls).toBeGreaterThan(10);
    for (let n = 1; n <= calls; n++) {
      for (const mode of FS_FAULTS) {
        const dir = tempDir();
        const config = readEnv({ EDGEKMS_DATA_DIR: dir });
        const fs = new FaultyFs();
        fs.arm(n, mode);
        const label = `first start, call ${n} ${mode}`;
        try {
          const d = await openDataDir(config, nodeCrypto, { fs });
          await d.store.close();
        } catch (e) {
          expect((e as Error).message, label).toContain(dir);
        }
        const next = await openDataDir(config, nodeCrypto);
        await next.store.close();
        expect(Buffer.from(readFileSync(join(dir, 'root.key'), 'utf8').trim(), 'base64'), label).toHaveLength(32);
        const again = await openDataDir(config, nodeCrypto); // the same root key opens what the first start sealed
        await again.store.close();
      }
    }
  }, 120_000);
});
