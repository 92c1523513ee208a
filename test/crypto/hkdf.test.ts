// HKDF: RFC 5869's published vectors for the generic construction, @noble's HKDF-SHA-512 against it, and
// HKDF over HMAC-SM3 against the same construction built on sm-crypto's independent HMAC-SM3.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
// @ts-expect-error sm-crypto ships no types
import smCrypto from 'sm-crypto';
import { describe, expect, it } from 'vitest';
import { hkdfFromHmac, hkdfSha256, hkdfSha512, hkdfSm3 } from '../../src/crypto/hkdf.ts';
import { useWasm } from '../wasm/setup.ts';

useWasm();
const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// RFC 5869 appendix A.1 and A.3 (SHA-256).
const RFC = [
  {
    ikm: '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b',
    salt: '000102030405060708090a0b0c',
    info: 'f0f1f2f3f4f5f6f7f8f9',
    L: 42,
    prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
    okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  },
  {
    ikm: '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b',
    salt: '',
    info: '',
    L: 42,
    prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
    okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
  },
];

describe('HKDF', () => {
  const generic256 = hkdfFromHmac(Object.assign((k: Uint8Array, d: Uint8Array) => hmac(sha256, k, d), { outputBytes: 32 }));
  for (const [i, v] of RFC.entries()) {
    it(`RFC 5869 vector ${i + 1}: generic construction and @noble agree with the published bytes`, () => {
      for (const h of [generic256, hkdfSha256]) {
        const prk = h.extract(hex(v.salt), hex(v.ikm));
        expect(toHex(prk)).toBe(v.prk);
        expect(toHex(h.expand(prk, hex(v.info), v.L))).toBe(v.okm);
      }
    });
  }

  it('HKDF-SHA-512 (@noble) equals the generic construction over HMAC-SHA-512 and WebCrypto', async () => {
    const g = hkdfFromHmac(Object.assign((k: Uint8Array, d: Uint8Array) => hmac(sha512, k, d), { outputBytes: 64 }));
    const ikm = hex('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff');
    const salt = new Uint8Array(32).fill(7);
    const info = new TextEncoder().encode('ENV1 test');
    const ours = hkdfSha512.expand(hkdfSha512.extract(salt, ikm), info, 100);
    expect(toHex(g.expand(g.extract(salt, ikm), info, 100))).toBe(toHex(ours));
    const key = await crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
    const web = new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-512', salt, info }, key, 800));
    expect(toHex(web)).toBe(toHex(ours));
  });

  it('HKDF over HMAC-SM3 (WASM) equals the construction over sm-crypto HMAC-SM3', () => {
    const smHmac = Object.assign((k: Uint8Array, d: Uint8Array) => hex(smCrypto.sm3(Array.from(d), { key: toHex(k) })), { outputBytes: 32 });
    const ref = hkdfFromHmac(smHmac);
    const ikm = hex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b');
    const salt = hex('000102030405060708090a0b0c');
    const info = hex('f0f1f2f3f4f5f6f7f8f9');
    const prk = hkdfSm3.extract(salt, ikm);
    expect(toHex(prk)).toBe(toHex(ref.extract(salt, ikm)));
    expect(toHex(hkdfSm3.expand(prk, info, 82))).toBe(toHex(ref.expand(prk, info, 82)));
    expect(toHex(hkdfSm3.extract(new Uint8Array(0), ikm))).toBe(toHex(ref.extract(new Uint8Array(32), ikm)));
  });

  it('refuses lengths outside 1..255*HashLen', () => {
    expect(() => hkdfSm3.expand(new Uint8Array(32), new Uint8Array(0), 255 * 32 + 1)).toThrow(RangeError);
    expect(() => hkdfSm3.expand(new Uint8Array(32), new Uint8Array(0), 0)).toThrow(RangeError);
  });
});
