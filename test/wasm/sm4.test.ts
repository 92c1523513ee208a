// SM4 from the WASM core against independent implementations: OpenSSL through node:crypto (ECB, CBC, and
// SM4-GCM assembled from OpenSSL's SM4-CTR and SM4-ECB with @noble/ciphers' GHASH) and sm-crypto 0.3.13
// (ECB, CBC), in both directions. The published vectors are in vectors.ts.
import nodeCrypto from 'node:crypto';
import { GHASH } from '@noble/ciphers/_polyval.js';
// @ts-expect-error sm-crypto ships no types
import smCrypto from 'sm-crypto';
import { describe, expect, it } from 'vitest';
import {
  sm4CbcDecrypt,
  sm4CbcEncrypt,
  sm4EcbDecrypt,
  sm4EcbEncrypt,
  sm4GcmDecrypt,
  sm4GcmDecryptor,
  sm4GcmEncrypt,
  sm4GcmEncryptor,
  type Sm4UnauthenticatedOptions,
} from '../../src/crypto/sm4.ts';
import { codeOf, concat, hexOf, randomBytes, randomChunks, useWasm } from './setup.ts';

useWasm();

const sm4js = smCrypto.sm4 as {
  encrypt(data: Uint8Array, key: string, opts: object): number[];
  decrypt(data: Uint8Array, key: string, opts: object): number[];
};
const same = (a: Uint8Array | number[], b: Uint8Array | number[]) => Buffer.from(a as Uint8Array).equals(Buffer.from(b as Uint8Array));

/** SM4-GCM per SP 800-38D from OpenSSL's SM4 (ECB for H and E(J0), CTR for the data) and noble's GHASH. */
function referenceSm4Gcm(key: Uint8Array, iv: Uint8Array, pt: Uint8Array, aad: Uint8Array): Uint8Array {
  const ecb = (b: Uint8Array) => nodeCrypto.createCipheriv('sm4-ecb', key, null).setAutoPadding(false).update(b);
  const h = ecb(new Uint8Array(16));
  const j0 = concat([iv, Uint8Array.of(0, 0, 0, 1)]);
  const ctr0 = concat([iv, Uint8Array.of(0, 0, 0, 2)]);
  // OpenSSL's CTR increments all 128 bits; with a fresh 32-bit counter at 2 it never carries out of them here.
  const ct = nodeCrypto.createCipheriv('sm4-ctr', key, ctr0).update(pt);
  const lens = new Uint8Array(16);
  new DataView(lens.buffer).setBigUint64(0, BigInt(aad.length) * 8n);
  new DataView(lens.buffer).setBigUint64(8, BigInt(pt.length) * 8n);
  const s = new GHASH(h).update(aad).update(ct).update(lens).digest();
  const ej0 = ecb(j0);
  return concat([ct, s.map((x, i) => x ^ ej0[i])]);
}

const LENGTHS = [0, 1, 15, 16, 17, 31, 32, 33, 255, 511, 512, 513, 1000, 4096, 65535, 65536, 65537, 300_001, (1 << 20) + 5];

