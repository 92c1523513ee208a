// One-shot AES-GCM (NIST SP 800-38D): 96-bit IVs, 128-bit tags, 128- or 256-bit keys.
//
// The portable implementation is WebCrypto: constant-time (AES-NI in OpenSSL/BoringSSL) with keys held
// non-extractable. A runtime whose WebCrypto binding is slow for small messages offers a faster binding
// of the same primitive in its crypto provider (src/crypto/provider.ts; Node's is node:crypto, see
// src/runtime/node-crypto.ts: WebCrypto on Node hops to a thread pool for every call, which costs more
// than encrypting a kilobyte). Both are checked against the NIST vectors and against each other in
// test/crypto/.
//
// Pitfall: with random 96-bit IVs a key must not seal more than 2^32 messages (SP 800-38D 8.3). The KMS
// counts seals per key version and rotates at 2^31 (src/kms/seal-counter.ts); bulk data uses data keys.

export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;

export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
  constructor(message = 'authentication failed: the ciphertext, its context or the key is wrong') {
    super(message);
  }
}

/** An AES-GCM key, ready to use. */
export interface AesGcmKey {
  /** Returns ciphertext ‖ tag. */
  seal(iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>;
  /**
   * `seal` over a plaintext given in pieces (read as their concatenation), answering the same bytes in
   * pieces: the ciphertext's, then the 16-byte tag. Offered by a binding that runs GCM incrementally
   * (node:crypto), where joining the input or the output would copy every byte once more; a stream whose
   * segments span its input chunks, and that writes its output piece by piece (the SDK's), uses this.
   */
  sealPieces?(iv: Uint8Array, plaintext: readonly Uint8Array[], aad?: Uint8Array): Promise<readonly Uint8Array[]>;
  /**
   * `open` over ciphertext ‖ tag given in pieces (the tag may span them); answers the plaintext in pieces,
   * none of which is released unless the tag verifies (throws AuthenticationError otherwise).
   */
  openPieces?(iv: Uint8Array, sealed: readonly Uint8Array[], aad?: Uint8Array): Promise<readonly Uint8Array[]>;
  /** Opens ciphertext ‖ tag; throws AuthenticationError if anything was altered. */
  open(iv: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>;
}

/** Turns raw key bytes into a key; must not keep a reference to `raw` (callers wipe it). */
export type AesGcmImplementation = (raw: Uint8Array) => Promise<AesGcmKey>;

export const webCryptoAesGcm: AesGcmImplementation = async (raw) =>
  aesGcmKeyOf(await crypto.subtle.importKey('raw', raw as BufferSource, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']));

/** Uses a WebCrypto AES-GCM key as it is (for example a non-extractable key a platform hands over). */
export function aesGcmKeyOf(key: CryptoKey): AesGcmKey {
  const params = (iv: Uint8Array, aad?: Uint8Array): AesGcmParams => {
    const p: AesGcmParams = { name: 'AES-GCM', iv: iv as BufferSource, tagLength: 128 };
    if (aad) p.additionalData = aad as BufferSource;
    return p;
  };
  return {
    async seal(iv, plaintext, aad) {
      return new Uint8Array(await crypto.subtle.encrypt(params(iv, aad), key, plaintext as BufferSource));
    },
    async open(iv, sealed, aad) {
      try {
        return new Uint8Array(await crypto.subtle.decrypt(params(iv, aad), key, sealed as BufferSource));
      } catch {
        throw new AuthenticationError();
      }
    },
  };
}

/** Imports raw key bytes with the deployment's implementation (its crypto provider's `aesGcm`). */
export async function importAesGcmKey(raw: Uint8Array, implementation: AesGcmImplementation): Promise<AesGcmKey> {
  if (raw.length !== 16 && raw.length !== 32) throw new RangeError(`AES key must be 16 or 32 bytes, got ${raw.length}`);
  return implementation(raw);
}

export function aesGcmSeal(key: AesGcmKey, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array> {
  if (iv.length !== GCM_IV_BYTES) throw new RangeError(`AES-GCM IV must be ${GCM_IV_BYTES} bytes`);
  return key.seal(iv, plaintext, aad);
}

export async function aesGcmOpen(key: AesGcmKey, iv: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Promise<Uint8Array> {
  if (iv.length !== GCM_IV_BYTES) throw new RangeError(`AES-GCM IV must be ${GCM_IV_BYTES} bytes`);
  if (sealed.length < GCM_TAG_BYTES) throw new AuthenticationError('ciphertext is shorter than the tag');
  return key.open(iv, sealed, aad);
}
