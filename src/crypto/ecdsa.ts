// ECDSA (FIPS 186-5 / SEC 1 4.1) for the KMS algorithms ECDSA_SHA_256 / ECDSA_SHA_384 / ECDSA_SHA_512 on
// P-256, P-384, P-521 and secp256k1.
//
// Signature encoding: DER ECDSA-Sig-Value (RFC 3279 2.2.3), both produced and required on input. AWS KMS
// documents DER for ECDSA_SHA_*; Huawei's DEW FAQ "Why is an SM2 signature not 64 bytes?" states that KMS
// ASN.1-encodes signature values as SEQUENCE { r INTEGER, s INTEGER } (70-72 bytes for 256-bit curves),
// and Java's SHA256withECDSA / OpenSSL verifiers expect DER. WebCrypto's r‖s is converted at the boundary.
//
// Paths:
// - RAW on NIST curves: WebCrypto sign (OpenSSL-backed) with the algorithm's hash, then r‖s -> DER.
// - DIGEST (and anything on secp256k1, which WebCrypto lacks): @noble/curves with prehash disabled, low-s
//   normalisation (noble's default; low-s signatures verify everywhere) and hedged nonces (RFC 6979 k
//   mixed with fresh randomness, `extraEntropy`), so a weak RNG degrades to deterministic ECDSA rather
//   than leaking the key.
// - Every signature is verified with the public key before it is returned (fault countermeasure).
// - Verification accepts high-s signatures (OpenSSL and other KMSs produce them) and rejects non-DER.
// - A digest longer than the group order is truncated to its leftmost bits (SEC 1 4.1.3 step 5) - which is
//   why ECDSA_SHA_512 on P-256 is well defined. Which hash may go with which curve is policy: see
//   ECDSA_ALLOWED_HASHES (the hash must be at least as strong as the curve, FIPS 186-5 6.4.1).

import { AsymCryptoError } from './asym-error.ts';
import { type AsymPrivateKey, type AsymPublicKey, bufferSource } from './asym-handle.ts';
import { CURVES, type EcCurve, type EcPrivateKeyInfo, type EcPublicKeyInfo, type MessageType } from './asym-keys.ts';
import { DerError, ecdsaDerToRaw, ecdsaRawToDer } from './asn1.ts';
import { hashSpec } from './rsa-emsa.ts';

export type EcdsaSigningAlgorithm = 'ECDSA_SHA_256' | 'ECDSA_SHA_384' | 'ECDSA_SHA_512';

export const ECDSA_SIGNING_ALGORITHMS: Readonly<Record<EcdsaSigningAlgorithm, { hash: 'SHA-256' | 'SHA-384' | 'SHA-512' }>> =
  Object.freeze({
    ECDSA_SHA_256: { hash: 'SHA-256' },
    ECDSA_SHA_384: { hash: 'SHA-384' },
    ECDSA_SHA_512: { hash: 'SHA-512' },
  });

/** Hashes whose strength is at least the curve's (FIPS 186-5 6.4.1, SP 800-57 table 2). */
export const ECDSA_ALLOWED_HASHES: Readonly<Record<EcCurve, readonly EcdsaSigningAlgorithm[]>> = Object.freeze({
  'P-256': ['ECDSA_SHA_256', 'ECDSA_SHA_384', 'ECDSA_SHA_512'],
  'P-384': ['ECDSA_SHA_384', 'ECDSA_SHA_512'],
  'P-521': ['ECDSA_SHA_512'],
  secp256k1: ['ECDSA_SHA_256', 'ECDSA_SHA_384', 'ECDSA_SHA_512'],
});

function params(alg: EcdsaSigningAlgorithm) {
  const p = Object.prototype.hasOwnProperty.call(ECDSA_SIGNING_ALGORITHMS, alg) ? ECDSA_SIGNING_ALGORITHMS[alg] : undefined;
  if (!p) throw new AsymCryptoError('UNSUPPORTED', `unsupported ECDSA algorithm ${String(alg)}`);
  return p;
}

/**
 * Shortest and longest DER signature a curve can produce: r, s in [1, n-1], each an INTEGER of at most
 * ceil(bits(n)/8) bytes plus a sign byte when bits(n) is a multiple of 8 (not for P-521).
 */
export function ecdsaDerLengthBounds(curve: EcCurve): { min: number; max: number } {
  const nBits = CURVES[curve].noble.Point.Fn.BITS;
  const intMax = Math.ceil(nBits / 8) + (nBits % 8 === 0 ? 1 : 0);
  const content = 2 * (2 + intMax);
  return { min: 8, max: content + (content < 128 ? 2 : 3) };
}

