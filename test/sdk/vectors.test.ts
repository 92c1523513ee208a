// The published ENV1 vectors (test/vectors/env1.json) in Node: the shared checks (also run by Deno), and an
// independent decoder written from docs/FORMAT.md with node:crypto alone, which must agree on every
// AES-suite vector (and on every SM-suite vector with OpenSSL's SM3/SM4 where this OpenSSL has them).
import { createDecipheriv, createHash, createHmac, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { checkNegative, checkPositive, type Env1Vectors, type PositiveVector } from '../vectors/env1-checks.ts';
import { useWasm } from '../wasm/setup.ts';

useWasm();
const vectors: Env1Vectors = JSON.parse(readFileSync(new URL('../vectors/env1.json', import.meta.url), 'utf8'));

describe('ENV1 vectors (shared checks)', () => {
  it('has both suites, both keyring kinds and every error code', () => {
    expect(new Set(vectors.positive.map((v) => v.suite))).toEqual(new Set([1, 0x0101]));
    expect(new Set(vectors.negative.map((v) => v.error.code)).size).toBeGreaterThanOrEqual(13);
  });
  // The shared checks assert by throwing (Deno runs them too); the expect states that each ran to its end.
  for (const v of vectors.positive) it(`positive: ${v.name}`, async () => expect(await checkPositive(vectors, v)).toBeUndefined());
  // Node's provider (node:crypto) writes each segment's ciphertext and tag as two pieces: same bytes.
  for (const v of vectors.positive) it(`positive, node:crypto provider: ${v.name}`, async () => expect(await checkPositive(vectors, v, nodeCrypto)).toBeUndefined());
  for (const v of vectors.negative) it(`negative: ${v.name}`, async () => expect(await checkNegative(vectors, v)).toBeUndefined());
});

/** A decoder from docs/FORMAT.md, sharing no code with src/sdk: node:crypto and Buffer only. */
function independentDecrypt(ct: Buffer, dataKey: Buffer, unstored: Record<string, string>): Buffer {
  const encodeContext = (c: Record<string, string>): Buffer => {
    const pairs = Object.entries(c)
      .map(([k, v]) => [Buffer.from(k), Buffer.from(v)] as const)
      .sort((a, b) => Buffer.compare(a[0], b[0]));
    if (!pairs.length) return Buffer.alloc(0);
    const parts: Buffer[] = [Buffer.from([pairs.length >> 8, pairs.length & 0xff])];
    for (const [k, v] of pairs) parts.push(Buffer.from([k.length >> 8, k.length & 0xff]), k, Buffer.from([v.length >> 8, v.length & 0xff]), v);
    return Buffer.concat(parts);
  };
  const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
  expect(ct.subarray(0, 5).toString('hex')).toBe('89454e5601');
  const suite = ct.readUInt16BE(5);
  expect(suite).toBe(1);
  const log2 = ct[7];
  const messageId = ct.subarray(9, 41);
  const ecLen = ct.readUInt16BE(41);
  const ec = ct.subarray(43, 43 + ecLen);
  let o = 43 + ecLen;
  const edks = ct.readUInt16BE(o);
  o += 2;
  for (let i = 0; i < edks * 3; i++) o += 2 + ct.readUInt16BE(o);
  const commitment = ct.subarray(o, o + 32);
  const mac = ct.subarray(o + 32, o + 64);
  const un = encodeContext(unstored);
  const ctx = createHash('sha256').update(Buffer.concat([u16(suite), Buffer.from([log2]), u16(ecLen), ec, u16(un.length), un])).digest();
  const info = (p: string) => Buffer.concat([Buffer.from('ENV1'), u16(suite), Buffer.from(p), ctx]);
  const kenc = Buffer.from(hkdfSync('sha512', dataKey, messageId, info('enc'), 32));
  const kcommit = Buffer.from(hkdfSync('sha512', dataKey, messageId, info('commit'), 32));
  const kmac = Buffer.from(hkdfSync('sha512', dataKey, messageId, info('hdr'), 32));
  expect(kcommit.equals(commitment)).toBe(true);
  expect(createHmac('sha256', kmac).update(Buffer.concat([ct.subarray(0, o + 32), u16(un.length), un])).digest().equals(mac)).toBe(true);
  o += 64;
  const S = 2 ** log2;
  const out: Buffer[] = [];
  for (let i = 0; ; i++) {
    const final = ct[o] === 1;
    const len = final ? ct.readUInt32BE(o + 1) : S;
    o += final ? 5 : 1;
    const nonce = Buffer.alloc(12);
    nonce.writeBigUInt64BE(BigInt(i), 3);
    nonce[11] = final ? 1 : 0;
    const d = createDecipheriv('aes-256-gcm', kenc, nonce).setAAD(Buffer.from('ENV1-seg')).setAuthTag(ct.subarray(o + len, o + len + 16));
    out.push(d.update(ct.subarray(o, o + len)), d.final());
    o += len + 16;
    if (final) break;
  }
  expect(o).toBe(ct.length);
  return Buffer.concat(out);
}

describe('ENV1 vectors (independent node:crypto decoder)', () => {
  const aes = vectors.positive.filter((v: PositiveVector) => v.suite === 1);
  for (const v of aes) {
    it(v.name, () => {
      const pt = independentDecrypt(Buffer.from(v.ciphertext, 'hex'), Buffer.from(v.dataKey, 'hex'), v.unstoredContext);
      expect(pt.toString('hex')).toBe(v.plaintext);
    });
  }
});
