// Symmetric CMK algorithms, by key spec. Each one seals and opens the blobs of src/kms/ciphertext.ts; the
// key it works with is "prepared" once per key version (imported into WebCrypto, or copied for the WASM
// core) and cached by src/kms/material.ts.
//
// SM4 keys use SM4-GCM (NIST SP 800-38D with SM4 as the block cipher, as RFC 8998 does) from the WASM core,
// with the same 12-byte IVs, 16-byte tags and blob layout as AES-256-GCM (blob algorithm 2), and SM3 as
// the data-key digest (docs/kms-api.md, encrypt-datakey: takes DEK ‖ SM3(DEK) for SM4 CMKs). The core expands the
// 16-byte key on each call (cheap next to the call itself), so the prepared key is a private copy of the
// raw bytes, zeroed by dispose() when the material cache drops it.
import { AuthenticationError, aesGcmOpen, aesGcmSeal, importAesGcmKey, type AesGcmKey } from '../crypto/aes-gcm.ts';
import { digest } from '../crypto/hash.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { sm3 } from '../crypto/sm3.ts';
import { SM4_KEY_BYTES, sm4GcmDecrypt, sm4GcmEncrypt } from '../crypto/sm4.ts';
import { WasmCryptoError } from '../crypto/wasm/errors.ts';
import { BlobAlgorithm } from './ciphertext.ts';
import type { KeySpec } from './key-spec.ts';

export interface SymmetricAlgorithm<K = unknown> {
  blobAlgorithm: BlobAlgorithm;
  keyBytes: number;
  /** Digest appended to data keys in encrypt-datakey and reported by decrypt-datakey (32 bytes). */
  datakeyDigestName: 'SHA-256' | 'SM3';
  datakeyDigest(dek: Uint8Array): Uint8Array;
  /**
   * Turns raw material into a reusable key with the deployment's crypto; must not keep a reference to
   * `raw` (the caller wipes it).
   */
  prepare(raw: Uint8Array, crypto: CryptoProvider): Promise<K>;
  seal(key: K, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Throws AuthenticationError when the tag does not verify. */
  open(key: K, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
}

export const AES_256_GCM: SymmetricAlgorithm<AesGcmKey> = {
  blobAlgorithm: BlobAlgorithm.AES_256_GCM,
  keyBytes: 32,
  datakeyDigestName: 'SHA-256',
  datakeyDigest: (dek) => digest('SHA-256', dek),
  prepare: (raw, crypto) => importAesGcmKey(raw, crypto.aesGcm),
  seal: aesGcmSeal,
  open: aesGcmOpen,
};

/** A prepared SM4 key: its own copy of the 16 key bytes. */
export interface Sm4Key {
  readonly bytes: Uint8Array;
  dispose(): void;
}

export const SM4_GCM: SymmetricAlgorithm<Sm4Key> = {
  blobAlgorithm: BlobAlgorithm.SM4_GCM,
  keyBytes: SM4_KEY_BYTES,
  datakeyDigestName: 'SM3',
  datakeyDigest: (dek) => sm3(dek),
  async prepare(raw) {
    if (raw.length !== SM4_KEY_BYTES) throw new RangeError(`SM4 key must be ${SM4_KEY_BYTES} bytes, got ${raw.length}`);
    const bytes = raw.slice();
    return { bytes, dispose: () => bytes.fill(0) };
  },
  async seal(key, iv, plaintext, aad) {
    return sm4GcmEncrypt(key.bytes, iv, plaintext, aad);
  },
  async open(key, iv, sealed, aad) {
    try {
      return sm4GcmDecrypt(key.bytes, iv, sealed, aad);
    } catch (e) {
      // A short or altered ciphertext is one failure, as for AES-GCM.
      if (e instanceof WasmCryptoError && (e.code === 'AUTH_FAILED' || e.code === 'INVALID_TAG_SIZE')) throw new AuthenticationError();
      throw e;
    }
  },
};

const BY_SPEC: Partial<Record<KeySpec, SymmetricAlgorithm>> = {
  AES_256: AES_256_GCM as SymmetricAlgorithm,
  SM4: SM4_GCM as SymmetricAlgorithm,
};

const BY_BLOB = new Map<number, KeySpec>([
  [BlobAlgorithm.AES_256_GCM, 'AES_256'],
  [BlobAlgorithm.SM4_GCM, 'SM4'],
]);

export function symmetricFor(spec: KeySpec): SymmetricAlgorithm | undefined {
  return BY_SPEC[spec];
}

/** The key spec a blob's algorithm byte belongs to. */
export function specForBlob(alg: number): KeySpec | undefined {
  return BY_BLOB.get(alg);
}
