// The audit log: one record per API request (time, identity, project, operation, resource, result,
// request id), appended durably before the answer leaves, hash-chained, and kept behind the store barrier.
//
//   audit/records/<seq, 12 digits>  {records: [{seq, prev, time, request_id, principal, access_key, project,
//                                    operation, resource, method, status, error_code, result, hash}, …]}: a block
//                                    of consecutive records, named by the first one's sequence number
//   audit/head                       {seq, hash}: the newest record, MACed under the root key by the barrier
//
// hash = SHA-256(canonical JSON of the record without `hash`), and each record's `prev` is the hash before
// it (64 zeros for the first), so an edited, removed, inserted or reordered record breaks the chain at that
// point, and the head (which only the root key can seal) says where the chain must end, so a cut-off tail
// shows too. Appends arriving while a block is being written go into the next block (group commit), so
// a busy server writes one new entry and the small head per block, never a growing document, and its
// requests do not queue behind two fsyncs each. Records never hold request or answer bodies: no plaintext, data keys, secret values
// or signatures, only names (key id or alias, secret name) bounded in length.
import { utf8 } from '../crypto/bytes.ts';
import { sha256Hex } from '../crypto/hash.ts';
import { TamperedRecordError } from '../store/barrier.ts';
import { ConflictError, getJson, listAll, putJson, type Store } from '../store/store.ts';

const RECORDS = 'audit/records/';
const HEAD = 'audit/head';
const GENESIS = '0'.repeat(64);
const SEQ_DIGITS = 12;

export interface AuditEntry {
  time: string;
  request_id: string;
  principal?: string;
  access_key?: string;
  project?: string;
  operation?: string;
  resource?: string;
  method: string;
  status: number;
  error_code?: string;
  result: 'success' | 'failure';
}

export interface AuditRecord extends AuditEntry {
  seq: number;
  prev: string;
  hash: string;
}

interface Head {
  seq: number;
  hash: string;
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
}

const seqKey = (seq: number) => RECORDS + String(seq).padStart(SEQ_DIGITS, '0');

/** The canonical bytes a record's hash covers: its fields in a fixed order, `hash` left out. */
function canonical(r: Omit<AuditRecord, 'hash'>): Uint8Array {
  return utf8(
    JSON.stringify([r.seq, r.prev, r.time, r.request_id, r.principal ?? null, r.access_key ?? null, r.project ?? null, r.operation ?? null, r.resource ?? null, r.method, r.status, r.error_code ?? null, r.result]),
  );
}

export function recordHash(r: Omit<AuditRecord, 'hash'>): string {
  return sha256Hex(canonical(r));
}

/** Most records one query reads before answering with a marker to go on from. */
const MAX_SCAN = 1000;

/** Most records one block (one store entry) holds. */
const MAX_BLOCK = 256;

interface Block {
  records: AuditRecord[];
}

interface Waiting {
  entry: AuditEntry;
  done: (r: AuditRecord) => void;
  failed: (e: unknown) => void;
}

export class AuditLog {
  /** Entries waiting for the next block; appends arriving while one block is written go into the next. */
  private waiting: Waiting[] = [];
  private writing = false;
  /** The newest record this process wrote, when no other process writes the store. */
  private last: (Head & { version: string }) | undefined;

  constructor(
    /** The store behind the barrier. */
    private readonly store: Store,
  ) {}

