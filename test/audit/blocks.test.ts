// Where the audit blocks live, in-process: segment blocks over an in-memory frame log (the FrameLog contract
// of src/audit/blocks.ts, with segments, foreign files and a torn tail made to order), so each way a frame,
// a segment or the store can be wrong gets its exact verdict; `containing` finds a block by any of its
// records and nothing outside them; the parsed-segment cache holds the four most recent and forgets the
// newest on a write; store blocks that vanish between a listing and a read end a query instead of failing it.
import { describe, expect, it } from 'vitest';
import { seqKey, SegmentBlocks, type FrameLog, type Segment } from '../../src/audit/blocks.ts';
import { AuditLog, type AuditRecord } from '../../src/audit/log.ts';
import { utf8 } from '../../src/crypto/bytes.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { SealedStore } from '../../src/store/barrier.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { putJson, StoreError, type Store } from '../../src/store/store.ts';
import { auditEntry, chained } from '../helpers/audit-entries.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';

const entry = auditEntry;
const GENESIS = '0'.repeat(64);


/** An append-only frame log in memory: a new segment every `perSegment` frames; its reads are counted. */
class MemoryFrameLog implements FrameLog {
  foreign: string[] = [];
  list: { segment: Segment; frames: Uint8Array[]; rest: number }[] = [];
  reads: string[] = [];
  atOpen: Uint8Array | undefined;
  constructor(private readonly perSegment = 2) {}
  segments(): readonly Segment[] {
    return this.list.map((s) => s.segment);
  }
  lastFrameAtOpen() {
    return this.atOpen;
  }
  async append(first: number, payload: Uint8Array) {
    let last = this.list.at(-1);
    if (!last || last.frames.length >= this.perSegment) this.list.push((last = { segment: { name: `${first}.seg`, first }, frames: [], rest: 0 }));
    last.frames.push(payload);
  }
  async read(segment: Segment) {
    this.reads.push(segment.name);
    const s = this.list.find((s) => s.segment === segment)!;
    return { frames: s.frames, rest: s.rest };
  }
}

async function barrier(inner: Store = new MemoryStore()) {
  const root = await RootKey.fromBytes(new Uint8Array(32).fill(11), nodeCrypto);
  return SealedStore.over(inner, root.barrierMac);
}

/** A frame as SegmentBlocks writes it: `{records}` sealed under the name of `as` (its first record by default). */
const frame = (sealed: SealedStore, records: unknown[], as = (records[0] as AuditRecord).seq) => sealed.seal(seqKey(as), utf8(JSON.stringify({ records })));

