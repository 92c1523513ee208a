// Envelope encryption of secret values. Every version gets a fresh 256-bit data key from the CSPRNG; the
// value is sealed with AES-256-GCM under it and the data key is sealed by the secret's CMK through the KMS
// core (a KMS blob of purpose "secret", so decrypt-datakey cannot unwrap it). Both are bound to the
// project, the secret's id, the version id and the value's kind: a sealed value moved to another secret or
// version does not open. Opening goes through the CMK's state rules, so a disabled CMK (KMS.0209) or one
// pending deletion (KMS.0210) makes reads fail without touching what is stored.
import { aesGcmOpen, aesGcmSeal, importAesGcmKey } from '../crypto/aes-gcm.ts';
import { concat, randomBytes, utf8, wipe } from '../crypto/bytes.ts';
import { fromBase64, toBase64 } from '../crypto/encoding.ts';
import { openBlob, sealBlob } from '../kms/data.ts';
import { Code, KmsError } from '../kms/errors.ts';
import type { KeyRecord } from '../kms/key-record.ts';
import type { Kms } from '../kms/kms.ts';
import type { VersionRecord } from './record.ts';

const IV_BYTES = 12;

function binding(project: string, secretId: string, versionId: string, kind: VersionRecord['kind']): Uint8Array {
  return utf8(JSON.stringify(['csms-value', project, secretId, versionId, kind]));
}

/** Seals `value` for one version under the CMK `cmk` (which must be usable). */
export async function sealValue(
  kms: Kms,
  cmk: KeyRecord,
  secretId: string,
  versionId: string,
  kind: VersionRecord['kind'],
  value: Uint8Array,
): Promise<Pick<VersionRecord, 'wrappedKey' | 'sealed' | 'kmsKeyId'>> {
  const dek = randomBytes(32);
  try {
    const ad = binding(cmk.project, secretId, versionId, kind);
    const wrapped = await sealBlob(kms, cmk, 'secret', dek, ad);
    const key = await importAesGcmKey(dek, kms.crypto.aesGcm);
    const iv = randomBytes(IV_BYTES);
    const sealed = concat(iv, await aesGcmSeal(key, iv, value, ad));
    return { kmsKeyId: cmk.id, wrappedKey: toBase64(wrapped), sealed: toBase64(sealed) };
  } finally {
    wipe(dek);
  }
}

/** The plaintext of a version; the caller wipes it when done. Throws the CMK's KMS error when it is not usable. */
export async function openValue(kms: Kms, project: string, secretId: string, v: VersionRecord): Promise<Uint8Array> {
  const ad = binding(project, secretId, v.id, v.kind);
  const damaged = () => new KmsError(Code.Internal, `The stored value of version ${v.id} does not open; it was damaged or moved.`, 500);
  const { plaintext: dek } = await openBlob(kms, project, fromBase64(v.wrappedKey), 'secret', ad, damaged);
  try {
    const key = await importAesGcmKey(dek, kms.crypto.aesGcm);
    const sealed = fromBase64(v.sealed);
    return await aesGcmOpen(key, sealed.subarray(0, IV_BYTES), sealed.subarray(IV_BYTES), ad);
  } catch {
    // Everything here works on the stored value alone (its base64, its IV, its tag): whatever fails, it is damaged.
    throw damaged();
  } finally {
    wipe(dek);
  }
}
