// SM3 and HMAC-SM3 from the WASM core against OpenSSL (node:crypto) and sm-crypto 0.3.13. The published
// vectors are in vectors.ts.
import nodeCrypto from 'node:crypto';
// @ts-expect-error sm-crypto ships no types
import smCrypto from 'sm-crypto';
import { describe, expect, it } from 'vitest';
import { createHmacSm3, createSm3, hmacSm3, sm3 } from '../../src/crypto/sm3.ts';
import { codeOf, hexOf, randomBytes, randomChunks, useWasm } from './setup.ts';

useWasm();

const smSm3 = smCrypto.sm3 as (input: Uint8Array, options?: { key: Uint8Array }) => string;

describe('SM3', () => {
  it('matches OpenSSL and sm-crypto for lengths 0..300 and around block boundaries', () => {
    for (let len = 0; len <= 300; len++) {
      const m = randomBytes(len);
      const want = nodeCrypto.createHash('sm3').update(m).digest('hex');
      expect(hexOf(sm3(m)), `length ${len}`).toBe(want);
      if (len % 7 === 0) expect(smSm3(m)).toBe(want);
    }
  });

  it('matches OpenSSL for large inputs, one-shot and in random chunks', () => {
    for (const len of [65535, 65536, 65537, 1 << 20, 3 * (1 << 20) + 1]) {
      const m = randomBytes(len);
      const want = nodeCrypto.createHash('sm3').update(m).digest('hex');
      expect(hexOf(sm3(m))).toBe(want);
      const h = createSm3();
      for (const c of randomChunks(m, 100_000)) h.update(c);
      expect(hexOf(h.digest())).toBe(want);
    }
  });

  it('hashes the concatenation of several parts', () => {
    const a = randomBytes(100);
    const b = randomBytes(37);
    expect(hexOf(sm3(a, b))).toBe(nodeCrypto.createHash('sm3').update(a).update(b).digest('hex'));
    expect(hexOf(sm3())).toBe(nodeCrypto.createHash('sm3').digest('hex'));
  });

  it('keeps no state across calls, even after a failed one', () => {
    const m = randomBytes(10);
    expect(codeOf(() => sm3(m, 'x' as unknown as Uint8Array))).toBe('INVALID_ARGUMENT');
    expect(hexOf(sm3(m))).toBe(nodeCrypto.createHash('sm3').update(m).digest('hex'));
  });

  it('misuse: digest twice, update after digest, use after free', () => {
    const h = createSm3();
    h.update(randomBytes(3)).digest();
    expect(codeOf(() => h.digest())).toBe('INVALID_STATE');
    expect(codeOf(() => h.update(new Uint8Array(1)))).toBe('INVALID_STATE');
    const g = createSm3();
    g.free();
    expect(codeOf(() => g.update(new Uint8Array(1)))).toBe('USE_AFTER_FREE');
  });
});

describe('HMAC-SM3', () => {
  it('matches OpenSSL and sm-crypto for key lengths around the block size', () => {
    for (const keyLen of [0, 1, 16, 32, 63, 64, 65, 100, 200]) {
      for (const len of [0, 1, 55, 56, 64, 1000]) {
        const key = randomBytes(keyLen);
        const m = randomBytes(len);
        const want = nodeCrypto.createHmac('sm3', key).update(m).digest('hex');
        expect(hexOf(hmacSm3(key, m)), `key ${keyLen}, data ${len}`).toBe(want);
        if (keyLen > 0) expect(smSm3(m, { key })).toBe(want);
      }
    }
  });

  it('incremental equals one-shot', () => {
    const key = randomBytes(40);
    const m = randomBytes(200_000);
    const h = createHmacSm3(key);
    for (const c of randomChunks(m, 5000)) h.update(c);
    expect(hexOf(h.digest())).toBe(nodeCrypto.createHmac('sm3', key).update(m).digest('hex'));
  });
});
