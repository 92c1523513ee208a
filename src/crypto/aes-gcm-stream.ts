// AES-128/256-GCM (FIPS 197, NIST SP 800-38D), incremental, from the WASM core: constant-time bitsliced
// AES and table-free GHASH (see wasm/README.md). WebCrypto can only do one-shot GCM (the whole message in
// memory); this streams with bounded memory and produces exactly WebCrypto's bytes (ciphertext ‖ 16-byte
// tag) for any chunking.
//
// Pitfalls:
// - Never reuse an (key, IV) pair: GCM loses confidentiality and authenticity. Use 12-byte random or
//   counter IVs (other lengths are allowed for interoperability only).
// - Streaming decryption returns plaintext before the tag is verified. Do not act on it until final(tag)
//   returns (see src/crypto/wasm/gcm.ts); aesGcmDecrypt() does that for whole messages.
// - Call initWasm() once per runtime before using anything here.

import {
  gcmDecrypt,
  gcmDecryptor,
  gcmEncrypt,
  gcmEncryptor,
  type GcmDecryptOptions,
  type GcmDecryptor,
  type GcmEncryptor,
} from './wasm/gcm.ts';

export type { GcmDecryptOptions, GcmDecryptor, GcmEncryptor };

/** Incremental AES-GCM encryption: update(chunk)* then final() → 16-byte tag. Key 16 or 32 bytes. */
export function aesGcmEncryptor(key: Uint8Array, iv: Uint8Array, aad?: Uint8Array): GcmEncryptor {
  return gcmEncryptor('AES', key, iv, aad);
}

/** Incremental AES-GCM decryption: update(chunk)* (unverified output) then final(tag), which throws AUTH_FAILED on mismatch. */
export function aesGcmDecryptor(key: Uint8Array, iv: Uint8Array, aad?: Uint8Array, options?: GcmDecryptOptions): GcmDecryptor {
  return gcmDecryptor('AES', key, iv, aad, options);
}

/** One-shot AES-GCM: ciphertext ‖ 16-byte tag, identical to WebCrypto's encrypt(). */
export function aesGcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  return gcmEncrypt('AES', key, iv, plaintext, aad);
}

/** One-shot AES-GCM decryption of ciphertext ‖ tag; returns the plaintext only if the tag verifies. */
export function aesGcmDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, aad?: Uint8Array, options?: GcmDecryptOptions): Uint8Array {
  return gcmDecrypt('AES', key, iv, data, aad, options);
}