describe('segment blocks: verify names what is wrong with the files', () => {
  /** Records 1..n, one block each, in segments of two, over a store whose head names the last. */
  async function segmentsOf(n: number) {
    const store = await barrier();
    const log = new MemoryFrameLog(2);
    const records = chained(1, GENESIS, Array.from({ length: n }, (_, i) => entry(i + 1)));
    for (const r of records) await log.append(r.seq, frame(store, [r]));
    await putJson(store, 'audit/head', { seq: n, hash: records[n - 1].hash, time: records[n - 1].time });
    return { store, log, records, audit: () => new AuditLog(store, { segments: log }) };
  }

  it('an intact log', async () => {
    const { audit } = await segmentsOf(5);
    expect(await audit().verify()).toEqual({ intact: true, records: 5 });
  });

  it('a foreign file, named as a file', async () => {
    const { log, audit } = await segmentsOf(3);
    log.foreign = ['notes.txt'];
    expect(await audit().verify()).toEqual({ intact: false, records: 0, first_bad: { seq: 1, reason: 'an entry "file notes.txt" that is no record was inserted' } });
  });

  it('a segment that does not start with the record its name says', async () => {
    const { log, audit } = await segmentsOf(4);
    log.list[1].segment.first = 4; // holds 3 and 4
    expect(await audit().verify()).toEqual({ intact: false, records: 2, first_bad: { seq: 3, reason: 'record 3 is damaged: segment 3.seg does not start with record 4' } });
  });

  it('a frame that is no block: at the start of a segment or inside it, it is checked as the record expected there', async () => {
    for (const index of [0, 1]) {
      const { store, log, audit } = await segmentsOf(4);
      log.list[1].frames[index] = store.seal(seqKey(3 + index), utf8('not json'));
      const at = 3 + index;
      expect([index, await audit().verify()]).toEqual([index, { intact: false, records: at - 1, first_bad: { seq: at, reason: `record ${at} was changed outside edgekms (its seal does not verify)` } }]);
    }
  });

  it('a block whose first record is numbered 0 or not a whole number has no name', async () => {
    for (const seq of [0, 1.5, -3]) {
      const { store, log, audit, records } = await segmentsOf(4);
      log.list[1].frames[0] = frame(store, [{ ...records[2], seq }], 3);
      expect([seq, await audit().verify()]).toEqual([seq, { intact: false, records: 2, first_bad: { seq: 3, reason: 'record 3 holds record ' + seq + ': records were moved or reordered' } }]);
    }
  });

  it('a torn frame at the end of an older segment is damage; at the end of the newest it is an append in progress', async () => {
    const older = await segmentsOf(5);
    older.log.list[1].rest = 7;
    expect(await older.audit().verify()).toEqual({ intact: false, records: 4, first_bad: { seq: 5, reason: 'record 5 is damaged: segment 3.seg ends in a record cut short (7 bytes)' } });
    const newest = await segmentsOf(5);
    newest.log.list[2].rest = 7;
    expect(await newest.audit().verify()).toEqual({ intact: true, records: 5 });
  });

  it('the head lagging the segments: records after it are expected from the first segmented one on', async () => {
    // Records 1..3 in the store (an older data directory, head at 3), 4 and 5 in segments, the head not yet moved.
    const store = await barrier();
    const records = chained(1, GENESIS, [1, 2, 3, 4, 5].map(entry));
    for (const r of records.slice(0, 3)) await putJson(store, seqKey(r.seq), { records: [r] });
    const log = new MemoryFrameLog(2);
    await log.append(4, frame(store, [records[3]]));
    await putJson(store, 'audit/head', { seq: 2, hash: records[1].hash, time: records[1].time });
    // The head at 2, one store block after it, and the segments' first record: not ours.
    expect(await new AuditLog(store, { segments: log }).verify()).toEqual({ intact: true, records: 4, after_head: 2 });
    await putJson(store, 'audit/head', { seq: 3, hash: records[2].hash, time: records[2].time });
    expect(await new AuditLog(store, { segments: log }).verify()).toEqual({ intact: true, records: 4, after_head: 1 });
    await log.append(5, frame(store, [records[4]]));
    expect(await new AuditLog(store, { segments: log }).verify()).toEqual({ intact: true, records: 5, after_head: 2 });
    // Segments that begin after a gap: the store's records end before them.
    const gap = new MemoryFrameLog(2);
    await gap.append(5, frame(store, [records[4]]));
    const v = await new AuditLog(store, { segments: gap }).verify();
    expect(v).toEqual({ intact: false, records: 3, first_bad: { seq: 4, reason: 'record 4 is missing' } });
  });

  it('store blocks only, head behind them, and a segment log not yet written: the lag is checked as for store blocks', async () => {
    const store = await barrier();
    const records = chained(1, GENESIS, [1, 2, 3].map(entry));
    await putJson(store, seqKey(1), { records: records.slice(0, 2) });
    await putJson(store, seqKey(3), { records: records.slice(2) });
    await putJson(store, 'audit/head', { seq: 1, hash: records[0].hash, time: records[0].time });
    const empty = new MemoryFrameLog();
    empty.list.push({ segment: { name: '4.seg', first: 4 }, frames: [], rest: 0 });
    expect(await new AuditLog(store, { segments: empty }).verify()).toEqual({ intact: false, records: 3, first_bad: { seq: 2, reason: 'records after 1 are not covered by the sealed head: they were appended outside edgekms' } });
  });
});

