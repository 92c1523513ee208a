// The audit log: one record per API request (time, identity, project, operation, resource, result,
// request id), appended durably before the answer leaves, hash-chained, and kept behind the store barrier.
//
//   audit/records/<seq, 12 digits>  {seq, prev, time, request_id, principal, access_key, project, operation,
//                                    resource, method, status, error_code, result, hash}
//   audit/head                       {seq, hash}: the newest record, MACed under the root key by the barrier
//
// hash = SHA-256(canonical JSON of the record without `hash`), and each record's `prev` is the hash before
// it (64 zeros for the first), so an edited, removed, inserted or reordered record breaks the chain at that
// point, and the head (which only the root key can seal) says where the chain must end, so a cut-off tail
// shows too. Every record is its own store entry: an append writes one new entry and the small head, never
// a growing document. Records never hold request or answer bodies: no plaintext, data keys, secret values
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

export class AuditLog {
  /** Appends run one after another in this process; other processes are handled by compare-and-set. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The newest record this process wrote, when no other process writes the store. */
  private last: (Head & { version: string }) | undefined;

  constructor(
    /** The store behind the barrier. */
    private readonly store: Store,
  ) {}

  append(entry: AuditEntry): Promise<AuditRecord> {
    const run = this.queue.then(() => this.appendNow(entry));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async appendNow(entry: AuditEntry): Promise<AuditRecord> {
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
        // Records past the head: a head write that failed, or another writer between its two writes.
        for (let next = await getJson<AuditRecord>(this.store, seqKey(head.seq + 1)); next; next = await getJson<AuditRecord>(this.store, seqKey(head.seq + 1))) {
          head = { seq: next.value.seq, hash: next.value.hash };
        }
      }
      const unhashed = { ...entry, seq: head.seq + 1, prev: head.hash };
      const record: AuditRecord = { ...unhashed, hash: recordHash(unhashed) };
      try {
        await putJson(this.store, seqKey(record.seq), record, { ifVersion: null });
      } catch (e) {
        if (e instanceof ConflictError) {
          this.last = undefined;
          continue;
        }
        throw e;
      }
      try {
        const version = await putJson(this.store, HEAD, { seq: record.seq, hash: record.hash } satisfies Head, { ifVersion: headVersion });
        this.last = { seq: record.seq, hash: record.hash, version };
      } catch (e) {
        this.last = undefined;
        // Another writer moved the head on meanwhile; it (or the next append) covers this record.
        if (!(e instanceof ConflictError)) throw e;
      }
      return record;
    }
  }

  /** Records matching every given filter, oldest first; `next_marker` when more may follow. */
  async query(q: AuditQuery): Promise<{ records: AuditRecord[]; next_marker?: number }> {
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    const keys = (await listAll(this.store, RECORDS)).filter((k) => Number(k.slice(RECORDS.length)) > (q.marker ?? 0));
    const out: AuditRecord[] = [];
    let scanned = 0;
    for (const k of keys) {
      if (out.length >= limit || scanned >= MAX_SCAN) return { records: out, next_marker: Number(k.slice(RECORDS.length)) - 1 };
      scanned++;
      const r = (await getJson<AuditRecord>(this.store, k))?.value;
      if (!r) continue;
      if (q.from && r.time < q.from) continue;
      if (q.to && r.time > q.to) continue;
      if (q.identity && r.principal !== q.identity && r.access_key !== q.identity) continue;
      if (q.resource && r.resource !== q.resource) continue;
      if (q.result && r.result !== q.result) continue;
      out.push(r);
    }
    return { records: out };
  }

  /** Walks the whole chain from the first record to the sealed head; names the first record that breaks it. */
  async verify(): Promise<Verification> {
    const keys = await listAll(this.store, RECORDS);
    let prev = GENESIS;
    let seq = 0;
    const bad = (at: number, reason: string): Verification => ({ intact: false, records: keys.length, first_bad: { seq: at, reason } });
    for (const k of keys) {
      const expected = seq + 1;
      const named = k.slice(RECORDS.length);
      if (!/^[0-9]{12}$/.test(named)) return bad(expected, `an entry ${JSON.stringify(named.slice(0, 32))} that is no record was inserted`);
      if (Number(named) !== expected) return bad(expected, `record ${expected} is missing`);
      let r: AuditRecord | undefined;
      try {
        r = (await getJson<AuditRecord>(this.store, k))?.value;
      } catch (e) {
        if (e instanceof TamperedRecordError || e instanceof SyntaxError) return bad(expected, `record ${expected} was changed outside edgekms (its seal does not verify)`);
        throw e;
      }
      if (!r) return bad(expected, `record ${expected} is missing`);
      if (r.seq !== expected) return bad(expected, `record ${expected} holds record ${r.seq}: records were moved or reordered`);
      if (r.prev !== prev) return bad(expected, `record ${expected} does not follow record ${expected - 1}: a record before it was removed, inserted or reordered`);
      const { hash, ...rest } = r;
      if (recordHash(rest) !== hash) return bad(expected, `record ${expected} was edited (its hash does not match its contents)`);
      prev = hash;
      seq = expected;
    }
    let head: Head | undefined;
    try {
      head = (await getJson<Head>(this.store, HEAD))?.value;
    } catch (e) {
      if (e instanceof TamperedRecordError) return bad(seq, 'the chain head was changed outside edgekms (its seal does not verify)');
      throw e;
    }
    const headSeq = head?.seq ?? 0;
    if (headSeq > seq) return bad(seq + 1, `the sealed head names record ${headSeq}, but the log ends at ${seq}: records were removed from its end`);
    // The head may lag the last record by one append whose head write is still to come (or failed).
    if (headSeq < seq - 1) return bad(headSeq + 1, `records after ${headSeq} are not covered by the sealed head: they were appended outside edgekms`);
    if (head && headSeq > 0) {
      const at = await getJson<AuditRecord>(this.store, seqKey(headSeq));
      if (at?.value.hash !== head.hash) return bad(headSeq, `record ${headSeq} is not the one the sealed head names`);
    }
    return { intact: true, records: seq };
  }
}
