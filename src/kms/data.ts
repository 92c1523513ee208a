// Symmetric cryptography with a CMK: encrypt-data / decrypt-data (small data, base64 blobs) and data
// keys for envelope encryption (hex blobs; docs/kms-api.md, "Data"). Plaintext is never logged or stored.
import { AuthenticationError } from '../crypto/aes-gcm.ts';
import { constantTimeEqual, fromUtf8, randomBytes, utf8, wipe, concat } from '../crypto/bytes.ts';
import { EncodingError, fromBase64, fromHex, toBase64, toHex } from '../crypto/encoding.ts';
import { DECIMAL } from '../api/fields.ts';
import { asymmetricDecrypt, asymmetricEncrypt } from './asymmetric.ts';
import { blobAad, decodeBlob, encodeHeader, type BlobPurpose } from './ciphertext.ts';
import { Code, KmsError } from './errors.ts';
import { findVersion, primaryVersion, type KeyRecord, type MaterialVersion } from './key-record.ts';
import { KEY_SPECS } from './key-spec.ts';
import { KEY_REF_RULE, usableKey } from './keys.ts';
import type { Kms } from './kms.ts';
import { fields, ok, type Operation } from './operation.ts';
import { rotate } from './rotation.ts';
import { specForBlob, symmetricFor, type SymmetricAlgorithm } from './symmetric.ts';

export const MAX_DATA_BYTES = 4096;
export const MAX_AAD_BYTES = 128;
export const MAX_DATAKEY_BYTES = 1024;

const AAD_RULE = { max: MAX_AAD_BYTES, bytes: true } as const;

function symmetricKey(r: KeyRecord, op: string): SymmetricAlgorithm {
  const alg = symmetricFor(r.spec);
  if (!alg || r.usage !== 'ENCRYPT_DECRYPT') {
    throw new KmsError(Code.InvalidParameter, `The key ${r.id} (${r.spec}, ${r.usage}) cannot be used for ${op}.`);
  }
  return alg;
}

function prepared(kms: Kms, r: KeyRecord, alg: SymmetricAlgorithm, mv: MaterialVersion) {
  return kms.material.prepared(r, mv, r.spec, (raw) => alg.prepare(raw, kms.crypto));
}

class AlreadyRotated extends Error {}

/**
 * Seals `plaintext` under the key's primary version into a self-describing blob. Every seal is counted
 * per version; the key rotates itself before a version seals 2^31 messages (src/kms/seal-counter.ts).
 */
export async function sealBlob(kms: Kms, r: KeyRecord, purpose: BlobPurpose, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  const alg = symmetricKey(r, purpose === 'data' ? 'encrypt-data' : 'data keys');
  const mv = primaryVersion(r);
  if (!mv) throw new KmsError(Code.InvalidParameter, `The key ${r.id} has no key material.`);
  await kms.seals.count(r, mv, () =>
    rotate(kms, r.project, r.id, (cur) => {
      if (cur.versions.at(-1)?.v !== mv.v) throw new AlreadyRotated();
    }).catch((e) => {
      // Another request rotated first, or rotation failed: this seal still stays within the limit, and the
      // next one past the threshold tries again.
      if (!(e instanceof AlreadyRotated)) kms.onSealRotationFailure?.(r, e);
    }),
  );
  const key = await prepared(kms, r, alg, mv);
  const iv = randomBytes(12);
  const header = encodeHeader({ algorithm: alg.blobAlgorithm, keyId: r.id, version: mv.v, iv });
  return concat(header, await alg.seal(key, iv, plaintext, blobAad(header, r.project, purpose, aad)));
}

/**
 * Opens a blob sealed by `sealBlob` in this project. `badCiphertext` is the operation's error for a blob
 * that is malformed, altered, or sealed for another key, purpose or AAD.
 */
export async function openBlob(
  kms: Kms,
  project: string,
  blob: Uint8Array,
  purpose: BlobPurpose,
  aad: Uint8Array,
  badCiphertext: () => KmsError,
  expectKey?: KeyRecord,
): Promise<{ key: KeyRecord; plaintext: Uint8Array }> {
  const parsed = decodeBlob(blob);
  if (!parsed) throw badCiphertext();
  const { header, headerBytes, sealed } = parsed;
  if (expectKey && expectKey.id !== header.keyId) throw badCiphertext();
  const r = expectKey ?? (await usableKey(kms, project, header.keyId, 'use'));
  const alg = symmetricKey(r, 'decryption');
  const mv = findVersion(r, header.version);
  if (specForBlob(header.algorithm) !== r.spec || !mv) throw badCiphertext();
  const key = await prepared(kms, r, alg, mv);
  try {
    return { key: r, plaintext: await alg.open(key, header.iv, sealed, blobAad(headerBytes, project, purpose, aad)) };
  } catch (e) {
    if (e instanceof AuthenticationError) throw badCiphertext();
    throw e;
  }
}

