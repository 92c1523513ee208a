// Asymmetric key specs and their DER key formats:
// - SubjectPublicKeyInfo (RFC 5280 4.1.2.7) with rsaEncryption (RFC 8017 A.1.1, RFC 3279 2.3.1) or
//   id-ecPublicKey + namedCurve (RFC 5480);
// - PKCS#8 PrivateKeyInfo / OneAsymmetricKey (RFC 5208, RFC 5958) wrapping RSAPrivateKey (RFC 8017 A.1.2)
//   or ECPrivateKey (RFC 5915).
// The KMS persists private keys as PKCS#8 DER (wrapped by its root key) and hands out SPKI, so these are
// the only two formats the crypto layer speaks.
//
// Pitfalls handled here:
// - A parsed key is checked against itself before use: RSA n = p·q, CRT values consistent with d and e;
//   EC scalar in [1, n-1] and any embedded public point equal to d·G. A corrupted or hostile key must fail
//   loudly at import, not produce a bad signature later (the RSA path also re-verifies every signature).
// - Only named curves; explicit curve parameters are refused (they allow invalid-curve attacks).
// - Multi-prime RSA (version 1 RSAPrivateKey) is refused; WebCrypto cannot use it anyway.
// - RSA public exponents follow FIPS 186-5: odd, 65537 <= e < 2^256.
// - EC public points are decoded and validated on the curve; stored uncompressed.

import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { ECDSA } from '@noble/curves/abstract/weierstrass.js';
import {
  DerReader,
  TAG,
  contextTag,
  derBitString,
  derContext,
  derInteger,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  parseDer,
  readBitStringOctets,
  readNull,
  readOctetString,
  readOid,
  readSmallInteger,
  readUnsignedInteger,
} from './asn1.ts';
import { AsymCryptoError } from './asym-error.ts';
import { constantTimeEqual } from './bytes.ts';
import { sm2NormalizePublicKey, sm2PublicKeyFromPrivate } from './sm2.ts';

export type EcCurve = 'P-256' | 'P-384' | 'P-521' | 'secp256k1';

/** sign/verify `message_type`: RAW = the message itself, DIGEST = its precomputed hash. */
export type MessageType = 'RAW' | 'DIGEST';

/** Key specs of create-key (CMKs) and of create-rsa/ec-datakey-pair (data key pairs). SM2 lives elsewhere. */
export type RsaKeySpec = 'RSA_2048' | 'RSA_3072' | 'RSA_4096';
export type EcKeySpec =
  | 'EC_P256'
  | 'EC_P384'
  | 'SECP256K1'
  | 'ECC_NIST_P256'
  | 'ECC_NIST_P384'
  | 'ECC_NIST_P521'
  | 'ECC_SECG_P256K1';
export type AsymKeySpec = RsaKeySpec | EcKeySpec;

export type KeyShape = { kind: 'rsa'; bits: 2048 | 3072 | 4096 } | { kind: 'ec'; curve: EcCurve };

export const ASYM_KEY_SHAPES: Readonly<Record<AsymKeySpec, KeyShape>> = Object.freeze({
  RSA_2048: { kind: 'rsa', bits: 2048 },
  RSA_3072: { kind: 'rsa', bits: 3072 },
  RSA_4096: { kind: 'rsa', bits: 4096 },
  EC_P256: { kind: 'ec', curve: 'P-256' },
  EC_P384: { kind: 'ec', curve: 'P-384' },
  SECP256K1: { kind: 'ec', curve: 'secp256k1' },
  ECC_NIST_P256: { kind: 'ec', curve: 'P-256' },
  ECC_NIST_P384: { kind: 'ec', curve: 'P-384' },
  ECC_NIST_P521: { kind: 'ec', curve: 'P-521' },
  ECC_SECG_P256K1: { kind: 'ec', curve: 'secp256k1' },
});

export function keySpecShape(spec: string): KeyShape {
  const s = Object.prototype.hasOwnProperty.call(ASYM_KEY_SHAPES, spec) ? ASYM_KEY_SHAPES[spec as AsymKeySpec] : undefined;
  if (!s) throw new AsymCryptoError('UNSUPPORTED', `unsupported asymmetric key spec ${String(spec)}`);
  return s;
}

