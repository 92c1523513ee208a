// Asymmetric CMKs on the wire (spec 2.6, 2.3): sign / verify, get-publickey, RSA-OAEP encrypt-data /
// decrypt-data, and data key pairs (create-rsa-datakey-pair / create-ec-datakey-pair). The cryptography is
// src/crypto/asym.ts; this module maps requests onto it and its errors onto KMS codes.
//
// Choices, where the wire reference leaves room:
// - Signing algorithms per key spec are Huawei's exact pairs: RSA_* keys take RSASSA_PSS_SHA_256/384/512
//   and RSASSA_PKCS1_V1_5_SHA_256/384/512; EC_P256 takes ECDSA_SHA_256, EC_P384 ECDSA_SHA_384, SECP256K1
//   ECDSA_SHA_256. PSS uses MGF1 with the same hash and a hash-length salt. ECDSA signatures are DER.
// - Every refusal of caller input is KMS.0308 ("Invalid <field>: why"): unknown or mismatched algorithm,
//   a DIGEST of the wrong length, a RAW message of 4096 bytes or more, bad base64. verify answers
//   signature_valid "false" for any signature that is not valid, including one of impossible length.
// - Asymmetric encrypt-data returns the raw OAEP ciphertext (base64, modulus length); decrypt-data needs
//   key_id and encryption_algorithm. OAEP has no AAD here: a non-empty additional_authenticated_data is
//   refused rather than silently ignored. Every decryption failure is one error (no padding oracle).
// - Data key pairs: public_key is base64 SubjectPublicKeyInfo DER; private_key_plain_text (only when
//   with_plain_text is true, the default) is base64 PKCS#8 DER; private_key_cipher_text is an encrypt-data
//   ciphertext of that PKCS#8 under the (symmetric) CMK, bound to the request's
//   additional_authenticated_data, so decrypt-data with the same AAD gives it back in plain_text_base64.
// - SM2 keys (SM2DSA_SM3, SM2_ENCRYPT, SM2 data key pairs) go through the same requests and checks and are
//   served by sm2-keys.ts; its header says how they are encoded.
import { asymDecrypt, asymEncrypt, asymSign, asymVerify, type EncryptionAlgorithm, type MessageType, type SigningAlgorithm } from '../crypto/asym.ts';
import { AsymCryptoError } from '../crypto/asym-error.ts';
import { AsymPrivateKey, AsymPublicKey } from '../crypto/asym-handle.ts';
import type { AsymKeySpec } from '../crypto/asym-keys.ts';
import { fromUtf8, utf8, wipe } from '../crypto/bytes.ts';
import { EncodingError, fromBase64, toBase64 } from '../crypto/encoding.ts';
import { generateAsymKeyPair } from '../crypto/keypair.ts';
import { sealBlob } from './data.ts';
import { Code, KmsError } from './errors.ts';
import { isAsymmetricSpec } from './key-factory.ts';
import { primaryVersion, type KeyRecord } from './key-record.ts';
import { KEY_SPECS, type KeySpec } from './key-spec.ts';
import { KEY_REF_RULE, usableKey } from './keys.ts';
import type { Kms } from './kms.ts';
import { fields, ok, type Call, type Operation, type Reply } from './operation.ts';
import {
  SM2_ENCRYPTION_ALGORITHM,
  SM2_SIGNING_ALGORITHM,
  newSm2DataKeyPair,
  sm2DecryptData,
  sm2EncryptData,
  sm2PublicKeyPem,
  sm2SignMessage,
  sm2VerifyMessage,
} from './sm2-keys.ts';

export const SIGNING_ALGORITHMS = [
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
  'ECDSA_SHA_512',
  'SM2DSA_SM3',
  'ED25519_SHA_512',
  'ED25519_PH_SHA_512',
] as const;

const RSA_SIGNING: readonly SigningAlgorithm[] = SIGNING_ALGORITHMS.filter((a) => a.startsWith('RSASSA_')) as SigningAlgorithm[];

/** What each asymmetric CMK spec may sign with. */
const SIGNING_BY_SPEC: Partial<Record<KeySpec, readonly SigningAlgorithm[]>> = {
  RSA_2048: RSA_SIGNING,
  RSA_3072: RSA_SIGNING,
  RSA_4096: RSA_SIGNING,
  EC_P256: ['ECDSA_SHA_256'],
  EC_P384: ['ECDSA_SHA_384'],
  SECP256K1: ['ECDSA_SHA_256'],
};

