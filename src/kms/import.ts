// Importing key material (BYOK; docs/kms-api.md, "Import of key material"): get-parameters-for-import, import-key-material,
// delete-imported-key-material, and the expiry of import parameters and of imported material.
//
// Flow: create-key with origin "external" starts in state 5. get-parameters-for-import makes a fresh
// wrapping key pair (RSA_2048 for RSAES_OAEP_SHA_256 / _SHA_1, SM2 for SM2_ENCRYPT), seals its private half
// with the root key (like all key material) into the key's document together with the SHA-256 of a new
// import token, and returns the public half (base64 SubjectPublicKeyInfo DER), the token (base64) and its
// expiry (int64 epoch seconds, 24 hours ahead). The caller wraps the raw material with the algorithm it
// asked for under the public key (SM2_ENCRYPT: C1 ‖ C3 ‖ C2, or the GM/T 0009 ASN.1 form);
// import-key-material unwraps it, stores it sealed as version 1, enables the key and destroys the
// wrapping key in the same single write. Asking for parameters again replaces (and destroys) earlier ones.
//
// The token (192 bytes, 256 base64 characters, within the documented 200-6144): "EKIT", format 1, the key
// id (36 ASCII), its expiry (u64 epoch ms), 143 random bytes. Only its hash is stored, so the store alone
// cannot import. Refusals: a token that does not parse or has expired is KMS.2601; a token for another key
// KMS.2603; one that is not the key's current token (used already, or replaced) KMS.2605; material of the
// wrong length for the key spec KMS.2604; an expiration_time not in the future KMS.2602; material
// different from what was imported into this key before (kept as a fingerprint) KMS.2606; a key that is not
// external KMS.0309; state rules from key-state.ts (KMS.0310 when not pending import, KMS.2701 for
// deleting material outside enabled/disabled). Importing asymmetric private keys (encrypted_privatekey) is
// not supported.
//
// Expiry: material imported with an expiration_time is removed at that time (the repository serves the key
// as pending import from then on and writes the removal back); runMaintenance (maintenance.ts) also destroys import
// parameters whose token expired.
import { asymDecrypt, type EncryptionAlgorithm } from '../crypto/asym.ts';
import { AsymCryptoError } from '../crypto/asym-error.ts';
import { AsymPrivateKey } from '../crypto/asym-handle.ts';
import { concat, constantTimeEqual, randomBytes, utf8, wipe } from '../crypto/bytes.ts';
import { fromBase64, fromHex, toBase64, toHex } from '../crypto/encoding.ts';
import { digest } from '../crypto/hash.ts';
import { generateAsymKeyPair } from '../crypto/keypair.ts';
import { encodeSm2Spki } from '../crypto/asym-keys.ts';
import { sm2Decrypt, sm2GenerateKeyPair } from '../crypto/sm2.ts';
import { WasmCryptoError } from '../crypto/wasm/errors.ts';
import { base64Field } from './asymmetric.ts';
import { Code, KmsError } from './errors.ts';
import type { ImportParams, KeyRecord } from './key-record.ts';
import { KEY_SPECS } from './key-spec.ts';
import { KeyState, assertState } from './key-state.ts';
import { KEY_REF_RULE, resolveKey } from './keys.ts';
import type { Kms } from './kms.ts';
import { fields, ok, type Operation } from './operation.ts';
import { c1c3c2 } from './asymmetric/sm2.ts';

export const IMPORT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
const TOKEN_BYTES = 192;
const MAGIC = utf8('EKIT');
const FORMAT = 1;
const WRAPPING_SPEC = 'RSA_2048';
const WRAPPING_ALGORITHMS = ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1', 'SM2_ENCRYPT'] as const;

function assertExternal(r: KeyRecord): void {
  if (r.origin !== 'external') throw new KmsError(Code.NotExternalKey, `The key ${r.id} was not created for imported material (origin external).`);
}

const wrappingContext = (r: KeyRecord, tokenHash: string) => ['import-wrapping-key', r.project, r.id, tokenHash];

function encodeToken(keyId: string, expiresAt: number): Uint8Array {
  const t = new Uint8Array(TOKEN_BYTES);
  t.set(MAGIC, 0);
  t[4] = FORMAT;
  t.set(utf8(keyId), 5);
  new DataView(t.buffer).setBigUint64(41, BigInt(expiresAt));
  t.set(randomBytes(TOKEN_BYTES - 49), 49);
  return t;
}

function decodeToken(t: Uint8Array): { keyId: string; expiresAt: number } | null {
  if (t.length !== TOKEN_BYTES || !constantTimeEqual(t.subarray(0, 4), MAGIC) || t[4] !== FORMAT) return null;
  const keyId = String.fromCharCode(...t.subarray(5, 41));
  if (!/^[0-9a-z-]{36}$/.test(keyId)) return null;
  return { keyId, expiresAt: Number(new DataView(t.buffer, t.byteOffset).getBigUint64(41)) };
}

