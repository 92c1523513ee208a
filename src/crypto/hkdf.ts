// HKDF (RFC 5869) over any HMAC. HKDF-SHA-512 is @noble/hashes'; the same construction over HMAC-SM3 (the
// WASM core) serves the SM suites, for which no library offers it. Both are short: a message's key
// schedule is a handful of HMAC calls, so nothing here is performance-sensitive.
import { expand, extract } from '@noble/hashes/hkdf.js';
import type { CHash } from '@noble/hashes/utils.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { concat } from './bytes.ts';
import { hmacSm3 } from './sm3.ts';

/** An HMAC as a plain function, with its output length. */
export interface Hmac {
  readonly outputBytes: number;
  (key: Uint8Array, data: Uint8Array): Uint8Array;
}

/** HKDF with one hash: extract a pseudorandom key, expand it into any number of labelled keys. */
export interface Hkdf {
  extract(salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  expand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
}

/** HKDF from an HMAC function, written out from RFC 5869 section 2. */
export function hkdfFromHmac(mac: Hmac): Hkdf {
  const n = mac.outputBytes;
  return {
    // An absent salt is a string of HashLen zeros (section 2.2).
    extract: (salt, ikm) => mac(salt.length ? salt : new Uint8Array(n), ikm),
    expand(prk, info, length) {
      if (!Number.isInteger(length) || length < 1 || length > 255 * n) throw new RangeError(`HKDF length must be 1..${255 * n}`);
      const out = new Uint8Array(length);
      let t: Uint8Array = new Uint8Array(0);
      for (let i = 1, o = 0; o < length; i++, o += n) {
        t = mac(prk, concat(t, info, Uint8Array.of(i)));
        out.set(t.subarray(0, Math.min(n, length - o)), o);
      }
      t.fill(0);
      return out;
    },
  };
}

const nobleHkdf = (hash: CHash): Hkdf => ({
  extract: (salt, ikm) => extract(hash, ikm, salt),
  expand: (prk, info, length) => expand(hash, prk, info, length),
});

export const hkdfSha256: Hkdf = nobleHkdf(sha256);
export const hkdfSha512: Hkdf = nobleHkdf(sha512);

/** HKDF over HMAC-SM3 (GB/T 32905 hash, RFC 2104 HMAC). Needs the WASM core loaded. */
export const hkdfSm3: Hkdf = hkdfFromHmac(Object.assign((k: Uint8Array, d: Uint8Array) => hmacSm3(k, d), { outputBytes: 32 }));