function decodeOr<T>(decode: () => T, error: () => KmsError): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof EncodingError) throw error();
    throw e;
  }
}

// --- encrypt-data / decrypt-data ---

const ENCRYPTION_ALGORITHMS = ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1', 'SM2_ENCRYPT'] as const;

export const encryptDataOp: Operation = async (kms, call, input) => {
  const f = fields(input, {});
  const ref = f.string('key_id', KEY_REF_RULE);
  const text = f.string('plain_text', { required: true, min: 1, max: MAX_DATA_BYTES, bytes: true });
  if (!text.isWellFormed()) throw new KmsError(Code.InvalidParameter, 'Invalid plain_text: it is not well-formed Unicode.');
  const algorithm = f.string('encryption_algorithm', { enum: ENCRYPTION_ALGORITHMS, emptyIsAbsent: true }) ?? 'SYMMETRIC_DEFAULT';
  const aad = utf8(f.string('additional_authenticated_data', AAD_RULE) ?? '');
  const r = await usableKey(kms, call.project, ref, 'use', { createDefault: true });
  if (KEY_SPECS[r.spec].kind === 'symmetric' && algorithm !== 'SYMMETRIC_DEFAULT') {
    throw new KmsError(Code.InvalidParameter, `Invalid encryption_algorithm: ${r.spec} keys use SYMMETRIC_DEFAULT.`);
  }
  const plaintext = utf8(text);
  try {
    if (KEY_SPECS[r.spec].kind === 'asymmetric') return await asymmetricEncrypt(r, algorithm, plaintext, aad);
    const blob = await sealBlob(kms, r, 'data', plaintext, aad);
    return ok({ key_id: r.id, cipher_text: toBase64(blob) });
  } finally {
    wipe(plaintext);
  }
};

const invalidCipherText = () => new KmsError(Code.InvalidParameter, 'Invalid cipher_text: it is malformed, was altered, or belongs to another key, project or additional_authenticated_data.');

export const decryptDataOp: Operation = async (kms, call, input) => {
  const f = fields(input, {});
  const text = f.string('cipher_text', { required: true, max: 5648, pattern: /^[0-9a-zA-Z+/=]+$/ });
  const ref = f.string('key_id', { ...KEY_REF_RULE, required: false, emptyIsAbsent: true });
  const algorithm = f.string('encryption_algorithm', { enum: ENCRYPTION_ALGORITHMS, emptyIsAbsent: true }) ?? 'SYMMETRIC_DEFAULT';
  const aad = utf8(f.string('additional_authenticated_data', AAD_RULE) ?? '');
  const blob = decodeOr(() => fromBase64(text), invalidCipherText);
  if (algorithm !== 'SYMMETRIC_DEFAULT') return asymmetricDecrypt(kms, call, ref, algorithm, blob, aad);
  const expect = ref === undefined ? undefined : await usableKey(kms, call.project, ref, 'use', { createDefault: true });
  const { key, plaintext } = await openBlob(kms, call.project, blob, 'data', aad, invalidCipherText, expect);
  try {
    let asText: string;
    try {
      asText = fromUtf8(plaintext);
    } catch {
      asText = '';
    }
    return ok({ key_id: key.id, plain_text: asText, plain_text_base64: toBase64(plaintext) });
  } finally {
    wipe(plaintext);
  }
};

// --- data keys ---

const DATAKEY_SPEC_BITS: Record<string, number> = {
  AES_256: 256,
  AES_128: 128,
  SM4: 128,
  HMAC_256: 256,
  HMAC_384: 384,
  HMAC_512: 512,
  HMAC_SM3: 256,
};

/** SHA-256 (AES keys) and SM3 (SM4 keys) digests are both 32 bytes. */
const DATAKEY_DIGEST_BYTES = 32;

async function createDatakey(kms: Kms, call: { project: string }, input: Parameters<Operation>[2]) {
  const f = fields(input, {});
  const ref = f.string('key_id', KEY_REF_RULE);
  const spec = f.string('key_spec', { enum: Object.keys(DATAKEY_SPEC_BITS), emptyIsAbsent: true });
  const lengthText = f.string('datakey_length', { pattern: DECIMAL, emptyIsAbsent: true });
  const aad = utf8(f.string('additional_authenticated_data', AAD_RULE) ?? '');
  let bits = spec ? DATAKEY_SPEC_BITS[spec] : 256;
  if (lengthText !== undefined) {
    bits = Number(lengthText);
    if (bits < 8 || bits > 8192 || bits % 8 !== 0) {
      throw new KmsError(Code.InvalidDatakeyLength, 'Invalid datakey_length: must be a multiple of 8 from 8 to 8192 bits.');
    }
  }
  const r = await usableKey(kms, call.project, ref, 'use', { createDefault: true });
  const dek = randomBytes(bits / 8);
  const blob = await sealBlob(kms, r, 'datakey', dek, aad);
  return { r, dek, blob };
}

