// Asymmetric CMKs on the wire (docs/kms-api.md): sign / verify, get-publickey, asymmetric encrypt-data /
// decrypt-data, and data key pairs (create-rsa-datakey-pair / create-ec-datakey-pair). Each key spec
// belongs to a family (asymmetric/families.ts: RSA and EC, SM2, ED25519) that does the cryptography; this
// module maps requests onto the family of the key and never branches on a key spec. Each family's header
// says how its keys, signatures and ciphertexts are encoded.
//
// Choices, where the wire reference leaves room:
// - Signing algorithms per key spec are Huawei's exact pairs (listed by each family).
// - Every refusal of caller input is KMS.0308 ("Invalid <field>: why"): unknown or mismatched algorithm,
//   a DIGEST of the wrong length, a RAW message of 4096 bytes or more, bad base64. verify answers
//   signature_valid "false" for any signature that is not valid, including one of impossible length.
// - Asymmetric encrypt-data returns the raw ciphertext (base64); decrypt-data needs key_id and
//   encryption_algorithm. Asymmetric encryption has no AAD here: a non-empty additional_authenticated_data
//   is refused rather than silently ignored. Every decryption failure is one error (no padding oracle).
// - Data key pairs: public_key is base64 SubjectPublicKeyInfo DER; private_key_plain_text (only when
//   with_plain_text is true, the default) is base64 PKCS#8 DER; private_key_cipher_text is an encrypt-data
//   ciphertext of that PKCS#8 under the (symmetric) CMK, bound to the request's
//   additional_authenticated_data, so decrypt-data with the same AAD gives it back in plain_text_base64.
import { fromUtf8, utf8, wipe } from '../crypto/bytes.ts';
import { EncodingError, fromBase64, toBase64 } from '../crypto/encoding.ts';
import { dataKeyPairFamily, EC_DATAKEY_PAIR_SPECS, familyOf, RSA_DATAKEY_PAIR_SPECS } from './asymmetric/families.ts';
import type { AsymmetricFamily, MessageType, PreparedPrivateKey } from './asymmetric/family.ts';
import { sealBlob } from './data.ts';
import { Code, KmsError } from './errors.ts';
import { primaryVersion, type KeyRecord } from './key-record.ts';
import { KEY_SPECS } from './key-spec.ts';
import { KEY_REF_RULE, usableKey } from './keys.ts';
import type { Kms } from './kms.ts';
import { fields, ok, type Call, type Operation, type Reply } from './operation.ts';

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

/** The text of decrypted bytes when they are UTF-8, else "" (plain_text_base64 is then the answer). */
export function textOf(plaintext: Uint8Array): string {
  try {
    return fromUtf8(plaintext);
  } catch {
    return '';
  }
}

/** An asymmetric key with its family, checked for the usage an operation needs. */
export interface AsymmetricKey {
  r: KeyRecord;
  family: AsymmetricFamily;
}

export function asymmetricKey(r: KeyRecord, usage: 'SIGN_VERIFY' | 'ENCRYPT_DECRYPT' | 'KEY_AGREEMENT', op: string): AsymmetricKey {
  const family = familyOf(r.spec);
  if (!family || r.usage !== usage) {
    throw new KmsError(Code.InvalidParameter, `The key ${r.id} (${r.spec}, ${r.usage}) cannot be used for ${op}: it needs an asymmetric ${usage} key.`);
  }
  return { r, family };
}

function noMaterial(r: KeyRecord): KmsError {
  return new KmsError(Code.InvalidParameter, `The key ${r.id} has no key material.`);
}

/** Parsed public keys by spec and SPKI (public data; bounded so a long-lived process does not grow). */
const publicKeys = new Map<string, unknown>();
const PUBLIC_CACHE = 1024;

export function publicKeyOf({ r, family }: AsymmetricKey): unknown {
  const b64 = primaryVersion(r)?.publicKey;
  if (!b64) throw noMaterial(r);
  const id = `${r.spec}\u0000${b64}`;
  let k = publicKeys.get(id);
  if (k === undefined) {
    k = family.parsePublic(fromBase64(b64), r.spec);
    publicKeys.set(id, k);
    if (publicKeys.size > PUBLIC_CACHE) publicKeys.delete(publicKeys.keys().next().value as string);
  }
  return k;
}