const OAEP: readonly EncryptionAlgorithm[] = ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1'];

/** RAW messages must be shorter than 4096 bytes; base64 of 4095 bytes is 5460 characters. */
const MESSAGE_RULE = { required: true, min: 1, max: 5460, pattern: /^[0-9a-zA-Z+/=]+$/ } as const;
/** The longest signature here is RSA-4096 (512 bytes); anything much longer is refused as malformed. */
const SIGNATURE_RULE = { required: true, min: 1, max: 1024, pattern: /^[0-9a-zA-Z+/=]+$/ } as const;

// --- shared helpers ---

/** Decodes a base64 field, or refuses it as KMS.0308. */
export function base64Field(field: string, text: string): Uint8Array {
  try {
    return fromBase64(text);
  } catch (e) {
    if (e instanceof EncodingError) throw new KmsError(Code.InvalidParameter, `Invalid ${field}: it is not base64.`);
    throw e;
  }
}

/** The crypto layer's refusals as KMS errors: caller input is KMS.0308, a failed self-check is a 500. */
function asKmsError(e: unknown, field: string): unknown {
  if (!(e instanceof AsymCryptoError)) return e;
  if (e.code === 'INTERNAL') return new KmsError(Code.Internal, 'The signature failed its self-check; nothing was returned.', 500);
  return new KmsError(Code.InvalidParameter, `Invalid ${field}: ${e.message}.`);
}

/** The text of decrypted bytes when they are UTF-8, else "" (plain_text_base64 is then the answer). */
export function textOf(plaintext: Uint8Array): string {
  try {
    return fromUtf8(plaintext);
  } catch {
    return '';
  }
}

/** The key's spec if it is an asymmetric key of `usage`: an asym.ts spec, or SM2. */
function asymmetricKey(r: KeyRecord, usage: 'SIGN_VERIFY' | 'ENCRYPT_DECRYPT', op: string): AsymKeySpec | 'SM2' {
  if (!(isAsymmetricSpec(r.spec) || r.spec === 'SM2') || r.usage !== usage) {
    throw new KmsError(Code.InvalidParameter, `The key ${r.id} (${r.spec}, ${r.usage}) cannot be used for ${op}: it needs an asymmetric ${usage} key.`);
  }
  return r.spec;
}

/** The private key of the key's primary version, parsed and self-checked once and then cached. */
function privateKey(kms: Kms, r: KeyRecord, spec: AsymKeySpec): Promise<AsymPrivateKey> {
  const mv = primaryVersion(r);
  if (!mv) throw new KmsError(Code.InvalidParameter, `The key ${r.id} has no key material.`);
  return kms.material.prepared(r, mv, `asym:${spec}`, async (raw) => AsymPrivateKey.fromPkcs8(raw, spec));
}

/** Parsed public keys by their SPKI (public data; bounded so a long-lived process does not grow). */
const publicKeys = new Map<string, AsymPublicKey>();
const PUBLIC_CACHE = 1024;

function publicKey(r: KeyRecord, spec: AsymKeySpec): AsymPublicKey {
  const b64 = primaryVersion(r)?.publicKey;
  if (!b64) throw new KmsError(Code.InvalidParameter, `The key ${r.id} has no key material.`);
  let k = publicKeys.get(b64);
  if (!k) {
    k = AsymPublicKey.fromSpki(fromBase64(b64), spec);
    publicKeys.set(b64, k);
    if (publicKeys.size > PUBLIC_CACHE) publicKeys.delete(publicKeys.keys().next().value as string);
  }
  return k;
}

function signingAlgorithm(r: KeyRecord, name: string): SigningAlgorithm {
  const allowed: readonly string[] = r.spec === 'SM2' ? [SM2_SIGNING_ALGORITHM] : (SIGNING_BY_SPEC[r.spec] ?? []);
  if (!(allowed as readonly string[]).includes(name)) {
    throw new KmsError(Code.InvalidParameter, `Invalid signing_algorithm: ${r.spec} keys sign with ${allowed.join(', ')}.`);
  }
  return name as SigningAlgorithm;
}

// --- sign / verify / get-publickey ---

interface SignRequest {
  r: KeyRecord;
  spec: AsymKeySpec | 'SM2';
  /** The signing algorithm (SM2DSA_SM3 for SM2 keys, which asym.ts does not know). */
  algorithm: SigningAlgorithm;
  message: Uint8Array;
  messageType: MessageType;
}

