// The audit chain in-process: verification passes on an intact log and names the first bad record after
// an edit, a removal, an insertion, a reordering or a cut-off tail, whether made beneath the store barrier
// (without the root key) or through it (by someone holding the barrier key, which only the chain catches).
// And no operation runs without its audit record: a request record that cannot be written refuses the
// request and changes nothing; an outcome record that cannot be written answers 500, and an operation that
// changes nothing has only that one record (fault injection in the store and beneath the segments, over
// loopback).
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog, recordHash, type AuditRecord } from '../../src/audit/log.ts';
import { nobleHashes } from '../../src/crypto/hash.ts';
import { Code } from '../../src/kms/errors.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { readEnv } from '../../src/runtime/config.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { adminCredential, createService } from '../../src/runtime/service.ts';
import { loadWasmNode } from '../../src/runtime/wasm-node.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import { ApiError } from '../../src/sdk/errors.ts';
import { SealedStore } from '../../src/store/barrier.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { getJson, putJson, StoreError, type Store } from '../../src/store/store.ts';
import type { FrameLog } from '../../src/audit/blocks.ts';
import { FileStore } from '../../src/store/file.ts';
import { nodeFs, type Fs } from '../../src/store/fs/fs.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditEntry } from '../helpers/audit-entries.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';
import { listen } from '../helpers/kms.ts';

const entry = auditEntry;

async function logOf(n: number) {
  const root = await RootKey.fromBytes(new Uint8Array(32).fill(3), nodeCrypto);
  const raw = new MemoryStore();
  const sealed = SealedStore.over(raw, root.barrierMac);
  const log = new AuditLog(sealed);
  for (let i = 1; i <= n; i++) await log.append(entry(i));
  const key = (seq: number) => `audit/records/${String(seq).padStart(12, '0')}`;
  // Appended one after another, every block holds one record.
  const read = async (seq: number) => (await getJson<{ records: AuditRecord[] }>(sealed, key(seq)))!.value.records[0];
  const write = (seq: number, r: unknown) => putJson(sealed, key(seq), { records: [r] });
  return { raw, sealed, log, key, read, write, fresh: () => new AuditLog(sealed) };
}

