// AES-GCM from the WASM core against WebCrypto (Node's, i.e. OpenSSL; node:crypto for IV lengths WebCrypto
// refuses) for lengths from 0 to a few MiB
// with random chunk boundaries, in both directions, plus tampering and misuse. The published vectors are
// in vectors.ts.
import nodeCrypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { aesGcmDecrypt, aesGcmDecryptor, aesGcmEncrypt, aesGcmEncryptor } from '../../src/crypto/aes-gcm-stream.ts';
import { codeOf, concat, randomBytes, randomChunks, useWasm } from './setup.ts';

useWasm();

async function webEncrypt(key: Uint8Array<ArrayBuffer>, iv: Uint8Array<ArrayBuffer>, pt: Uint8Array<ArrayBuffer>, aad: Uint8Array<ArrayBuffer>, tagLength = 128): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
  return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad, tagLength }, k, pt));
}

const LENGTHS = [
  ...Array.from({ length: 40 }, (_, i) => i),
  ...Array.from({ length: 30 }, () => 40 + Math.floor(Math.random() * 3000)),
  511, 512, 513, 65535, 65536, 65537, 131072 + 7,
  1 << 20, (1 << 20) + 3, 3 * (1 << 20) + 13,
];

describe('AES-GCM vs WebCrypto', () => {
  for (const keyLen of [16, 32]) {
    it(`AES-${keyLen * 8}: encrypt in random chunks equals WebCrypto, ${LENGTHS.length} lengths up to 3 MiB`, async () => {
      for (const len of LENGTHS) {
        const key = randomBytes(keyLen);
        const iv = randomBytes(12);
        const aad = randomBytes(Math.floor(Math.random() * 100));
        const pt = randomBytes(len);
        const want = await webEncrypt(key, iv, pt, aad);
        const e = aesGcmEncryptor(key, iv, aad);
        const got = concat([...randomChunks(pt, len > 100_000 ? 300_000 : 97).map((c) => e.update(c)), e.final()]);
        expect(Buffer.from(got).equals(want), `length ${len}`).toBe(true);
        expect(Buffer.from(aesGcmEncrypt(key, iv, pt, aad)).equals(want), `one-shot ${len}`).toBe(true);
      }
    }, 120_000);

    it(`AES-${keyLen * 8}: decrypts WebCrypto's output in random chunks, one-shot too`, async () => {
      for (const len of LENGTHS) {
        const key = randomBytes(keyLen);
        const iv = randomBytes(12);
        const aad = randomBytes(Math.floor(Math.random() * 100));
        const pt = randomBytes(len);
        const sealed = await webEncrypt(key, iv, pt, aad);
        const ct = sealed.subarray(0, len);
        const tag = sealed.subarray(len);
        const d = aesGcmDecryptor(key, iv, aad);
        const got = concat(randomChunks(ct, len > 100_000 ? 300_000 : 97).map((c) => d.update(c)));
        d.final(tag);
        expect(Buffer.from(got).equals(pt), `length ${len}`).toBe(true);
        expect(Buffer.from(aesGcmDecrypt(key, iv, sealed, aad)).equals(pt)).toBe(true);
      }
    }, 120_000);
  }

  it('IV lengths other than 12 bytes and truncated tags match WebCrypto / OpenSSL', async () => {
    for (const ivLen of [1, 8, 13, 16, 60, 128]) {
      const key = randomBytes(32);
      const iv = randomBytes(ivLen);
      const pt = randomBytes(1000);
      const aad = randomBytes(20);
      // Node's WebCrypto takes 12..~1000-byte IVs, node:crypto 1..~255; we take 1..1024.
      const c = nodeCrypto.createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
      const want = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
      expect(Buffer.from(aesGcmEncrypt(key, iv, pt, aad)).equals(want), `IV ${ivLen}`).toBe(true);
      if (ivLen >= 12) expect(want.equals(await webEncrypt(key, iv, pt, aad))).toBe(true);
    }
    const key = randomBytes(16);
    const iv = randomBytes(1024);
    const pt = randomBytes(300);
    expect(Buffer.from(aesGcmDecrypt(key, iv, aesGcmEncrypt(key, iv, pt))).equals(pt)).toBe(true);
    for (const tagBits of [96, 104, 112, 120]) {
      const key = randomBytes(16);
      const iv = randomBytes(12);
      const pt = randomBytes(100);
      const sealed = await webEncrypt(key, iv, pt, new Uint8Array(), tagBits);
      expect(Buffer.from(aesGcmDecrypt(key, iv, sealed, undefined, { tagLength: tagBits / 8 })).equals(pt)).toBe(true);
      // Without the option the (shorter) tag is refused, whatever its bytes.
      expect(codeOf(() => aesGcmDecrypt(key, iv, sealed))).toBe('AUTH_FAILED');
    }
  });
});

