// SHA-2 digests and HMAC, synchronous. The portable implementation is @noble/hashes; inputs here are small
// (request signing, data-key digests), where a WebCrypto round trip (an async hop) would cost more than
// the hash. A runtime with a native binding offers it in its crypto provider (src/crypto/provider.ts; Node:
// node:crypto, see src/runtime/node-crypto.ts), which the request verifier uses; the functions below are
// the portable ones. test/crypto/ checks both against the same vectors.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { utf8 } from './bytes.ts';
import { toHex } from './encoding.ts';

export type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

const HASHES = { 'SHA-1': sha1, 'SHA-256': sha256, 'SHA-384': sha384, 'SHA-512': sha512 } as const;

export const DIGEST_LENGTH: Record<HashName, number> = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

/** The hot-path hashes a runtime may bind natively. Strings are hashed as UTF-8. */
export interface HashImplementation {
  sha256(data: Uint8Array | string): Uint8Array;
  /** Lower-case hex SHA-256, where a binding computes it in one call (request signatures hash twice each). */
  sha256Hex?(data: Uint8Array | string): string;
  /** HMAC-SHA256 under a fixed key, with the keyed state prepared once. */
  keyedHmacSha256(key: Uint8Array): (data: Uint8Array | string) => Uint8Array;
}

const bytesOf = (d: Uint8Array | string) => (typeof d === 'string' ? utf8(d) : d);

export const nobleHashes: HashImplementation = {
  sha256: (data) => sha256(bytesOf(data)),
  keyedHmacSha256(key) {
    const base = hmac.create(sha256, key);
    return (data) => base.clone().update(bytesOf(data)).digest();
  },
};

export function digest(name: HashName, data: Uint8Array): Uint8Array {
  return HASHES[name](data);
}

export function sha256Hex(data: Uint8Array | string, hashes: HashImplementation = nobleHashes): string {
  return hashes.sha256Hex ? hashes.sha256Hex(data) : toHex(hashes.sha256(data), false);
}

export function hmacSha256(key: Uint8Array, data: Uint8Array | string): Uint8Array {
  return hmac(sha256, key, bytesOf(data));
}

export function hmacDigest(name: Exclude<HashName, 'SHA-1'>, key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(HASHES[name], key, data);
}
