// Synchronous SHA-2 and HMAC from @noble/hashes. Used where inputs are small and a WebCrypto round trip
// (an async hop to a thread pool) would cost more than the hash itself: request signing, digests of
// data keys. Bulk data goes through WebCrypto or the WASM core.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { toHex } from './encoding.ts';

export type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

const HASHES = { 'SHA-1': sha1, 'SHA-256': sha256, 'SHA-384': sha384, 'SHA-512': sha512 } as const;

export function digest(name: HashName, data: Uint8Array): Uint8Array {
  return HASHES[name](data);
}

export function sha256Hex(data: Uint8Array): string {
  return toHex(sha256(data), false);
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(sha256, key, data);
}

/**
 * HMAC-SHA256 under a fixed key, with the keyed inner and outer states computed once: for long-lived keys
 * (request-signing secrets) each MAC then costs only the message's compressions.
 */
export function keyedHmacSha256(key: Uint8Array): (data: Uint8Array) => Uint8Array {
  const base = hmac.create(sha256, key);
  return (data) => base.clone().update(data).digest();
}

export function hmacDigest(name: Exclude<HashName, 'SHA-1'>, key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(HASHES[name], key, data);
}

export const DIGEST_LENGTH: Record<HashName, number> = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };
