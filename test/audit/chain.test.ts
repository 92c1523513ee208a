// The audit log's own logic in-process, to the exact answer: verify's verdict (the record it names, the
// reason it gives, the count it reached) for each kind of damage to store blocks; queries by time that seek
// across blocks of different sizes with equal times on both sides of a boundary, checked against a plain
// filter of every record; paging by limit and marker; the chain's end found past a head whose write failed
// (a store other processes write too); and the sealed head that follows segment appends on a timer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_BLOCK, seqKey } from '../../src/audit/blocks.ts';
import { AuditLog, recordHash, type AuditQuery, type AuditRecord } from '../../src/audit/log.ts';
import { utf8 } from '../../src/crypto/bytes.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { SealedStore } from '../../src/store/barrier.ts';
import { FileStore } from '../../src/store/file.ts';
import { AppendLog } from '../../src/store/fs/append-log.ts';
import { nodeFs } from '../../src/store/fs/fs.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { getJson, putJson, StoreError, type Store } from '../../src/store/store.ts';
import { auditEntry, chained } from '../helpers/audit-entries.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';

const entry = auditEntry;
const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
const HEAD = 'audit/head';
type Records = { records: AuditRecord[] };

async function sealedOver(inner: Store) {
  const root = await RootKey.fromBytes(new Uint8Array(32).fill(9), nodeCrypto);
  return SealedStore.over(inner, root.barrierMac);
}

/**
 * A log in a memory store whose blocks hold `sizes` records each (appends made together share a block),
 * the i-th record (from 1) at `times[i - 1]` seconds.
 */
async function blocksOf(sizes: number[], times?: number[]) {
  const raw = new MemoryStore();
  const sealed = await sealedOver(raw);
  const log = new AuditLog(sealed);
  let i = 0;
  for (const size of sizes) {
    await Promise.all(
      Array.from({ length: size }, () => {
        i++;
        return log.append({ ...entry(i), time: at(times ? times[i - 1] : i) });
      }),
    );
  }
  let first = 1;
  const firsts = sizes.map((s) => ((first += s), first - s));
  expect((await raw.list('audit/records/')).keys).toEqual(firsts.map(seqKey)); // the layout asked for
  const block = async (seq: number) => (await getJson<Records>(sealed, seqKey(seq)))!.value;
  const put = (seq: number, value: unknown) => putJson(sealed, seqKey(seq), value);
  return { raw, sealed, log, block, put, fresh: () => new AuditLog(sealed) };
}