describe('SM4-GCM vs OpenSSL SM4 + GHASH', () => {
  it('one-shot and random chunking, both directions', () => {
    for (const len of LENGTHS) {
      const key = randomBytes(16);
      const iv = randomBytes(12);
      const aad = randomBytes(len % 53);
      const pt = randomBytes(len);
      const want = referenceSm4Gcm(key, iv, pt, aad);
      expect(same(sm4GcmEncrypt(key, iv, pt, aad), want), `encrypt ${len}`).toBe(true);
      const e = sm4GcmEncryptor(key, iv, aad);
      expect(same(concat([...randomChunks(pt, 1000).map((c) => e.update(c)), e.final()]), want), `stream ${len}`).toBe(true);
      const d = sm4GcmDecryptor(key, iv, aad);
      const got = concat(randomChunks(want.subarray(0, len), 777).map((c) => d.update(c)));
      d.final(want.subarray(len));
      expect(same(got, pt), `decrypt ${len}`).toBe(true);
      expect(same(sm4GcmDecrypt(key, iv, want, aad), pt)).toBe(true);
    }
  }, 60_000);

  it('long AAD and 512-byte-aligned chunks (the GHASH streams stay open across calls)', () => {
    for (const aadLen of [2048, 5000]) {
      const key = randomBytes(16);
      const iv = randomBytes(12);
      const aad = randomBytes(aadLen);
      const pt = randomBytes(100_000);
      const want = referenceSm4Gcm(key, iv, pt, aad);
      const e = sm4GcmEncryptor(key, iv, aad);
      const parts: Uint8Array[] = [];
      for (let o = 0, i = 0; o < pt.length; o += 512 * (1 + (i++ % 7))) parts.push(e.update(pt.subarray(o, o + 512 * (1 + (i % 7)))));
      expect(same(concat([...parts, e.final()]), want), `AAD ${aadLen}`).toBe(true);
    }
  });

  it('refuses tampering and wrong sizes', () => {
    const key = randomBytes(16);
    const iv = randomBytes(12);
    const sealed = sm4GcmEncrypt(key, iv, randomBytes(100));
    const bad = sealed.slice();
    bad[50] ^= 4;
    expect(codeOf(() => sm4GcmDecrypt(key, iv, bad))).toBe('AUTH_FAILED');
    expect(codeOf(() => sm4GcmEncrypt(randomBytes(32), iv, sealed))).toBe('INVALID_KEY_SIZE');
    expect(codeOf(() => sm4GcmEncrypt(key, new Uint8Array(0), sealed))).toBe('INVALID_IV_SIZE');
  });
});

const OPT: Sm4UnauthenticatedOptions = { unauthenticated: true };
const RAW: Sm4UnauthenticatedOptions = { unauthenticated: true, padding: 'none' };