async function readSignRequest(kms: Kms, call: Call, input: Parameters<Operation>[2], op: string): Promise<SignRequest & { signature?: Uint8Array }> {
  const f = fields(input, {});
  const ref = f.string('key_id', KEY_REF_RULE);
  const messageText = f.string('message', MESSAGE_RULE);
  const algorithmName = f.string('signing_algorithm', { required: true, enum: SIGNING_ALGORITHMS });
  const messageType = (f.string('message_type', { enum: ['DIGEST', 'RAW'], emptyIsAbsent: true }) ?? 'DIGEST') as MessageType;
  const signatureText = op === 'verify' ? f.string('signature', SIGNATURE_RULE) : undefined;
  const message = base64Field('message', messageText);
  const signature = signatureText === undefined ? undefined : base64Field('signature', signatureText);
  const r = await usableKey(kms, call.project, ref, 'use');
  const spec = asymmetricKey(r, 'SIGN_VERIFY', op);
  return { r, spec, algorithm: signingAlgorithm(r, algorithmName), message, messageType, signature };
}

export const signOp: Operation = async (kms, call, input) => {
  const q = await readSignRequest(kms, call, input, 'sign');
  if (q.spec === 'SM2') return ok({ key_id: q.r.id, signature: toBase64(await sm2SignMessage(kms, q.r, q.message, q.messageType)) });
  const key = await privateKey(kms, q.r, q.spec);
  let signature: Uint8Array;
  try {
    signature = await asymSign(key, q.algorithm, q.message, q.messageType);
  } catch (e) {
    throw asKmsError(e, 'message');
  }
  return ok({ key_id: q.r.id, signature: toBase64(signature) });
};

export const verifyOp: Operation = async (kms, call, input) => {
  const q = await readSignRequest(kms, call, input, 'verify');
  if (q.spec === 'SM2') return ok({ key_id: q.r.id, signature_valid: String(sm2VerifyMessage(q.r, q.message, q.messageType, q.signature!)) });
  let valid: boolean;
  try {
    valid = await asymVerify(publicKey(q.r, q.spec), q.algorithm, q.message, q.messageType, q.signature!);
  } catch (e) {
    // A signature no key of this size can have is simply not a valid signature.
    if (e instanceof AsymCryptoError && e.code === 'INVALID_SIGNATURE_SIZE') valid = false;
    else throw asKmsError(e, 'message');
  }
  return ok({ key_id: q.r.id, signature_valid: String(valid) });
};

export const getPublicKeyOp: Operation = async (kms, call, input) => {
  const ref = fields(input, {}).string('key_id', KEY_REF_RULE);
  const r = await usableKey(kms, call.project, ref, 'use');
  if (r.spec === 'SM2') return ok({ key_id: r.id, public_key: sm2PublicKeyPem(r) });
  if (!isAsymmetricSpec(r.spec)) {
    throw new KmsError(Code.InvalidParameter, `The key ${r.id} (${r.spec}) is not asymmetric: it has no public key.`);
  }
  return ok({ key_id: r.id, public_key: publicKey(r, r.spec).toPem() });
};

// --- RSA-OAEP encrypt-data / decrypt-data (called from data.ts) ---

function oaepAlgorithm(r: KeyRecord, name: string): EncryptionAlgorithm {
  if (!(OAEP as readonly string[]).includes(name)) {
    throw new KmsError(Code.InvalidParameter, `Invalid encryption_algorithm: ${r.spec} keys encrypt with ${OAEP.join(' or ')}.`);
  }
  return name as EncryptionAlgorithm;
}

function refuseAad(aad: Uint8Array): void {
  if (aad.length) throw new KmsError(Code.InvalidParameter, 'Invalid additional_authenticated_data: asymmetric encryption does not support it.');
}

function sm2Algorithm(name: string): void {
  if (name !== SM2_ENCRYPTION_ALGORITHM) throw new KmsError(Code.InvalidParameter, `Invalid encryption_algorithm: SM2 keys encrypt with ${SM2_ENCRYPTION_ALGORITHM}.`);
}

