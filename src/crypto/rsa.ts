// RSA signatures (RSASSA-PSS and RSASSA-PKCS1-v1_5, RFC 8017 8.1 / 8.2) and RSAES-OAEP (RFC 8017 7.1) as the
// KMS sign / verify / encrypt-data / decrypt-data operations use them.
//
// Parameters (the same as AWS KMS and Huawei KMS):
// - RSASSA_PSS_SHA_x: hash SHA-x, MGF1 with SHA-x, salt length = hash length (32/48/64), trailer 0xBC.
//   AWS documents "SHA-x for both the message digest and the MGF1 mask generation function along with an
//   x-bit salt"; Huawei's DEW FAQ "How do I verify a signature with the public key" verifies an
//   RSASSA_PSS_SHA_256 signature with Java PSSParameterSpec(SHA-256, MGF1(SHA-256), saltLength 32, trailer 1).
// - RSAES_OAEP_SHA_x: OAEP with hash SHA-x, MGF1 with SHA-x and an empty label.
//
// Paths:
// - RAW messages: WebCrypto (OpenSSL/BoringSSL underneath, constant-time and blinded), then the signature is
//   verified with the public key before it is returned (fault countermeasure; cheap with e = 65537).
// - DIGEST messages: WebCrypto cannot sign a precomputed digest, so EMSA encoding (rsa-emsa.ts) plus the
//   private operation: the runtime's native one when its crypto provider has it (Node: OpenSSL with
//   RSA_NO_PADDING on a worker thread, constant time and blinded, src/runtime/node-rsa.ts), else the BigInt
//   code (rsa-bigint.ts: CRT, base + exponent blinding, self-check), which blocks the calling thread for
//   ~6/16/33 ms (RSA-2048/3072/4096) per signature.
// - Verification of DIGEST signatures is public-key math over BigInt; RAW verification uses WebCrypto.
// Signature length must equal the modulus length k (RFC 8017 8.1.2 step 1), checked before any work.

import { AsymCryptoError } from './asym-error.ts';
import { constantTimeEqual } from './bytes.ts';
import { type AsymPrivateKey, type AsymPublicKey, bufferSource } from './asym-handle.ts';
import type { MessageType, RsaPrivateKeyInfo, RsaPublicKeyInfo } from './asym-keys.ts';
import { type RandomFill, bigIntToBytes, bytesToBigInt, randomFill, rsaPrivate, rsaPublic } from './rsa-bigint.ts';
import { type ShaName, emsaPkcs1v15Encode, emsaPssEncode, emsaPssVerify, hashSpec } from './rsa-emsa.ts';

export type RsaSigningAlgorithm =
  | 'RSASSA_PSS_SHA_256'
  | 'RSASSA_PSS_SHA_384'
  | 'RSASSA_PSS_SHA_512'
  | 'RSASSA_PKCS1_V1_5_SHA_256'
  | 'RSASSA_PKCS1_V1_5_SHA_384'
  | 'RSASSA_PKCS1_V1_5_SHA_512';

export type RsaEncryptionAlgorithm = 'RSAES_OAEP_SHA_256' | 'RSAES_OAEP_SHA_1';

type Sha2 = 'SHA-256' | 'SHA-384' | 'SHA-512';

export const RSA_SIGNING_ALGORITHMS: Readonly<Record<RsaSigningAlgorithm, { padding: 'PSS' | 'PKCS1'; hash: Sha2 }>> =
  Object.freeze({
    RSASSA_PSS_SHA_256: { padding: 'PSS', hash: 'SHA-256' },
    RSASSA_PSS_SHA_384: { padding: 'PSS', hash: 'SHA-384' },
    RSASSA_PSS_SHA_512: { padding: 'PSS', hash: 'SHA-512' },
    RSASSA_PKCS1_V1_5_SHA_256: { padding: 'PKCS1', hash: 'SHA-256' },
    RSASSA_PKCS1_V1_5_SHA_384: { padding: 'PKCS1', hash: 'SHA-384' },
    RSASSA_PKCS1_V1_5_SHA_512: { padding: 'PKCS1', hash: 'SHA-512' },
  });

export const RSA_ENCRYPTION_ALGORITHMS: Readonly<Record<RsaEncryptionAlgorithm, { hash: 'SHA-1' | 'SHA-256' }>> =
  Object.freeze({
    RSAES_OAEP_SHA_256: { hash: 'SHA-256' },
    RSAES_OAEP_SHA_1: { hash: 'SHA-1' },
  });

function signingParams(alg: RsaSigningAlgorithm) {
  const p = Object.prototype.hasOwnProperty.call(RSA_SIGNING_ALGORITHMS, alg) ? RSA_SIGNING_ALGORITHMS[alg] : undefined;
  if (!p) throw new AsymCryptoError('UNSUPPORTED', `unsupported RSA signing algorithm ${String(alg)}`);
  return p;
}

