// A secret in the store: one document holding its settings, every version (each value sealed under its
// own data key, wrapped by the CMK; see sealing.ts), its stage labels and its tags. Every change of a
// secret is one compare-and-set write of this document, so a version can never exist without its secret,
// nor a stage point at a version that is not there. The wire shapes (docs/csms-api.md, Models) are made here too.

export type SecretState = 'ENABLED' | 'DISABLED' | 'PENDING_DELETE' | 'FROZEN';

export interface VersionRecord {
  /** "v1", "v2", …: never reused within a secret, also after pruning. */
  id: string;
  createdAt: number;
  expireTime?: number;
  /** SECRET_VERSION_EXPIRED was raised for this expire_time (expiry.ts). */
  expiryNotified?: boolean;
  /** The CMK (id) that wraps this version's data key. */
  kmsKeyId: string;
  kind: 'string' | 'binary';
  /** The data key, sealed by the CMK (a KMS blob, base64). */
  wrappedKey: string;
  /** IV ‖ AES-256-GCM ciphertext and tag of the value, base64. */
  sealed: string;
}

export interface StageRecord {
  version: string;
  updatedAt: number;
}

export interface TagItem {
  key: string;
  value: string;
}

export interface SecretRecord {
  schema: 1;
  id: string;
  project: string;
  name: string;
  state: SecretState;
  /** The CMK id new versions are sealed under. */
  kmsKeyId: string;
  description: string;
  createdAt: number;
  updatedAt: number;
  scheduledDeleteAt?: number;
  secretType: string;
  autoRotation: boolean;
  rotationPeriod?: string;
  rotationConfig?: string;
  /** When the secret was last rotated (rotate-now or automatic). */
  rotationTime?: number;
  eventSubscriptions: string[];
  enterpriseProjectId: string;
  rotationFuncUrn?: string;
  /** The number of the next version id. */
  nextVersion: number;
  /** Oldest first. */
  versions: VersionRecord[];
  stages: Record<string, StageRecord>;
  tags: TagItem[];
}

export const SYSCURRENT = 'SYSCURRENT';
export const SYSPREVIOUS = 'SYSPREVIOUS';
export const SYSTEM_STAGES: readonly string[] = [SYSCURRENT, SYSPREVIOUS];

/** Stage names of one version, in a stable order (system stages first). */
export function stagesOf(r: SecretRecord, versionId: string): string[] {
  return Object.keys(r.stages)
    .filter((s) => r.stages[s].version === versionId)
    .sort((a, b) => Number(SYSTEM_STAGES.includes(b)) - Number(SYSTEM_STAGES.includes(a)) || (a < b ? -1 : a > b ? 1 : 0));
}

export function latestVersion(r: SecretRecord): VersionRecord | undefined {
  return r.versions[r.versions.length - 1];
}

export function findVersion(r: SecretRecord, id: string): VersionRecord | undefined {
  return r.versions.find((v) => v.id === id);
}

export function nextRotationTime(r: SecretRecord, periodMs: (p: string) => number): number | undefined {
  if (!r.autoRotation || !r.rotationPeriod) return undefined;
  return (r.rotationTime ?? r.createdAt) + periodMs(r.rotationPeriod);
}

/** The Secret model (docs/csms-api.md, Models); times are epoch milliseconds. */
export function secretInfo(r: SecretRecord, periodMs: (p: string) => number): Record<string, unknown> {
  const next = nextRotationTime(r, periodMs);
  return {
    id: r.id,
    name: r.name,
    state: r.state,
    kms_key_id: r.kmsKeyId,
    description: r.description,
    create_time: r.createdAt,
    update_time: r.updatedAt,
    ...(r.scheduledDeleteAt === undefined ? {} : { scheduled_delete_time: r.scheduledDeleteAt }),
    secret_type: r.secretType,
    auto_rotation: r.autoRotation,
    ...(r.rotationPeriod === undefined ? {} : { rotation_period: r.rotationPeriod }),
    ...(r.rotationConfig === undefined ? {} : { rotation_config: r.rotationConfig }),
    ...(r.rotationTime === undefined ? {} : { rotation_time: r.rotationTime }),
    ...(next === undefined ? {} : { next_rotation_time: next }),
    event_subscriptions: [...r.eventSubscriptions],
    enterprise_project_id: r.enterpriseProjectId,
    ...(r.rotationFuncUrn === undefined ? {} : { rotation_func_urn: r.rotationFuncUrn }),
  };
}

/** The VersionMetadata model. */
export function versionMetadata(r: SecretRecord, v: VersionRecord): Record<string, unknown> {
  return {
    id: v.id,
    create_time: v.createdAt,
    ...(v.expireTime === undefined ? {} : { expire_time: v.expireTime }),
    kms_key_id: v.kmsKeyId,
    secret_name: r.name,
    version_stages: stagesOf(r, v.id),
  };
}

/** The Stage model. */
export function stageInfo(r: SecretRecord, name: string): Record<string, unknown> {
  const s = r.stages[name];
  return { name, update_time: s.updatedAt, secret_name: r.name, version_id: s.version };
}
