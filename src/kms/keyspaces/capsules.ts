// Data key capsules (newer SDKs: /kms/datakey-capsule/create and /decrypt): a data key sealed together with
// the key policy that is to govern who may open it (a confidential-computing feature: the capsule is
// opened inside an attested ECS / CCE instance or by a Custom access point).
//
// create works: the data key (16 or 32 random bytes) is sealed under the symmetric CMK with purpose
// "capsule" (so neither decrypt-data nor decrypt-datakey opens it) and bound to the policy (its id, or the
// SHA-256 of the inline policy as parsed). The caller gets the data key as upper-case hex in `datakey`, or,
// given an RSA `public_key` (base64 SubjectPublicKeyInfo DER or PEM), RSAES_OAEP_SHA_256-encrypted to it in
// `datakey_cipher` (base64), as the API describes.
//
// decrypt is refused, deliberately (KMS.0308): opening a capsule is only allowed after the attestation
// document proves the caller runs in an instance the policy allows, and edgekms can verify no such proof
// (there is no ECS / CCE attestation here, and the Custom access point's signature format is not
// published). Returning the key without it would make the capsule an ordinary data key ciphertext.
import { asymEncrypt, checkPublicKey } from '../../crypto/asym.ts';
import { AsymCryptoError } from '../../crypto/asym-error.ts';
import { randomBytes, utf8, wipe } from '../../crypto/bytes.ts';
import { EncodingError, fromBase64, toBase64, toHex } from '../../crypto/encoding.ts';
import { sha256Hex } from '../../crypto/hash.ts';
import { pemToPublicKey } from '../../crypto/pem.ts';
import { sealBlob } from '../data.ts';
import { Code, KmsError } from '../errors.ts';
import { KEY_REF_RULE, usableKey } from '../keys.ts';
import { fields, ok, type Operation } from '../operation.ts';
import { UUID } from './documents.ts';
import { keyPolicy, parsePolicy } from './policies.ts';

const LENGTHS: Record<string, number> = { '128': 16, '256': 32, AES_256: 32, SM4: 16 };

function rsaPublicKey(text: string) {
  let der: Uint8Array;
  try {
    der = text.includes('-----BEGIN') ? pemToPublicKey(text) : fromBase64(text);
  } catch (e) {
    if (e instanceof EncodingError || e instanceof Error) throw new KmsError(Code.InvalidParameter, 'Invalid public_key: it is neither base64 DER nor a PEM public key.');
    throw e;
  }
  try {
    const key = checkPublicKey(der);
    if (key.info.kind !== 'rsa') throw new KmsError(Code.InvalidParameter, 'Invalid public_key: it must be an RSA public key.');
    return key;
  } catch (e) {
    if (e instanceof AsymCryptoError) throw new KmsError(Code.InvalidParameter, `Invalid public_key: ${e.message}.`);
    throw e;
  }
}

export const createDatakeyCapsuleOp: Operation = async (kms, call, input) => {
  const f = fields(input, {});
  const ref = f.string('key_id', KEY_REF_RULE);
  const length = LENGTHS[f.string('datakey_length', { required: true, enum: Object.keys(LENGTHS) })];
  const publicKeyText = f.string('public_key', { max: 4096, emptyIsAbsent: true });
  const policyId = f.string('policy_id', { pattern: UUID, emptyIsAbsent: true });
  const inline = f.string('key_policy', { max: 8192, emptyIsAbsent: true });
  if ((policyId === undefined) === (inline === undefined)) {
    throw new KmsError(Code.InvalidParameter, 'Invalid key_policy: give exactly one of policy_id and key_policy.');
  }
  const publicKey = publicKeyText === undefined ? undefined : rsaPublicKey(publicKeyText);
  const binding = policyId !== undefined ? `policy:${(await keyPolicy(kms, call.project, policyId)).id}` : `inline:${sha256Hex(JSON.stringify(parsePolicy(inline!)))}`;
  const r = await usableKey(kms, call.project, ref, 'use');
  const dek = randomBytes(length);
  try {
    const capsule = await sealBlob(kms, r, 'capsule', dek, utf8(binding));
    const handed = publicKey ? { datakey_cipher: toBase64(await asymEncrypt(publicKey, 'RSAES_OAEP_SHA_256', dek)) } : { datakey: toHex(dek) };
    return ok({ key_id: r.id, ...handed, datakey_capsule: toBase64(capsule) });
  } finally {
    wipe(dek);
  }
};

export const decryptDatakeyCapsuleOp: Operation = async (kms, call, input) => {
  const f = fields(input, {});
  const ref = f.string('key_id', KEY_REF_RULE);
  f.string('datakey_capsule', { required: true, max: 8192, pattern: /^[0-9a-zA-Z+/=]+$/ });
  if (f.body.attestation_document === undefined) throw new KmsError(Code.MissingParameter, 'Missing required parameter: attestation_document.');
  await usableKey(kms, call.project, ref, 'use');
  throw new KmsError(
    Code.InvalidParameter,
    'Invalid attestation_document: edgekms cannot verify ECS, CCE or Custom attestation, so it does not open data key capsules (see docs/kms-api.md).',
  );
};