function encryptionParams(alg: RsaEncryptionAlgorithm) {
  const p = Object.prototype.hasOwnProperty.call(RSA_ENCRYPTION_ALGORITHMS, alg) ? RSA_ENCRYPTION_ALGORITHMS[alg] : undefined;
  if (!p) throw new AsymCryptoError('UNSUPPORTED', `unsupported RSA encryption algorithm ${String(alg)}`);
  return p;
}

const webAlgorithm = (padding: 'PSS' | 'PKCS1') => (padding === 'PSS' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5') as 'RSA-PSS' | 'RSASSA-PKCS1-v1_5';

function signParams(padding: 'PSS' | 'PKCS1', hash: ShaName): AlgorithmIdentifier | RsaPssParams {
  return padding === 'PSS' ? { name: 'RSA-PSS', saltLength: hashSpec(hash).len } : { name: 'RSASSA-PKCS1-v1_5' };
}

function requireRsa<T extends { info: { kind: string } }>(key: T): void {
  if (key.info.kind !== 'rsa') throw new AsymCryptoError('UNSUPPORTED', 'RSA algorithm used with a non-RSA key');
}

function checkDigestLength(hash: ShaName, digest: Uint8Array): void {
  const len = hashSpec(hash).len;
  if (digest.length !== len) throw new AsymCryptoError('INVALID_DIGEST_LENGTH', `${hash} digest must be ${len} bytes, got ${digest.length}`);
}

function checkSignatureLength(info: RsaPublicKeyInfo, signature: Uint8Array): void {
  if (signature.length !== info.byteLength) {
    throw new AsymCryptoError('INVALID_SIGNATURE_SIZE', `RSA signature must be ${info.byteLength} bytes, got ${signature.length}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// DIGEST path (BigInt), exported for tests and for callers that already hold parsed keys

export interface RsaDigestSignOptions {
  /** PSS salt (must be hash-length). Tests pass a fixed one to reproduce published vectors. */
  salt?: Uint8Array;
  /** Randomness source for salt and blinding (tests only). */
  random?: RandomFill;
}

/** RSASSA-PSS / RSASSA-PKCS1-v1_5 signature over a precomputed digest (synchronous, BigInt). */
export function rsaSignDigest(
  key: RsaPrivateKeyInfo,
  alg: RsaSigningAlgorithm,
  digest: Uint8Array,
  opts: RsaDigestSignOptions = {},
): Uint8Array {
  const { padding, hash } = signingParams(alg);
  checkDigestLength(hash, digest);
  const random = opts.random ?? randomFill;
  let em: Uint8Array;
  if (padding === 'PSS') {
    const hLen = hashSpec(hash).len;
    const salt = opts.salt ?? random(new Uint8Array(hLen));
    if (salt.length !== hLen) throw new AsymCryptoError('INVALID_ARGUMENT', `PSS salt must be ${hLen} bytes`);
    em = emsaPssEncode(digest, key.bits - 1, hash, salt);
  } else {
    em = emsaPkcs1v15Encode(hash, digest, key.byteLength);
  }
  const s = rsaPrivate(bytesToBigInt(em), key, random);
  em.fill(0);
  return bigIntToBytes(s, key.byteLength);
}

/**
 * The DIGEST signature through the runtime's native private operation (constant time, blinded, off the
 * event loop on Node), or undefined where the key has none. The EMSA encoding is the same as rsaSignDigest's.
 */
async function rsaSignDigestNative(key: AsymPrivateKey, info: RsaPrivateKeyInfo, alg: RsaSigningAlgorithm, digest: Uint8Array): Promise<Uint8Array | undefined> {
  const { padding, hash } = signingParams(alg);
  checkDigestLength(hash, digest);
  const em = new Uint8Array(info.byteLength);
  if (padding === 'PSS') {
    // emLen = ceil((modBits - 1) / 8) may be k - 1: the k-byte representative then starts with a zero.
    const encoded = emsaPssEncode(digest, info.bits - 1, hash, randomFill(new Uint8Array(hashSpec(hash).len)));
    em.set(encoded, info.byteLength - encoded.length);
    encoded.fill(0);
  } else {
    em.set(emsaPkcs1v15Encode(hash, digest, info.byteLength));
  }
  const pending = key.nativeRsaPrivate(em);
  if (!pending) return undefined;
  try {
    const s = await pending;
    if (s.length !== info.byteLength) throw new AsymCryptoError('INTERNAL', 'RSA signature has the wrong length; result withheld');
    return s;
  } catch (e) {
    if (e instanceof AsymCryptoError) throw e;
    throw new AsymCryptoError('INTERNAL', 'RSA private operation failed its self-check; result withheld');
  } finally {
    em.fill(0);
  }
}

/** Verifies a DIGEST-mode RSA signature. Throws only on bad argument sizes; returns false otherwise. */
export function rsaVerifyDigest(key: RsaPublicKeyInfo, alg: RsaSigningAlgorithm, digest: Uint8Array, signature: Uint8Array): boolean {
  const { padding, hash } = signingParams(alg);
  checkDigestLength(hash, digest);
  checkSignatureLength(key, signature);
  const s = bytesToBigInt(signature);
  if (s >= key.n) return false;
  const m = rsaPublic(s, key);
  if (padding === 'PSS') {
    const emLen = Math.ceil((key.bits - 1) / 8);
    // With modBits ≡ 1 (mod 8) emLen is k - 1 and the top byte of the k-byte representative must be zero
    // (otherwise m < n < 2^(8·emLen) already).
    if (m >> BigInt(8 * emLen) !== 0n) return false;
    return emsaPssVerify(digest, bigIntToBytes(m, emLen), key.bits - 1, hash, hashSpec(hash).len);
  }
  return constantTimeEqual(bigIntToBytes(m, key.byteLength), emsaPkcs1v15Encode(hash, digest, key.byteLength));
}

// ---------------------------------------------------------------------------------------------------
// KMS-facing sign / verify

export async function rsaSign(
  key: AsymPrivateKey,
  alg: RsaSigningAlgorithm,
  message: Uint8Array,
  messageType: MessageType,
): Promise<Uint8Array> {
  requireRsa(key);
  const { padding, hash } = signingParams(alg);
  const info = key.info as RsaPrivateKeyInfo;
  if (messageType === 'DIGEST') return (await rsaSignDigestNative(key, info, alg, message)) ?? rsaSignDigest(info, alg, message);
  if (messageType !== 'RAW') throw new AsymCryptoError('INVALID_ARGUMENT', `unknown message type ${String(messageType)}`);
  const params = signParams(padding, hash);
  const priv = await key.webcrypto({ name: webAlgorithm(padding), hash });
  const sig = new Uint8Array(await crypto.subtle.sign(params, priv, bufferSource(message)));
  const pub = await key.publicKey.webcrypto({ name: webAlgorithm(padding), hash });
  if (sig.length !== info.byteLength || !(await crypto.subtle.verify(params, pub, sig, bufferSource(message)))) {
    throw new AsymCryptoError('INTERNAL', 'RSA signature failed its self-check; result withheld');
  }
  return sig;
}

export async function rsaVerify(
  key: AsymPublicKey,
  alg: RsaSigningAlgorithm,
  message: Uint8Array,
  messageType: MessageType,
  signature: Uint8Array,
): Promise<boolean> {
  requireRsa(key);
  const { padding, hash } = signingParams(alg);
  const info = key.info as RsaPublicKeyInfo;
  if (messageType === 'DIGEST') return rsaVerifyDigest(info, alg, message, signature);
  if (messageType !== 'RAW') throw new AsymCryptoError('INVALID_ARGUMENT', `unknown message type ${String(messageType)}`);
  checkSignatureLength(info, signature);
  const pub = await key.webcrypto({ name: webAlgorithm(padding), hash });
  return crypto.subtle.verify(signParams(padding, hash), pub, bufferSource(signature), bufferSource(message));
}

// ---------------------------------------------------------------------------------------------------
// RSAES-OAEP

/** Largest OAEP plaintext for a modulus of `byteLength` bytes: k - 2·hLen - 2 (RFC 8017 7.1.1). */
export function rsaOaepMaxPlaintext(byteLength: number, alg: RsaEncryptionAlgorithm): number {
  return byteLength - 2 * hashSpec(encryptionParams(alg).hash).len - 2;
}

export async function rsaOaepEncrypt(key: AsymPublicKey, alg: RsaEncryptionAlgorithm, plaintext: Uint8Array): Promise<Uint8Array> {
  requireRsa(key);
  const { hash } = encryptionParams(alg);
  const info = key.info as RsaPublicKeyInfo;
  const max = rsaOaepMaxPlaintext(info.byteLength, alg);
  if (plaintext.length > max) throw new AsymCryptoError('MESSAGE_TOO_LONG', `OAEP plaintext is limited to ${max} bytes for this key`);
  const pub = await key.webcrypto({ name: 'RSA-OAEP', hash });
  return new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, pub, bufferSource(plaintext)));
}

/** Decrypts; every failure after the size check is one DECRYPT_FAILED error (no padding oracle). */
export async function rsaOaepDecrypt(key: AsymPrivateKey, alg: RsaEncryptionAlgorithm, ciphertext: Uint8Array): Promise<Uint8Array> {
  requireRsa(key);
  const { hash } = encryptionParams(alg);
  const info = key.info as RsaPrivateKeyInfo;
  if (ciphertext.length !== info.byteLength) {
    throw new AsymCryptoError('INVALID_CIPHERTEXT_SIZE', `RSA ciphertext must be ${info.byteLength} bytes, got ${ciphertext.length}`);
  }
  const priv = await key.webcrypto({ name: 'RSA-OAEP', hash });
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'RSA-OAEP' }, priv, bufferSource(ciphertext)));
  } catch {
    throw new AsymCryptoError('DECRYPT_FAILED', 'decryption failed');
  }
}
