// RSA signature encodings of RFC 8017 over a precomputed digest:
// - EMSA-PSS-ENCODE / EMSA-PSS-VERIFY (9.1.1 / 9.1.2) with MGF1 (B.2.1) using the same hash as the message
//   digest, trailer 0xBC;
// - EMSA-PKCS1-v1_5-ENCODE (9.2) with the DigestInfo prefixes of 9.2 note 1.
// These are pure, synchronous functions (noble hashes) so they can be tested with fixed salts against
// published vectors.
//
// Pitfalls handled:
// - PSS operates on emBits = modBits - 1 and zeroes the leftmost 8·emLen - emBits bits of maskedDB; for a
//   modulus whose bit length is 1 mod 8 emLen is one byte shorter than k (the caller passes modBits).
// - PKCS#1 v1.5 verification must re-encode and compare the whole block, never parse it (parsing is what
//   made Bleichenbacher's 2006 e=3 forgery and its descendants possible). We only expose the encoder.
// - The salt length used by KMS (AWS and Huawei alike) is the hash length; verification takes sLen
//   explicitly and rejects any other salt length rather than auto-detecting it.

import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { concat, constantTimeEqual } from './bytes.ts';
import { AsymCryptoError } from './asym-error.ts';
import { fromHex as hex } from './encoding.ts';

export type ShaName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

interface HashSpec {
  readonly fn: (msg: Uint8Array) => Uint8Array;
  readonly len: number;
  /** DER of DigestInfo up to (and including) the digest OCTET STRING header, RFC 8017 9.2 note 1. */
  readonly digestInfoPrefix: Uint8Array;
}

export const HASHES: Readonly<Record<ShaName, HashSpec>> = Object.freeze({
  'SHA-1': { fn: (m) => sha1(m), len: 20, digestInfoPrefix: hex('3021300906052b0e03021a05000414') },
  'SHA-256': { fn: (m) => sha256(m), len: 32, digestInfoPrefix: hex('3031300d060960864801650304020105000420') },
  'SHA-384': { fn: (m) => sha384(m), len: 48, digestInfoPrefix: hex('3041300d060960864801650304020205000430') },
  'SHA-512': { fn: (m) => sha512(m), len: 64, digestInfoPrefix: hex('3051300d060960864801650304020305000440') },
});

export function hashSpec(name: ShaName): HashSpec {
  const h = HASHES[name];
  if (!h) throw new AsymCryptoError('UNSUPPORTED', `unsupported hash ${String(name)}`);
  return h;
}

/** MGF1 (RFC 8017 B.2.1): Hash(seed ‖ I2OSP(counter, 4)) for counter = 0, 1, ..., cut to maskLen. */
export function mgf1(seed: Uint8Array, maskLen: number, hash: ShaName): Uint8Array {
  const h = hashSpec(hash);
  const blocks = Math.ceil(maskLen / h.len);
  const out = new Uint8Array(blocks * h.len);
  const buf = new Uint8Array(seed.length + 4);
  buf.set(seed);
  const counter = new DataView(buf.buffer, seed.length);
  for (let i = 0; i < blocks; i++) {
    counter.setUint32(0, i);
    out.set(h.fn(buf), i * h.len);
  }
  return out.subarray(0, maskLen);
}

function checkDigest(mHash: Uint8Array, hash: ShaName): void {
  if (mHash.length !== hashSpec(hash).len) {
    throw new AsymCryptoError('INVALID_DIGEST_LENGTH', `${hash} digest must be ${hashSpec(hash).len} bytes`);
  }
}

/** EMSA-PSS-ENCODE(mHash, emBits) with an explicit salt. Returns EM of ceil(emBits/8) bytes. */
export function emsaPssEncode(mHash: Uint8Array, emBits: number, hash: ShaName, salt: Uint8Array): Uint8Array {
  checkDigest(mHash, hash);
  const hLen = hashSpec(hash).len;
  const emLen = Math.ceil(emBits / 8);
  if (emLen < hLen + salt.length + 2) throw new AsymCryptoError('INVALID_ARGUMENT', 'PSS encoding error: key too short');
  const mPrime = concat(new Uint8Array(8), mHash, salt);
  const H = hashSpec(hash).fn(mPrime);
  const db = new Uint8Array(emLen - hLen - 1);
  db[db.length - salt.length - 1] = 0x01;
  db.set(salt, db.length - salt.length);
  const mask = mgf1(H, db.length, hash);
  for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
  db[0] &= 0xff >>> (8 * emLen - emBits);
  return concat(db, H, Uint8Array.of(0xbc));
}

/** EMSA-PSS-VERIFY with a fixed salt length. Returns false on any inconsistency. */
export function emsaPssVerify(mHash: Uint8Array, em: Uint8Array, emBits: number, hash: ShaName, sLen: number): boolean {
  checkDigest(mHash, hash);
  const hLen = hashSpec(hash).len;
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || emLen < hLen + sLen + 2) return false;
  if (em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const H = em.subarray(emLen - hLen - 1, emLen - 1);
  const zeroBits = 8 * emLen - emBits;
  if (maskedDb[0] & ~(0xff >>> zeroBits) & 0xff) return false;
  const mask = mgf1(H, maskedDb.length, hash);
  const db = new Uint8Array(maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i] = maskedDb[i] ^ mask[i];
  db[0] &= 0xff >>> zeroBits;
  const psLen = emLen - hLen - sLen - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  const salt = db.subarray(db.length - sLen);
  return constantTimeEqual(H, hashSpec(hash).fn(concat(new Uint8Array(8), mHash, salt)));
}

/** DigestInfo DER for `digest` (RFC 8017 9.2 step 2). */
export function digestInfo(hash: ShaName, digest: Uint8Array): Uint8Array {
  checkDigest(digest, hash);
  return concat(hashSpec(hash).digestInfoPrefix, digest);
}

/** EMSA-PKCS1-v1_5-ENCODE over a digest: 0x00 0x01 FF…FF 0x00 DigestInfo, emLen bytes. */
export function emsaPkcs1v15Encode(hash: ShaName, digest: Uint8Array, emLen: number): Uint8Array {
  const t = digestInfo(hash, digest);
  if (emLen < t.length + 11) throw new AsymCryptoError('INVALID_ARGUMENT', 'intended encoded message length too short');
  const em = new Uint8Array(emLen).fill(0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[emLen - t.length - 1] = 0x00;
  em.set(t, emLen - t.length);
  return em;
}
