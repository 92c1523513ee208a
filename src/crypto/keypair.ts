// Asymmetric key pair generation for CMKs (create-key: RSA_2048/3072/4096, EC_P256, EC_P384, SECP256K1)
// and data key pairs (create-rsa-datakey-pair: RSA_*, create-ec-datakey-pair: ECC_NIST_P256/P384/P521,
// ECC_SECG_P256K1). Output is PKCS#8 DER (to be wrapped by the KMS root key, or returned as
// private_key_plain_text) and SubjectPublicKeyInfo DER.
//
// RSA uses WebCrypto generateKey, which runs on a worker thread in Node (libuv pool), Deno and browsers:
// RSA-4096 takes ~0.7-1.6 s here but the event loop keeps ticking (largest timer gap measured ~6 ms).
// NIST curves use WebCrypto too (falling back to @noble/curves where a runtime lacks a curve);
// secp256k1 always uses @noble/curves (random scalar from the platform CSPRNG, ~1 ms).
// Every generated key is parsed back and self-checked, and the SPKI is derived from the private key, so a
// pair that is returned is consistent by construction.

import { AsymCryptoError } from './asym-error.ts';
import { type AsymKeySpec, CURVES, type EcCurve, assertKeyMatchesSpec, encodeEcPkcs8, keySpecShape, parsePkcs8, spkiFromPrivateKey } from './asym-keys.ts';

export interface AsymKeyPair {
  readonly spec: AsymKeySpec;
  /** PKCS#8 PrivateKeyInfo DER. Secret: wrap or zero it when done. */
  readonly privateKeyPkcs8: Uint8Array;
  /** SubjectPublicKeyInfo DER. */
  readonly publicKeySpki: Uint8Array;
}

const F4 = Uint8Array.of(0x01, 0x00, 0x01);

async function generateRsaPkcs8(bits: number): Promise<Uint8Array> {
  // The algorithm name only tags the CryptoKey; the exported PKCS#8 is plain rsaEncryption, usable for any
  // RSA scheme.
  const kp = (await crypto.subtle.generateKey(
    { name: 'RSA-PSS', modulusLength: bits, publicExponent: F4, hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  return new Uint8Array(await crypto.subtle.exportKey('pkcs8', kp.privateKey));
}

async function generateEcPkcs8(curve: EcCurve): Promise<Uint8Array> {
  const namedCurve = CURVES[curve].webcrypto;
  if (namedCurve) {
    try {
      const kp = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve }, true, ['sign', 'verify'])) as CryptoKeyPair;
      return new Uint8Array(await crypto.subtle.exportKey('pkcs8', kp.privateKey));
    } catch (e) {
      // Only a missing curve falls back; anything else is a real failure.
      if (!(e instanceof Error) || e.name !== 'NotSupportedError') throw e;
    }
  }
  const d = CURVES[curve].noble.utils.randomSecretKey();
  try {
    return encodeEcPkcs8(curve, d);
  } finally {
    d.fill(0);
  }
}

export async function generateAsymKeyPair(spec: AsymKeySpec): Promise<AsymKeyPair> {
  const shape = keySpecShape(spec);
  const pkcs8 = shape.kind === 'rsa' ? await generateRsaPkcs8(shape.bits) : await generateEcPkcs8(shape.curve);
  const info = parsePkcs8(pkcs8);
  try {
    assertKeyMatchesSpec(info, spec);
    return { spec, privateKeyPkcs8: pkcs8, publicKeySpki: spkiFromPrivateKey(info) };
  } catch (e) {
    pkcs8.fill(0);
    throw e instanceof AsymCryptoError ? new AsymCryptoError('INTERNAL', `generated key failed its self-check: ${e.message}`) : e;
  } finally {
    if (info.kind === 'ec') info.d.fill(0);
  }
}
