// The asymmetric crypto layer as the KMS sees it: sign / verify (RAW or DIGEST), RSA-OAEP encrypt /
// decrypt, and the cheap input checks to run before any of them. Keys come in as AsymPrivateKey /
// AsymPublicKey handles (asym-handle.ts), built from PKCS#8 / SPKI DER; key pairs come from keypair.ts.
//
// Algorithm ↔ key pairing (what `allowedSigningAlgorithms` returns):
// - RSA keys: RSASSA_PSS_SHA_256/384/512 and RSASSA_PKCS1_V1_5_SHA_256/384/512; RSAES_OAEP_SHA_256/SHA_1.
// - EC keys: ECDSA with a hash at least as strong as the curve (FIPS 186-5 6.4.1): P-256 and secp256k1
//   take SHA-256/384/512, P-384 SHA-384/512, P-521 SHA-512. Huawei's docs pair EC_P256 with ECDSA_SHA_256
//   and EC_P384 with ECDSA_SHA_384; the longer hashes are well defined (the digest is truncated to the
//   order's bit length, as OpenSSL does) and the KMS may narrow the list if it wants Huawei's exact pairs.
// Error policy: structural problems with caller input (unknown algorithm, wrong digest length, signature
// or ciphertext of a size this key cannot have) throw AsymCryptoError before any crypto work; a signature
// of plausible size that does not verify, or is not strict DER, makes verify return false.

import { AsymCryptoError } from './asym-error.ts';
import { type AsymPrivateKey, AsymPublicKey } from './asym-handle.ts';
import { type AsymKeySpec, type EcCurve, type MessageType, type PublicKeyInfo, MAX_SPKI_BYTES, keySpecShape } from './asym-keys.ts';
import {
  ECDSA_ALLOWED_HASHES,
  ECDSA_SIGNING_ALGORITHMS,
  type EcdsaSigningAlgorithm,
  ecdsaDerLengthBounds,
  ecdsaSign,
  ecdsaVerify,
} from './ecdsa.ts';
import {
  RSA_ENCRYPTION_ALGORITHMS,
  RSA_SIGNING_ALGORITHMS,
  type RsaEncryptionAlgorithm,
  type RsaSigningAlgorithm,
  rsaOaepDecrypt,
  rsaOaepEncrypt,
  rsaOaepMaxPlaintext,
  rsaSign,
  rsaVerify,
} from './rsa.ts';
import { hashSpec } from './rsa-emsa.ts';

export type SigningAlgorithm = RsaSigningAlgorithm | EcdsaSigningAlgorithm;
export type EncryptionAlgorithm = RsaEncryptionAlgorithm;
export type { MessageType };

/** Huawei's sign/verify: "message length must be less than 4096 bytes" (after base64 decoding). */
export const MAX_RAW_MESSAGE_BYTES = 4095;

const has = (o: object, k: unknown): boolean => typeof k === 'string' && Object.prototype.hasOwnProperty.call(o, k);

export const isSigningAlgorithm = (x: unknown): x is SigningAlgorithm =>
  has(RSA_SIGNING_ALGORITHMS, x) || has(ECDSA_SIGNING_ALGORITHMS, x);

export const isEncryptionAlgorithm = (x: unknown): x is EncryptionAlgorithm => has(RSA_ENCRYPTION_ALGORITHMS, x);

/** Digest length (bytes) a DIGEST message must have for `alg`. */
export function digestLength(alg: SigningAlgorithm): number {
  if (has(RSA_SIGNING_ALGORITHMS, alg)) return hashSpec(RSA_SIGNING_ALGORITHMS[alg as RsaSigningAlgorithm].hash).len;
  if (has(ECDSA_SIGNING_ALGORITHMS, alg)) return hashSpec(ECDSA_SIGNING_ALGORITHMS[alg as EcdsaSigningAlgorithm].hash).len;
  throw new AsymCryptoError('UNSUPPORTED', `unsupported signing algorithm ${String(alg)}`);
}