describe('segment blocks: containing finds a block by any of its records', () => {
  async function blocks() {
    const store = await barrier();
    const log = new MemoryFrameLog(2);
    const segments = new SegmentBlocks(log, store);
    // Blocks 1-3 and 4 | 5-6 and 7-8 | 9 and 10 | 11: two blocks per segment, the newest holding one.
    const records = chained(1, GENESIS, Array.from({ length: 11 }, (_, i) => entry(i + 1)));
    for (const [from, to] of [[1, 3], [4, 4], [5, 6], [7, 8], [9, 9], [10, 10], [11, 11]]) await segments.write(records.slice(from - 1, to));
    return { store, log, segments, records };
  }

  it('every record of a block finds the block; a record past the end or before the start finds none', async () => {
    const { segments, log } = await blocks();
    for (let seq = 1; seq <= 11; seq++) expect([seq, (await segments.containing(seq))?.records.some((r) => r.seq === seq)]).toEqual([seq, true]);
    expect((await segments.containing(2))!.records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect((await segments.containing(6))!.records.map((r) => r.seq)).toEqual([5, 6]);
    expect(await segments.containing(12)).toBeUndefined();
    expect(await segments.containing(0)).toBeUndefined();
    expect(log.segments().map((s) => s.first)).toEqual([1, 5, 9, 11]);
  });

  it('an empty frame log holds nothing; a segment with no frames holds nothing', async () => {
    const store = await barrier();
    const empty = new MemoryFrameLog();
    const segments = new SegmentBlocks(empty, store);
    expect([await segments.containing(1), segments.first(), segments.lastAtOpen()]).toEqual([undefined, undefined, undefined]);
    empty.list.push({ segment: { name: '1.seg', first: 1 }, frames: [], rest: 0 });
    expect([await segments.containing(1), segments.first()]).toEqual([undefined, 1]);
  });

  it('a frame that is no block makes its segment unreadable for queries, by name', async () => {
    const { store, log, segments } = await blocks();
    log.list[1].frames[1] = store.seal(seqKey(7), utf8('not json'));
    await expect(segments.containing(7)).rejects.toThrow(new SyntaxError('a record of audit segment 5.seg is not a block'));
  });

  it('keeps the four most recently parsed segments, and forgets the newest when it is written to', async () => {
    const { segments, log, records } = await blocks();
    log.reads = [];
    for (const seq of [1, 5, 9, 11]) await segments.containing(seq);
    expect(log.reads).toEqual(['1.seg', '5.seg', '9.seg', '11.seg']);
    for (const seq of [2, 6, 10, 11]) await segments.containing(seq);
    expect(log.reads).toHaveLength(4); // all four cached
    await segments.write(chained(12, records[10].hash, [entry(12)]));
    expect(log.segments().map((s) => s.first)).toEqual([1, 5, 9, 11]);
    expect((await segments.containing(12))?.records[0].seq).toBe(12); // the newest is read again
    expect(log.reads.slice(4)).toEqual(['11.seg']);
    for (const seq of [1, 5, 9]) await segments.containing(seq);
    expect(log.reads).toHaveLength(5);
    // A fifth segment pushes out the one parsed longest ago (1.seg).
    await segments.write(chained(13, 'x', [entry(13)]));
    expect(log.segments().map((s) => s.first)).toEqual([1, 5, 9, 11, 13]);
    await segments.containing(13);
    await segments.containing(5);
    expect(log.reads.slice(5)).toEqual(['13.seg']);
    await segments.containing(1);
    expect(log.reads.slice(5)).toEqual(['13.seg', '1.seg']);
  });

  it('the last record written before the log was opened, read without its seal; none when that frame is no block', async () => {
    const { store, log, records } = await blocks();
    log.atOpen = log.list.at(-1)!.frames.at(-1);
    expect(new SegmentBlocks(log, store).lastAtOpen()).toEqual(records[10]);
    log.atOpen = store.seal(seqKey(11), utf8('{"records": '));
    expect(new SegmentBlocks(log, store).lastAtOpen()).toBeUndefined();
  });
});

describe('the audit log over segments', () => {
  it('needs the sealed store of its only writer', async () => {
    const log = new MemoryFrameLog();
    const message = 'audit segments need the sealed store of their only writer';
    expect(() => new AuditLog(new MemoryStore(), { segments: log })).toThrow(new StoreError(message));
    class Shared extends FaultyStore {
      override get exclusive() {
        return false;
      }
    }
    expect(() => new AuditLog(SealedStore.over(new Shared(new MemoryStore()), (d) => d), { segments: log })).toThrow(new StoreError(message));
    expect(() => new AuditLog(SealedStore.over(new MemoryStore(), (d) => d), { segments: log })).not.toThrow();
  });

  it('one block write at a time: appends made meanwhile go into the next block, and flush waits for them', async () => {
    const store = await barrier();
    const log = new MemoryFrameLog(8);
    let release: (() => void) | undefined;
    let inFlight = 0;
    const append = log.append.bind(log);
    log.append = async (first, payload) => {
      inFlight++;
      if (release === undefined) await new Promise<void>((r) => (release = r));
      await append(first, payload);
      inFlight--;
    };
    const audit = new AuditLog(store, { segments: log });
    const first = audit.append(entry(1));
    for (let i = 0; i < 1000 && !release; i++) await new Promise((r) => setImmediate(r));
    const later = [audit.append(entry(2)), audit.append(entry(3))];
    let flushed = false;
    const flushing = audit.flush().then(() => (flushed = true));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect([inFlight, flushed]).toEqual([1, false]);
    release!();
    const records = await Promise.all([first, ...later]);
    expect(records.map((r) => [r.seq, r.prev])).toEqual([[1, GENESIS], [2, records[0].hash], [3, records[1].hash]]);
    await flushing;
    expect(log.list[0].frames).toHaveLength(2); // record 1, then 2 and 3 together
    expect(await audit.verify()).toEqual({ intact: true, records: 3 });
  });

  it('continues an older directory’s store blocks: queried before and after the first segment append', async () => {
    const store = await barrier();
    const older = new AuditLog(store);
    for (let i = 1; i <= 3; i++) await older.append(entry(i));
    const log = new MemoryFrameLog();
    const audit = new AuditLog(store, { segments: log });
    expect((await audit.query({})).records.map((r) => r.seq)).toEqual([1, 2, 3]);
    await audit.append(entry(4));
    await audit.append(entry(5));
    expect((await audit.query({})).records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect((await audit.query({ from: entry(3).time })).records.map((r) => r.seq)).toEqual([3, 4, 5]);
    await audit.flush();
    expect(await audit.verify()).toEqual({ intact: true, records: 5 });
  });

  it('reopened with the head behind the segments, or never written: queries and appends go on from the last record', async () => {
    const store = await barrier();
    const log = new MemoryFrameLog(3);
    const records = chained(1, GENESIS, [1, 2, 3, 4].map(entry));
    for (const r of records) await log.append(r.seq, frame(store, [r]));
    log.atOpen = log.list.at(-1)!.frames.at(-1);
    // No head at all (the process stopped before its first head write).
    const fresh = new AuditLog(store, { segments: log });
    expect((await fresh.query({})).records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    const r5 = await fresh.append(entry(5));
    expect([r5.seq, r5.prev]).toEqual([5, records[3].hash]);
    await fresh.flush();
    expect(await fresh.verify()).toEqual({ intact: true, records: 5 });
    // A head at 2: a new process still queries every record.
    await putJson(store, 'audit/head', { seq: 2, hash: records[1].hash, time: records[1].time });
    log.atOpen = log.list.at(-1)!.frames.at(-1);
    expect((await new AuditLog(store, { segments: log }).query({})).records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
  });
});

/** A store whose listing still names blocks its reads no longer find (removed in between by another writer). */
class VanishingStore extends FaultyStore {
  gone = new Set<string>();
  override get(key: string) {
    return this.gone.has(key) ? Promise.resolve(null) : super.get(key);
  }
}

describe('store blocks that vanish between a listing and a read', () => {
  it('end a query, and verify names them missing', async () => {
    const vanishing = new VanishingStore(new MemoryStore());
    const log = new AuditLog(await barrier(vanishing));
    for (let i = 1; i <= 6; i++) await log.append(entry(i));
    vanishing.gone.add(seqKey(4));
    expect((await log.query({})).records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(await log.verify()).toEqual({ intact: false, records: 3, first_bad: { seq: 4, reason: 'record 4 is missing' } });
    vanishing.gone.add(seqKey(1));
    expect((await log.query({})).records).toEqual([]);
  });

  it('a query for records before the first block finds none', async () => {
    const store = await barrier();
    const log = new AuditLog(store);
    for (let i = 1; i <= 4; i++) await log.append(entry(i));
    await store.delete(seqKey(1));
    await store.delete(seqKey(2));
    expect((await log.query({})).records).toEqual([]);
    expect((await log.query({ marker: 2 })).records.map((r) => r.seq)).toEqual([3, 4]);
  });
});