describe('verify names the first bad record, why, and how far the chain held', () => {
  it('an intact log of several blocks; an empty one; a head sealed over no records', async () => {
    const { log, sealed } = await blocksOf([3, 1, 2]);
    expect(await log.verify()).toEqual({ intact: true, records: 6 });
    const empty = new AuditLog(await sealedOver(new MemoryStore()));
    expect(await empty.verify()).toEqual({ intact: true, records: 0 });
    // A head at 0 names no record, whatever its hash.
    const zero = await sealedOver(new MemoryStore());
    await putJson(zero, HEAD, { seq: 0, hash: 'f'.repeat(64) });
    expect(await new AuditLog(zero).verify()).toEqual({ intact: true, records: 0 });
    expect((await getJson<{ seq: number }>(sealed, HEAD))!.value.seq).toBe(6);
  });

  it('a head changed beneath the barrier', async () => {
    const { log, raw } = await blocksOf([2]);
    const head = (await raw.get(HEAD))!.value.slice();
    head[head.length - 2] ^= 1;
    await raw.put(HEAD, head);
    expect(await log.verify()).toEqual({ intact: false, records: 0, first_bad: { seq: 0, reason: 'the chain head was changed outside edgekms (its seal does not verify)' } });
  });

  it('a store that fails to read the head is an error, not a verdict', async () => {
    const raw = new MemoryStore();
    const { log } = { log: new AuditLog(await sealedOver(raw)) };
    await log.append(entry(1));
    raw.get = () => Promise.reject(new StoreError('injected: read failed'));
    await expect(log.verify()).rejects.toThrow('injected: read failed');
  });

  it('a block changed beneath the barrier, or replaced through it by text that is no JSON', async () => {
    const { log, raw } = await blocksOf([2, 3, 1]);
    const b = (await raw.get(seqKey(3)))!.value.slice();
    b[b.length - 3] ^= 1;
    await raw.put(seqKey(3), b);
    expect(await log.verify()).toEqual({ intact: false, records: 2, first_bad: { seq: 3, reason: 'record 3 was changed outside edgekms (its seal does not verify)' } });

    const other = await blocksOf([2, 3, 1]);
    await other.sealed.put(seqKey(6), utf8('{"records": [')); // sealed, but not JSON
    expect(await other.log.verify()).toEqual({ intact: false, records: 5, first_bad: { seq: 6, reason: 'record 6 was changed outside edgekms (its seal does not verify)' } });
  });

  it('a block read that fails for another reason is an error, not a verdict', async () => {
    const { log, raw } = await blocksOf([1, 1]);
    const get = raw.get.bind(raw);
    raw.get = (k) => (k === seqKey(2) ? Promise.reject(new StoreError('injected: read failed')) : get(k));
    await expect(log.verify()).rejects.toThrow('injected: read failed');
  });

  it('blocks emptied or replaced by something that holds no records', async () => {
    for (const value of [{ records: [] }, { records: 'x' }, {}, { records: {} }]) {
      const { log, put } = await blocksOf([2, 2, 1]);
      await put(3, value);
      expect([value, await log.verify()]).toEqual([value, { intact: false, records: 2, first_bad: { seq: 3, reason: 'record 3 is missing' } }]);
    }
    // The last block emptied: missing, not cut off (the head still names it).
    const { log, put } = await blocksOf([2, 2, 1]);
    await put(5, { records: [] });
    expect(await log.verify()).toEqual({ intact: false, records: 4, first_bad: { seq: 5, reason: 'record 5 is missing' } });
  });

  it('a removed first, middle or last block', async () => {
    for (const [gone, reason, records] of [
      [1, 'record 1 is missing', 0],
      [3, 'record 3 is missing', 2],
    ] as const) {
      const { log, sealed } = await blocksOf([2, 2, 1]);
      await sealed.delete(seqKey(gone));
      expect(await log.verify()).toEqual({ intact: false, records, first_bad: { seq: gone, reason } });
    }
    const { log, sealed } = await blocksOf([2, 2, 1]);
    await sealed.delete(seqKey(5));
    expect(await log.verify()).toEqual({ intact: false, records: 4, first_bad: { seq: 5, reason: 'the sealed head names record 5, but the log ends at 4: records were removed from its end' } });
  });

  it('a record that is not an object', async () => {
    for (const bad of [null, 5, 'record']) {
      const { log, block, put } = await blocksOf([2, 3]);
      const b = await block(3);
      b.records[1] = bad as unknown as AuditRecord;
      await put(3, b);
      expect(await log.verify()).toEqual({ intact: false, records: 3, first_bad: { seq: 4, reason: 'record 4 was edited (it is not a record)' } });
    }
  });

  it('records reordered inside a block, or a record given another number', async () => {
    const { log, block, put } = await blocksOf([1, 4]);
    const b = await block(2);
    [b.records[1], b.records[2]] = [b.records[2], b.records[1]];
    await put(2, b);
    expect(await log.verify()).toEqual({ intact: false, records: 2, first_bad: { seq: 3, reason: 'record 3 holds record 4: records were moved or reordered' } });

    const other = await blocksOf([1, 4]);
    const c = await other.block(2);
    c.records[3] = { ...c.records[3], seq: 9 };
    await other.put(2, c);
    expect(await other.log.verify()).toEqual({ intact: false, records: 4, first_bad: { seq: 5, reason: 'record 5 holds record 9: records were moved or reordered' } });
  });

  it('an edited record (hash kept, or recomputed) and a removed one inside a block', async () => {
    const edited = await blocksOf([3, 2]);
    const b = await edited.block(1);
    b.records[2] = { ...b.records[2], result: 'success', status: 200 };
    b.records[1] = { ...b.records[1], operation: 'decrypt-data' };
    await edited.put(1, b);
    expect(await edited.log.verify()).toEqual({ intact: false, records: 1, first_bad: { seq: 2, reason: 'record 2 was edited (its hash does not match its contents)' } });

    const rehashed = await blocksOf([3, 2]);
    const c = await rehashed.block(1);
    const { hash: _h, ...rest } = { ...c.records[1], principal: 'mallory' };
    c.records[1] = { ...rest, hash: recordHash(rest) };
    await rehashed.put(1, c);
    expect(await rehashed.log.verify()).toEqual({ intact: false, records: 2, first_bad: { seq: 3, reason: 'record 3 does not follow record 2: a record before it was removed, inserted or reordered' } });

    // Record 2 taken out and 3 renumbered to close the gap: its link still names the removed record.
    const removed = await blocksOf([3, 2]);
    const d = await removed.block(1);
    d.records = [d.records[0], { ...d.records[2], seq: 2 }];
    await removed.put(1, d);
    expect(await removed.log.verify()).toEqual({ intact: false, records: 1, first_bad: { seq: 2, reason: 'record 2 does not follow record 1: a record before it was removed, inserted or reordered' } });
  });

  it('an entry under the records prefix that is no block, named by what it is called (cut to 32 characters)', async () => {
    const { log, sealed } = await blocksOf([1, 1]);
    await putJson(sealed, 'audit/records/000000000001x', { x: 1 });
    expect(await log.verify()).toEqual({ intact: false, records: 1, first_bad: { seq: 2, reason: 'an entry "000000000001x" that is no record was inserted' } });

    const long = await blocksOf([1]);
    await putJson(long.sealed, `audit/records/${'9'.repeat(40)}`, { records: [] });
    expect(await long.log.verify()).toEqual({ intact: false, records: 1, first_bad: { seq: 2, reason: `an entry "${'9'.repeat(32)}" that is no record was inserted` } });

    // Twelve digits, but not the number that comes next.
    const skipped = await blocksOf([2]);
    const [r] = chained(4, (await skipped.block(1)).records[1].hash, [entry(4)]);
    await skipped.put(4, { records: [r] });
    expect(await skipped.log.verify()).toEqual({ intact: false, records: 2, first_bad: { seq: 3, reason: 'record 3 is missing' } });
  });

  it('the head naming another record than the one at its place', async () => {
    const { log, sealed } = await blocksOf([2, 2]);
    const head = (await getJson<{ seq: number; hash: string; time: string }>(sealed, HEAD))!.value;
    await putJson(sealed, HEAD, { ...head, hash: 'e'.repeat(64) });
    expect(await log.verify()).toEqual({ intact: false, records: 4, first_bad: { seq: 4, reason: 'record 4 is not the one the sealed head names' } });
    // And a head naming an earlier record by a hash that is not that record's.
    await putJson(sealed, HEAD, { ...head, seq: 3, hash: head.hash });
    expect(await log.verify()).toEqual({ intact: false, records: 4, first_bad: { seq: 3, reason: 'record 3 is not the one the sealed head names' } });
  });

  it('one block past the head is an append whose head write is still to come; more are appended outside edgekms', async () => {
    const { log, sealed, block, put } = await blocksOf([2, 1]);
    const last = (await block(3)).records[0];
    // One block of two records past the head (seq 3).
    const past = chained(4, last.hash, [entry(4), entry(5)]);
    await put(4, { records: past });
    expect(await log.verify()).toEqual({ intact: true, records: 5 });
    // A second block past it.
    await put(6, { records: chained(6, past[1].hash, [entry(6)]) });
    expect(await log.verify()).toEqual({ intact: false, records: 6, first_bad: { seq: 4, reason: 'records after 3 are not covered by the sealed head: they were appended outside edgekms' } });
    // A log whose head was never written: one block is the first append, two are not ours.
    const headless = await sealedOver(new MemoryStore());
    const rs = chained(1, '0'.repeat(64), [entry(1), entry(2), entry(3)]);
    await putJson(headless, seqKey(1), { records: rs.slice(0, 2) });
    expect(await new AuditLog(headless).verify()).toEqual({ intact: true, records: 2 });
    await putJson(headless, seqKey(3), { records: rs.slice(2) });
    expect(await new AuditLog(headless).verify()).toEqual({ intact: false, records: 3, first_bad: { seq: 1, reason: 'records after 0 are not covered by the sealed head: they were appended outside edgekms' } });
    expect((await getJson(sealed, HEAD))!.value).toMatchObject({ seq: 3 });
  });
});

