// Version and stage rules of one secret (docs/csms-api.md, Versions and stages), applied to a private copy of its record inside a
// single compare-and-set write:
// - a new version gets SYSCURRENT unless the request names its stages; a named stage held by another
//   version moves to the new one;
// - whenever SYSCURRENT moves to another version, the version that held it gets SYSPREVIOUS;
// - a secret holds at most `stagesPerSecret` stage labels (CSMS.0203);
// - beyond `versionsPerSecret` versions the oldest versions without a stage are pruned (their data keys
//   go with them). Since stages are fewer than versions, there always is one.
import { fromBase64, EncodingError } from '../crypto/encoding.ts';
import { utf8 } from '../crypto/bytes.ts';
import type { FieldReader } from '../api/fields.ts';
import type { KeyRecord } from '../kms/key-record.ts';
import { KEY_REF_RULE, usableKey } from '../kms/keys.ts';
import { symmetricFor } from '../kms/symmetric.ts';
import { CsmsCode, CsmsError, invalidParameter } from './errors.ts';
import { SYSCURRENT, SYSPREVIOUS, type SecretRecord, type VersionRecord } from './record.ts';
import { sealValue } from './sealing.ts';
import type { Secrets } from './secrets.ts';

export const STAGE_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
export const DEFAULT_CMK = 'csms/default';

export interface SecretValue {
  kind: VersionRecord['kind'];
  bytes: Uint8Array;
}

/** secret_string or secret_binary (exactly one when `required`), within the value limit. */
export function readValue(secrets: Secrets, f: FieldReader, required: boolean): SecretValue | undefined {
  const text = f.string('secret_string');
  const binary = f.string('secret_binary');
  if (text !== undefined && binary !== undefined) throw invalidParameter('secret_string', 'give secret_string or secret_binary, not both');
  const max = secrets.limits.valueBytes;
  if (text !== undefined) {
    if (!text.isWellFormed()) throw invalidParameter('secret_string', 'it is not well-formed Unicode');
    const bytes = utf8(text);
    if (bytes.length > max) throw invalidParameter('secret_string', `must be at most ${max} bytes`);
    return { kind: 'string', bytes };
  }
  if (binary !== undefined) {
    if (binary.length > Math.ceil(max / 3) * 4) throw invalidParameter('secret_binary', `must decode to at most ${max} bytes`);
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(binary);
    } catch (e) {
      if (e instanceof EncodingError) throw invalidParameter('secret_binary', 'must be base64');
      throw e;
    }
    if (bytes.length > max) throw invalidParameter('secret_binary', `must decode to at most ${max} bytes`);
    return { kind: 'binary', bytes };
  }
  if (required) throw invalidParameter('secret_string', 'give secret_string or secret_binary');
  return undefined;
}

/** The CMK a request names for kms_key_id (csms/default, created on first use, when absent). */
export async function cmkFor(secrets: Secrets, project: string, ref: string | undefined): Promise<KeyRecord> {
  const r = await usableKey(secrets.kms, project, ref ?? DEFAULT_CMK, 'use', { createDefault: true });
  if (!symmetricFor(r.spec) || r.usage !== 'ENCRYPT_DECRYPT') {
    throw invalidParameter('kms_key_id', `the key ${r.id} (${r.spec}, ${r.usage}) cannot wrap data keys; use a symmetric ENCRYPT_DECRYPT key`);
  }
  return r;
}

export function readKmsKeyId(f: FieldReader): string | undefined {
  return f.string('kms_key_id', { ...KEY_REF_RULE, required: false, emptyIsAbsent: true });
}

/** Points `stage` at `versionId`; SYSCURRENT leaving a version leaves SYSPREVIOUS behind on it. */
export function moveStage(r: SecretRecord, stage: string, versionId: string, now: number): void {
  const held = r.stages[stage];
  if (stage === SYSCURRENT && held && held.version !== versionId) r.stages[SYSPREVIOUS] = { version: held.version, updatedAt: now };
  r.stages[stage] = { version: versionId, updatedAt: now };
}

export function assertStageQuota(secrets: Secrets, r: SecretRecord): void {
  const n = Object.keys(r.stages).length;
  if (n > secrets.limits.stagesPerSecret) {
    throw new CsmsError(CsmsCode.StageQuota, `A secret may have at most ${secrets.limits.stagesPerSecret} stages.`);
  }
}

/** Drops the oldest versions without a stage while there are more than the limit. */
export function prune(secrets: Secrets, r: SecretRecord): void {
  const staged = new Set(Object.values(r.stages).map((s) => s.version));
  while (r.versions.length > secrets.limits.versionsPerSecret) {
    const i = r.versions.findIndex((v) => !staged.has(v.id));
    if (i < 0) break;
    r.versions.splice(i, 1);
  }
}

/**
 * Adds a version holding `value` to (a copy of) `r`, sealed under the secret's CMK, with `stages` (or
 * SYSCURRENT). Returns the changed record and the new version.
 */
export async function addVersion(
  secrets: Secrets,
  r: SecretRecord,
  value: SecretValue,
  options: { stages?: string[]; expireTime?: number; cmk?: KeyRecord } = {},
): Promise<{ record: SecretRecord; version: VersionRecord }> {
  const now = secrets.clock.now();
  const cmk = options.cmk ?? (await cmkFor(secrets, r.project, r.kmsKeyId));
  const id = `v${r.nextVersion}`;
  const sealed = await sealValue(secrets.kms, cmk, r.id, id, value.kind, value.bytes);
  const version: VersionRecord = { id, createdAt: now, ...(options.expireTime === undefined ? {} : { expireTime: options.expireTime }), kind: value.kind, ...sealed };
  r.versions.push(version);
  r.nextVersion++;
  for (const stage of options.stages ?? [SYSCURRENT]) moveStage(r, stage, id, now);
  assertStageQuota(secrets, r);
  prune(secrets, r);
  r.updatedAt = now;
  return { record: r, version };
}

/** version_stages of a request: 1-12 names, each `^[a-zA-Z0-9_-]{1,64}$`, no repeats. */
export function readStages(f: FieldReader): string[] | undefined {
  const stages = f.strings('version_stages', { minItems: 1, maxItems: 12, item: { pattern: STAGE_NAME } });
  if (stages && new Set(stages).size !== stages.length) throw invalidParameter('version_stages', 'names a stage twice');
  return stages;
}

export function assertUsable(r: SecretRecord): void {
  if (r.state === 'PENDING_DELETE') throw new CsmsError(CsmsCode.PendingDeletion, `The secret ${r.name} is pending deletion and cannot be used.`);
  if (r.state !== 'ENABLED') throw new CsmsError(CsmsCode.InvalidRequest, `The secret ${r.name} is ${r.state} and cannot be used.`);
}