function checkDigest(alg: EcdsaSigningAlgorithm, digest: Uint8Array): void {
  const len = hashSpec(params(alg).hash).len;
  if (digest.length !== len) throw new AsymCryptoError('INVALID_DIGEST_LENGTH', `${params(alg).hash} digest must be ${len} bytes, got ${digest.length}`);
}

function checkSignatureLength(curve: EcCurve, sig: Uint8Array): void {
  const { min, max } = ecdsaDerLengthBounds(curve);
  if (sig.length < min || sig.length > max) {
    throw new AsymCryptoError('INVALID_SIGNATURE_SIZE', `ECDSA ${curve} DER signature must be ${min}-${max} bytes, got ${sig.length}`);
  }
}

/** DER -> r‖s, or undefined if it is not strict DER of the right size. */
function derToRaw(curve: EcCurve, der: Uint8Array): Uint8Array | undefined {
  try {
    return ecdsaDerToRaw(der, CURVES[curve].size);
  } catch (e) {
    if (e instanceof DerError) return undefined;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------
// Digest path (noble)

/** Signs a precomputed digest; returns DER. Synchronous. */
export function ecdsaSignDigest(key: EcPrivateKeyInfo, alg: EcdsaSigningAlgorithm, digest: Uint8Array): Uint8Array {
  checkDigest(alg, digest);
  const c = CURVES[key.curve].noble;
  const der = c.sign(digest, key.d, { prehash: false, lowS: true, extraEntropy: true, format: 'der' });
  if (!c.verify(der, digest, key.point, { prehash: false, lowS: false, format: 'der' })) {
    throw new AsymCryptoError('INTERNAL', 'ECDSA signature failed its self-check; result withheld');
  }
  return der;
}

/** Verifies a DER signature over a digest. Throws only on bad argument sizes; false otherwise. */
export function ecdsaVerifyDigest(key: EcPublicKeyInfo, alg: EcdsaSigningAlgorithm, digest: Uint8Array, signature: Uint8Array): boolean {
  checkDigest(alg, digest);
  checkSignatureLength(key.curve, signature);
  const raw = derToRaw(key.curve, signature);
  if (!raw) return false;
  try {
    return CURVES[key.curve].noble.verify(raw, digest, key.point, { prehash: false, lowS: false, format: 'compact' });
  } catch {
    return false; // r or s out of [1, n-1]
  }
}

// ---------------------------------------------------------------------------------------------------
// KMS-facing sign / verify

export async function ecdsaSign(
  key: AsymPrivateKey,
  alg: EcdsaSigningAlgorithm,
  message: Uint8Array,
  messageType: MessageType,
): Promise<Uint8Array> {
  const info = key.info;
  if (info.kind !== 'ec') throw new AsymCryptoError('UNSUPPORTED', 'ECDSA used with a non-EC key');
  const { hash } = params(alg);
  if (messageType === 'DIGEST') return ecdsaSignDigest(info, alg, message);
  if (messageType !== 'RAW') throw new AsymCryptoError('INVALID_ARGUMENT', `unknown message type ${String(messageType)}`);
  const namedCurve = CURVES[info.curve].webcrypto;
  if (!namedCurve) return ecdsaSignDigest(info, alg, hashSpec(hash).fn(message));
  const priv = await key.webcrypto({ name: 'ECDSA', namedCurve });
  const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash }, priv, bufferSource(message)));
  const pub = await key.publicKey.webcrypto({ name: 'ECDSA', namedCurve });
  if (!(await crypto.subtle.verify({ name: 'ECDSA', hash }, pub, raw, bufferSource(message)))) {
    throw new AsymCryptoError('INTERNAL', 'ECDSA signature failed its self-check; result withheld');
  }
  return ecdsaRawToDer(raw);
}

export async function ecdsaVerify(
  key: AsymPublicKey,
  alg: EcdsaSigningAlgorithm,
  message: Uint8Array,
  messageType: MessageType,
  signature: Uint8Array,
): Promise<boolean> {
  const info = key.info;
  if (info.kind !== 'ec') throw new AsymCryptoError('UNSUPPORTED', 'ECDSA used with a non-EC key');
  const { hash } = params(alg);
  if (messageType === 'DIGEST') return ecdsaVerifyDigest(info, alg, message, signature);
  if (messageType !== 'RAW') throw new AsymCryptoError('INVALID_ARGUMENT', `unknown message type ${String(messageType)}`);
  const namedCurve = CURVES[info.curve].webcrypto;
  if (!namedCurve) return ecdsaVerifyDigest(info, alg, hashSpec(hash).fn(message), signature);
  checkSignatureLength(info.curve, signature);
  const raw = derToRaw(info.curve, signature);
  if (!raw) return false;
  const pub = await key.webcrypto({ name: 'ECDSA', namedCurve });
  return crypto.subtle.verify({ name: 'ECDSA', hash }, pub, bufferSource(raw), bufferSource(message));
}
