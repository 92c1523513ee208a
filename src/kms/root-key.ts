// The root of trust. Every piece of key material is sealed with the root key before it reaches the store
// (AES-256-GCM, with the material's identity as associated data, so a sealed blob cannot be moved to
// another key, version or project). The root key itself lives outside the store: EDGEKMS_ROOT_KEY, or a
// file the runtime keeps with owner-only permissions.
import { concat, lengthPrefixed, randomBytes, utf8, wipe } from '../crypto/bytes.ts';
import { GCM_IV_BYTES, aesGcmKeyOf, aesGcmOpen, aesGcmSeal, importAesGcmKey, type AesGcmKey } from '../crypto/aes-gcm.ts';
import { toHex } from '../crypto/encoding.ts';
import { hmacSha256 } from '../crypto/hash.ts';
import type { CryptoProvider } from '../crypto/provider.ts';

export const ROOT_KEY_BYTES = 32;

export class RootKey {
  private constructor(
    private readonly key: AesGcmKey,
    /** Identifies the root key without revealing it (HMAC of a constant under the key). */
    readonly fingerprint: string,
  ) {}

  /** Imports raw root key bytes with the deployment's crypto and wipes the caller's copy. */
  static async fromBytes(raw: Uint8Array, crypto: CryptoProvider): Promise<RootKey> {
    if (raw.length !== ROOT_KEY_BYTES) throw new RangeError(`root key must be ${ROOT_KEY_BYTES} bytes, got ${raw.length}`);
    const key = await importAesGcmKey(raw, crypto.aesGcm);
    const fingerprint = toHex(hmacSha256(raw, utf8('edgekms/root-key-fingerprint/v1')).subarray(0, 8), false);
    wipe(raw);
    return new RootKey(key, fingerprint);
  }

  /**
   * Uses a non-extractable AES-GCM CryptoKey (a platform's secret key binding), so no code ever sees the
   * root key's bytes. Its fingerprint is a key check value (the first 8 bytes of AES-GCM over a constant
   * under a fixed IV used for nothing else), marked `kcv:`: the HMAC form needs the raw bytes.
   */
  static async fromCryptoKey(cryptoKey: CryptoKey): Promise<RootKey> {
    const alg = cryptoKey.algorithm as { name?: string; length?: number };
    if (alg.name !== 'AES-GCM' || alg.length !== ROOT_KEY_BYTES * 8) throw new RangeError('root key must be a 256-bit AES-GCM CryptoKey');
    if (!cryptoKey.usages.includes('encrypt') || !cryptoKey.usages.includes('decrypt')) throw new RangeError('root key CryptoKey must allow encrypt and decrypt');
    const key = aesGcmKeyOf(cryptoKey);
    const check = await key.seal(new Uint8Array(GCM_IV_BYTES), new Uint8Array(16), utf8('edgekms/root-key-fingerprint/kcv/v1'));
    return new RootKey(key, `kcv:${toHex(check.subarray(0, 8), false)}`);
  }

  static generate(): Uint8Array {
    return randomBytes(ROOT_KEY_BYTES);
  }

  /** Seals secret bytes: IV ‖ ciphertext ‖ tag. `context` names what is sealed. */
  async seal(secret: Uint8Array, context: readonly string[]): Promise<Uint8Array> {
    const iv = randomBytes(GCM_IV_BYTES);
    return concat(iv, await aesGcmSeal(this.key, iv, secret, contextAad(context)));
  }

  /** Opens what `seal` produced under the same context; throws AuthenticationError otherwise. */
  async open(sealed: Uint8Array, context: readonly string[]): Promise<Uint8Array> {
    return aesGcmOpen(this.key, sealed.subarray(0, GCM_IV_BYTES), sealed.subarray(GCM_IV_BYTES), contextAad(context));
  }
}

function contextAad(context: readonly string[]): Uint8Array {
  return concat(utf8('edgekms/root-seal/v1'), ...context.map((c) => lengthPrefixed(utf8(c))));
}