/** encrypt-data with an asymmetric key `r` (already resolved and state-checked by the caller). */
export async function asymmetricEncrypt(r: KeyRecord, algorithm: string, plaintext: Uint8Array, aad: Uint8Array): Promise<Reply> {
  const spec = asymmetricKey(r, 'ENCRYPT_DECRYPT', 'encrypt-data');
  if (spec === 'SM2') {
    sm2Algorithm(algorithm);
    refuseAad(aad);
    return ok({ key_id: r.id, cipher_text: toBase64(sm2EncryptData(r, plaintext)) });
  }
  const alg = oaepAlgorithm(r, algorithm);
  refuseAad(aad);
  let ciphertext: Uint8Array;
  try {
    ciphertext = await asymEncrypt(publicKey(r, spec), alg, plaintext);
  } catch (e) {
    throw asKmsError(e, 'plain_text');
  }
  return ok({ key_id: r.id, cipher_text: toBase64(ciphertext) });
}

const invalidCipherText = () => new KmsError(Code.InvalidParameter, 'Invalid cipher_text: it is malformed, was altered, or belongs to another key or algorithm.');

/** decrypt-data of a raw OAEP ciphertext: key_id and encryption_algorithm are required. */
export async function asymmetricDecrypt(kms: Kms, call: Call, ref: string | undefined, algorithm: string, ciphertext: Uint8Array, aad: Uint8Array): Promise<Reply> {
  if (ref === undefined) throw new KmsError(Code.MissingParameter, 'Missing required parameter: key_id (asymmetric decryption needs it).');
  const r = await usableKey(kms, call.project, ref, 'use');
  const spec = asymmetricKey(r, 'ENCRYPT_DECRYPT', 'decrypt-data');
  let plaintext: Uint8Array;
  if (spec === 'SM2') {
    sm2Algorithm(algorithm);
    refuseAad(aad);
    plaintext = await sm2DecryptData(kms, r, ciphertext, invalidCipherText);
  } else {
    const alg = oaepAlgorithm(r, algorithm);
    refuseAad(aad);
    const key = await privateKey(kms, r, spec);
    try {
      plaintext = await asymDecrypt(key, alg, ciphertext);
    } catch (e) {
      if (e instanceof AsymCryptoError && (e.code === 'DECRYPT_FAILED' || e.code === 'INVALID_CIPHERTEXT_SIZE')) throw invalidCipherText();
      throw asKmsError(e, 'cipher_text');
    }
  }
  try {
    return ok({ key_id: r.id, plain_text: textOf(plaintext), plain_text_base64: toBase64(plaintext) });
  } finally {
    wipe(plaintext);
  }
}

// --- data key pairs ---

const RSA_PAIR_SPECS = ['RSA_2048', 'RSA_3072', 'RSA_4096'] as const;
const EC_PAIR_SPECS = ['ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'SM2'] as const;

function datakeyPairOp(specs: readonly string[]): Operation {
  return async (kms, call, input) => {
    const f = fields(input, {});
    const ref = f.string('key_id', KEY_REF_RULE);
    const spec = f.string('key_spec', { required: true, enum: specs });
    const withPlainText = f.boolean('with_plain_text') ?? true;
    const aad = utf8(f.string('additional_authenticated_data', { max: 128, bytes: true }) ?? '');
    const r = await usableKey(kms, call.project, ref, 'use', { createDefault: true });
    // The private key is sealed like encrypt-data plaintext, so the CMK must be a symmetric encryption key;
    // check before spending a key generation on a request that must fail.
    if (KEY_SPECS[r.spec].kind !== 'symmetric' || r.usage !== 'ENCRYPT_DECRYPT') {
      throw new KmsError(Code.InvalidParameter, `The key ${r.id} (${r.spec}, ${r.usage}) cannot protect data key pairs: it needs a symmetric ENCRYPT_DECRYPT key.`);
    }
    const pair = spec === 'SM2' ? newSm2DataKeyPair() : await generateAsymKeyPair(spec as AsymKeySpec);
    try {
      const sealed = await sealBlob(kms, r, 'data', pair.privateKeyPkcs8, aad);
      return ok({
        key_id: r.id,
        key_spec: spec,
        public_key: toBase64(pair.publicKeySpki),
        private_key_cipher_text: toBase64(sealed),
        ...(withPlainText ? { private_key_plain_text: toBase64(pair.privateKeyPkcs8) } : {}),
      });
    } finally {
      wipe(pair.privateKeyPkcs8);
    }
  };
}

export const createRsaDatakeyPairOp: Operation = datakeyPairOp(RSA_PAIR_SPECS);
export const createEcDatakeyPairOp: Operation = datakeyPairOp(EC_PAIR_SPECS);