/** The private key of the key's primary version, prepared and checked once, then cached. */
export function privateKeyOf(kms: Kms, key: AsymmetricKey): Promise<PreparedPrivateKey> {
  const { r, family } = key;
  const mv = primaryVersion(r);
  if (!mv) throw noMaterial(r);
  const pub = publicKeyOf(key);
  return kms.material.prepared(r, mv, `asym:${r.spec}`, (raw) => family.preparePrivate(raw, r.spec, pub, kms.crypto));
}

function checkAlgorithm(r: KeyRecord, field: string, name: string, allowed: readonly string[], verb: string): void {
  if (!allowed.includes(name)) {
    const list = allowed.length ? allowed.join(', ') : 'nothing';
    throw new KmsError(Code.InvalidParameter, `Invalid ${field}: ${r.spec} keys ${verb} with ${list}.`);
  }
}

// --- sign / verify / get-publickey ---

interface SignRequest {
  key: AsymmetricKey;
  algorithm: string;
  message: Uint8Array;
  messageType: MessageType;
  signature?: Uint8Array;
}

async function readSignRequest(kms: Kms, call: Call, input: Parameters<Operation>[2], op: string): Promise<SignRequest> {
  const f = fields(input, {});
  const ref = f.string('key_id', KEY_REF_RULE);
  const messageText = f.string('message', MESSAGE_RULE);
  const algorithm = f.string('signing_algorithm', { required: true, enum: SIGNING_ALGORITHMS });
  const messageType = (f.string('message_type', { enum: ['DIGEST', 'RAW'], emptyIsAbsent: true }) ?? 'DIGEST') as MessageType;
  const signatureText = op === 'verify' ? f.string('signature', SIGNATURE_RULE) : undefined;
  const message = base64Field('message', messageText);
  const signature = signatureText === undefined ? undefined : base64Field('signature', signatureText);
  const r = await usableKey(kms, call.project, ref, 'use');
  const key = asymmetricKey(r, 'SIGN_VERIFY', op);
  checkAlgorithm(r, 'signing_algorithm', algorithm, key.family.signingAlgorithms(r.spec), 'sign');
  return { key, algorithm, message, messageType, signature };
}

export const signOp: Operation = async (kms, call, input) => {
  const q = await readSignRequest(kms, call, input, 'sign');
  const priv = await privateKeyOf(kms, q.key);
  const signature = await q.key.family.sign(priv, publicKeyOf(q.key), q.algorithm, q.message, q.messageType);
  return ok({ key_id: q.key.r.id, signature: toBase64(signature) });
};

export const verifyOp: Operation = async (kms, call, input) => {
  const q = await readSignRequest(kms, call, input, 'verify');
  const valid = await q.key.family.verify(publicKeyOf(q.key), q.algorithm, q.message, q.messageType, q.signature!);
  return ok({ key_id: q.key.r.id, signature_valid: String(valid) });
};

export const getPublicKeyOp: Operation = async (kms, call, input) => {
  const ref = fields(input, {}).string('key_id', KEY_REF_RULE);
  const r = await usableKey(kms, call.project, ref, 'use');
  const family = familyOf(r.spec);
  if (!family) throw new KmsError(Code.InvalidParameter, `The key ${r.id} (${r.spec}) is not asymmetric: it has no public key.`);
  return ok({ key_id: r.id, public_key: family.publicPem(publicKeyOf({ r, family })) });
};

// --- asymmetric encrypt-data / decrypt-data (called from data.ts and re-encrypt) ---

function refuseAad(aad: Uint8Array): void {
  if (aad.length) throw new KmsError(Code.InvalidParameter, 'Invalid additional_authenticated_data: asymmetric encryption does not support it.');
}

/** The raw ciphertext of `plaintext` under an asymmetric key `r` (already resolved and state-checked). */
export async function asymmetricEncryptBytes(r: KeyRecord, algorithm: string, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  const key = asymmetricKey(r, 'ENCRYPT_DECRYPT', 'encrypt-data');
  checkAlgorithm(r, 'encryption_algorithm', algorithm, key.family.encryptionAlgorithms(r.spec), 'encrypt');
  refuseAad(aad);
  return key.family.encrypt(publicKeyOf(key), algorithm, plaintext);
}

