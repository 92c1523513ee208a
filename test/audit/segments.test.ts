// The audit log in append-only segments beside the file store: appends are one durable write per block,
// survive a reopen (a torn tail cut off, the chain continued), continue an older data directory's blocks in
// the store, fail cleanly (cut back, nothing half-written) when the file system fails, and every edit,
// removal, insertion, reordering and cut-off tail of the segment files is named by verify.
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/log.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { SealedStore } from '../../src/store/barrier.ts';
import { FileStore } from '../../src/store/file.ts';
import type { AppendLogOptions } from '../../src/store/fs/append-log.ts';
import { AppendLog } from '../../src/store/fs/append-log.ts';
import { nodeFs, type Fs } from '../../src/store/fs/fs.ts';
import { frameIndex, readFrames, writeFrames } from '../helpers/audit-segments.ts';
import { auditEntry } from '../helpers/audit-entries.ts';
import { FaultyFs } from '../helpers/faulty-fs.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const entry = auditEntry;

/** A data directory with a file store, and audit logs opened over it (one at a time, like npm start). */
async function dataDir(fs?: Fs) {
  const dir = mkdtempSync(join(tmpdir(), 'edgekms-segments-'));
  dirs.push(dir);
  const root = await RootKey.fromBytes(new Uint8Array(32).fill(7), nodeCrypto);
  let store: FileStore | undefined;
  const open = async (options: { segments?: boolean } & AppendLogOptions = {}) => {
    await store?.close();
    store = await FileStore.open(dir, { fs });
    const sealed = SealedStore.over(store, root.barrierMac);
    const segments = options.segments === false ? undefined : await AppendLog.open(join(dir, 'audit'), fs ?? nodeFs, options);
    return { log: new AuditLog(sealed, { segments }), segments, store };
  };
  return { dir, open, close: () => store?.close() };
}

