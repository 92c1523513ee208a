// One asymmetric key family (RSA/EC through asym.ts, SM2, ED25519) as the KMS operations see it: how its
// material is made, parsed and checked, and what it signs, verifies, encrypts and decrypts with. The
// operations (src/kms/asymmetric.ts) never branch on a key spec: they look the family up in the table of
// families.ts, as symmetric.ts does for AES and SM4.
//
// Every refusal a family throws is already a KmsError (KMS.0308 for caller input, 500 for a failed
// self-check), so the operations need no per-family error mapping.
import type { CryptoProvider } from '../../crypto/provider.ts';
import { Code, KmsError } from '../errors.ts';

export type MessageType = 'RAW' | 'DIGEST';

/** A private key prepared once per key version and cached by the material cache (which calls dispose). */
export interface PreparedPrivateKey {
  dispose?(): void;
}

export interface KeyPairDer {
  /** SubjectPublicKeyInfo DER. */
  publicKeySpki: Uint8Array;
  /** PKCS#8 DER. Secret: the caller seals and wipes it. */
  privateKeyPkcs8: Uint8Array;
}

export interface AsymmetricFamily<Priv extends PreparedPrivateKey = PreparedPrivateKey, Pub = unknown> {
  /** New CMK material: the secret bytes the root key seals (the caller wipes them) and the public SPKI. */
  generate(spec: string): Promise<{ material: Uint8Array; publicKeySpki: Uint8Array }>;
  /** A data key pair of a create-*-datakey-pair key spec this family serves. */
  generateDataKeyPair(spec: string): Promise<KeyPairDer>;
  /** Parses a stored SPKI (public data; cached by the caller). */
  parsePublic(spki: Uint8Array, spec: string): Pub;
  /** get-publickey's PEM (CRLF line endings). */
  publicPem(key: Pub): string;
  /**
   * Turns unsealed material into a signing / decrypting key, checked against the stored public key so
   * corrupted material fails loudly. Must copy what it keeps: the caller wipes `raw`. `crypto` is the
   * deployment's provider (its native RSA private operation, where it has one).
   */
  preparePrivate(raw: Uint8Array, spec: string, publicKey: Pub, crypto?: CryptoProvider): Promise<Priv>;
  signingAlgorithms(spec: string): readonly string[];
  encryptionAlgorithms(spec: string): readonly string[];
  /** Signs and verifies the result before returning it (fault countermeasure). */
  sign(key: Priv, publicKey: Pub, algorithm: string, message: Uint8Array, messageType: MessageType): Promise<Uint8Array>;
  /** false for any signature that is not valid; throws only for refused input (wrong digest length, …). */
  verify(key: Pub, algorithm: string, message: Uint8Array, messageType: MessageType, signature: Uint8Array): Promise<boolean>;
  encrypt(key: Pub, algorithm: string, plaintext: Uint8Array): Promise<Uint8Array>;
  /** Throws invalidCipherText() for every ciphertext that does not decrypt (no padding oracle). */
  decrypt(key: Priv, algorithm: string, ciphertext: Uint8Array): Promise<Uint8Array>;
  /** ECDH: the shared secret with a peer's SPKI; absent where the family has no key agreement. */
  deriveSharedSecret?(key: Priv, spec: string, peerSpki: Uint8Array): Promise<Uint8Array>;
}

export const invalidCipherText = (): KmsError =>
  new KmsError(Code.InvalidParameter, 'Invalid cipher_text: it is malformed, was altered, or belongs to another key or algorithm.');

export const invalidInput = (field: string, why: string): KmsError => new KmsError(Code.InvalidParameter, `Invalid ${field}: ${why}.`);

export const selfCheckFailed = (): KmsError => new KmsError(Code.Internal, 'The signature failed its self-check; nothing was returned.', 500);

export const inconsistentMaterial = (): KmsError => new KmsError(Code.Internal, 'The key material failed its consistency check.', 500);

/** RAW messages must be shorter than 4096 bytes (docs/kms-api.md). */
export const MAX_RAW_MESSAGE_BYTES = 4095;
