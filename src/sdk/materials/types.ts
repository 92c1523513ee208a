// The contracts between an ENV1 message and the keys that protect it (the same split as the AWS
// Encryption SDK's keyrings and materials managers):
//
//   encrypt:  MaterialsManager.getEncryptionMaterials(request)
//               -> Keyring.onEncrypt(materials without a data key)      a generator creates the data key
//               -> Keyring.onEncrypt(materials with the data key) ...   others add their own wrapping
//             the message derives its per-message keys from the data key and a random message id, and
//             stores every EncryptedDataKey in its header.
//   decrypt:  the header's suite, context and EncryptedDataKeys
//               -> MaterialsManager.decryptMaterials(request)
//               -> Keyring.onDecrypt(materials without a data key, edks) unwraps ONE edk it recognises
//             the message then checks the key commitment and the header MAC before any plaintext exists.
//
// Materials are immutable values: a keyring returns new materials built with the helpers in
// materials.ts (which check lengths and that a data key is set only once); it never mutates its input.
//
// Ownership of the plaintext data key: the message code reads it, never keeps or wipes it. A materials
// manager that does not cache hands out a fresh key per message; a caching one keeps the key until the
// entry is evicted and wipes it then. The message never reuses a (data key, message id) pair, so a cached
// data key still gives every message its own segment key.
import type { EncryptionContext } from '../format/context.ts';
import type { AlgorithmSuite } from '../format/suites.ts';

export type { EncryptionContext };

/**
 * A data key wrapped by one keyring, exactly as the message header stores it. Every field is at most
 * 65535 bytes. Everything here comes from the message on decrypt and is hostile: a keyring must match
 * `providerId`/`providerInfo` against its OWN configuration, and must never take an endpoint, region or
 * credential from them.
 */
export interface EncryptedDataKey {
  /** The keyring kind that made it (e.g. a raw keyring's namespace or a KMS keyring's id). UTF-8, non-empty. */
  readonly providerId: string;
  /** Which key of that provider (a key name or a key URN), opaque bytes. */
  readonly providerInfo: Uint8Array;
  /** The wrapped data key. */
  readonly ciphertext: Uint8Array;
}

/** What a keyring did, in order; returned to the caller so it can see which keys wrapped or unwrapped. */
export interface KeyringTraceEntry {
  /** The provider id of the keyring that acted. */
  readonly providerId: string;
  /** The key it used (key name, key id or URN, region): printable, never secret. */
  readonly key: string;
  readonly action: 'generated' | 'encrypted' | 'decrypted';
}

/** The state of an encryption as it passes through keyrings. */
export interface EncryptionMaterials {
  readonly suite: AlgorithmSuite;
  /** The context stored in the header; keyrings bind it to their wrapping (as AAD) where they can. */
  readonly encryptionContext: EncryptionContext;
  /** Set by the first (generator) keyring; `suite.dataKeyBytes` long. */
  readonly plaintextDataKey?: Uint8Array;
  /** One per keyring that wrapped the data key; the message needs at least one. */
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  readonly trace: readonly KeyringTraceEntry[];
}

/** The state of a decryption as it passes through keyrings. */
export interface DecryptionMaterials {
  readonly suite: AlgorithmSuite;
  /** The context read from the header (not yet authenticated when keyrings see it; the commitment and header MAC check it afterwards). */
  readonly encryptionContext: EncryptionContext;
  /** Set by the keyring that unwrapped one of the message's encrypted data keys. */
  readonly plaintextDataKey?: Uint8Array;
  readonly trace: readonly KeyringTraceEntry[];
}

/**
 * Wraps and unwraps data keys.
 *
 * onEncrypt: if `materials.plaintextDataKey` is absent the keyring must generate one (a generator keyring,
 * e.g. KMS create-datakey or random bytes) or throw; otherwise it wraps the given key. It returns materials
 * with its EncryptedDataKey(s) appended. A keyring that cannot wrap throws: never return silently without
 * wrapping (a multi-keyring decides what partial success means, and says so in its result).
 *
 * onDecrypt: if `materials.plaintextDataKey` is already set, return `materials` unchanged. Otherwise try only
 * the EDKs whose providerId/providerInfo match this keyring's configured keys, in the keyring's order, and
 * return materials with the first data key recovered. When none matches or none unwraps, return `materials`
 * unchanged (the manager reports NoDataKeyError); throw only for errors the caller must see (e.g. a
 * configuration error). The recovered key is checked against the message's commitment afterwards, so a
 * keyring need not (and cannot) tell a wrong key from a right one beyond its own wrapping's integrity.
 */
export interface Keyring {
  onEncrypt(materials: EncryptionMaterials): Promise<EncryptionMaterials>;
  onDecrypt(materials: DecryptionMaterials, encryptedDataKeys: readonly EncryptedDataKey[]): Promise<DecryptionMaterials>;
}

export interface EncryptionRequest {
  readonly suite: AlgorithmSuite;
  readonly encryptionContext: EncryptionContext;
  /** Plaintext length when known (one-shot); undefined for streams of unknown length. Caching managers count bytes with it. */
  readonly plaintextLength?: number;
}

export interface DecryptionRequest {
  readonly suite: AlgorithmSuite;
  readonly encryptionContext: EncryptionContext;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
}

/**
 * Produces materials for each message; the place for policy (caching, required context pairs). The
 * message code checks what it gets: a data key of the suite's length, at least one EDK on encrypt, and the
 * suite and context it asked for.
 */
export interface MaterialsManager {
  getEncryptionMaterials(request: EncryptionRequest): Promise<EncryptionMaterials>;
  decryptMaterials(request: DecryptionRequest): Promise<DecryptionMaterials>;
}