describe('SM4-ECB / SM4-CBC vs OpenSSL and sm-crypto', () => {
  it('PKCS#7 padding (the default), both directions', () => {
    for (const len of [0, 1, 15, 16, 17, 100, 512, 513, 5000, 70_000]) {
      const key = randomBytes(16);
      const iv = randomBytes(16);
      const pt = randomBytes(len);
      const ecbRef = (() => {
        const c = nodeCrypto.createCipheriv('sm4-ecb', key, null);
        return Buffer.concat([c.update(pt), c.final()]);
      })();
      const cbcRef = (() => {
        const c = nodeCrypto.createCipheriv('sm4-cbc', key, iv);
        return Buffer.concat([c.update(pt), c.final()]);
      })();
      expect(same(sm4EcbEncrypt(key, pt, OPT), ecbRef), `ECB ${len}`).toBe(true);
      expect(same(sm4CbcEncrypt(key, iv, pt, OPT), cbcRef), `CBC ${len}`).toBe(true);
      expect(same(sm4EcbDecrypt(key, ecbRef, OPT), pt)).toBe(true);
      expect(same(sm4CbcDecrypt(key, iv, cbcRef, OPT), pt)).toBe(true);
      if (len <= 5000) {
        // sm-crypto: ECB is its default mode; keys and IVs are hex strings.
        expect(same(sm4js.encrypt(pt, hexOf(key), { output: 'array' }), ecbRef), `sm-crypto ECB ${len}`).toBe(true);
        expect(same(sm4js.encrypt(pt, hexOf(key), { mode: 'cbc', iv: hexOf(iv), output: 'array' }), cbcRef)).toBe(true);
        expect(same(sm4js.decrypt(sm4EcbEncrypt(key, pt, OPT), hexOf(key), { output: 'array' }), pt)).toBe(true);
        expect(same(sm4js.decrypt(sm4CbcEncrypt(key, iv, pt, OPT), hexOf(key), { mode: 'cbc', iv: hexOf(iv), output: 'array' }), pt)).toBe(true);
      }
    }
  });

  it("padding 'none' over whole blocks, both directions", () => {
    for (const len of [16, 32, 512, 528, 4096 + 16]) {
      const key = randomBytes(16);
      const iv = randomBytes(16);
      const pt = randomBytes(len);
      const ecb = nodeCrypto.createCipheriv('sm4-ecb', key, null).setAutoPadding(false).update(pt);
      const cbc = nodeCrypto.createCipheriv('sm4-cbc', key, iv).setAutoPadding(false).update(pt);
      expect(same(sm4EcbEncrypt(key, pt, RAW), ecb)).toBe(true);
      expect(same(sm4CbcEncrypt(key, iv, pt, RAW), cbc)).toBe(true);
      expect(same(sm4EcbDecrypt(key, ecb, RAW), pt)).toBe(true);
      expect(same(sm4CbcDecrypt(key, iv, cbc, RAW), pt)).toBe(true);
      expect(same(sm4js.encrypt(pt, hexOf(key), { padding: 'none', output: 'array' }), ecb)).toBe(true);
      expect(same(sm4js.decrypt(cbc, hexOf(key), { mode: 'cbc', iv: hexOf(iv), padding: 'none', output: 'array' }), pt)).toBe(true);
    }
  });

  it('requires the explicit opt-in', () => {
    const key = randomBytes(16);
    const iv = randomBytes(16);
    const anyOpt = (o: unknown) => o as Sm4UnauthenticatedOptions;
    for (const o of [undefined, {}, { unauthenticated: false }, { unauthenticated: 'yes' }]) {
      expect(codeOf(() => sm4CbcEncrypt(key, iv, new Uint8Array(16), anyOpt(o)))).toBe('INVALID_ARGUMENT');
      expect(codeOf(() => sm4EcbDecrypt(key, new Uint8Array(16), anyOpt(o)))).toBe('INVALID_ARGUMENT');
    }
    expect(() => sm4EcbEncrypt(key, new Uint8Array(16), anyOpt(undefined))).toThrow(/no integrity protection.*unauthenticated: true/);
    expect(codeOf(() => sm4EcbEncrypt(key, new Uint8Array(16), anyOpt({ unauthenticated: true, padding: 'zero' })))).toBe('INVALID_ARGUMENT');
  });

  it('bad padding, lengths and sizes', () => {
    const key = randomBytes(16);
    const iv = randomBytes(16);
    // A random last block almost never unpads; every failure is the same error.
    let failures = 0;
    for (let i = 0; i < 50; i++) {
      const code = codeOf(() => sm4CbcDecrypt(key, iv, randomBytes(32), OPT));
      if (code !== undefined) {
        expect(code).toBe('DECRYPT_FAILED');
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(40);
    // Valid padding bytes but n = 0 or n > 16 after decryption: forge them with padding 'none'.
    for (const last of [0, 17, 255]) {
      const block = new Uint8Array(16).fill(last);
      const ct = sm4CbcEncrypt(key, iv, block, RAW);
      expect(codeOf(() => sm4CbcDecrypt(key, iv, ct, OPT)), `pad byte ${last}`).toBe('DECRYPT_FAILED');
    }
    expect(codeOf(() => sm4EcbDecrypt(key, new Uint8Array(0), OPT))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => sm4EcbDecrypt(key, new Uint8Array(17), OPT))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => sm4EcbEncrypt(key, new Uint8Array(17), RAW))).toBe('INVALID_LENGTH');
    expect(codeOf(() => sm4EcbEncrypt(randomBytes(15), new Uint8Array(16), OPT))).toBe('INVALID_KEY_SIZE');
    expect(codeOf(() => sm4CbcEncrypt(key, randomBytes(12), new Uint8Array(16), OPT))).toBe('INVALID_IV_SIZE');
  });
});
