// The audit log: records of every API request (time, identity, project, operation, resource, result,
// request id), hash-chained, sealed by the store barrier. A request gets a request record, durable before its
// operation runs (unless the operation changes nothing: ./read-only.ts), and an outcome record, durable
// before its answer leaves (src/server/app.ts, auditEach).
//
//   blocks   {records: [{seq, prev, time, request_id, principal, access_key, project, operation, resource,
//            method, status, error_code, result, phase?, hash}, …]}: consecutive records named by the first
//            one's sequence number, in the store or in append-only segments beside it (./blocks.ts)
//   audit/head   {seq, hash, time}: the newest record, MACed under the root key by the barrier
//
// hash = SHA-256(canonical JSON of the record without `hash`), and each record's `prev` is the hash before
// it (64 zeros for the first), so an edited, removed, inserted or reordered record breaks the chain at that
// point, and the head (which only the root key can seal) says where the chain must end, so a cut-off tail
// shows too. Appends made in one turn of the event loop, or while a block is being written, go into the
// next block together (group commit): one durable write per block, never a growing document. Where writes
// are slow, the next block also waits for the callers the last one answered (./pacing.ts). Records never hold request or answer bodies: no
// plaintext, data keys, secret values or signatures, only names (key id or alias, secret name) bounded in length.
import { nobleHashes, sha256Hex, type HashImplementation } from '../crypto/hash.ts';
import { yieldToOthers } from '../kms/repository.ts';
import { SealedStore, TamperedRecordError } from '../store/barrier.ts';
import { ConflictError, getJson, putJson, StoreError, type Store } from '../store/store.ts';
import { BlockPacer } from './pacing.ts';
import { ChainedBlocks, MAX_BLOCK, SegmentBlocks, StoreBlocks, seqKey, type Block, type Blocks, type FrameLog } from './blocks.ts';

const HEAD = 'audit/head';
const GENESIS = '0'.repeat(64);

export interface AuditEntry {
  time: string;
  request_id: string;
  principal?: string;
  access_key?: string;
  project?: string;
  operation?: string;
  resource?: string;
  method: string;
  /** The answer's HTTP status; 0 in a request record (no answer yet). */
  status: number;
  error_code?: string;
  result: 'success' | 'failure' | 'pending';
  /**
   * 'request': written before the operation runs, which it must precede (it runs only once this record is
   * durable); the record without a phase, written once the answer is known, is the outcome.
   */
  phase?: 'request';
}

export interface AuditRecord extends AuditEntry {
  seq: number;
  prev: string;
  hash: string;
}

interface Head {
  seq: number;
  hash: string;
  /** The newest record's time (records' times never go back along the chain). */
  time?: string;
}

export interface AuditQuery {
  /** ISO times, inclusive. */
  from?: string;
  to?: string;
  /** A principal or an access key. */
  identity?: string;
  /** A key id or alias, or a secret name, as the request named it. */
  resource?: string;
  result?: 'success' | 'failure';
  limit?: number;
  /** Continue after this sequence number. */
  marker?: number;
}

export interface Verification {
  intact: boolean;
  records: number;
  /** The first record that breaks the chain, and why. */
  first_bad?: { seq: number; reason: string };
  /** Records after the sealed head (segments: the head is rewritten behind the appends, see docs/iam.md). */
  after_head?: number;
}

/** The canonical text a record's hash covers (as UTF-8): its fields in a fixed order, `hash` left out. */
function canonical(r: Omit<AuditRecord, 'hash'>): string {
  const fields = [r.seq, r.prev, r.time, r.request_id, r.principal ?? null, r.access_key ?? null, r.project ?? null, r.operation ?? null, r.resource ?? null, r.method, r.status, r.error_code ?? null, r.result];
  // Records from before request records existed end at `result`, and still hash as they did.
  if (r.phase !== undefined) fields.push(r.phase);
  return JSON.stringify(fields);
}

/** SHA-256 of the record's canonical text, by the runtime's binding where it has one (the same digest either way). */
export function recordHash(r: Omit<AuditRecord, 'hash'>, hashes: HashImplementation = nobleHashes): string {
  return sha256Hex(canonical(r), hashes);
}

/** Segments: the sealed head is rewritten at most this often while records arrive. */
const HEAD_INTERVAL_MS = 250;

/** Most records one query reads before answering with a marker to go on from. */
const MAX_SCAN = 1000;

interface Waiting {
  entry: AuditEntry;
  done: (r: AuditRecord) => void;
  failed: (e: unknown) => void;
}

/** The chain's end; past the sealed head (its head writes failed), `headAt` is the record the head names. */
type Tail = Head & { version?: string | null; headAt?: number };

export interface AuditLogOptions {
  /**
   * An append-only segment log beside the store (the file store's data directory): blocks go there, one
   * durable write each, and the sealed head is rewritten behind them. Only where this process is the
   * store's only writer.
   */
  segments?: FrameLog;
  /** The runtime's SHA-256 (its crypto provider's), for the records' hashes; @noble/hashes when absent. */
  hashes?: HashImplementation;
}

export class AuditLog {
  /** Entries waiting for the next block; appends arriving while one block is written go into the next. */
  private waiting: Waiting[] = [];
  private writing = false;
  /** Whether the next block waits for more appends (./pacing.ts). */
  private readonly pacer = new BlockPacer();
  /** The newest record this process wrote (or found), when no other process writes the store. */
  private last: Tail | undefined;
  private readonly blocks: Blocks;
  private readonly segments: SegmentBlocks | undefined;
  /** Segments: the head write in flight or due (the head follows the appends), and what it last sealed. */
  private headWrite: Promise<void> | undefined;
  private headTimer: unknown;
  private headWrittenAt = 0;
  private sealed = 0;
  private readonly hashes: HashImplementation;

  constructor(
    /** The store behind the barrier. */
    private readonly store: Store,
    options: AuditLogOptions = {},
  ) {
    this.hashes = options.hashes ?? nobleHashes;
    if (options.segments) {
      if (!(store instanceof SealedStore) || !store.exclusive) throw new StoreError('audit segments need the sealed store of their only writer');
      this.segments = new SegmentBlocks(options.segments, store);
      this.blocks = new ChainedBlocks(new StoreBlocks(store), this.segments);
    } else {
      this.blocks = new StoreBlocks(store);
    }
  }

  /**
   * Resolves once the entry's record is durably in the store. Appends made while a block is being written
   * are written together as the next block (group commit): one durable write per block, not per request.
   */
  append(entry: AuditEntry): Promise<AuditRecord> {
    // A store other processes also write (Workers' Durable Objects) gets one block per append, written
    // from the request's own context: workerd does not let one request's I/O finish another's, and
    // compare-and-set orders the writers anyway.
    if (!this.store.exclusive) return this.writeBlock([entry]).then((records) => records[0]);
    return new Promise((done, failed) => {
      this.waiting.push({ entry, done, failed });
      this.pacer.appended(this.waiting.length);
      if (!this.writing) void this.drain();
    });
  }