export const createDatakeyOp: Operation = async (kms, call, input) => {
  const { r, dek, blob } = await createDatakey(kms, call, input);
  try {
    return ok({ key_id: r.id, plain_text: toHex(dek), cipher_text: toHex(blob) });
  } finally {
    wipe(dek);
  }
};

export const createDatakeyWithoutPlaintextOp: Operation = async (kms, call, input) => {
  const { r, dek, blob } = await createDatakey(kms, call, input);
  wipe(dek);
  return ok({ key_id: r.id, cipher_text: toHex(blob) });
};

export const encryptDatakeyOp: Operation = async (kms, call, input) => {
  const f = fields(input, { plain_text: Code.InvalidDatakeyPlaintext });
  const ref = f.string('key_id', KEY_REF_RULE);
  const hex = f.string('plain_text', { required: true, max: 2 * (MAX_DATAKEY_BYTES + 64), pattern: /^[0-9a-fA-F]+$/ });
  const length = Number(f.string('datakey_plain_length', { required: true, pattern: DECIMAL }));
  const aad = utf8(f.string('additional_authenticated_data', AAD_RULE) ?? '');
  if (length < 1 || length > MAX_DATAKEY_BYTES) throw new KmsError(Code.InvalidDatakeyPlainLength, `Invalid datakey_plain_length: must be 1-${MAX_DATAKEY_BYTES} bytes.`);
  const r = await usableKey(kms, call.project, ref, 'use', { createDefault: true });
  const alg = symmetricKey(r, 'encrypt-datakey');
  const bytes = decodeOr(() => fromHex(hex), () => new KmsError(Code.InvalidDatakeyPlaintext, 'Invalid plain_text: it is not hex.'));
  if (bytes.length !== length + DATAKEY_DIGEST_BYTES) {
    wipe(bytes);
    throw new KmsError(Code.InvalidDatakeyPlaintext, `Invalid plain_text: expected ${length} key bytes followed by their ${alg.datakeyDigestName} digest.`);
  }
  const dek = bytes.subarray(0, length);
  try {
    if (!constantTimeEqual(alg.datakeyDigest(dek), bytes.subarray(length))) {
      throw new KmsError(Code.DatakeyHashMismatch, `The ${alg.datakeyDigestName} digest in plain_text does not match the data key.`);
    }
    const blob = await sealBlob(kms, r, 'datakey', dek, aad);
    return ok({ key_id: r.id, cipher_text: toHex(blob), datakey_length: String(length) });
  } finally {
    wipe(bytes);
  }
};

const invalidDatakeyCipher = () => new KmsError(Code.InvalidCiphertext, 'Invalid cipher_text: it is malformed, was altered, or belongs to another key, project or additional_authenticated_data.');

export const decryptDatakeyOp: Operation = async (kms, call, input) => {
  const f = fields(input, { cipher_text: Code.InvalidCiphertext });
  const ref = f.string('key_id', KEY_REF_RULE);
  const hex = f.string('cipher_text', { required: true, max: 2 * (MAX_DATAKEY_BYTES + 128), pattern: /^[0-9a-fA-F]+$/ });
  const length = Number(f.string('datakey_cipher_length', { required: true, pattern: DECIMAL }));
  const aad = utf8(f.string('additional_authenticated_data', AAD_RULE) ?? '');
  if (length < 1 || length > MAX_DATAKEY_BYTES) throw new KmsError(Code.InvalidDatakeyCipherLength, `Invalid datakey_cipher_length: must be 1-${MAX_DATAKEY_BYTES} bytes.`);
  const blob = decodeOr(() => fromHex(hex), invalidDatakeyCipher);
  const r = await usableKey(kms, call.project, ref, 'use', { createDefault: true });
  const alg = symmetricKey(r, 'decrypt-datakey');
  const { plaintext } = await openBlob(kms, call.project, blob, 'datakey', aad, invalidDatakeyCipher, r);
  try {
    if (plaintext.length !== length) {
      throw new KmsError(Code.InvalidDatakeyCipherLength, `Invalid datakey_cipher_length: the data key is ${plaintext.length} bytes.`);
    }
    return ok({ data_key: toHex(plaintext), datakey_length: String(length), datakey_dgst: toHex(alg.datakeyDigest(plaintext)) });
  } finally {
    wipe(plaintext);
  }
};

