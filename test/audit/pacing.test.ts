// When the audit log writes its next block (src/audit/pacing.ts): at once while the event loop has work
// through each write, and, where writes are slow and the loop sits idle through them, once the callers the
// last block answered are back, so they share one write instead of splitting into groups.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/log.ts';
import { BlockPacer } from '../../src/audit/pacing.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { SealedStore } from '../../src/store/barrier.ts';
import { FileStore } from '../../src/store/file.ts';
import { AppendLog } from '../../src/store/fs/append-log.ts';
import { nodeFs, type Fs } from '../../src/store/fs/fs.ts';
import { auditEntry } from '../helpers/audit-entries.ts';
import { readFrames } from '../helpers/audit-segments.ts';

/** A pacer on a clock the test moves. */
function pacer() {
  const clock = { t: 0 };
  return { p: new BlockPacer(() => clock.t), clock };
}

/** Whether `p` settles within a few turns of the event loop. */
async function settles(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return done;
}

describe('block pacing', () => {
  it('writes at once while appends keep arriving through each write (the loop was busy)', async () => {
    const { p, clock } = pacer();
    clock.t = 10;
    p.appended(1);
    clock.t = 19; // the last append came 1 ms before the 10 ms write ended
    p.appended(8);
    clock.t = 20;
    p.written(8, 10, 0, 8);
    expect(await settles(p.ready(8, 256))).toBe(true);
  });

  it('after a slow write the loop sat idle through, waits for the callers it answered, then goes', async () => {
    const { p, clock } = pacer();
    clock.t = 11;
    p.appended(8); // the other group queued early in the write, then nothing
    clock.t = 20;
    p.written(8, 10, 0, 8);
    clock.t = 21;
    const ready = p.ready(8, 256);
    expect(await settles(ready)).toBe(false);
    for (let n = 9; n < 16; n++) p.appended(n);
    expect(await settles(ready)).toBe(false);
    clock.t = 23;
    p.appended(16); // the 8 answered by the last block are back
    expect(await settles(ready)).toBe(true);
    expect(await ready).toBe(2);
  });

  it('never waits more than half the last write took, nor more than 100 ms', async () => {
    const waits: number[] = [];
    const clock = { t: 100 };
    const p = new BlockPacer(
      () => clock.t,
      (ms, fn) => {
        waits.push(ms);
        setImmediate(fn); // nobody comes back: the wait ends by itself
        return () => {};
      },
    );
    p.written(16, 96, 0, 0); // 4 ms, nothing arriving meanwhile
    await p.ready(1, 256);
    clock.t = 1000;
    p.written(16, 500, 0, 0); // 500 ms: a stalled disk
    await p.ready(1, 256);
    expect(waits).toEqual([2, 100]);
  });

  it('draws its lines exactly: a 1 ms write counts as slow, idle for exactly half a write does not, a write as long as the wait ends it', async () => {
    const idleThrough = (ms: number) => {
      const { p, clock } = pacer();
      clock.t = 100 + ms;
      p.written(8, 100, 0, 8); // no append during the write
      return p;
    };
    expect(await settles(idleThrough(1).ready(8, 256))).toBe(false);
    const half = pacer();
    half.clock.t = 105;
    half.p.appended(8); // the last append exactly halfway through a 10 ms write
    half.clock.t = 110;
    half.p.written(8, 100, 0, 8);
    expect(await settles(half.p.ready(8, 256))).toBe(true);
    const even = idleThrough(10);
    even.written(16, 100, 10, 0); // gathering: the write took as long as the wait before it
    expect(await settles(even.ready(1, 256))).toBe(true);
  });

  it('a wait that ended early leaves no timer behind to cut the next one short', async () => {
    const clock = { t: 0 };
    const p = new BlockPacer(() => clock.t); // real timers
    clock.t = 40;
    p.written(8, 0, 0, 8); // idle through a 40 ms write: the next wait is at most 20 ms
    const first = p.ready(8, 256);
    p.appended(16);
    await first;
    clock.t = 500;
    p.written(16, 100, 0, 0); // a 400 ms write: the next wait is at most 100 ms
    const second = p.ready(0, 256);
    await new Promise((r) => setTimeout(r, 40)); // the first wait's timer, had it been left, fired by now
    for (let n = 1; n <= 16; n++) p.appended(n);
    expect(await settles(second)).toBe(true);
  });

  it('does not wait for more than one block holds', async () => {
    const { p, clock } = pacer();
    clock.t = 20;
    p.written(200, 10, 0, 200);
    expect(await settles(p.ready(256, 256))).toBe(true);
  });

  it('never waits on a write shorter than 1 ms (a memory store, a fast disk)', async () => {
    const { p, clock } = pacer();
    clock.t = 0.9;
    p.written(8, 0, 0, 8);
    expect(await settles(p.ready(8, 256))).toBe(true);
  });

  it('writes at once again when a write has become shorter than the wait for the group', async () => {
    const { p, clock } = pacer();
    clock.t = 20;
    p.written(8, 10, 0, 8); // idle through a 10 ms write: gathers from now on
    clock.t = 30;
    p.written(16, 26, 5, 0); // 4 ms write after a 5 ms wait: gathering no longer pays
    expect(await settles(p.ready(1, 256))).toBe(true);
  });
});

describe('block pacing in the audit log, over segments on a slow disk', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('callers that come back at different times after their answer end up sharing one write each round', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgekms-pacing-'));
    dirs.push(dir);
    // Each durable append takes 100 ms, as on a busy shared disk.
    const slow: Fs = {
      ...nodeFs,
      open: async (path, flags, mode) => {
        const h = await nodeFs.open(path, flags, mode);
        return flags === 'a' ? { ...h, write: async (b, o, l) => (await new Promise((r) => setTimeout(r, 100)), h.write(b, o, l)) } : h;
      },
    };
    const root = await RootKey.fromBytes(new Uint8Array(32).fill(7), nodeCrypto);
    const store = await FileStore.open(dir, { fs: slow });
    const log = new AuditLog(SealedStore.over(store, root.barrierMac), { segments: await AppendLog.open(join(dir, 'audit'), slow) });
    // 16 callers, each appending its next record a little while after the last one is durable (0-4 ms,
    // different for each), as clients over a network do.
    let seq = 0;
    await Promise.all(
      Array.from({ length: 16 }, async (_, caller) => {
        for (let round = 0; round < 6; round++) {
          await log.append(auditEntry(++seq));
          await new Promise((r) => setTimeout(r, caller / 4));
        }
      }),
    );
    await log.flush();
    expect(await log.verify()).toMatchObject({ intact: true, records: 96 });
    const frames = readFrames(dir);
    const sizes = frames.map((f, i) => (frames[i + 1]?.first ?? 97) - f.first);
    // The first rounds split the callers (the first back goes alone or with a few); from then on each
    // write carries all 16.
    expect(sizes.slice(-3)).toEqual([16, 16, 16]);
    await store.close();
  });
});
