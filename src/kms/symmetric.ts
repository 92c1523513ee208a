// Symmetric CMK algorithms, by key spec. Each one seals and opens the blobs of src/kms/ciphertext.ts; the
// key it works with is "prepared" once per key version (imported into WebCrypto, or expanded by the WASM
// core) and cached by src/kms/material.ts.
import { aesGcmOpen, aesGcmSeal, importAesGcmKey, type AesGcmKey } from '../crypto/aes-gcm.ts';
import { digest } from '../crypto/hash.ts';
import { BlobAlgorithm } from './ciphertext.ts';
import type { KeySpec } from './key-spec.ts';

export interface SymmetricAlgorithm<K = unknown> {
  blobAlgorithm: BlobAlgorithm;
  keyBytes: number;
  /** Digest appended to data keys in encrypt-datakey and reported by decrypt-datakey (32 bytes). */
  datakeyDigestName: 'SHA-256' | 'SM3';
  datakeyDigest(dek: Uint8Array): Uint8Array;
  /** Turns raw material into a reusable key; must not keep a reference to `raw` (the caller wipes it). */
  prepare(raw: Uint8Array): Promise<K>;
  seal(key: K, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Throws AuthenticationError when the tag does not verify. */
  open(key: K, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
}

export const AES_256_GCM: SymmetricAlgorithm<AesGcmKey> = {
  blobAlgorithm: BlobAlgorithm.AES_256_GCM,
  keyBytes: 32,
  datakeyDigestName: 'SHA-256',
  datakeyDigest: (dek) => digest('SHA-256', dek),
  prepare: (raw) => importAesGcmKey(raw),
  seal: aesGcmSeal,
  open: aesGcmOpen,
};

const BY_SPEC: Partial<Record<KeySpec, SymmetricAlgorithm>> = {
  AES_256: AES_256_GCM as SymmetricAlgorithm,
};

const BY_BLOB = new Map<number, KeySpec>([[BlobAlgorithm.AES_256_GCM, 'AES_256']]);

export function symmetricFor(spec: KeySpec): SymmetricAlgorithm | undefined {
  return BY_SPEC[spec];
}

/** The key spec a blob's algorithm byte belongs to. */
export function specForBlob(alg: number): KeySpec | undefined {
  return BY_BLOB.get(alg);
}