  /**
   * Resolves once the entry's record is durably in the store. Appends made while a block is being written
   * are written together as the next block (group commit): two store writes per block, not per request.
   */
  append(entry: AuditEntry): Promise<AuditRecord> {
    // A store other processes also write (Workers' Durable Objects) gets one block per append, written
    // from the request's own context: workerd does not let one request's I/O finish another's, and
    // compare-and-set orders the writers anyway.
    if (!this.store.exclusive) return this.writeBlock([entry]).then((records) => records[0]);
    return new Promise((done, failed) => {
      this.waiting.push({ entry, done, failed });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length) {
        const batch = this.waiting.splice(0, MAX_BLOCK);
        try {
          const records = await this.writeBlock(batch.map((w) => w.entry));
          batch.forEach((w, i) => w.done(records[i]));
        } catch (e) {
          for (const w of batch) w.failed(e);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async writeBlock(entries: AuditEntry[]): Promise<AuditRecord[]> {
    for (;;) {
      let head: Head;
      let headVersion: string | null;
      if (this.last && this.store.exclusive) {
        head = this.last;
        headVersion = this.last.version;
      } else {
        const stored = await getJson<Head>(this.store, HEAD);
        head = stored?.value ?? { seq: 0, hash: GENESIS };
        headVersion = stored?.version ?? null;
        // Blocks past the head: a head write that failed, or another writer between its two writes.
        for (let next = await getJson<Block>(this.store, seqKey(head.seq + 1)); next; next = await getJson<Block>(this.store, seqKey(head.seq + 1))) {
          const tail = next.value.records[next.value.records.length - 1];
          head = { seq: tail.seq, hash: tail.hash };
        }
      }
      const records: AuditRecord[] = [];
      let prev = head.hash;
      for (const [i, entry] of entries.entries()) {
        const unhashed = { ...entry, seq: head.seq + 1 + i, prev };
        const record = { ...unhashed, hash: recordHash(unhashed) };
        records.push(record);
        prev = record.hash;
      }
      try {
        await putJson(this.store, seqKey(head.seq + 1), { records } satisfies Block, { ifVersion: null });
      } catch (e) {
        this.last = undefined;
        if (e instanceof ConflictError) continue;
        throw e;
      }
      const tail = records[records.length - 1];
      try {
        const version = await putJson(this.store, HEAD, { seq: tail.seq, hash: tail.hash } satisfies Head, { ifVersion: headVersion });
        this.last = { seq: tail.seq, hash: tail.hash, version };
      } catch (e) {
        this.last = undefined;
        // Another writer moved the head on meanwhile; it (or the next append) covers this block.
        if (!(e instanceof ConflictError)) throw e;
      }
      return records;
    }
  }

  /** The blocks' keys with the first sequence number each holds, in order. */
  private async blocks(): Promise<{ key: string; first: number }[]> {
    return (await listAll(this.store, RECORDS)).map((key) => ({ key, first: Number(key.slice(RECORDS.length)) }));
  }

  /** Records matching every given filter, oldest first; `next_marker` when more may follow. */
  async query(q: AuditQuery): Promise<{ records: AuditRecord[]; next_marker?: number }> {
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    const marker = q.marker ?? 0;
    const blocks = await this.blocks();
    const out: AuditRecord[] = [];
    let scanned = 0;
    for (const [i, b] of blocks.entries()) {
      const next = blocks[i + 1]?.first ?? Infinity;
      if (!(next - 1 > marker)) continue; // every record of this block is at or before the marker
      const records = (await getJson<Block>(this.store, b.key))?.value.records ?? [];
      for (const r of records) {
        if (r.seq <= marker) continue;
        if (out.length >= limit || scanned >= MAX_SCAN) return { records: out, next_marker: r.seq - 1 };
        scanned++;
        if (q.from && r.time < q.from) continue;
        if (q.to && r.time > q.to) continue;
        if (q.identity && r.principal !== q.identity && r.access_key !== q.identity) continue;
        if (q.resource && r.resource !== q.resource) continue;
        if (q.result && r.result !== q.result) continue;
        out.push(r);
      }
    }
    return { records: out };
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
    const keys = await listAll(this.store, RECORDS);
    for (const k of keys) {
      const expected = seq + 1;
      const named = k.slice(RECORDS.length);
      if (!/^[0-9]{12}$/.test(named)) return bad(expected, `an entry ${JSON.stringify(named.slice(0, 32))} that is no record was inserted`);
      if (Number(named) !== expected) return bad(expected, `record ${expected} is missing`);
      let block: Block | undefined;
      try {
        block = (await getJson<Block>(this.store, k))?.value;
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
        if (recordHash(rest) !== hash) return bad(at, `record ${at} was edited (its hash does not match its contents)`);
        prev = hash;
        seq = at;
        if (at === headSeq) hashAtHead = hash;
      }
    }
    if (headSeq > seq) return bad(seq + 1, `the sealed head names record ${headSeq}, but the log ends at ${seq}: records were removed from its end`);
    if (headSeq !== seq) {
      // The head may lag the last block by one append whose head write is still to come (or failed).
      const lagging = Number(keys[keys.length - 1].slice(RECORDS.length)) === headSeq + 1;
      if (!lagging) return bad(headSeq + 1, `records after ${headSeq} are not covered by the sealed head: they were appended outside edgekms`);
    }
    if (head && headSeq > 0 && hashAtHead !== head.hash) return bad(headSeq, `record ${headSeq} is not the one the sealed head names`);
    return { intact: true, records: seq };
  }
}