describe('audit chain', () => {
  it('verifies an intact log, and the head is sealed with the barrier', async () => {
    const { log, raw } = await logOf(6);
    expect(await log.verify()).toEqual({ intact: true, records: 6 });
    expect(await new AuditLog(SealedStore.over(new MemoryStore(), (d) => d)).verify()).toEqual({ intact: true, records: 0 });
    expect((await raw.list('audit/')).keys).toHaveLength(7);
  });

  it('chains records: each names the hash of the one before', async () => {
    const { read } = await logOf(3);
    const [a, b, c] = [await read(1), await read(2), await read(3)];
    expect(a.prev).toBe('0'.repeat(64));
    expect([b.prev, c.prev]).toEqual([a.hash, b.hash]);
    const { hash, ...rest } = b;
    expect(recordHash(rest)).toBe(hash);
  });

  it('a record hashes as it always did, through the portable SHA-256 and the runtime binding alike (openssl dgst -sha256 of the canonical text)', () => {
    // A record from before request records (no phase), and a request record with absent fields and non-ASCII text.
    const old = { seq: 1, prev: '0'.repeat(64), ...auditEntry(1) };
    const request = { seq: 2, prev: 'ab', time: '2026-01-01T00:00:02.000Z', request_id: 'réq2', access_key: 'unverified:AK', project: 'p1', operation: 'create-key', method: 'POST', status: 0, result: 'pending', phase: 'request' } as const;
    const failed = { seq: 3, prev: 'cd', time: '2026-01-01T00:00:03.000Z', request_id: 'req3', principal: 'bob', access_key: 'AK', project: 'p1', operation: 'describe-key', resource: 'key-0', method: 'POST', status: 404, error_code: 'KMS.0207', result: 'failure' } as const;
    for (const hashes of [undefined, nobleHashes, nodeCrypto.hashes]) {
      expect(recordHash(old, hashes)).toBe('ecae35a1520bd80b47e59a941b73aaeed73e7ebb70e1b3595f728ecce149df9e');
      expect(recordHash(request, hashes)).toBe('756de2a7a7c072a00cc1556f5198b8b72f4943bc565a9bb75cc72727778ff72e');
      expect(recordHash(failed, hashes)).toBe('8c3197c6eac7e3cb99b6cfb0f1d5320c28d4189bd4bc6f690d3f668efe944ee6');
    }
  });

  it('a log hashing with the runtime binding verifies a log hashed by the portable one, and the other way round', async () => {
    const { sealed } = await logOf(3);
    let hashed = 0;
    const counted = { ...nodeCrypto.hashes, sha256Hex: (d: Uint8Array | string) => (hashed++, nodeCrypto.hashes.sha256Hex!(d)) };
    const native = new AuditLog(sealed, { hashes: counted });
    await native.append(entry(4));
    expect(hashed).toBe(1);
    expect(await native.verify()).toEqual({ intact: true, records: 4 });
    expect(hashed).toBe(5);
    expect(await new AuditLog(sealed).verify()).toEqual({ intact: true, records: 4 });
  });

  it('a one-byte edit beneath the barrier is named', async () => {
    const { raw, log, key } = await logOf(6);
    const e = (await raw.get(key(4)))!;
    const edited = e.value.slice();
    edited[edited.length - 5] ^= 1;
    await raw.put(key(4), edited);
    expect((await log.verify()).first_bad).toEqual({ seq: 4, reason: expect.stringMatching(/record 4 was changed outside edgekms/) });
  });

  it('an edit through the barrier (hash kept) is named', async () => {
    const { log, read, write } = await logOf(6);
    await write(3, { ...(await read(3)), principal: 'mallory' });
    expect((await log.verify()).first_bad).toEqual({ seq: 3, reason: expect.stringMatching(/record 3 was edited/) });
  });

  it('an edit that recomputes the hash breaks the next link', async () => {
    const { log, read, write } = await logOf(6);
    const { hash: _h, ...r } = await read(3);
    const forged = { ...r, principal: 'mallory' };
    await write(3, { ...forged, hash: recordHash(forged) });
    expect((await log.verify()).first_bad).toEqual({ seq: 4, reason: expect.stringMatching(/record 4 does not follow record 3/) });
  });

  it('a removed record is named (beneath or through the barrier)', async () => {
    const { raw, log, key } = await logOf(6);
    await raw.delete(key(2));
    expect((await log.verify()).first_bad).toEqual({ seq: 2, reason: 'record 2 is missing' });
  });

  it('removing the last records is caught by the sealed head', async () => {
    const { sealed, log, key } = await logOf(6);
    await sealed.delete(key(6));
    await sealed.delete(key(5));
    expect((await log.verify()).first_bad).toEqual({ seq: 5, reason: expect.stringMatching(/head names record 6, but the log ends at 4/) });
  });

  it('a swapped pair is named (beneath and through the barrier)', async () => {
    const under = await logOf(6);
    const [r3, r4] = [(await under.raw.get(under.key(3)))!, (await under.raw.get(under.key(4)))!];
    await under.raw.put(under.key(3), r4.value);
    await under.raw.put(under.key(4), r3.value);
    expect((await under.log.verify()).first_bad?.seq).toBe(3);

    const through = await logOf(6);
    const [a, b] = [await through.read(3), await through.read(4)];
    await through.write(3, b);
    await through.write(4, a);
    expect((await through.log.verify()).first_bad).toEqual({ seq: 3, reason: 'record 3 holds record 4: records were moved or reordered' });
  });

  it('an inserted record is named', async () => {
    const { log, read, write } = await logOf(5);
    // Shift 3..5 up by one and put a forged record (correctly hashed, correctly linked to 2) at 3.
    for (let seq = 5; seq >= 3; seq--) {
      const r = await read(seq);
      await write(seq + 1, { ...r, seq: seq + 1 });
    }
    const prev = (await read(2)).hash;
    const forged = { ...entry(99), seq: 3, prev };
    await write(3, { ...forged, hash: recordHash(forged) });
    const v = await log.verify();
    expect(v.intact).toBe(false);
    expect(v.first_bad?.seq).toBe(4);
    // and a foreign entry under the log's prefix
    const other = await logOf(2);
    await putJson(other.sealed, 'audit/records/000000000001x', { x: 1 });
    expect((await other.log.verify()).first_bad?.reason).toMatch(/inserted/);
  });

  it('a second writer with its own view appends after the first without breaking the chain', async () => {
    const { fresh, log } = await logOf(3);
    await fresh().append(entry(4));
    await log.append(entry(5));
    await Promise.all([fresh().append(entry(6)), log.append(entry(7)), fresh().append(entry(8))]);
    expect(await log.verify()).toEqual({ intact: true, records: 8 });
  });

  it('appends made together share a block (two store writes for the lot), and the chain runs through blocks', async () => {
    const { raw, log } = await logOf(2);
    let writes = 0;
    const put = raw.put.bind(raw);
    raw.put = (k, v, o) => (writes++, put(k, v, o));
    const records = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(entry(100 + i))));
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 3 + i));
    expect(writes).toBeLessThanOrEqual(4); // the first append's block and head, then one block and head for the other 49
    expect(await log.verify()).toEqual({ intact: true, records: 52 });
    expect((await log.query({ marker: 10, limit: 3 })).records.map((r) => r.seq)).toEqual([11, 12, 13]);
    // An edit inside a shared block is named by record.
    const blockKey = (await raw.list('audit/records/')).keys.at(-1)!;
    const sealed = SealedStore.over(raw, (await RootKey.fromBytes(new Uint8Array(32).fill(3), nodeCrypto)).barrierMac);
    const block = (await getJson<{ records: AuditRecord[] }>(sealed, blockKey))!.value;
    block.records[7] = { ...block.records[7], resource: 'elsewhere' };
    await putJson(sealed, blockKey, block);
    expect((await log.verify()).first_bad).toEqual({ seq: block.records[7].seq, reason: `record ${block.records[7].seq} was edited (its hash does not match its contents)` });
  });

  it('answers queries by time, identity, resource and result', async () => {
    const { log } = await logOf(12);
    const seqs = async (q: Parameters<AuditLog['query']>[0]) => (await log.query(q)).records.map((r) => r.seq);
    expect(await seqs({ identity: 'alice', result: 'failure' })).toEqual([]);
    expect(await seqs({ identity: 'bob', result: 'failure' })).toEqual([4, 8, 12]);
    expect(await seqs({ resource: 'key-0' })).toEqual([3, 6, 9, 12]);
    expect(await seqs({ from: entry(5).time, to: entry(7).time })).toEqual([5, 6, 7]);
    const page = await log.query({ limit: 5 });
    expect([page.records.map((r) => r.seq), page.next_marker]).toEqual([[1, 2, 3, 4, 5], 5]);
    expect(await seqs({ marker: 10 })).toEqual([11, 12]);
  });
});