/** Fingerprint of imported material, kept after the material is deleted so a re-import can be checked. */
function materialDigest(r: KeyRecord, material: Uint8Array): string {
  return toHex(digest('SHA-256', concat(utf8('edgekms/imported-material/v1\u0000'), utf8(r.id), material)), false);
}

export const getParametersForImportOp: Operation = async (kms, call, input) => {
  const f = fields(input, {});
  const ref = f.string('key_id', KEY_REF_RULE);
  const algorithm = f.string('wrapping_algorithm', { required: true, enum: WRAPPING_ALGORITHMS }) as ImportParams['wrappingAlgorithm'];
  const check = (r: KeyRecord) => {
    assertExternal(r);
    assertState(r.id, r.state, 'import-material');
  };
  const target = await resolveKey(kms, call.project, ref);
  check(target);

  const pair = await kms.keyGeneration.run(call.principal, () => newWrappingKey(algorithm));
  const expiresAt = kms.clock.now() + IMPORT_TOKEN_TTL_MS;
  const token = encodeToken(target.id, expiresAt);
  const tokenHash = toHex(digest('SHA-256', token), false);
  let params: ImportParams;
  try {
    params = {
      tokenHash,
      wrappingAlgorithm: algorithm,
      sealedPrivateKey: toBase64(await kms.sealSecret(pair.privateKey, wrappingContext(target, tokenHash))),
      publicKey: toBase64(pair.publicKeySpki),
      expiresAt,
    };
  } finally {
    wipe(pair.privateKey);
  }
  await kms.repo.update(call.project, target.id, (r) => {
    check(r);
    return { ...r, importParams: params };
  });
  return ok({
    key_id: target.id,
    import_token: toBase64(token),
    expiration_time: Math.floor(expiresAt / 1000),
    public_key: params.publicKey,
  });
};

/** A wrapping key pair for `algorithm`: the private half as it is sealed (RSA PKCS#8 or the SM2 scalar). */
async function newWrappingKey(algorithm: ImportParams['wrappingAlgorithm']): Promise<{ privateKey: Uint8Array; publicKeySpki: Uint8Array }> {
  if (algorithm === 'SM2_ENCRYPT') {
    const pair = sm2GenerateKeyPair();
    return { privateKey: pair.privateKey, publicKeySpki: encodeSm2Spki(pair.publicKey) };
  }
  const pair = await generateAsymKeyPair(WRAPPING_SPEC);
  return { privateKey: pair.privateKeyPkcs8, publicKeySpki: pair.publicKeySpki };
}

const notUnwrapped = () => new KmsError(Code.InvalidParameter, 'Invalid encrypted_key_material: it does not unwrap with the wrapping key of this import token.');

/** Unwraps material with the wrapping key the token names; throws the import errors. */
async function unwrap(kms: Kms, r: KeyRecord, params: ImportParams, wrapped: Uint8Array): Promise<Uint8Array> {
  const raw = await kms.openSecret(fromBase64(params.sealedPrivateKey), wrappingContext(r, params.tokenHash));
  if (params.wrappingAlgorithm === 'SM2_ENCRYPT') {
    try {
      const ciphertext = c1c3c2(wrapped);
      if (!ciphertext) throw notUnwrapped();
      return sm2Decrypt(raw, ciphertext);
    } catch (e) {
      if (e instanceof WasmCryptoError && e.code === 'DECRYPT_FAILED') throw notUnwrapped();
      throw e;
    } finally {
      wipe(raw);
    }
  }
  let key: AsymPrivateKey;
  try {
    key = AsymPrivateKey.fromPkcs8(raw, WRAPPING_SPEC);
  } finally {
    wipe(raw);
  }
  try {
    return await asymDecrypt(key, params.wrappingAlgorithm as EncryptionAlgorithm, wrapped);
  } catch (e) {
    if (e instanceof AsymCryptoError) throw notUnwrapped();
    throw e;
  } finally {
    key.dispose();
  }
}