describe('audit segments', () => {
  it('appends durably in segments, seals the head on flush, and continues the chain after a reopen', async () => {
    const d = await dataDir();
    let { log } = await d.open({ maxSegmentBytes: 600 });
    for (let i = 1; i <= 6; i++) await log.append(entry(i));
    await log.flush();
    expect(await log.verify()).toEqual({ intact: true, records: 6 });
    expect(readdirSync(join(d.dir, 'audit')).length).toBeGreaterThan(1); // rolled past 600 bytes
    ({ log } = await d.open({ maxSegmentBytes: 600 }));
    const r7 = await log.append(entry(7));
    expect(r7.seq).toBe(7);
    expect(await log.verify()).toEqual({ intact: true, records: 7, after_head: 1 }); // the head follows the appends
    await log.flush();
    expect(await log.verify()).toEqual({ intact: true, records: 7 });
    expect((await log.query({ resource: 'key-1' })).records.map((r) => r.seq)).toEqual([1, 4, 7]);
    // No audit record went to the store: only the sealed head.
    expect(readdirSync(join(d.dir, 'store')).filter((n) => n.startsWith('audit'))).toEqual(['audit~2fhead']);
    await d.close();
  });

  it('appends made in one turn of the event loop share one write, the first one included', async () => {
    const faulty = new FaultyFs();
    const d = await dataDir(faulty);
    const { log } = await d.open();
    await log.append(entry(1));
    faulty.arm(0);
    const records = await Promise.all(Array.from({ length: 40 }, (_, i) => log.append(entry(2 + i))));
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => 2 + i));
    // The first does not go alone: the block is written once the turn's other appends have joined it.
    expect(faulty.calls.filter((c) => c.startsWith('write ') && c.endsWith('.seg'))).toHaveLength(1);
    await log.flush();
    expect(await log.verify()).toEqual({ intact: true, records: 41 });
    await d.close();
  });

  it('appends made while a block is being written wait for it and go into the next block: one writer at a time', async () => {
    const faulty = new FaultyFs();
    const d = await dataDir(faulty);
    const { log } = await d.open();
    await log.append(entry(1));
    faulty.arm(0);
    const first = log.append(entry(2));
    // Let the turn end: the first block's write is now in flight.
    await new Promise((r) => setImmediate(r));
    expect(faulty.calls.filter((c) => c.startsWith('write ') && c.endsWith('.seg'))).toHaveLength(1);
    const later = [log.append(entry(3)), log.append(entry(4))];
    const records = await Promise.all([first, ...later]);
    expect(records.map((r) => r.seq)).toEqual([2, 3, 4]);
    expect([records[1].prev, records[2].prev]).toEqual([records[0].hash, records[1].hash]);
    expect(faulty.calls.filter((c) => c.startsWith('write ') && c.endsWith('.seg'))).toHaveLength(2);
    await log.flush();
    expect(await log.verify()).toEqual({ intact: true, records: 4 });
    await d.close();
  });

  it('cuts a torn last frame (a crash mid-write) at open, and goes on from the last whole one', async () => {
    const d = await dataDir();
    let { log } = await d.open();
    for (let i = 1; i <= 3; i++) await log.append(entry(i));
    await log.flush();
    await d.close();
    const [segment] = readdirSync(join(d.dir, 'audit'));
    appendFileSync(join(d.dir, 'audit', segment), Buffer.from([0, 0, 1, 0, 69, 75, 66])); // a frame of 256 bytes, 3 written
    ({ log } = await d.open());
    expect((await log.append(entry(4))).seq).toBe(4);
    await log.flush();
    expect(await log.verify()).toEqual({ intact: true, records: 4 });
    await d.close();
  });

  it('goes on from the last record when the newest segment was created but never written (a crash in between)', async () => {
    const d = await dataDir();
    let { log } = await d.open({ maxSegmentBytes: 600 });
    for (let i = 1; i <= 4; i++) await log.append(entry(i));
    await d.close(); // no flush: the sealed head trails, as after a crash
    writeFileSync(join(d.dir, 'audit', '000000000005.seg'), '');
    ({ log } = await d.open({ maxSegmentBytes: 600 }));
    expect((await log.append(entry(5))).seq).toBe(5);
    await log.flush();
    expect(await log.verify()).toEqual({ intact: true, records: 5 });
    expect(readFrames(d.dir).map((f) => [f.segment, f.first]).at(-1)).toEqual(['000000000005.seg', 5]);
    await d.close();
  });

  it('continues the blocks an older data directory kept in its store', async () => {
    const d = await dataDir();
    let { log } = await d.open({ segments: false });
    for (let i = 1; i <= 3; i++) await log.append(entry(i));
    ({ log } = await d.open());
    for (let i = 4; i <= 6; i++) await log.append(entry(i));
    await log.flush();
    expect(await log.verify()).toEqual({ intact: true, records: 6 });
    expect((await log.query({ from: entry(2).time, to: entry(5).time })).records.map((r) => r.seq)).toEqual([2, 3, 4, 5]);
    await d.close();
  });

  it('a failed write is cut back: the append fails, nothing of it stays, and the next one chains on', async () => {
    const faulty = new FaultyFs();
    const d = await dataDir(faulty);
    const { log } = await d.open();
    await log.append(entry(1));
    // A write that lands, then reports an error: the frame is on disk and must be cut off again.
    faulty.arm(1, 'fail-after');
    await expect(log.append(entry(2))).rejects.toThrow(/injected i\/o error, write/);
    expect(faulty.hit).toBe(true);
    expect(readFrames(d.dir).map((f) => f.first)).toEqual([1]);
    faulty.arm(0);
    expect((await log.append(entry(3))).seq).toBe(2);
    await d.close();
  });

  it('a new segment whose directory entry cannot be made durable takes no record; the next append starts it again', async () => {
    const faulty = new FaultyFs();
    const d = await dataDir(faulty);
    const { log } = await d.open({ maxSegmentBytes: 300 });
    await log.append(entry(1));
    await log.flush(); // the head is written now, and not again within the next appends' 250 ms
    // The next append rolls to a new segment: close the old one, open the new, fsync the directory (fail it).
    faulty.arm(4);
    await expect(log.append(entry(2))).rejects.toThrow(/injected i\/o error, fsync/);
    expect(faulty.calls.slice(0, 4)).toEqual(['close 000000000001.seg', 'open 000000000002.seg', 'open audit', 'fsync audit']);
    faulty.arm(0);
    expect((await log.append(entry(3))).seq).toBe(2);
    await log.flush();
    expect(await log.verify()).toEqual({ intact: true, records: 2 });
    expect(readFrames(d.dir).map((f) => [f.segment, f.first])).toEqual([['000000000001.seg', 1], ['000000000002.seg', 2]]);
    await d.close();
  });

  it('when the cut fails too, the log takes no more appends (never writes after a torn frame)', async () => {
    let broken = false;
    const fs: Fs = {
      ...nodeFs,
      async open(path, flags, mode) {
        const h = await nodeFs.open(path, flags, mode);
        if (flags !== 'a') return h;
        return {
          ...h,
          write: async (b, o, l) => {
            if (!broken) return h.write(b, o, l);
            await h.write(b, o, Math.ceil(l / 2)); // half the frame lands
            throw new Error('EIO: write');
          },
          truncate: async (l) => {
            if (broken) throw new Error('EIO: ftruncate');
            return h.truncate(l);
          },
        };
      },
    };
    const d = await dataDir(fs);
    const { log } = await d.open();
    await log.append(entry(1));
    broken = true;
    await expect(log.append(entry(2))).rejects.toThrow(/cannot append .*EIO: write/);
    broken = false;
    await expect(log.append(entry(3))).rejects.toThrow(/nor cut the failed write off \(EIO: ftruncate\)/);
    // Opened again, the torn frame is cut off and the log goes on after record 1.
    const again = await d.open();
    expect((await again.log.append(entry(4))).seq).toBe(2);
    await log.flush();
    await d.close();
  });
});