describe('queries seek by time across blocks', () => {
  // Blocks of 3, 1, 4, 2 and 5 records; equal times on both sides of the boundaries after records 3, 4 and 8
  // and inside the last block; no record at seconds 0, 4, 7 or 10 (before, inside a block, between blocks,
  // after the end).
  const sizes = [3, 1, 4, 2, 5];
  const times = [1, 2, 2, 2, 2, 3, 5, 5, 5, 6, 8, 8, 8, 9, 9];
  const expected = (q: AuditQuery) =>
    times
      .map((t, i) => ({ seq: i + 1, t }))
      .filter(({ t }) => (q.from === undefined || at(t) >= q.from) && (q.to === undefined || at(t) <= q.to))
      .map(({ seq }) => seq);

  it('from any time (each record’s, between them, before the first, after the last) finds exactly the records at or after it', async () => {
    const { log, fresh } = await blocksOf(sizes, times);
    for (const reader of [log, fresh()]) {
      for (let s = 0; s <= 10; s++) {
        const q = { from: at(s) };
        expect([s, (await reader.query(q)).records.map((r) => r.seq)]).toEqual([s, expected(q)]);
      }
    }
  });

  it('from and to together, a time range inside one block, and a range holding no record', async () => {
    const { log } = await blocksOf(sizes, times);
    for (let from = 0; from <= 10; from++) {
      for (let to = from; to <= 10; to++) {
        const q = { from: at(from), to: at(to) };
        expect([from, to, (await log.query(q)).records.map((r) => r.seq)]).toEqual([from, to, expected(q)]);
      }
    }
  });

  it('from with a marker: the later of the two wins', async () => {
    const { log } = await blocksOf(sizes, times);
    for (let marker = 0; marker <= 15; marker++) {
      for (const s of [2, 5, 8]) {
        const want = expected({ from: at(s) }).filter((seq) => seq > marker);
        expect([marker, s, (await log.query({ from: at(s), marker })).records.map((r) => r.seq)]).toEqual([marker, s, want]);
      }
    }
  });

  it('many blocks of varied sizes, times repeating across boundaries: every start time', async () => {
    // Deterministic layout: block sizes cycle 1..5, each record 0 or 1 seconds after the one before.
    const sizes = Array.from({ length: 30 }, (_, i) => 1 + ((i * 7) % 5));
    const n = sizes.reduce((a, b) => a + b, 0);
    const times: number[] = [];
    for (let i = 0, t = 1; i < n; i++) times.push((t += (i * 5) % 3 === 0 ? 1 : 0));
    const { log } = await blocksOf(sizes, times);
    for (let s = 0; s <= times[n - 1] + 1; s++) {
      const want = times.flatMap((t, i) => (t >= s ? [i + 1] : []));
      expect([s, (await log.query({ from: at(s) })).records.map((r) => r.seq)]).toEqual([s, want]);
    }
  });

  it('a query stops at a missing block instead of failing (verify names the gap)', async () => {
    const { log, sealed } = await blocksOf([3, 3, 3]);
    await sealed.delete(seqKey(4));
    expect((await log.query({ from: at(8) })).records).toEqual([]);
    expect((await log.query({ from: at(2) })).records.map((r) => r.seq)).toEqual([2, 3]);
    expect((await log.query({})).records.map((r) => r.seq)).toEqual([1, 2, 3]);
  });
});