/** encrypt-data with an asymmetric key `r` (already resolved and state-checked by the caller). */
export async function asymmetricEncrypt(r: KeyRecord, algorithm: string, plaintext: Uint8Array, aad: Uint8Array): Promise<Reply> {
  return ok({ key_id: r.id, cipher_text: toBase64(await asymmetricEncryptBytes(r, algorithm, plaintext, aad)) });
}

/** The plaintext of a raw asymmetric ciphertext under `r` (resolved and state-checked); the caller wipes it. */
export async function asymmetricDecryptBytes(kms: Kms, r: KeyRecord, algorithm: string, ciphertext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  const key = asymmetricKey(r, 'ENCRYPT_DECRYPT', 'decrypt-data');
  checkAlgorithm(r, 'encryption_algorithm', algorithm, key.family.encryptionAlgorithms(r.spec), 'encrypt');
  refuseAad(aad);
  return key.family.decrypt(await privateKeyOf(kms, key), algorithm, ciphertext);
}

/** decrypt-data of a raw asymmetric ciphertext: key_id and encryption_algorithm are required. */
export async function asymmetricDecrypt(kms: Kms, call: Call, ref: string | undefined, algorithm: string, ciphertext: Uint8Array, aad: Uint8Array): Promise<Reply> {
  if (ref === undefined) throw new KmsError(Code.MissingParameter, 'Missing required parameter: key_id (asymmetric decryption needs it).');
  const r = await usableKey(kms, call.project, ref, 'use');
  const plaintext = await asymmetricDecryptBytes(kms, r, algorithm, ciphertext, aad);
  try {
    return ok({ key_id: r.id, plain_text: textOf(plaintext), plain_text_base64: toBase64(plaintext) });
  } finally {
    wipe(plaintext);
  }
}

// --- data key pairs ---

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
    const pair = await kms.keyGeneration.run(call.principal, () => dataKeyPairFamily(spec).generateDataKeyPair(spec));
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

export const createRsaDatakeyPairOp: Operation = datakeyPairOp(RSA_DATAKEY_PAIR_SPECS);
export const createEcDatakeyPairOp: Operation = datakeyPairOp(EC_DATAKEY_PAIR_SPECS);

// --- derive-shared-secret (ECDH) ---

/**
 * ECDH between a KEY_AGREEMENT EC key and the caller's public key (base64 X.509 SubjectPublicKeyInfo DER on
 * the same curve): shared_secret is base64 of the x-coordinate. A `recipient` asks for the secret to be
 * encrypted to an attested enclave instead (ciphertext_recipient); edgekms cannot verify attestation
 * documents and refuses it rather than returning the secret in the clear.
 */
export const deriveSharedSecretOp: Operation = async (kms, call, input) => {
  const f = fields(input, {});
  const ref = f.string('key_id', KEY_REF_RULE);
  const algorithm = f.string('key_agreement_algorithm', { required: true, enum: ['ECDH'] });
  const peer = base64Field('public_key', f.string('public_key', { required: true, min: 1, max: 2048, pattern: /^[0-9a-zA-Z+/=]+$/ }));
  if (f.body.recipient !== undefined && f.body.recipient !== null) {
    throw new KmsError(Code.InvalidParameter, 'Invalid recipient: edgekms cannot verify attestation documents, so it does not encrypt shared secrets to a recipient.');
  }
  const r = await usableKey(kms, call.project, ref, 'use');
  const key = asymmetricKey(r, 'KEY_AGREEMENT', 'derive-shared-secret');
  if (!key.family.deriveSharedSecret) throw new KmsError(Code.InvalidParameter, `The key ${r.id} (${r.spec}) has no key agreement.`);
  const secret = await key.family.deriveSharedSecret(await privateKeyOf(kms, key), r.spec, peer);
  try {
    return ok({ key_id: r.id, key_agreement_algorithm: algorithm, shared_secret: toBase64(secret) });
  } finally {
    wipe(secret);
  }
};