export interface CurveInfo {
  readonly oid: string;
  /** Byte length of field elements and scalars (66 for P-521). */
  readonly size: number;
  readonly noble: ECDSA;
  /** WebCrypto namedCurve, when WebCrypto has the curve. */
  readonly webcrypto?: 'P-256' | 'P-384' | 'P-521';
}

export const CURVES: Readonly<Record<EcCurve, CurveInfo>> = Object.freeze({
  'P-256': { oid: '1.2.840.10045.3.1.7', size: 32, noble: p256, webcrypto: 'P-256' },
  'P-384': { oid: '1.3.132.0.34', size: 48, noble: p384, webcrypto: 'P-384' },
  'P-521': { oid: '1.3.132.0.35', size: 66, noble: p521, webcrypto: 'P-521' },
  secp256k1: { oid: '1.3.132.0.10', size: 32, noble: secp256k1 },
});

export const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
} as const;

/** Upper bounds checked before parsing caller-supplied keys (RSA-4096 SPKI is 550 bytes, PKCS#8 ~2.4 KB). */
export const MAX_SPKI_BYTES = 1024;
export const MAX_PKCS8_BYTES = 4096;
export const RSA_MIN_BITS = 1024; // parse-level floor (published test vectors); key specs require 2048+
export const RSA_MAX_BITS = 4096;

export interface RsaPublicKeyInfo {
  readonly kind: 'rsa';
  readonly n: bigint;
  readonly e: bigint;
  readonly bits: number;
  /** Modulus length in bytes (k in RFC 8017): signature and ciphertext length. */
  readonly byteLength: number;
}

export interface EcPublicKeyInfo {
  readonly kind: 'ec';
  readonly curve: EcCurve;
  /** Uncompressed SEC1 point 04‖X‖Y. */
  readonly point: Uint8Array;
}

export type PublicKeyInfo = RsaPublicKeyInfo | EcPublicKeyInfo;

export interface RsaPrivateKeyInfo extends RsaPublicKeyInfo {
  readonly d: bigint;
  readonly p: bigint;
  readonly q: bigint;
  readonly dp: bigint;
  readonly dq: bigint;
  readonly qi: bigint;
}

export interface EcPrivateKeyInfo extends EcPublicKeyInfo {
  /** Private scalar, big-endian, exactly CURVES[curve].size bytes; a copy the holder should zero. */
  readonly d: Uint8Array;
}

export type PrivateKeyInfo = RsaPrivateKeyInfo | EcPrivateKeyInfo;

const bitLength = (x: bigint): number => (x === 0n ? 0 : x.toString(2).length);

function invalid(msg: string, cause?: unknown): AsymCryptoError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new AsymCryptoError('INVALID_KEY', msg + detail);
}

/** Wraps DER/noble parse errors as INVALID_KEY and keeps our own errors. */
function guard<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof AsymCryptoError) throw e;
    throw invalid(`malformed ${what}`, e);
  }
}

function checkRsaPublic(n: bigint, e: bigint): { bits: number; byteLength: number } {
  const bits = bitLength(n);
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) throw invalid(`RSA modulus of ${bits} bits is out of range`);
  if ((n & 1n) === 0n) throw invalid('RSA modulus is even');
  if ((e & 1n) === 0n || e < 65537n || bitLength(e) > 256) throw invalid('RSA public exponent out of range');
  return { bits, byteLength: Math.ceil(bits / 8) };
}

function curveByOid(oid: string): EcCurve {
  for (const [name, c] of Object.entries(CURVES) as [EcCurve, CurveInfo][]) if (c.oid === oid) return name;
  throw new AsymCryptoError('UNSUPPORTED', `unsupported EC curve OID ${oid}`);
}

function validatePoint(curve: EcCurve, bytes: Uint8Array): Uint8Array {
  const c = CURVES[curve];
  const P = guard('EC public point', () => c.noble.Point.fromBytes(bytes));
  if (P.is0()) throw invalid('EC public point is the identity');
  return P.toBytes(false);
}