describe('query paging and filters', () => {
  it('limit: 100 by default, at least 1, at most 1000; the marker is the last record returned', async () => {
    const { log } = await blocksOf([MAX_BLOCK, MAX_BLOCK, MAX_BLOCK, MAX_BLOCK, MAX_BLOCK]);
    const page = async (q: AuditQuery) => {
      const p = await log.query(q);
      return { n: p.records.length, first: p.records[0]?.seq, last: p.records.at(-1)?.seq, next: p.next_marker };
    };
    expect(await page({})).toEqual({ n: 100, first: 1, last: 100, next: 100 });
    expect(await page({ limit: 0 })).toEqual({ n: 1, first: 1, last: 1, next: 1 });
    expect(await page({ limit: -5 })).toEqual({ n: 1, first: 1, last: 1, next: 1 });
    expect(await page({ limit: 1200, marker: 10 })).toEqual({ n: 1000, first: 11, last: 1010, next: 1010 });
    expect(await page({ limit: 300, marker: 1000 })).toEqual({ n: 280, first: 1001, last: 1280, next: undefined });
    // From a time inside a block, the window of records read starts at that record, not at its block's first.
    expect(await page({ from: at(200), limit: 1000 })).toEqual({ n: 1000, first: 200, last: 1199, next: 1199 });
    expect(await page({ from: at(300), to: at(1290), limit: 1000 })).toEqual({ n: 981, first: 300, last: 1280, next: undefined });
    expect(await page({ marker: 1280 })).toEqual({ n: 0, first: undefined, last: undefined, next: undefined });
    expect(await page({ marker: 5000 })).toEqual({ n: 0, first: undefined, last: undefined, next: undefined });
    // A filter that skips records: the marker names the last record read before the limit was reached.
    const failures = await log.query({ result: 'failure', limit: 3, marker: 250 });
    expect([failures.records.map((r) => r.seq), failures.next_marker]).toEqual([[252, 256, 260], 260]);
  });

  it('an identity is a principal or an access key; each filter narrows', async () => {
    const { log } = await blocksOf([4, 4, 4]);
    const seqs = async (q: AuditQuery) => (await log.query(q)).records.map((r) => r.seq);
    expect(await seqs({ identity: 'AK' })).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(await seqs({ identity: 'alice' })).toEqual([1, 3, 5, 7, 9, 11]);
    expect(await seqs({ identity: 'bob', resource: 'key-1' })).toEqual([4, 10]);
    expect(await seqs({ result: 'success', resource: 'key-2' })).toEqual([2, 5, 11]);
    expect(await seqs({ identity: 'alice', result: 'failure' })).toEqual([]);
  });
});