export const importKeyMaterialOp: Operation = async (kms, call, input) => {
  const f = fields(input, { import_token: Code.InvalidImportToken });
  const ref = f.string('key_id', KEY_REF_RULE);
  const tokenText = f.string('import_token', { required: true, max: 6144, pattern: /^[0-9a-zA-Z+/=]+$/ });
  const wrappedText = f.string('encrypted_key_material', { required: true, max: 1024, pattern: /^[0-9a-zA-Z+/=]+$/ });
  if (f.has('encrypted_privatekey') && f.body.encrypted_privatekey !== '') {
    throw new KmsError(Code.InvalidParameter, 'Invalid encrypted_privatekey: importing asymmetric private keys is not supported by this server.');
  }
  const expirationSeconds = f.integer('expiration_time', { min: 0 });
  const now = kms.clock.now();
  if (expirationSeconds !== undefined && expirationSeconds * 1000 <= now) {
    throw new KmsError(Code.ExpirationInPast, 'Invalid expiration_time: it must be in the future (epoch seconds).');
  }
  const tokenBytes = base64Field('import_token', tokenText);
  const wrapped = base64Field('encrypted_key_material', wrappedText);

  const r = await resolveKey(kms, call.project, ref);
  assertExternal(r);
  assertState(r.id, r.state, 'import-material');
  const token = decodeToken(tokenBytes);
  if (!token) throw new KmsError(Code.InvalidImportToken, 'Invalid import_token: it is not a token this server issued.');
  if (token.keyId !== r.id) throw new KmsError(Code.ImportTokenKeyMismatch, `Invalid import_token: it was issued for another key, not ${r.id}.`);
  if (token.expiresAt <= now) throw new KmsError(Code.InvalidImportToken, 'Invalid import_token: it has expired; get new import parameters.');
  const tokenHash = digest('SHA-256', tokenBytes);
  const current = (p: ImportParams | undefined): p is ImportParams => p !== undefined && p.expiresAt > now && constantTimeEqual(fromHex(p.tokenHash), tokenHash);
  if (!current(r.importParams)) {
    throw new KmsError(Code.ImportTokenRejected, 'Invalid import_token: it was already used or replaced by newer import parameters.');
  }

  const material = await unwrap(kms, r, r.importParams, wrapped);
  try {
    const want = KEY_SPECS[r.spec].materialBytes;
    if (material.length !== want) {
      throw new KmsError(Code.InvalidMaterialLength, `Invalid encrypted_key_material: ${r.spec} key material is ${want} bytes, got ${material.length}.`);
    }
    const fingerprint = materialDigest(r, material);
    if (r.importedDigest !== undefined && r.importedDigest !== fingerprint) {
      throw new KmsError(Code.MaterialDiffers, `The key material differs from the material imported into ${r.id} before; only the same material can be re-imported.`);
    }
    const sealed = await kms.material.seal(r, 1, material);
    await kms.repo.update(call.project, r.id, (cur) => {
      assertExternal(cur);
      assertState(cur.id, cur.state, 'import-material');
      // The token is spent in this write: a concurrent import with the same token finds it gone.
      if (!current(cur.importParams)) throw new KmsError(Code.ImportTokenRejected, 'Invalid import_token: it was already used or replaced by newer import parameters.');
      if (cur.importedDigest !== undefined && cur.importedDigest !== fingerprint) {
        throw new KmsError(Code.MaterialDiffers, `The key material differs from the material imported into ${cur.id} before.`);
      }
      const { importParams: _, materialExpiresAt: __, ...rest } = cur;
      return {
        ...rest,
        state: KeyState.Enabled,
        versions: [{ v: 1, createdAt: now, sealed }],
        importedDigest: fingerprint,
        ...(expirationSeconds === undefined ? {} : { materialExpiresAt: expirationSeconds * 1000 }),
      };
    });
    kms.material.forget(r);
  } finally {
    wipe(material);
  }
  return ok();
};

export const deleteImportedKeyMaterialOp: Operation = async (kms, call, input) => {
  const ref = fields(input, {}).string('key_id', KEY_REF_RULE);
  const target = await resolveKey(kms, call.project, ref);
  await kms.repo.update(call.project, target.id, (r) => {
    assertExternal(r);
    assertState(r.id, r.state, 'delete-material');
    const { materialExpiresAt: _, ...rest } = r;
    return { ...rest, versions: [], state: KeyState.PendingImport };
  });
  kms.material.forget(target);
  return ok();
};

/** Maintenance: destroys import parameters whose token has expired. Returns how many (0 or 1). */
export async function purgeExpiredImportParams(kms: Kms, project: string, r: KeyRecord): Promise<number> {
  if (!r.importParams || r.importParams.expiresAt > kms.clock.now()) return 0;
  try {
    await kms.repo.update(project, r.id, (cur) => {
      if (!cur.importParams || cur.importParams.expiresAt > kms.clock.now()) throw new NothingToPurge();
      const { importParams: _, ...rest } = cur;
      return rest;
    });
    return 1;
  } catch (e) {
    if (e instanceof NothingToPurge) return 0;
    throw e;
  }
}

/** Someone else changed the parameters first (thrown inside the update so nothing is written). */
class NothingToPurge extends Error {}