describe('audit segments: queries seek', () => {
  it('by time and by marker, reading a few segments out of many', async () => {
    const d = await dataDir();
    const { log, segments } = await d.open({ maxSegmentBytes: 2000 });
    const n = 600;
    for (let i = 1; i <= n; i++) await log.append(entry(i));
    const count = segments!.segments().length;
    expect(count).toBeGreaterThan(60);
    let reads = 0;
    const read = segments!.read.bind(segments);
    segments!.read = (s) => (reads++, read(s));
    const run = async (q: Parameters<AuditLog['query']>[0]) => {
      reads = 0;
      const page = await log.query(q);
      return { seqs: page.records.map((r) => r.seq), next: page.next_marker, reads };
    };
    const byTime = await run({ from: entry(590).time, limit: 3 });
    expect([byTime.seqs, byTime.next]).toEqual([[590, 591, 592], 592]);
    expect(byTime.reads).toBeLessThanOrEqual(Math.ceil(Math.log2(count)) + 3);
    const byMarker = await run({ marker: 300, to: entry(302).time });
    expect([byMarker.seqs, byMarker.next]).toEqual([[301, 302], undefined]);
    expect(byMarker.reads).toBeLessThanOrEqual(2);
    await d.close();
  });
});

describe('audit segments: verify names every change to the files', () => {
  async function tampered(change: (frames: ReturnType<typeof readFrames>) => ReturnType<typeof readFrames>) {
    const d = await dataDir();
    let { log } = await d.open({ maxSegmentBytes: 700 });
    for (let i = 1; i <= 8; i++) await log.append(entry(i));
    await log.flush();
    await d.close();
    writeFrames(d.dir, change(readFrames(d.dir)));
    ({ log } = await d.open({ maxSegmentBytes: 700 }));
    const v = await log.verify();
    await d.close();
    return v;
  }

  it('a one-byte edit', async () => {
    const v = await tampered((f) => {
      f[frameIndex(f, 4)].bytes[60] ^= 1;
      return f;
    });
    expect(v.first_bad).toEqual({ seq: 4, reason: 'record 4 was changed outside edgekms (its seal does not verify)' });
  });

  it('a removed record', async () => {
    const v = await tampered((f) => f.filter((_, i) => i !== frameIndex(f, 3)));
    expect(v.first_bad).toEqual({ seq: 3, reason: 'record 3 is missing' });
  });

  it('a swapped pair', async () => {
    const v = await tampered((f) => {
      const [a, b] = [frameIndex(f, 5), frameIndex(f, 6)];
      [f[a], f[b]] = [{ ...f[b], segment: f[a].segment }, { ...f[a], segment: f[b].segment }];
      return f;
    });
    expect(v.first_bad?.seq).toBe(5);
  });

  it('an inserted record (a copy of another, sealed as itself)', async () => {
    const v = await tampered((f) => {
      f.splice(frameIndex(f, 3), 0, { ...f[frameIndex(f, 7)], segment: f[frameIndex(f, 3)].segment });
      return f;
    });
    expect(v.first_bad).toEqual({ seq: 3, reason: 'record 3 is missing' });
  });

  it('a cut-off tail, and still after the server appended again', async () => {
    const v = await tampered((f) => f.slice(0, -2));
    expect(v.first_bad).toEqual({ seq: 7, reason: expect.stringMatching(/head names record 8, but the log ends at 6: records were removed from its end/) });
    const d = await dataDir();
    let { log } = await d.open();
    for (let i = 1; i <= 8; i++) await log.append(entry(i));
    await log.flush();
    await d.close();
    writeFrames(d.dir, readFrames(d.dir).slice(0, -2));
    ({ log } = await d.open());
    expect((await log.append(entry(9))).seq).toBe(9); // after the sealed head, not after the cut
    await log.flush();
    expect((await log.verify()).first_bad).toEqual({ seq: 7, reason: 'record 7 is missing' });
    await d.close();
  });

  it('a segment cut in the middle of a record', async () => {
    const d = await dataDir();
    let { log } = await d.open({ maxSegmentBytes: 700 });
    for (let i = 1; i <= 8; i++) await log.append(entry(i));
    await log.flush();
    await d.close();
    const [first] = readdirSync(join(d.dir, 'audit')).sort();
    const path = join(d.dir, 'audit', first);
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 20));
    ({ log } = await d.open({ maxSegmentBytes: 700 }));
    const v = await log.verify();
    expect(v.intact).toBe(false);
    expect(v.first_bad?.reason).toMatch(new RegExp(`^record ${v.first_bad?.seq} is damaged: segment ${first} ends in a record cut short \\(\\d+ bytes\\)$`));
    await d.close();
  });

  it('a foreign file among the segments', async () => {
    const d = await dataDir();
    let { log } = await d.open();
    await log.append(entry(1));
    await log.flush();
    await d.close();
    writeFileSync(join(d.dir, 'audit', 'notes.txt'), 'x');
    ({ log } = await d.open());
    expect((await log.verify()).first_bad?.reason).toMatch(/inserted/);
    await d.close();
  });
});