/** Reads AlgorithmIdentifier; for EC returns the curve, for RSA checks the NULL parameters. */
function readAlgorithm(rd: DerReader): { kind: 'rsa' } | { kind: 'ec'; curve: EcCurve } {
  const alg = new DerReader(rd.next(TAG.SEQUENCE));
  const oid = readOid(alg.next(TAG.OID));
  if (oid === OID.rsaEncryption) {
    readNull(alg.next(TAG.NULL));
    alg.end();
    return { kind: 'rsa' };
  }
  if (oid === OID.ecPublicKey) {
    if (alg.done) throw invalid('EC key without curve parameters');
    if (alg.optional(TAG.SEQUENCE)) throw new AsymCryptoError('UNSUPPORTED', 'explicit EC curve parameters are not supported');
    const curve = curveByOid(readOid(alg.next(TAG.OID)));
    alg.end();
    return { kind: 'ec', curve };
  }
  throw new AsymCryptoError('UNSUPPORTED', `unsupported public key algorithm ${oid}`);
}

// ---------------------------------------------------------------------------------------------------
// SubjectPublicKeyInfo

export function parseSpki(der: Uint8Array): PublicKeyInfo {
  if (!(der instanceof Uint8Array)) throw new AsymCryptoError('INVALID_ARGUMENT', 'public key must be bytes');
  if (der.length > MAX_SPKI_BYTES) throw invalid('public key too long');
  return guard('SubjectPublicKeyInfo', () => {
    const rd = new DerReader(parseDer(der));
    const alg = readAlgorithm(rd);
    const key = readBitStringOctets(rd.next(TAG.BIT_STRING));
    rd.end();
    if (alg.kind === 'rsa') {
      const k = new DerReader(parseDer(key));
      const n = readUnsignedInteger(k.next(TAG.INTEGER));
      const e = readUnsignedInteger(k.next(TAG.INTEGER));
      k.end();
      return { kind: 'rsa', n, e, ...checkRsaPublic(n, e) };
    }
    return { kind: 'ec', curve: alg.curve, point: validatePoint(alg.curve, key) };
  });
}

export function encodeRsaSpki(n: bigint, e: bigint): Uint8Array {
  checkRsaPublic(n, e);
  return derSequence(
    derSequence(derOid(OID.rsaEncryption), derNull()),
    derBitString(derSequence(derInteger(n), derInteger(e))),
  );
}

export function encodeEcSpki(curve: EcCurve, point: Uint8Array): Uint8Array {
  const p = validatePoint(curve, point);
  return derSequence(derSequence(derOid(OID.ecPublicKey), derOid(CURVES[curve].oid)), derBitString(p));
}

export function encodeSpki(info: PublicKeyInfo): Uint8Array {
  return info.kind === 'rsa' ? encodeRsaSpki(info.n, info.e) : encodeEcSpki(info.curve, info.point);
}

// ---------------------------------------------------------------------------------------------------
// PKCS#8

/**
 * Parses and self-checks a PKCS#8 private key. For EC keys the returned `d` is a fresh copy; zero it
 * (`info.d.fill(0)`) when done. BigInt RSA values cannot be zeroed (see rsa-bigint.ts).
 */
export function parsePkcs8(der: Uint8Array): PrivateKeyInfo {
  if (!(der instanceof Uint8Array)) throw new AsymCryptoError('INVALID_ARGUMENT', 'private key must be bytes');
  if (der.length > MAX_PKCS8_BYTES) throw invalid('private key too long');
  return guard('PKCS#8 private key', () => {
    const rd = new DerReader(parseDer(der));
    const version = readSmallInteger(rd.next(TAG.INTEGER));
    if (version !== 0 && version !== 1) throw invalid(`unsupported PKCS#8 version ${version}`);
    const alg = readAlgorithm(rd);
    const inner = readOctetString(rd.next(TAG.OCTET_STRING));
    rd.optional(contextTag(0, true)); // attributes: ignored
    const pubField = version === 1 ? rd.optional(contextTag(1, false)) : undefined;
    rd.end();
    // OneAsymmetricKey publicKey is an IMPLICIT BIT STRING: same content layout as a BIT STRING.
    const pub = pubField && readBitStringOctets({ tag: TAG.BIT_STRING, value: pubField.value, raw: pubField.raw });
    if (alg.kind === 'rsa') {
      const info = parseRsaPrivateKey(inner);
      if (pub) {
        const k = new DerReader(parseDer(pub));
        const [n, e] = [readUnsignedInteger(k.next(TAG.INTEGER)), readUnsignedInteger(k.next(TAG.INTEGER))];
        k.end();
        if (n !== info.n || e !== info.e) throw invalid('PKCS#8 public key does not match the private key');
      }
      return info;
    }
    const info = parseEcPrivateKey(inner, alg.curve);
    if (pub) {
      try {
        if (!constantTimeEqual(validatePoint(alg.curve, pub), info.point)) throw invalid('PKCS#8 public key does not match the private key');
      } catch (e) {
        info.d.fill(0);
        throw e;
      }
    }
    return info;
  });
}

