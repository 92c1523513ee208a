// RSA and EC keys (RSA_2048/3072/4096, EC_P256, EC_P384, SECP256K1; data key pairs RSA_* and
// ECC_NIST_P256/P384/P521, ECC_SECG_P256K1) as one asymmetric family over src/crypto/asym.ts.
//
// Choices, where the wire reference leaves room:
// - Signing algorithms are Huawei's exact pairs: RSA keys take RSASSA_PSS_SHA_256/384/512 and
//   RSASSA_PKCS1_V1_5_SHA_256/384/512; EC_P256 ECDSA_SHA_256, EC_P384 ECDSA_SHA_384, SECP256K1
//   ECDSA_SHA_256. PSS uses MGF1 with the same hash and a hash-length salt. ECDSA signatures are DER.
// - RSA keys encrypt with RSAES_OAEP_SHA_256 or RSAES_OAEP_SHA_1 (raw OAEP ciphertext, modulus length).
// - Material is PKCS#8 DER; the prepared key is checked against the stored SPKI.
// - ECDH (derive-shared-secret) for EC keys: the x-coordinate of d·Q (SEC 1 3.3.1), with the peer's key on
//   the same curve, validated on the curve before use.
import { asymDecrypt, asymEncrypt, asymSign, asymVerify, type EncryptionAlgorithm, type SigningAlgorithm } from '../../crypto/asym.ts';
import { AsymCryptoError } from '../../crypto/asym-error.ts';
import { AsymPrivateKey, AsymPublicKey } from '../../crypto/asym-handle.ts';
import { CURVES, MAX_SPKI_BYTES, type AsymKeySpec, keySpecShape, parseSpki } from '../../crypto/asym-keys.ts';
import { constantTimeEqual } from '../../crypto/bytes.ts';
import { generateAsymKeyPair } from '../../crypto/keypair.ts';
import { KmsError } from '../errors.ts';
import { type AsymmetricFamily, invalidCipherText, invalidInput, inconsistentMaterial, selfCheckFailed } from './family.ts';

const RSA_SIGNING = [
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
] as const;
const OAEP = ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1'] as const;

const SIGNING: Record<string, readonly string[]> = {
  RSA_2048: RSA_SIGNING,
  RSA_3072: RSA_SIGNING,
  RSA_4096: RSA_SIGNING,
  EC_P256: ['ECDSA_SHA_256'],
  EC_P384: ['ECDSA_SHA_384'],
  SECP256K1: ['ECDSA_SHA_256'],
};

/** The crypto layer's refusals as KMS errors: caller input is KMS.0308, a failed self-check a 500. */
function asKmsError(e: unknown, field: string): unknown {
  if (!(e instanceof AsymCryptoError)) return e;
  if (e.code === 'INTERNAL') return selfCheckFailed();
  return invalidInput(field, e.message);
}

async function pairOf(spec: string) {
  const pair = await generateAsymKeyPair(spec as AsymKeySpec);
  return { publicKeySpki: pair.publicKeySpki, privateKeyPkcs8: pair.privateKeyPkcs8 };
}

export const RSA_EC: AsymmetricFamily<AsymPrivateKey, AsymPublicKey> = {
  async generate(spec) {
    const pair = await pairOf(spec);
    return { material: pair.privateKeyPkcs8, publicKeySpki: pair.publicKeySpki };
  },
  generateDataKeyPair: pairOf,
  parsePublic: (spki, spec) => AsymPublicKey.fromSpki(spki, spec as AsymKeySpec),
  publicPem: (key) => key.toPem(),
  async preparePrivate(raw, spec, publicKey, crypto) {
    const key = AsymPrivateKey.fromPkcs8(raw, spec as AsymKeySpec, crypto?.rsaPrivate);
    if (!constantTimeEqual(key.publicKey.spki, publicKey.spki)) {
      key.dispose();
      throw inconsistentMaterial();
    }
    return key;
  },
  signingAlgorithms: (spec) => SIGNING[spec] ?? [],
  encryptionAlgorithms: (spec) => (keySpecShape(spec).kind === 'rsa' ? OAEP : []),
  async sign(key, _pub, algorithm, message, messageType) {
    try {
      return await asymSign(key, algorithm as SigningAlgorithm, message, messageType);
    } catch (e) {
      throw asKmsError(e, 'message');
    }
  },
  async verify(key, algorithm, message, messageType, signature) {
    try {
      return await asymVerify(key, algorithm as SigningAlgorithm, message, messageType, signature);
    } catch (e) {
      // A signature no key of this size can have is simply not a valid signature.
      if (e instanceof AsymCryptoError && e.code === 'INVALID_SIGNATURE_SIZE') return false;
      throw asKmsError(e, 'message');
    }
  },
  async encrypt(key, algorithm, plaintext) {
    try {
      return await asymEncrypt(key, algorithm as EncryptionAlgorithm, plaintext);
    } catch (e) {
      throw asKmsError(e, 'plain_text');
    }
  },
  async decrypt(key, algorithm, ciphertext) {
    try {
      return await asymDecrypt(key, algorithm as EncryptionAlgorithm, ciphertext);
    } catch (e) {
      if (e instanceof AsymCryptoError && (e.code === 'DECRYPT_FAILED' || e.code === 'INVALID_CIPHERTEXT_SIZE')) throw invalidCipherText();
      throw asKmsError(e, 'cipher_text');
    }
  },
  async deriveSharedSecret(key, spec, peerSpki) {
    const shape = keySpecShape(spec);
    if (shape.kind !== 'ec') throw invalidInput('key_id', `${spec} keys have no key agreement`);
    if (peerSpki.length > MAX_SPKI_BYTES) throw invalidInput('public_key', 'it is too long');
    let peer;
    try {
      peer = parseSpki(peerSpki);
    } catch (e) {
      if (e instanceof AsymCryptoError) throw invalidInput('public_key', `it is not a valid X.509 public key (${e.message})`);
      throw e;
    }
    if (peer.kind !== 'ec' || peer.curve !== shape.curve) throw invalidInput('public_key', `it must be a public key on the key's curve ${shape.curve}`);
    const own = key.info;
    if (own.kind !== 'ec') throw inconsistentMaterial();
    const curve = CURVES[shape.curve];
    try {
      // noble validates the peer point on the curve and refuses the point at infinity.
      return curve.noble.getSharedSecret(own.d, peer.point, true).slice(1);
    } catch (e) {
      if (e instanceof KmsError) throw e;
      throw invalidInput('public_key', 'it is not a point on the curve');
    }
  },
};