// Long inputs take the bulk paths: GHASH switches to 16 interleaved streams (wasm/src/ghash.rs) that open
// at 2 KiB of data in one call or 128 blocks of AAD, stay open across update() calls on 512-byte
// boundaries and close whenever a partial block, the tag or more AAD needs the hash; with a 12-byte IV, AES
// starts counter blocks from a per-256-counters table of the state after round 2 (wasm/src/aes.rs). These
// chunkings cross every transition.
describe('AES-GCM bulk paths vs OpenSSL', () => {
  const CHUNKINGS: Record<string, (i: number) => number> = {
    'whole 512-byte chunks (streams stay open)': (i) => 512 * (1 + (i % 9)),
    'big and tiny chunks alternating (close and reopen)': (i) => (i % 2 ? 1 + (i % 15) : 4096 + 512 * (i % 3)),
    'around the 2 KiB threshold': (i) => [2047, 2048, 2049, 512, 1536, 2560][i % 6],
    'odd sizes': (i) => [5000, 3, 70001, 257, 9999][i % 5],
  };
  const pieces = (data: Uint8Array, size: (i: number) => number): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (let o = 0, i = 0; o < data.length; i++) {
      out.push(data.subarray(o, Math.min(data.length, o + size(i))));
      o += out[out.length - 1].length;
    }
    return out;
  };

  it('long AAD and chunkings that open, keep and close the streams, both directions', () => {
    for (const keyLen of [16, 32]) {
      for (const aadLen of [0, 100, 2047, 2048, 4101, 70_000]) {
        for (const [name, size] of Object.entries(CHUNKINGS)) {
          const key = randomBytes(keyLen);
          const iv = randomBytes(12);
          const aad = randomBytes(aadLen);
          const pt = randomBytes(150_000 + Math.floor(Math.random() * 1000));
          const c = nodeCrypto.createCipheriv(keyLen === 16 ? 'aes-128-gcm' : 'aes-256-gcm', key, iv).setAAD(aad);
          const want = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
          const what = `AES-${keyLen * 8}, AAD ${aadLen}, ${name}`;
          const e = aesGcmEncryptor(key, iv, aad);
          expect(want.equals(concat([...pieces(pt, size).map((p) => e.update(p)), e.final()])), what).toBe(true);
          const d = aesGcmDecryptor(key, iv, aad);
          const got = concat(pieces(want.subarray(0, pt.length), size).map((p) => d.update(p)));
          d.final(want.subarray(pt.length));
          expect(Buffer.from(got).equals(pt), `decrypt ${what}`).toBe(true);
        }
      }
    }
  }, 120_000);

  it('other IV lengths (counters derived from GHASH, no counter table) over long messages', () => {
    for (const ivLen of [8, 16, 100]) {
      for (const keyLen of [16, 32]) {
        const key = randomBytes(keyLen);
        const iv = randomBytes(ivLen);
        const pt = randomBytes(200_000 + ivLen);
        const c = nodeCrypto.createCipheriv(keyLen === 16 ? 'aes-128-gcm' : 'aes-256-gcm', key, iv);
        const want = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
        expect(want.equals(aesGcmEncrypt(key, iv, pt)), `IV ${ivLen}, AES-${keyLen * 8}`).toBe(true);
        expect(Buffer.from(aesGcmDecrypt(key, iv, want)).equals(pt)).toBe(true);
      }
    }
  });
});