describe('audit queries seek instead of reading the log', () => {
  it('by marker and by time read a handful of blocks out of thousands; `to` ends the scan', async () => {
    const root = await RootKey.fromBytes(new Uint8Array(32).fill(3), nodeCrypto);
    const raw = new MemoryStore();
    const log = new AuditLog(SealedStore.over(raw, root.barrierMac));
    const n = 3000;
    for (let i = 1; i <= n; i++) await log.append(entry(i)); // one block each
    let reads = 0;
    const get = raw.get.bind(raw);
    raw.get = (k) => (k.startsWith('audit/records/') && reads++, get(k));
    const run = async (q: Parameters<AuditLog['query']>[0]) => {
      reads = 0;
      const page = await log.query(q);
      return { seqs: page.records.map((r) => r.seq), next: page.next_marker, reads };
    };
    expect(await run({ from: entry(2900).time, limit: 5 })).toEqual({ seqs: [2900, 2901, 2902, 2903, 2904], next: 2904, reads: expect.any(Number) });
    expect((await run({ from: entry(2900).time, limit: 5 })).reads).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)) + 6);
    expect(await run({ marker: 2500, limit: 3 })).toEqual({ seqs: [2501, 2502, 2503], next: 2503, reads: 4 });
    expect(await run({ from: entry(10).time, to: entry(12).time })).toMatchObject({ seqs: [10, 11, 12], next: undefined });
    expect((await run({ from: entry(10).time, to: entry(12).time })).reads).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)) + 4);
    // A filter nothing matches reads a bounded window and says where to go on.
    expect(await run({ identity: 'nobody' })).toEqual({ seqs: [], next: 1000, reads: 1001 });
    expect(await run({ from: '2999-01-01T00:00:00.000Z' })).toMatchObject({ seqs: [], next: undefined });
  });

  it('a clock that steps back does not move a record before the one ahead of it', async () => {
    const { log } = await logOf(2);
    const early = await log.append({ ...entry(3), time: entry(1).time });
    expect(early.time).toBe(entry(2).time);
    expect(await log.verify()).toEqual({ intact: true, records: 3 });
  });
});