  /** Waits for the appends in flight, then seals the head over the newest record (before the store closes). */
  async flush(): Promise<void> {
    while (this.writing) await new Promise((r) => setTimeout(r, 1));
    await this.headWrite;
    if (this.headTimer) clearTimeout(this.headTimer as number);
    this.headTimer = undefined;
    if (this.segments && this.last && this.sealed !== this.last.seq) await this.writeHead();
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length) {
        // Let the rest of this event-loop turn's appends join the block: a busy server finishes several
        // requests a turn, and the first of them no longer takes a durable write of its own.
        await yieldToOthers();
        const waited = await this.pacer.ready(this.waiting.length, MAX_BLOCK);
        const batch = this.waiting.splice(0, MAX_BLOCK);
        try {
          const started = this.pacer.now();
          const records = await this.writeBlock(batch.map((w) => w.entry));
          this.pacer.written(batch.length, started, waited, this.waiting.length);
          batch.forEach((w, i) => w.done(records[i]));
        } catch (e) {
          for (const w of batch) w.failed(e);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  /** The records for `entries`, following `tail`; a time never goes back along the chain (queries seek by it). */
  private chain(tail: Head, entries: AuditEntry[]): AuditRecord[] {
    const records: AuditRecord[] = [];
    let prev = tail.hash;
    let time = tail.time ?? '';
    for (const [i, entry] of entries.entries()) {
      if (entry.time > time) time = entry.time;
      const record = { ...entry, time, seq: tail.seq + 1 + i, prev } as AuditRecord;
      record.hash = recordHash(record, this.hashes);
      records.push(record);
      prev = record.hash;
    }
    return records;
  }

  private async writeBlock(entries: AuditEntry[]): Promise<AuditRecord[]> {
    if (this.segments) {
      this.last ??= await this.segmentTail();
      const records = this.chain(this.last, entries);
      await this.blocks.write(records);
      const tail = records[records.length - 1];
      this.last = { seq: tail.seq, hash: tail.hash, time: tail.time };
      this.sealHead();
      return records;
    }
    for (;;) {
      const head = this.last && this.store.exclusive ? this.last : await this.storeTail();
      const records = this.chain(head, entries);
      try {
        await this.blocks.write(records, head.headAt);
      } catch (e) {
        this.last = undefined;
        if (e instanceof ConflictError) continue;
        throw e;
      }
      const tail = records[records.length - 1];
      try {
        const version = await putJson(this.store, HEAD, { seq: tail.seq, hash: tail.hash, time: tail.time } satisfies Head, { ifVersion: head.version ?? null });
        this.last = { seq: tail.seq, hash: tail.hash, time: tail.time, version };
      } catch (e) {
        this.last = undefined;
        // Another writer moved the head on meanwhile; it (or the next append) covers this block.
        if (!(e instanceof ConflictError)) throw e;
      }
      return records;
    }
  }

  /** The chain's end as the store holds it: the sealed head, and any blocks written past it. */
  private async storeTail(): Promise<Tail> {
    const stored = await getJson<Head>(this.store, HEAD);
    let tail: Tail = { ...(stored?.value ?? { seq: 0, hash: GENESIS }), version: stored?.version ?? null };
    // Blocks past the head: a head write that failed, or another writer between its two writes.
    for (let next = await getJson<Block>(this.store, seqKey(tail.seq + 1)); next; next = await getJson<Block>(this.store, seqKey(tail.seq + 1))) {
      const r = next.value.records[next.value.records.length - 1];
      tail = { seq: r.seq, hash: r.hash, time: r.time, version: tail.version, headAt: stored?.value.seq ?? 0 };
    }
    return tail;
  }

  /**
   * The chain's end with segments: their last record, or (none yet) the store's blocks they continue. The
   * head is only ever written for durable records, so a head past the segments' end means records were
   * removed from it: the chain goes on after the head, and the gap stays for verify to name.
   */
  private async segmentTail(): Promise<Tail> {
    const r = this.segments!.lastAtOpen();
    if (!r) return this.storeTail();
    const head = (await getJson<Head>(this.store, HEAD))?.value;
    return head && head.seq > r.seq ? head : { seq: r.seq, hash: r.hash, time: r.time };
  }

  /**
   * Segments: the sealed head follows the appends instead of being written with each. Replacing a file
   * durably costs a dozen file-system calls and journal commits the appends would queue behind, so the head
   * is rewritten at most every HEAD_INTERVAL_MS while records arrive (and by flush), one write at a time.
   */
  private sealHead(): void {
    if (this.headWrite || this.headTimer) return;
    const wait = this.headWrittenAt + HEAD_INTERVAL_MS - Date.now();
    if (wait > 0) {
      this.headTimer = setTimeout(() => {
        this.headTimer = undefined;
        this.sealHead();
      }, wait);
      (this.headTimer as { unref?: () => void }).unref?.();
      return;
    }
    this.headWrittenAt = Date.now();
    this.headWrite = this.writeHead().finally(() => {
      this.headWrite = undefined;
    });
  }

  private async writeHead(): Promise<void> {
    const t = this.last!;
    try {
      await putJson(this.store, HEAD, { seq: t.seq, hash: t.hash, time: t.time } satisfies Head);
      this.sealed = t.seq;
    } catch {
      // The appends are durable without it; the next block's head write tries again.
    }
  }

  /** The newest record's sequence number. */
  private async lastSeq(): Promise<number> {
    if (this.segments) return (this.last ??= await this.segmentTail()).seq;
    return this.last && this.store.exclusive ? this.last.seq : (await this.storeTail()).seq;
  }

  /**
   * Records matching every given filter, oldest first; `next_marker` when more may follow. A query seeks
   * its first record (by marker, or by time: times never go back along the chain) and reads at most
   * MAX_SCAN records from there, so its cost is what it returns or that window, whatever the log's size.
   */
  async query(q: AuditQuery): Promise<{ records: AuditRecord[]; next_marker?: number }> {
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    const end = await this.lastSeq();
    let seq = (q.marker ?? 0) + 1;
    if (q.from && seq <= end) seq = await this.firstAtOrAfter(q.from, seq, end);
    const out: AuditRecord[] = [];
    let scanned = 0;
    while (seq <= end) {
      const block = await this.blocks.containing(seq);
      if (!block) break;
      for (const r of block.records) {
        if (r.seq < seq) continue;
        if (q.to && r.time > q.to) return { records: out };
        if (out.length >= limit || scanned >= MAX_SCAN) return { records: out, next_marker: r.seq - 1 };
        scanned++;
        if (q.from && r.time < q.from) continue;
        if (q.identity && r.principal !== q.identity && r.access_key !== q.identity) continue;
        if (q.resource && r.resource !== q.resource) continue;
        if (q.result && r.result !== q.result) continue;
        out.push(r);
      }
      seq = block.records[block.records.length - 1].seq + 1;
    }
    return { records: out };
  }

  /** The first sequence number in [lo, hi] whose record is at or after `time` (hi + 1 if none): a binary search over blocks. */
  private async firstAtOrAfter(time: string, lo: number, hi: number): Promise<number> {
    let end = hi + 1;
    while (lo < end) {
      const mid = Math.floor((lo + end) / 2);
      const block = await this.blocks.containing(mid);
      if (!block) return lo;
      const rs = block.records;
      if (rs[rs.length - 1].time < time) lo = Math.max(lo, rs[rs.length - 1].seq + 1);
      else if (rs[0].time >= time) end = Math.min(end, Math.max(lo, rs[0].seq));
      else return Math.max(lo, rs.find((r) => r.time >= time)!.seq);
    }
    return lo;
  }

  /** Walks the whole chain from the first record to the sealed head; names the first record that breaks it. */
  async verify(): Promise<Verification> {
    let prev = GENESIS;
    let seq = 0;
    const bad = (at: number, reason: string): Verification => ({ intact: false, records: seq, first_bad: { seq: at, reason } });
    let head: Head | undefined;
    try {
      head = (await getJson<Head>(this.store, HEAD))?.value;
    } catch (e) {
      if (e instanceof TamperedRecordError) return bad(0, 'the chain head was changed outside edgekms (its seal does not verify)');
      throw e;
    }
    const headSeq = head?.seq ?? 0;
    let hashAtHead: string | undefined;
    /** Store blocks with records past the sealed head: where each starts, and the head it says it was written past. */
    const pastHead: { first: number; headAt?: number }[] = [];
    for (const ref of await this.blocks.refs()) {
      const expected = seq + 1;
      const named = ref.name ?? String(expected).padStart(12, '0');
      if (!/^[0-9]{12}$/.test(named)) return bad(expected, `an entry ${JSON.stringify(named.slice(0, 32))} that is no record was inserted`);
      if (Number(named) !== expected) return bad(expected, `record ${expected} is missing`);
      if (ref.damage) return bad(expected, `record ${expected} is damaged: ${ref.damage}`);
      let block: Block | undefined;
      try {
        block = await ref.load(named);
      } catch (e) {
        if (e instanceof TamperedRecordError || e instanceof SyntaxError) return bad(expected, `record ${expected} was changed outside edgekms (its seal does not verify)`);
        throw e;
      }
      if (!block || !Array.isArray(block.records) || block.records.length === 0) return bad(expected, `record ${expected} is missing`);
      for (const r of block.records) {
        const at = seq + 1;
        if (typeof r !== 'object' || r === null) return bad(at, `record ${at} was edited (it is not a record)`);
        if (r.seq !== at) return bad(at, `record ${at} holds record ${r.seq}: records were moved or reordered`);
        if (r.prev !== prev) return bad(at, `record ${at} does not follow record ${at - 1}: a record before it was removed, inserted or reordered`);
        const { hash, ...rest } = r;
        if (recordHash(rest, this.hashes) !== hash) return bad(at, `record ${at} was edited (its hash does not match its contents)`);
        prev = hash;
        seq = at;
        if (at === headSeq) hashAtHead = hash;
      }
      if (seq > headSeq) pastHead.push({ first: expected, headAt: typeof block.headAt === 'number' ? block.headAt : undefined });
    }
    if (headSeq > seq) return bad(seq + 1, `the sealed head names record ${headSeq}, but the log ends at ${seq}: records were removed from its end`);
    if (head && headSeq > 0 && hashAtHead !== head.hash) return bad(headSeq, `record ${headSeq} is not the one the sealed head names`);
    if (headSeq !== seq) {
      const outside = () => bad(headSeq + 1, `records after ${headSeq} are not covered by the sealed head: they were appended outside edgekms`);
      // Segments: the head follows the appends, so records after it are expected (each sealed in its block).
      const segmentsFrom = this.segments?.first();
      if (segmentsFrom !== undefined) return seq >= segmentsFrom ? { intact: true, records: seq, after_head: seq - headSeq } : outside();
      // Store blocks: the first block past the head is an append whose head write is still to come (or
      // failed); each later one is the log's own only if it says it was written past the head, its head
      // write having failed too. One written when the head named a later record means the head went back.
      const ahead = pastHead.find((b) => b.headAt! > headSeq); // an unmarked block (undefined) is no evidence
      if (ahead) return bad(headSeq + 1, `the sealed head names record ${headSeq}, but record ${ahead.first} was written when it named record ${ahead.headAt}: an older head was put back`);
      if (pastHead[0].first !== headSeq + 1 || pastHead.slice(1).some((b) => b.headAt === undefined)) return outside();
      if (pastHead.length > 1) return { intact: true, records: seq, after_head: seq - headSeq };
    }
    return { intact: true, records: seq };
  }
}

