// re-encrypt (newer SDKs): a ciphertext of one key becomes a ciphertext of another without the plaintext
// leaving the server. Every pair of encryption keys the API allows works: symmetric (AES_256, SM4) and
// asymmetric ENCRYPT_DECRYPT keys (RSA with RSAES_OAEP_SHA_256 / RSAES_OAEP_SHA_1, SM2 with SM2_ENCRYPT)
// on either side.
//
// Choices, where the wire reference leaves room:
// - The source side is exactly a decrypt-data, the destination side an encrypt-data: the same key state
//   rules (both keys enabled: KMS.0209 disabled, KMS.0210 pending deletion), the same AAD binding (a
//   symmetric ciphertext opens only with its source_additional_authenticated_data; asymmetric keys take
//   no AAD), the same single error for every ciphertext that does not open, and the same size limits (an
//   RSA-OAEP destination holds at most k - 2·hLen - 2 bytes).
// - source_key_id is required for asymmetric ciphertexts; for symmetric ones the key id inside the
//   ciphertext is used, and a given source_key_id must match it.
// - cipher_text is an encrypt-data ciphertext (base64) unless datakey_cipher_length is given: then it is a
//   data key ciphertext of create-datakey / encrypt-datakey (hex), re-encrypted into the same form under a
//   symmetric destination key, and datakey_cipher_length must be the data key's byte length.
// - Administrators only: Huawei's grant operations do not include re-encrypt.
import { DECIMAL } from '../api/fields.ts';
import { utf8, wipe } from '../crypto/bytes.ts';
import { EncodingError, fromBase64, fromHex, toBase64, toHex } from '../crypto/encoding.ts';
import { asymmetricDecryptBytes, asymmetricEncryptBytes } from './asymmetric.ts';
import { MAX_AAD_BYTES, MAX_DATAKEY_BYTES, openBlob, sealBlob } from './data.ts';
import { Code, KmsError } from './errors.ts';
import type { KeyRecord } from './key-record.ts';
import { KEY_SPECS } from './key-spec.ts';
import { KEY_REF_RULE, usableKey } from './keys.ts';
import type { Kms } from './kms.ts';
import { fields, ok, type Operation } from './operation.ts';

const ALGORITHMS = ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1', 'SM2_ENCRYPT'] as const;
const AAD_RULE = { max: MAX_AAD_BYTES, bytes: true } as const;

const invalidCipherText = () => new KmsError(Code.InvalidParameter, 'Invalid cipher_text: it is malformed, was altered, or belongs to another key, project or additional_authenticated_data.');

function decode(text: string, hex: boolean): Uint8Array {
  try {
    return hex ? fromHex(text) : fromBase64(text);
  } catch (e) {
    if (e instanceof EncodingError) throw invalidCipherText();
    throw e;
  }
}

const isSymmetric = (r: KeyRecord) => KEY_SPECS[r.spec].kind === 'symmetric';

function checkAlgorithm(r: KeyRecord, algorithm: string, field: string): void {
  if (isSymmetric(r) !== (algorithm === 'SYMMETRIC_DEFAULT')) {
    throw new KmsError(Code.InvalidParameter, `Invalid ${field}: ${algorithm} does not apply to the ${r.spec} key ${r.id}.`);
  }
}

export const reEncryptOp: Operation = async (kms, call, input) => {
  const f = fields(input, {});
  const sourceRef = f.string('source_key_id', { ...KEY_REF_RULE, required: false, emptyIsAbsent: true });
  const sourceAad = utf8(f.string('source_additional_authenticated_data', AAD_RULE) ?? '');
  const sourceAlgorithm = f.string('source_encryption_algorithm', { enum: ALGORITHMS, emptyIsAbsent: true }) ?? 'SYMMETRIC_DEFAULT';
  const destinationRef = f.string('destination_key_id', KEY_REF_RULE);
  const destinationAad = utf8(f.string('destination_additional_authenticated_data', AAD_RULE) ?? '');
  const destinationAlgorithm = f.string('destination_encryption_algorithm', { enum: ALGORITHMS, emptyIsAbsent: true }) ?? 'SYMMETRIC_DEFAULT';
  const lengthText = f.string('datakey_cipher_length', { pattern: DECIMAL, emptyIsAbsent: true });
  const datakey = lengthText !== undefined;
  const text = f.string('cipher_text', datakey ? { required: true, max: 2 * (MAX_DATAKEY_BYTES + 128), pattern: /^[0-9a-fA-F]+$/ } : { required: true, max: 5648, pattern: /^[0-9a-zA-Z+/=]+$/ });
  const length = Number(lengthText);
  if (datakey && (length < 1 || length > MAX_DATAKEY_BYTES)) {
    throw new KmsError(Code.InvalidDatakeyCipherLength, `Invalid datakey_cipher_length: must be 1-${MAX_DATAKEY_BYTES} bytes.`);
  }
  if (datakey && (sourceAlgorithm !== 'SYMMETRIC_DEFAULT' || destinationAlgorithm !== 'SYMMETRIC_DEFAULT')) {
    throw new KmsError(Code.InvalidParameter, 'Invalid encryption_algorithm: data key ciphertexts are symmetric on both sides.');
  }
  const blob = decode(text, datakey);

  const destination = await usableKey(kms, call.project, destinationRef, 'use');
  checkAlgorithm(destination, destinationAlgorithm, 'destination_encryption_algorithm');
  const source = sourceRef === undefined ? undefined : await usableKey(kms, call.project, sourceRef, 'use');
  if (source) checkAlgorithm(source, sourceAlgorithm, 'source_encryption_algorithm');

  let sourceKey: KeyRecord;
  let plaintext: Uint8Array;
  if (sourceAlgorithm === 'SYMMETRIC_DEFAULT') {
    ({ key: sourceKey, plaintext } = await openBlob(kms, call.project, blob, datakey ? 'datakey' : 'data', sourceAad, invalidCipherText, source));
  } else {
    if (!source) throw new KmsError(Code.MissingParameter, 'Missing required parameter: source_key_id (asymmetric ciphertexts need it).');
    sourceKey = source;
    plaintext = await asymmetricDecryptBytes(kms, source, sourceAlgorithm, blob, sourceAad);
  }
  try {
    if (datakey && plaintext.length !== length) {
      throw new KmsError(Code.InvalidDatakeyCipherLength, `Invalid datakey_cipher_length: the data key is ${plaintext.length} bytes.`);
    }
    let out: string;
    if (destinationAlgorithm === 'SYMMETRIC_DEFAULT') {
      const sealed = await sealBlob(kms, destination, datakey ? 'datakey' : 'data', plaintext, destinationAad);
      out = datakey ? toHex(sealed) : toBase64(sealed);
    } else {
      out = toBase64(await asymmetricEncryptBytes(destination, destinationAlgorithm, plaintext, destinationAad));
    }
    return ok({
      key_id: destination.id,
      source_key_id: sourceKey.id,
      source_encryption_algorithm: sourceAlgorithm,
      destination_encryption_algorithm: destinationAlgorithm,
      cipher_text: out,
    });
  } finally {
    wipe(plaintext);
  }
};