type KeyLike = AsymKeySpec | PublicKeyInfo;

function keyKind(key: KeyLike): { kind: 'rsa' } | { kind: 'ec'; curve: EcCurve } {
  if (typeof key === 'string') return keySpecShape(key);
  return key.kind === 'rsa' ? { kind: 'rsa' } : { kind: 'ec', curve: key.curve };
}

export function allowedSigningAlgorithms(key: KeyLike): readonly SigningAlgorithm[] {
  const k = keyKind(key);
  return k.kind === 'rsa' ? (Object.keys(RSA_SIGNING_ALGORITHMS) as RsaSigningAlgorithm[]) : ECDSA_ALLOWED_HASHES[k.curve];
}

export function allowedEncryptionAlgorithms(key: KeyLike): readonly EncryptionAlgorithm[] {
  return keyKind(key).kind === 'rsa' ? (Object.keys(RSA_ENCRYPTION_ALGORITHMS) as EncryptionAlgorithm[]) : [];
}

// ---------------------------------------------------------------------------------------------------
// Checks to run before any crypto work (all O(1) except the SPKI parse)

/** Algorithm known and allowed for this key; message type known; message size right for it. */
export function checkSignInput(key: KeyLike, alg: unknown, message: Uint8Array, messageType: unknown): asserts alg is SigningAlgorithm {
  if (!isSigningAlgorithm(alg)) throw new AsymCryptoError('UNSUPPORTED', `unsupported signing algorithm ${String(alg)}`);
  if (!allowedSigningAlgorithms(key).includes(alg)) throw new AsymCryptoError('UNSUPPORTED', `${alg} cannot be used with this key`);
  if (!(message instanceof Uint8Array)) throw new AsymCryptoError('INVALID_ARGUMENT', 'message must be bytes');
  if (messageType === 'DIGEST') {
    const len = digestLength(alg);
    if (message.length !== len) throw new AsymCryptoError('INVALID_DIGEST_LENGTH', `${alg} needs a ${len}-byte digest, got ${message.length} bytes`);
  } else if (messageType === 'RAW') {
    if (message.length > MAX_RAW_MESSAGE_BYTES) throw new AsymCryptoError('MESSAGE_TOO_LONG', `RAW message is limited to ${MAX_RAW_MESSAGE_BYTES} bytes`);
  } else {
    throw new AsymCryptoError('INVALID_ARGUMENT', `message_type must be RAW or DIGEST, got ${String(messageType)}`);
  }
}

/** RSA: exactly the modulus length; ECDSA: within the DER bounds for the curve. */
export function checkSignatureSize(key: PublicKeyInfo, alg: SigningAlgorithm, signature: Uint8Array): void {
  if (!(signature instanceof Uint8Array)) throw new AsymCryptoError('INVALID_ARGUMENT', 'signature must be bytes');
  if (!allowedSigningAlgorithms(key).includes(alg)) throw new AsymCryptoError('UNSUPPORTED', `${String(alg)} cannot be used with this key`);
  if (key.kind === 'rsa') {
    if (signature.length !== key.byteLength) {
      throw new AsymCryptoError('INVALID_SIGNATURE_SIZE', `RSA signature must be ${key.byteLength} bytes, got ${signature.length}`);
    }
    return;
  }
  const { min, max } = ecdsaDerLengthBounds(key.curve);
  if (signature.length < min || signature.length > max) {
    throw new AsymCryptoError('INVALID_SIGNATURE_SIZE', `ECDSA signature must be ${min}-${max} bytes, got ${signature.length}`);
  }
}

/** RSA-OAEP ciphertext must be exactly the modulus length (RFC 8017 7.1.2 step 1). */
export function checkCiphertextSize(key: PublicKeyInfo, alg: EncryptionAlgorithm, ciphertext: Uint8Array): void {
  if (!(ciphertext instanceof Uint8Array)) throw new AsymCryptoError('INVALID_ARGUMENT', 'ciphertext must be bytes');
  if (!isEncryptionAlgorithm(alg) || key.kind !== 'rsa') throw new AsymCryptoError('UNSUPPORTED', `${String(alg)} cannot be used with this key`);
  if (ciphertext.length !== key.byteLength) {
    throw new AsymCryptoError('INVALID_CIPHERTEXT_SIZE', `RSA ciphertext must be ${key.byteLength} bytes, got ${ciphertext.length}`);
  }
}