describe('no operation without its audit record', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of closers) await c();
  });

  async function serve(store: Store, segments?: FrameLog) {
    await loadWasmNode();
    const rootKey = await RootKey.fromBytes(new Uint8Array(32).fill(5), nodeCrypto);
    const admin = { ak: 'AUDITADMINAK00000000', sk: 'AuditAdminSecretKey000000000000000000000' };
    const service = await createService({
      store,
      rootKey,
      crypto: nodeCrypto,
      config: readEnv({}),
      credentials: [adminCredential(admin.ak, admin.sk)],
      logError: () => {},
      onInternalError: () => {},
      auditSegments: segments,
    });
    const server = await listen(service.app);
    closers.push(server.close);
    const client = new SignedClient({ endpoint: server.url, accessKey: admin.ak, secretKey: admin.sk, projectId: 'p1', retry: false });
    const fail = (path: string, body: unknown) => client.request('POST', path, body).then(() => null, (x: unknown) => x as ApiError);
    const records = async (): Promise<AuditRecord[]> => (await client.request('GET', '/edgekms/v1/audit', undefined, { limit: '1000' })).records;
    return { client, fail, records, service };
  }

  it('a request record precedes an operation that may change something, and the outcome record follows it; one that changes nothing has only its outcome record', async () => {
    const { client, records } = await serve(new MemoryStore());
    const keyId = (await client.request('POST', '/v1.0/p1/kms/create-key', { key_alias: 'two-records' })).key_info.key_id;
    await client.request('POST', '/v1.0/p1/kms/describe-key', { key_id: keyId });
    await client.request('POST', '/v1.0/p1/kms/encrypt-data', { key_id: keyId, plain_text: 'x' });
    // A service default key is created on first use: that encrypt-data changes something.
    await client.request('POST', '/v1.0/p1/kms/encrypt-data', { key_id: 'obs/default', plain_text: 'x' });
    await client.request('POST', '/v1.0/p1/kms/update-key-description', { key_id: keyId, key_description: 'd' });
    const rs = (await records()).filter((r) => r.operation === 'create-key' || r.resource === keyId || r.resource === 'obs/default');
    expect(rs.map((r) => [r.operation, r.phase ?? 'outcome', r.status, r.result])).toEqual([
      ['create-key', 'request', 0, 'pending'],
      ['create-key', 'outcome', 200, 'success'],
      ['describe-key', 'outcome', 200, 'success'],
      ['encrypt-data', 'outcome', 200, 'success'],
      ['encrypt-data', 'request', 0, 'pending'],
      ['encrypt-data', 'outcome', 200, 'success'],
      ['update-key-description', 'request', 0, 'pending'],
      ['update-key-description', 'outcome', 200, 'success'],
    ]);
    for (const [request, outcome] of [[0, 1], [4, 5], [6, 7]]) {
      expect(rs[request].request_id).toBe(rs[outcome].request_id);
      expect(rs[outcome].seq).toBeGreaterThan(rs[request].seq);
    }
  });

  it('store blocks: an operation that changes nothing whose one record cannot be written answers 500 and leaves nothing in the log', async () => {
    const faulty = new FaultyStore(new MemoryStore());
    const { client, fail, records } = await serve(faulty);
    const keyId = (await client.request('POST', '/v1.0/p1/kms/create-key', { key_alias: 'read-only' })).key_info.key_id;
    const before = (await records()).length;
    // encrypt-data writes nothing, so its first store write is its outcome record's block: fail it.
    faulty.arm(1);
    const refused = await fail('/v1.0/p1/kms/encrypt-data', { key_id: keyId, plain_text: 'PLAINTEXT-MARKER' });
    expect(faulty.injected).toBeDefined();
    expect([refused?.status, refused?.code]).toEqual([500, Code.StoreIo]);
    expect(refused?.message).toMatch(/could not be written, so it was not carried out; nothing changed/);
    expect(JSON.stringify(refused)).not.toContain('cipher_text');
    faulty.arm(0);
    const after = (await records()).slice(before);
    expect(after.some((r) => r.request_id === refused?.requestId)).toBe(false);
    expect((await client.request('GET', '/edgekms/v1/audit/verify')).intact).toBe(true);
  });

  it('store blocks: a request record that cannot be written refuses the request and changes nothing; a lost outcome record answers 500', async () => {
    const faulty = new FaultyStore(new MemoryStore());
    const { client, fail, records } = await serve(faulty);
    // create-key's first store write is its request record's block: fail it.
    faulty.arm(1);
    const refused = await fail('/v1.0/p1/kms/create-key', { key_alias: 'refused' });
    expect(faulty.injected).toBeDefined();
    expect([refused?.status, refused?.code]).toEqual([500, Code.StoreIo]);
    expect(refused?.message).toMatch(/could not be written, so it was not carried out; nothing changed/);
    faulty.arm(0);
    expect((await client.request('POST', '/v1.0/p1/kms/list-keys', {})).keys).toEqual([]);
    const created = await client.request('POST', '/v1.0/p1/kms/create-key', { key_alias: 'refused' }); // the alias is free
    expect((await client.request('POST', '/v1.0/p1/kms/describe-key', { key_id: created.key_info.key_id })).key_info.key_alias).toBe('refused');

    // Once the operation has written its key, every audit write fails: the key is made, its outcome record is not.
    const before = (await records()).length;
    const put = faulty.inner.put.bind(faulty.inner);
    let operated = false;
    faulty.inner.put = (k, v, o) => {
      if (k.startsWith('kms/')) operated = true;
      return operated && k.startsWith('audit/') ? Promise.reject(new StoreError('injected: disk full')) : put(k, v, o);
    };
    const lost = await fail('/v1.0/p1/kms/create-key', { key_alias: 'ran' });
    expect([lost?.status, lost?.code]).toEqual([500, Code.StoreIo]);
    expect(lost?.message).toMatch(/could not be written; the request may have taken effect/);
    faulty.inner.put = put;
    const keys = (await client.request('POST', '/v1.0/p1/kms/list-keys', { limit: '10' })).keys;
    expect(keys).toHaveLength(2);
    // The operation that ran is in the log: its request record, with no outcome after it.
    const ran = (await records()).slice(before).filter((r) => r.operation === 'create-key');
    expect(ran.map((r) => [r.phase ?? 'outcome', r.request_id === lost?.requestId])).toEqual([['request', true]]);
    expect((await client.request('GET', '/edgekms/v1/audit/verify')).intact).toBe(true);
  });

  it('segments: a disk that refuses the audit write refuses every operation and changes nothing', async () => {
    let refuse = false;
    const fs: Fs = {
      ...nodeFs,
      async open(path, flags, mode) {
        const h = await nodeFs.open(path, flags, mode);
        return flags === 'a' ? { ...h, write: (b, o, l) => (refuse ? Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })) : h.write(b, o, l)) } : h;
      },
    };
    const dir = mkdtempSync(join(tmpdir(), 'edgekms-audit-refuse-'));
    closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    const store = await FileStore.open(dir, { fs });
    closers.push(() => store.close());
    const { client, fail, records } = await serve(store, await store.appendLog('audit'));
    const keyId = (await client.request('POST', '/v1.0/p1/kms/create-key', { key_alias: 'kept' })).key_info.key_id;
    refuse = true;
    for (const [path, body] of [
      ['/v1.0/p1/kms/create-key', { key_alias: 'never' }],
      ['/v1.0/p1/kms/disable-key', { key_id: keyId }],
      ['/v1.0/p1/kms/encrypt-data', { key_id: keyId, plain_text: 'x' }],
      ['/v1.0/p1/kms/encrypt-data', { key_id: 'alias/obs/default', plain_text: 'x' }],
      ['/v1.0/p1/kms/encrypt-data', { key_id: 'obs/default', plain_text: 'x' }],
      ['/v1.0/p1/kms/describe-key', { key_id: keyId }],
    ] as const) {
      const e = await fail(path, body);
      expect([path, e?.status, e?.code, e?.message]).toEqual([path, 500, Code.StoreIo, expect.stringMatching(/not carried out; nothing changed/)]);
    }
    refuse = false;
    const keys = await client.request('POST', '/v1.0/p1/kms/list-keys', { limit: '10' });
    expect(keys.keys).toEqual([keyId]); // no 'never', no obs/default created on first use
    expect((await client.request('POST', '/v1.0/p1/kms/describe-key', { key_id: keyId })).key_info.key_state).toBe('2'); // still enabled
    const rs = await records();
    expect(rs.filter((r) => r.operation === 'disable-key')).toEqual([]); // nothing of the refused requests reached the log
    expect((await client.request('GET', '/edgekms/v1/audit/verify')).intact).toBe(true);
  });
});
