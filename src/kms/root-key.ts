// The root of trust. Every piece of key material is sealed with the root key before it reaches the store
// (AES-256-GCM, with the material's identity as associated data, so a sealed blob cannot be moved to
// another key, version or project). The root key itself lives outside the store: EDGEKMS_ROOT_KEY, or a
// file the runtime keeps with owner-only permissions.
import { concat, lengthPrefixed, randomBytes, utf8, wipe } from '../crypto/bytes.ts';
import { GCM_IV_BYTES, aesGcmKeyOf, aesGcmOpen, aesGcmSeal, importAesGcmKey, type AesGcmKey } from '../crypto/aes-gcm.ts';
import { toHex } from '../crypto/encoding.ts';
import { hmacSha256 } from '../crypto/hash.ts';
import { portableCrypto, type CryptoProvider } from '../crypto/provider.ts';

export const ROOT_KEY_BYTES = 32;

export class RootKey {
  private constructor(
    private readonly key: AesGcmKey,
    /** Identifies the root key without revealing it (HMAC of a constant under the key). */
    readonly fingerprint: string,
    /** HMAC-SHA256 under the store-barrier key, a key derived from the root key for that use only. */
    readonly barrierMac: (data: Uint8Array) => Uint8Array,
  ) {}

  /** Imports raw root key bytes with the deployment's crypto and wipes the caller's copy. */
  static async fromBytes(raw: Uint8Array, crypto: CryptoProvider): Promise<RootKey> {
    if (raw.length !== ROOT_KEY_BYTES) throw new RangeError(`root key must be ${ROOT_KEY_BYTES} bytes, got ${raw.length}`);
    const key = await importAesGcmKey(raw, crypto.aesGcm);
    const fingerprint = toHex(hmacSha256(raw, utf8('edgekms/root-key-fingerprint/v1')).subarray(0, 8), false);
    wipe(raw);
    return new RootKey(key, fingerprint, await barrierMacOf(key, crypto));
  }

  /**
   * Uses a non-extractable AES-GCM CryptoKey (a platform's secret key binding), so no code ever sees the
   * root key's bytes. Its fingerprint is a key check value (the first 8 bytes of AES-GCM over a constant
   * under a fixed IV used for nothing else), marked `kcv:`: the HMAC form needs the raw bytes.
   */
  static async fromCryptoKey(cryptoKey: CryptoKey, crypto: CryptoProvider = portableCrypto): Promise<RootKey> {
    const alg = cryptoKey.algorithm as { name?: string; length?: number };
    if (alg.name !== 'AES-GCM' || alg.length !== ROOT_KEY_BYTES * 8) throw new RangeError('root key must be a 256-bit AES-GCM CryptoKey');
    if (!cryptoKey.usages.includes('encrypt') || !cryptoKey.usages.includes('decrypt')) throw new RangeError('root key CryptoKey must allow encrypt and decrypt');
    const key = aesGcmKeyOf(cryptoKey);
    const check = await key.seal(new Uint8Array(GCM_IV_BYTES), new Uint8Array(16), utf8('edgekms/root-key-fingerprint/kcv/v1'));
    return new RootKey(key, `kcv:${toHex(check.subarray(0, 8), false)}`, await barrierMacOf(key, crypto));
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

/**
 * The store barrier's MAC (src/store/barrier.ts) under its own key, derived from the root key through the
 * AES-GCM key itself so that raw bytes and a non-extractable CryptoKey of the same root key give the same
 * barrier key: the GCM keystream of a fixed IV that no seal uses (seals draw random IVs), i.e. AES of two
 * counter blocks, a PRF output. The derived key lives in the MAC's keyed state, not the root key.
 */
async function barrierMacOf(key: AesGcmKey, crypto: CryptoProvider): Promise<(data: Uint8Array) => Uint8Array> {
  const stream = await key.seal(BARRIER_IV, new Uint8Array(32));
  const barrierKey = stream.slice(0, 32);
  wipe(stream);
  const mac = crypto.hashes.keyedHmacSha256(barrierKey);
  wipe(barrierKey);
  return (data) => mac(data);
}

const BARRIER_IV = utf8('edgekms/brr1'); // 12 bytes, used for this derivation only

function contextAad(context: readonly string[]): Uint8Array {
  return concat(utf8('edgekms/root-seal/v1'), ...context.map((c) => lengthPrefixed(utf8(c))));
}