function parseRsaPrivateKey(der: Uint8Array): RsaPrivateKeyInfo {
  const rd = new DerReader(parseDer(der));
  const version = readSmallInteger(rd.next(TAG.INTEGER));
  if (version !== 0) throw new AsymCryptoError('UNSUPPORTED', 'multi-prime RSA keys are not supported');
  const [n, e, d, p, q, dp, dq, qi] = Array.from({ length: 8 }, () => readUnsignedInteger(rd.next(TAG.INTEGER)));
  rd.end();
  const pub = checkRsaPublic(n, e);
  // p, q <= 1 would divide by zero below (p = 2 cannot divide an odd n).
  if (p <= 1n || q <= 1n || p === q || p * q !== n) throw invalid('RSA key: n != p*q');
  if (d <= 1n || d >= n) throw invalid('RSA key: d out of range');
  if (dp !== d % (p - 1n) || dq !== d % (q - 1n)) throw invalid('RSA key: CRT exponents do not match d');
  if ((e * dp) % (p - 1n) !== 1n || (e * dq) % (q - 1n) !== 1n) throw invalid('RSA key: d is not the inverse of e');
  if (qi >= p || (qi * q) % p !== 1n) throw invalid('RSA key: CRT coefficient is wrong'); // qi = 0 fails the product
  return { kind: 'rsa', n, e, d, p, q, dp, dq, qi, ...pub };
}

function parseEcPrivateKey(der: Uint8Array, curve: EcCurve): EcPrivateKeyInfo {
  const c = CURVES[curve];
  const rd = new DerReader(parseDer(der));
  if (readSmallInteger(rd.next(TAG.INTEGER)) !== 1) throw invalid('ECPrivateKey version must be 1');
  const raw = readOctetString(rd.next(TAG.OCTET_STRING));
  const params = rd.optional(contextTag(0, true));
  const pubEl = rd.optional(contextTag(1, true));
  rd.end();
  if (params) {
    const inner = new DerReader(params, contextTag(0, true));
    if (readOid(inner.next(TAG.OID)) !== c.oid) throw invalid('ECPrivateKey curve differs from the algorithm curve');
    inner.end();
  }
  // RFC 5915 says the scalar is exactly `size` octets; some encoders drop leading zeros, so left-pad.
  if (raw.length === 0 || raw.length > c.size) throw invalid('EC private scalar has the wrong length');
  const d = new Uint8Array(c.size);
  d.set(raw, c.size - raw.length);
  let point: Uint8Array;
  try {
    if (!c.noble.utils.isValidSecretKey(d)) throw invalid('EC private scalar out of range');
    point = c.noble.getPublicKey(d, false);
    if (pubEl) {
      const inner = new DerReader(pubEl, contextTag(1, true));
      const given = readBitStringOctets(inner.next(TAG.BIT_STRING));
      inner.end();
      if (!constantTimeEqual(validatePoint(curve, given), point)) throw invalid('ECPrivateKey public key does not match d');
    }
  } catch (e) {
    d.fill(0);
    throw e;
  }
  return { kind: 'ec', curve, point, d };
}

/** PKCS#8 for an EC scalar (RFC 5915 inside RFC 5208), with the public key embedded as OpenSSL does. */
export function encodeEcPkcs8(curve: EcCurve, d: Uint8Array): Uint8Array {
  const c = CURVES[curve];
  if (d.length !== c.size || !c.noble.utils.isValidSecretKey(d)) throw invalid('EC private scalar out of range');
  const point = c.noble.getPublicKey(d, false);
  const ecPrivateKey = derSequence(derInteger(1), derOctetString(d), derContext(1, derBitString(point)));
  const out = derSequence(
    derInteger(0),
    derSequence(derOid(OID.ecPublicKey), derOid(c.oid)),
    derOctetString(ecPrivateKey),
  );
  ecPrivateKey.fill(0);
  return out;
}

/** The SPKI of a PKCS#8 private key (RSA: from n, e; EC: d·G). */
export function spkiFromPrivateKey(info: PrivateKeyInfo): Uint8Array {
  return info.kind === 'rsa' ? encodeRsaSpki(info.n, info.e) : encodeEcSpki(info.curve, info.point);
}

