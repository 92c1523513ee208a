// RSA primitives over BigInt (RFC 8017 5.1/5.2: RSAEP/RSAVP1 and RSADP/RSASP1 with CRT), used only where
// WebCrypto cannot help: signing a caller-supplied digest (message_type DIGEST) and checking DIGEST
// signatures. Everything else (RAW signing, OAEP) goes through WebCrypto, i.e. the platform's OpenSSL /
// BoringSSL / RustCrypto.
//
// Side channels, honestly:
// - JavaScript BigInt arithmetic is NOT constant-time: multiplication, reduction and the window-table
//   lookups take time that depends on the operands. We cannot fix that in JS; we make it hard to exploit:
// - Base blinding (Kocher 1996, as OpenSSL does): the exponentiation runs on c' = c·r^e mod n for a fresh
//   random r and the result is multiplied by r^-1. The values being exponentiated are then uniformly random
//   and unrelated to the caller's input, so chosen-input timing attacks (Kocher, Brumley-Boneh) that
//   correlate input with time learn nothing.
// - Exponent blinding (Coron 1999): each operation uses d_p + k_p·(p-1) and d_q + k_q·(q-1) with fresh
//   64-bit k. The exponent bit pattern changes every call, so timings or traces from many signatures cannot
//   be averaged to recover d_p / d_q. A single-trace attack on one exponentiation remains possible in
//   principle for an attacker who can observe this process at the micro-architectural level.
// - Fault countermeasure (Boneh-DeMillo-Lipton / Lenstra's CRT fault attack): the result is checked with
//   the public exponent (s^e mod n == input) before it is returned; a faulty CRT half would otherwise
//   reveal a factor of n from one bad signature.
// - BigInts cannot be zeroed; private values live until the GC reclaims them.
// Cost on this machine: about 6 ms (RSA-2048), 16 ms (3072), 33 ms (4096) per DIGEST signature, on the
// calling thread (it blocks the event loop for that long).

import { AsymCryptoError } from './asym-error.ts';

export type RandomFill = (buf: Uint8Array) => Uint8Array;

/** crypto.getRandomValues into `buf` (chunked: the API refuses more than 65536 bytes per call). */
export const randomFill: RandomFill = (buf) => {
  for (let off = 0; off < buf.length; off += 65536) {
    crypto.getRandomValues(buf.subarray(off, Math.min(buf.length, off + 65536)) as Uint8Array<ArrayBuffer>);
  }
  return buf;
};
const defaultRandom = randomFill;

export function bytesToBigInt(b: Uint8Array): bigint {
  let hex = '';
  for (const x of b) hex += x.toString(16).padStart(2, '0');
  return hex.length === 0 ? 0n : BigInt('0x' + hex);
}

/** I2OSP: big-endian, exactly `len` bytes; throws if x does not fit. */
export function bigIntToBytes(x: bigint, len: number): Uint8Array {
  if (x < 0n) throw new RangeError('negative integer');
  let hex = x.toString(16);
  if (hex.length > 2 * len) throw new RangeError('integer too large');
  hex = hex.padStart(2 * len, '0');
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const WINDOW = 5;

/** base^exp mod m, fixed 5-bit windows (a multiplication per window whatever its bits). */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m <= 0n) throw new RangeError('modulus must be positive');
  if (exp < 0n) throw new RangeError('negative exponent');
  const b = ((base % m) + m) % m;
  const table: bigint[] = [1n, b];
  for (let i = 2; i < 1 << WINDOW; i++) table.push((table[i - 1] * b) % m);
  const bits = exp.toString(2);
  const s = bits.padStart(Math.ceil(bits.length / WINDOW) * WINDOW, '0');
  let r = 1n;
  for (let i = 0; i < s.length; i += WINDOW) {
    for (let j = 0; j < WINDOW; j++) r = (r * r) % m;
    r = (r * table[parseInt(s.slice(i, i + WINDOW), 2)]) % m;
  }
  return r;
}

/** a^-1 mod m (extended Euclid); throws if gcd(a, m) != 1. */
export function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [((a % m) + m) % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new RangeError('not invertible');
  return ((s0 % m) + m) % m;
}

/** Uniform-enough integer in [0, n-1]: 64 extra random bits make the modulo bias negligible (< 2^-64). */
function randomBelow(n: bigint, random: RandomFill): bigint {
  const buf = random(new Uint8Array(Math.ceil(n.toString(2).length / 8) + 8));
  const x = bytesToBigInt(buf) % n;
  buf.fill(0);
  return x;
}

export interface RsaPublicNumbers {
  readonly n: bigint;
  readonly e: bigint;
}

export interface RsaCrtNumbers extends RsaPublicNumbers {
  readonly p: bigint;
  readonly q: bigint;
  readonly dp: bigint;
  readonly dq: bigint;
  readonly qi: bigint;
}

/** RSAVP1 / RSAEP: x^e mod n, with the range check of RFC 8017 5.2.2 step 1. */
export function rsaPublic(x: bigint, key: RsaPublicNumbers): bigint {
  if (x < 0n || x >= key.n) throw new AsymCryptoError('INVALID_ARGUMENT', 'RSA representative out of range');
  return modPow(x, key.e, key.n);
}

/**
 * RSASP1 / RSADP with CRT, base blinding, exponent blinding and a public-exponent self-check (see the top
 * of this file). `random` is injectable for tests only.
 */
export function rsaPrivate(x: bigint, key: RsaCrtNumbers, random: RandomFill = defaultRandom): bigint {
  const { n, e, p, q, dp, dq, qi } = key;
  if (x < 0n || x >= n) throw new AsymCryptoError('INVALID_ARGUMENT', 'RSA representative out of range');

  // Base blinding: r uniform in [1, n-1] and invertible (a non-invertible r, 0 or a multiple of a factor
  // of n, comes only with negligible probability, but is drawn again rather than failing).
  let r: bigint;
  let rInv: bigint;
  for (;;) {
    r = randomBelow(n, random);
    try {
      rInv = modInverse(r, n);
      break;
    } catch {
      // not invertible: draw again
    }
  }
  const blinded = (x * modPow(r, e, n)) % n;

  // Exponent blinding with fresh 64-bit multiples of p-1 and q-1.
  const kBytes = random(new Uint8Array(16));
  const kp = bytesToBigInt(kBytes.subarray(0, 8));
  const kq = bytesToBigInt(kBytes.subarray(8));
  kBytes.fill(0);
  const m1 = modPow(blinded % p, dp + kp * (p - 1n), p);
  const m2 = modPow(blinded % q, dq + kq * (q - 1n), q);
  // Garner recombination: h = qi·(m1 - m2) mod p; m = m2 + h·q.
  const h = (qi * (((m1 - m2) % p) + p)) % p;
  const mBlinded = m2 + h * q;
  const result = (mBlinded * rInv) % n;

  if (modPow(result, e, n) !== x) {
    throw new AsymCryptoError('INTERNAL', 'RSA private operation failed its self-check; result withheld');
  }
  return result;
}
