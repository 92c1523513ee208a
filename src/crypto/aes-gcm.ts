// One-shot AES-GCM over WebCrypto (NIST SP 800-38D): 96-bit IVs, 128-bit tags. WebCrypto is backed by
// constant-time implementations (AES-NI in OpenSSL/BoringSSL), and keys are imported non-extractable so
// raw key bytes never need to stay in JS memory.
//
// Pitfall: with random 96-bit IVs a key must not seal more than 2^32 messages (SP 800-38D 8.3). KMS
// keys are rotated long before that; bulk data uses per-file data keys.

export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;

export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
  constructor(message = 'authentication failed: the ciphertext, its context or the key is wrong') {
    super(message);
  }
}

export async function importAesGcmKey(raw: Uint8Array, usages: KeyUsage[] = ['encrypt', 'decrypt']): Promise<CryptoKey> {
  if (raw.length !== 16 && raw.length !== 32) throw new RangeError(`AES key must be 16 or 32 bytes, got ${raw.length}`);
  return crypto.subtle.importKey('raw', raw as BufferSource, { name: 'AES-GCM' }, false, usages);
}

/** Returns ciphertext ‖ tag. */
export async function aesGcmSeal(key: CryptoKey, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array> {
  if (iv.length !== GCM_IV_BYTES) throw new RangeError(`AES-GCM IV must be ${GCM_IV_BYTES} bytes`);
  const params: AesGcmParams = { name: 'AES-GCM', iv: iv as BufferSource, tagLength: 128 };
  if (aad) params.additionalData = aad as BufferSource;
  return new Uint8Array(await crypto.subtle.encrypt(params, key, plaintext as BufferSource));
}

/** Opens ciphertext ‖ tag; throws AuthenticationError if anything was altered. */
export async function aesGcmOpen(key: CryptoKey, iv: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Promise<Uint8Array> {
  if (iv.length !== GCM_IV_BYTES) throw new RangeError(`AES-GCM IV must be ${GCM_IV_BYTES} bytes`);
  if (sealed.length < GCM_TAG_BYTES) throw new AuthenticationError('ciphertext is shorter than the tag');
  const params: AesGcmParams = { name: 'AES-GCM', iv: iv as BufferSource, tagLength: 128 };
  if (aad) params.additionalData = aad as BufferSource;
  try {
    return new Uint8Array(await crypto.subtle.decrypt(params, key, sealed as BufferSource));
  } catch {
    throw new AuthenticationError();
  }
}