/** A memory store other processes might write too (as Workers' Durable Objects are): no cached chain end. */
class SharedStore extends FaultyStore {
  override get exclusive() {
    return false;
  }
}

/** A shared store that holds back the first head write after `hold` is set until that promise settles. */
class HeldStore extends SharedStore {
  hold: Promise<void> | undefined;
  held = 0;
  override async put(key: string, value: Uint8Array, options?: Parameters<Store['put']>[2]) {
    if (key === HEAD && this.hold) {
      const hold = this.hold;
      this.hold = undefined;
      this.held++;
      await hold;
    }
    return super.put(key, value, options);
  }
}

describe('the chain end in a store others write too', () => {
  it('a block past a head whose write failed is chained on; the next head write covers both', async () => {
    const shared = new SharedStore(new MemoryStore());
    const sealed = await sealedOver(shared);
    const log = new AuditLog(sealed);
    const r1 = await log.append(entry(1));
    // The second append's block is written, its head write (the second store write) fails.
    shared.arm(2);
    await expect(log.append(entry(2))).rejects.toThrow(/injected failure at write 2/);
    expect((await getJson(sealed, HEAD))!.value).toEqual({ seq: 1, hash: r1.hash, time: r1.time });
    // A third block past the head too, from another writer's view.
    shared.arm(2);
    await expect(new AuditLog(sealed).append(entry(3))).rejects.toBeInstanceOf(StoreError);
    shared.arm(0);
    const r4 = await log.append(entry(4));
    const [r2, r3] = [(await getJson<Records>(sealed, seqKey(2)))!.value.records[0], (await getJson<Records>(sealed, seqKey(3)))!.value.records[0]];
    expect([r2.prev, r3.prev, r4.prev]).toEqual([r1.hash, r2.hash, r3.hash]);
    expect(r4.seq).toBe(4);
    expect((await getJson(sealed, HEAD))!.value).toEqual({ seq: 4, hash: r4.hash, time: r4.time });
    expect(await log.verify()).toEqual({ intact: true, records: 4 });
    expect((await log.query({})).records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
  });

  it('two head writes failing in a row leave two blocks past the head: intact, the records after it counted; an outside append after them is still named', async () => {
    const shared = new SharedStore(new MemoryStore());
    const sealed = await sealedOver(shared);
    const log = new AuditLog(sealed);
    const r1 = await log.append(entry(1));
    for (const i of [2, 3]) {
      shared.arm(2); // the block is written, its head write fails
      await expect(log.append(entry(i))).rejects.toThrow(/injected failure at write 2/);
    }
    shared.arm(0);
    expect((await getJson(sealed, HEAD))!.value).toMatchObject({ seq: 1, hash: r1.hash });
    expect(await log.verify()).toEqual({ intact: true, records: 3, after_head: 2 });
    // The second block past the head says which head it was written past; the first needs not.
    expect((await getJson<Records & { headAt?: number }>(sealed, seqKey(2)))!.value.headAt).toBeUndefined();
    expect((await getJson<Records & { headAt?: number }>(sealed, seqKey(3)))!.value.headAt).toBe(1);
    const r3 = (await getJson<Records>(sealed, seqKey(3)))!.value.records[0];
    const outside = { intact: false, records: 4, first_bad: { seq: 2, reason: 'records after 1 are not covered by the sealed head: they were appended outside edgekms' } };
    await putJson(sealed, seqKey(4), { records: chained(4, r3.hash, [entry(4)]) });
    expect(await log.verify()).toEqual(outside);
    // A headAt that is no record number says nothing.
    await shared.inner.delete(seqKey(4));
    await putJson(sealed, seqKey(4), { records: chained(4, r3.hash, [entry(4)]), headAt: '1' });
    expect(await log.verify()).toEqual(outside);
  });

  it('a sealed head naming a record inside a block (never where edgekms writes one) leaves the rest of the block uncovered', async () => {
    const { log, sealed, block } = await blocksOf([2, 2]);
    const r3 = (await block(3)).records[0];
    await putJson(sealed, HEAD, { seq: 3, hash: r3.hash, time: r3.time });
    expect(await log.verify()).toEqual({ intact: false, records: 4, first_bad: { seq: 4, reason: 'records after 3 are not covered by the sealed head: they were appended outside edgekms' } });
  });

  it('a sealed head put back to an older one is named by a block written when the head was further on', async () => {
    const shared = new SharedStore(new MemoryStore());
    const sealed = await sealedOver(shared);
    const log = new AuditLog(sealed);
    await log.append(entry(1));
    const older = (await shared.inner.get(HEAD))!.value; // the sealed bytes of the head naming record 1
    await log.append(entry(2));
    for (const i of [3, 4]) {
      shared.arm(2);
      await expect(log.append(entry(i))).rejects.toBeInstanceOf(StoreError);
    }
    shared.arm(0);
    expect(await log.verify()).toEqual({ intact: true, records: 4, after_head: 2 });
    await shared.inner.put(HEAD, older); // a replay: the seal verifies, it is only old
    expect(await log.verify()).toEqual({
      intact: false,
      records: 4,
      first_bad: { seq: 2, reason: 'the sealed head names record 1, but record 4 was written when it named record 2: an older head was put back' },
    });
  });

  it('each append is its own block and reads the chain end afresh', async () => {
    const shared = new SharedStore(new MemoryStore());
    const sealed = await sealedOver(shared);
    const [a, b] = [new AuditLog(sealed), new AuditLog(sealed)];
    const records = await Promise.all([a.append(entry(1)), b.append(entry(2)), a.append(entry(3))]);
    expect(records.map((r) => r.seq).sort()).toEqual([1, 2, 3]);
    await b.append(entry(4));
    expect((await a.append(entry(5))).seq).toBe(5);
    expect((await shared.inner.list('audit/records/')).keys).toEqual([1, 2, 3, 4, 5].map(seqKey));
    expect(await a.verify()).toEqual({ intact: true, records: 5 });
    expect((await a.query({ from: entry(4).time })).records.map((r) => r.seq)).toEqual([4, 5]);
  });

  it('a head write that lost the race to another writer leaves the newer head in place', async () => {
    const shared = new HeldStore(new MemoryStore());
    const sealed = await sealedOver(shared);
    let release!: () => void;
    shared.hold = new Promise((r) => (release = r));
    const a = new AuditLog(sealed).append(entry(1));
    for (let i = 0; i < 1000 && !shared.held; i++) await new Promise((r) => setImmediate(r));
    expect(shared.held).toBe(1); // record 1's block is written, its head write waits
    const r2 = await new AuditLog(sealed).append(entry(2));
    release();
    const r1 = await a;
    expect([r1.seq, r2.seq, r2.prev]).toEqual([1, 2, r1.hash]);
    expect((await getJson(sealed, HEAD))!.value).toEqual({ seq: 2, hash: r2.hash, time: r2.time });
    expect(await new AuditLog(sealed).verify()).toEqual({ intact: true, records: 2 });
  });

  it('an exclusive store: the chain end is remembered, not read again for each append; flush writes nothing', async () => {
    const faulty = new FaultyStore(new MemoryStore());
    const sealed = await sealedOver(faulty);
    const log = new AuditLog(sealed);
    await log.append(entry(1));
    let headReads = 0;
    const get = sealed.get.bind(sealed);
    sealed.get = (k) => (k === HEAD && headReads++, get(k));
    faulty.arm(0);
    await log.append(entry(2));
    await log.append(entry(3));
    expect([headReads, faulty.writes]).toEqual([0, 4]);
    await log.flush();
    expect(faulty.writes).toBe(4);
  });

  it('an exclusive store keeps its chain end: a head write that failed is retried by the next append', async () => {
    const faulty = new FaultyStore(new MemoryStore());
    const sealed = await sealedOver(faulty);
    const log = new AuditLog(sealed);
    await log.append(entry(1));
    faulty.arm(2);
    await expect(log.append(entry(2))).rejects.toThrow(/injected failure at write 2/);
    faulty.arm(0);
    const r3 = await log.append(entry(3));
    expect([r3.seq, (await getJson(sealed, HEAD))!.value]).toEqual([3, { seq: 3, hash: r3.hash, time: r3.time }]);
    expect(await log.verify()).toEqual({ intact: true, records: 3 });
  });
});

describe('segments: the sealed head follows the appends', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function segmentLog() {
    const dir = mkdtempSync(join(tmpdir(), 'edgekms-audit-head-'));
    dirs.push(dir);
    const store = await FileStore.open(dir);
    const sealed = await sealedOver(store);
    // Every head write, and a way to wait for those in flight.
    const heads: Promise<void>[] = [];
    const put = store.put.bind(store);
    let failHead = false;
    store.put = (k, v, o) => {
      if (k !== HEAD) return put(k, v, o);
      const p = failHead ? Promise.reject(new StoreError('injected: head write failed')) : put(k, v, o);
      heads.push(p.then(() => {}, () => {}));
      return p;
    };
    const log = new AuditLog(sealed, { segments: await AppendLog.open(join(dir, 'audit'), nodeFs) });
    const settled = async () => {
      await Promise.all(heads);
      await new Promise((r) => setImmediate(r));
    };
    const head = async () => (await getJson<{ seq: number }>(sealed, HEAD))?.value.seq;
    return { log, heads, settled, head, store, failHead: (f: boolean) => (failHead = f) };
  }

  it('written at once for the first block, then at most every 250 ms, and by flush', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 1_000_000 });
    const { log, heads, settled, head, store } = await segmentLog();
    await log.append(entry(1));
    await settled();
    expect([heads.length, await head()]).toEqual([1, 1]);
    await log.append(entry(2));
    await log.append(entry(3));
    await settled();
    expect(heads.length).toBe(1); // due 250 ms after the last
    vi.advanceTimersByTime(249);
    await settled();
    expect(heads.length).toBe(1);
    vi.advanceTimersByTime(1);
    await settled();
    expect([heads.length, await head()]).toEqual([2, 3]);
    // Nothing new: no timer is left to write it again, and flush writes no head.
    vi.advanceTimersByTime(1000);
    await settled();
    expect(heads.length).toBe(2);
    await log.flush();
    expect(heads.length).toBe(2);
    // 1000 ms on, the next record's head is due at once; the one after it is due 250 ms later, and flush
    // writes it now and the timer is gone.
    await log.append(entry(4));
    await settled();
    expect([heads.length, await head()]).toEqual([3, 4]);
    await log.append(entry(5));
    await settled();
    expect(heads.length).toBe(3);
    await log.flush();
    expect([heads.length, await head()]).toEqual([4, 5]);
    vi.advanceTimersByTime(10_000);
    await settled();
    expect(heads.length).toBe(4);
    expect(await log.verify()).toEqual({ intact: true, records: 5 });
    await store.close();
  });

  it('a head write that fails leaves the appends durable; the next due write or flush writes it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 2_000_000 });
    const { log, heads, settled, head, store, failHead } = await segmentLog();
    failHead(true);
    const r1 = await log.append(entry(1));
    await settled();
    expect([heads.length, await head(), r1.seq]).toEqual([1, undefined, 1]);
    failHead(false);
    vi.advanceTimersByTime(250);
    await log.append(entry(2));
    await settled();
    expect([heads.length, await head()]).toEqual([2, 2]);
    failHead(true);
    vi.advanceTimersByTime(250);
    await log.append(entry(3));
    await settled();
    expect([heads.length, await head()]).toEqual([3, 2]);
    failHead(false);
    await log.flush();
    expect([heads.length, await head()]).toEqual([4, 3]);
    expect(await log.verify()).toEqual({ intact: true, records: 3 });
    await store.close();
  });

  it('the timer does not keep the process alive', async () => {
    // The clock stands still, so the second append's head is due 250 ms after the first's: a timer.
    vi.useFakeTimers({ toFake: ['Date'], now: 3_000_000 });
    const { log, heads, settled, store } = await segmentLog();
    const timers: { ms?: number; t: ReturnType<typeof setTimeout> }[] = [];
    const real = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      const t = real(fn, ms);
      timers.push({ ms, t });
      return t;
    }) as typeof setTimeout);
    try {
      await log.append(entry(1));
      await settled();
      await log.append(entry(2));
    } finally {
      spy.mockRestore();
    }
    const due = timers.filter((t) => t.ms === 250);
    expect(due).toHaveLength(1);
    expect(due[0].t.hasRef()).toBe(false);
    await log.flush();
    expect(heads.length).toBe(2);
    await store.close();
  });
});