describe('AES-GCM authentication failures', () => {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const aad = randomBytes(33);
  const pt = randomBytes(1000);
  let sealed: Uint8Array;
  beforeAll(() => {
    sealed = aesGcmEncrypt(key, iv, pt, aad);
  });

  it('any changed bit of ciphertext, tag, AAD, IV or key is refused', () => {
    for (const pos of [0, 500, 999, 1000, 1015]) {
      const bad = sealed.slice();
      bad[pos] ^= 0x01;
      expect(codeOf(() => aesGcmDecrypt(key, iv, bad, aad)), `byte ${pos}`).toBe('AUTH_FAILED');
    }
    const badAad = aad.slice();
    badAad[0] ^= 0x80;
    expect(codeOf(() => aesGcmDecrypt(key, iv, sealed, badAad))).toBe('AUTH_FAILED');
    expect(codeOf(() => aesGcmDecrypt(key, iv, sealed))).toBe('AUTH_FAILED');
    const badIv = iv.slice();
    badIv[11] ^= 1;
    expect(codeOf(() => aesGcmDecrypt(key, badIv, sealed, aad))).toBe('AUTH_FAILED');
    const badKey = key.slice();
    badKey[31] ^= 1;
    expect(codeOf(() => aesGcmDecrypt(badKey, iv, sealed, aad))).toBe('AUTH_FAILED');
    expect(codeOf(() => aesGcmDecrypt(key, iv, sealed.subarray(0, 10), aad))).toBe('AUTH_FAILED');
    expect(codeOf(() => aesGcmDecrypt(key, iv, sealed.subarray(0, sealed.length - 1), aad))).toBe('AUTH_FAILED');
  });

  it('the streaming decryptor reports the bad tag at final()', () => {
    const d = aesGcmDecryptor(key, iv, aad);
    d.update(sealed.subarray(0, 1000));
    const tag = sealed.slice(1000);
    tag[15] ^= 1;
    expect(codeOf(() => d.final(tag))).toBe('AUTH_FAILED');
    // The context is gone after final(), whatever its outcome.
    expect(codeOf(() => d.update(new Uint8Array(1)))).toBe('INVALID_STATE');
  });
});

describe('AES-GCM misuse gives clear errors', () => {
  const key = randomBytes(16);
  const iv = randomBytes(12);

  it('wrong key, IV and tag sizes', () => {
    for (const n of [0, 8, 15, 17, 24, 31, 33, 64]) expect(codeOf(() => aesGcmEncryptor(randomBytes(n), iv)), `key ${n}`).toBe('INVALID_KEY_SIZE');
    expect(() => aesGcmEncryptor(randomBytes(24), iv)).toThrow(/16 or 32 bytes, got 24/);
    for (const n of [0, 1025, 4096]) expect(codeOf(() => aesGcmEncrypt(key, new Uint8Array(n), new Uint8Array(1))), `IV ${n}`).toBe('INVALID_IV_SIZE');
    const d = aesGcmDecryptor(key, iv);
    expect(codeOf(() => d.final(new Uint8Array(12)))).toBe('INVALID_TAG_SIZE');
    d.free();
    for (const t of [0, 4, 8, 11, 17]) expect(codeOf(() => aesGcmDecryptor(key, iv, undefined, { tagLength: t })), `tagLength ${t}`).toBe('INVALID_TAG_SIZE');
  });

  it('non-byte arguments', () => {
    expect(codeOf(() => aesGcmEncryptor('k' as unknown as Uint8Array, iv))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => aesGcmEncrypt(key, iv, [1, 2, 3] as unknown as Uint8Array))).toBe('INVALID_ARGUMENT');
    const e = aesGcmEncryptor(key, iv);
    expect(codeOf(() => e.update(new ArrayBuffer(3) as unknown as Uint8Array))).toBe('INVALID_ARGUMENT');
    e.free();
  });

  it('use after final and after free', () => {
    const e = aesGcmEncryptor(key, iv);
    e.update(new Uint8Array(10));
    e.final();
    expect(codeOf(() => e.update(new Uint8Array(1)))).toBe('INVALID_STATE');
    expect(codeOf(() => e.final())).toBe('INVALID_STATE');
    e.free(); // idempotent after final
    const f = aesGcmEncryptor(key, iv);
    f.free();
    f.free();
    expect(codeOf(() => f.update(new Uint8Array(1)))).toBe('USE_AFTER_FREE');
    expect(codeOf(() => f.final())).toBe('USE_AFTER_FREE');
    expect(() => f.update(new Uint8Array(1))).toThrow(/used after free/);
  });

  it('encryptors are independent: interleaved streams give the one-shot results', () => {
    const keys = [randomBytes(16), randomBytes(32), randomBytes(16)];
    const data = keys.map(() => randomBytes(5000));
    const encs = keys.map((k) => aesGcmEncryptor(k, iv));
    const outs: Uint8Array[][] = keys.map(() => []);
    for (let o = 0; o < 5000; o += 700) encs.forEach((e, i) => outs[i].push(e.update(data[i].subarray(o, o + 700))));
    encs.forEach((e, i) => {
      outs[i].push(e.final());
      expect(Buffer.from(concat(outs[i])).equals(aesGcmEncrypt(keys[i], iv, data[i]))).toBe(true);
    });
  });
});