/** OAEP plaintext at most k - 2·hLen - 2 bytes (190 for RSA-2048 with SHA-256). */
export function checkPlaintextSize(key: PublicKeyInfo, alg: EncryptionAlgorithm, plaintext: Uint8Array): void {
  if (!(plaintext instanceof Uint8Array)) throw new AsymCryptoError('INVALID_ARGUMENT', 'plaintext must be bytes');
  if (!isEncryptionAlgorithm(alg) || key.kind !== 'rsa') throw new AsymCryptoError('UNSUPPORTED', `${String(alg)} cannot be used with this key`);
  const max = rsaOaepMaxPlaintext(key.byteLength, alg);
  if (plaintext.length > max) throw new AsymCryptoError('MESSAGE_TOO_LONG', `plaintext is limited to ${max} bytes for this key`);
}

/**
 * Parses a caller-supplied SubjectPublicKeyInfo after a length bound: validates structure, RSA size and
 * exponent, EC point on curve; with `spec`, requires exactly that key spec.
 */
export function checkPublicKey(spki: Uint8Array, spec?: AsymKeySpec): AsymPublicKey {
  if (!(spki instanceof Uint8Array)) throw new AsymCryptoError('INVALID_ARGUMENT', 'public key must be bytes');
  if (spki.length === 0 || spki.length > MAX_SPKI_BYTES) throw new AsymCryptoError('INVALID_KEY', `public key must be 1-${MAX_SPKI_BYTES} bytes`);
  return AsymPublicKey.fromSpki(spki, spec);
}

// ---------------------------------------------------------------------------------------------------
// Operations

const isRsaSigning = (alg: SigningAlgorithm): alg is RsaSigningAlgorithm => has(RSA_SIGNING_ALGORITHMS, alg);

/** Signs `message` (RAW) or a precomputed digest (DIGEST, Huawei's default). Returns the wire signature bytes. */
export async function asymSign(key: AsymPrivateKey, alg: SigningAlgorithm, message: Uint8Array, messageType: MessageType = 'DIGEST'): Promise<Uint8Array> {
  checkSignInput(key.publicKey.info, alg, message, messageType);
  return isRsaSigning(alg) ? rsaSign(key, alg, message, messageType) : ecdsaSign(key, alg, message, messageType);
}

/** True iff `signature` is valid; throws only for structurally impossible input (see the error policy above). */
export async function asymVerify(
  key: AsymPublicKey | AsymPrivateKey,
  alg: SigningAlgorithm,
  message: Uint8Array,
  messageType: MessageType,
  signature: Uint8Array,
): Promise<boolean> {
  const pub = 'publicKey' in key ? key.publicKey : key;
  checkSignInput(pub.info, alg, message, messageType);
  checkSignatureSize(pub.info, alg, signature);
  return isRsaSigning(alg) ? rsaVerify(pub, alg, message, messageType, signature) : ecdsaVerify(pub, alg, message, messageType, signature);
}

export async function asymEncrypt(key: AsymPublicKey | AsymPrivateKey, alg: EncryptionAlgorithm, plaintext: Uint8Array): Promise<Uint8Array> {
  const pub = 'publicKey' in key ? key.publicKey : key;
  checkPlaintextSize(pub.info, alg, plaintext);
  return rsaOaepEncrypt(pub, alg, plaintext);
}

export async function asymDecrypt(key: AsymPrivateKey, alg: EncryptionAlgorithm, ciphertext: Uint8Array): Promise<Uint8Array> {
  checkCiphertextSize(key.publicKey.info, alg, ciphertext);
  return rsaOaepDecrypt(key, alg, ciphertext);
}