// ---------------------------------------------------------------------------------------------------
// Spec matching

export function shapeOf(info: PublicKeyInfo): KeyShape | undefined {
  if (info.kind === 'ec') return { kind: 'ec', curve: info.curve };
  return info.bits === 2048 || info.bits === 3072 || info.bits === 4096 ? { kind: 'rsa', bits: info.bits } : undefined;
}

/** Throws INVALID_KEY unless the parsed key is exactly of key spec `spec`. */
export function assertKeyMatchesSpec(info: PublicKeyInfo, spec: AsymKeySpec): void {
  const want = keySpecShape(spec);
  const got = shapeOf(info);
  const ok =
    got !== undefined &&
    got.kind === want.kind &&
    (got.kind === 'rsa' ? got.bits === (want as { bits: number }).bits : got.curve === (want as { curve: EcCurve }).curve);
  if (!ok) throw invalid(`key does not match key spec ${spec}`);
}

// ---------------------------------------------------------------------------------------------------
// SM2 (GB/T 32918, curve sm2p256v1). Its keys are written like other named-curve EC keys: id-ecPublicKey
// with the curve OID 1.2.156.10197.1.301 (GM/T 0006-2012; what OpenSSL, GmSSL and the clouds' KMSs emit
// and what node:crypto / OpenSSL parse). The SM2 "algorithm" OID 1.2.156.10197.1.301.1 is not used as
// the algorithm, as OpenSSL does not either. Kept apart from the EC code above: SM2 keys are SM2 keys
// only (never ECDSA), and their arithmetic lives in sm2.ts.

export const SM2_CURVE_OID = '1.2.156.10197.1.301';

/** Runs an sm2.ts check, reporting its refusal (a WasmCryptoError) as INVALID_KEY. */
function sm2Guard<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw invalid(`invalid ${what}`, e);
  }
}

/** SubjectPublicKeyInfo of an SM2 public key (65-byte uncompressed or 33-byte compressed point, validated). */
export function encodeSm2Spki(point: Uint8Array): Uint8Array {
  const p = sm2Guard('SM2 public point', () => sm2NormalizePublicKey(point));
  return derSequence(derSequence(derOid(OID.ecPublicKey), derOid(SM2_CURVE_OID)), derBitString(p));
}

/** The 65-byte uncompressed point of an SM2 SubjectPublicKeyInfo; refuses other algorithms and curves. */
export function parseSm2Spki(der: Uint8Array): Uint8Array {
  if (!(der instanceof Uint8Array)) throw new AsymCryptoError('INVALID_ARGUMENT', 'public key must be bytes');
  if (der.length > MAX_SPKI_BYTES) throw invalid('public key too long');
  const point = guard('SM2 SubjectPublicKeyInfo', () => {
    const rd = new DerReader(parseDer(der));
    const alg = new DerReader(rd.next(TAG.SEQUENCE));
    if (readOid(alg.next(TAG.OID)) !== OID.ecPublicKey) throw invalid('not an EC public key');
    if (readOid(alg.next(TAG.OID)) !== SM2_CURVE_OID) throw invalid('not a key on the SM2 curve');
    alg.end();
    const key = readBitStringOctets(rd.next(TAG.BIT_STRING));
    rd.end();
    return key;
  });
  return sm2Guard('SM2 public point', () => sm2NormalizePublicKey(point));
}

/**
 * PKCS#8 of an SM2 private scalar (32 bytes), laid out as OpenSSL writes SM2 keys: id-ecPublicKey + the
 * SM2 curve, an RFC 5915 ECPrivateKey with the public point in [1]. The caller zeroes the result.
 */
export function encodeSm2Pkcs8(d: Uint8Array): Uint8Array {
  if (!(d instanceof Uint8Array) || d.length !== 32) throw invalid('SM2 private key must be 32 bytes');
  const point = sm2Guard('SM2 private key', () => sm2PublicKeyFromPrivate(d));
  const ecPrivateKey = derSequence(derInteger(1), derOctetString(d), derContext(1, derBitString(point)));
  const out = derSequence(derInteger(0), derSequence(derOid(OID.ecPublicKey), derOid(SM2_CURVE_OID)), derOctetString(ecPrivateKey));
  ecPrivateKey.fill(0);
  return out;
}
