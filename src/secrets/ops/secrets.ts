// Secrets: create, list, show, update, delete now, schedule deletion (7-30 days) and restore (docs/csms-api.md, Secrets).
// Every error here is flat CSMS (routes.ts).
import { DECIMAL } from '../../api/fields.ts';
import type { FieldReader } from '../../api/fields.ts';
import { CsmsCode, CsmsError, invalidParameter, secretNotFound, secretQuotaReached } from '../errors.ts';
import { notify } from '../events-store.ts';
import { ok, type CsmsInput, type CsmsOperation, type Call } from '../operation.ts';
import { SYSCURRENT, secretInfo, type SecretRecord } from '../record.ts';
import { checkPeriod, periodMs } from '../rotation-period.ts';
import type { Secrets } from '../secrets.ts';
import { addVersion, cmkFor, readKmsKeyId, readValue } from '../versions.ts';
import { wipe } from '../../crypto/bytes.ts';

export const SECRET_NAME = /^[a-zA-Z0-9._-]{1,64}$/;
const SECRET_TYPES = ['COMMON', 'RDS-FG', 'GaussDB-FG', 'RDS'] as const;
const MAX_EVENT_SUBSCRIPTIONS = 1;

export const info = (r: SecretRecord) => secretInfo(r, periodMs);

/** The secret a path names. */
export async function namedSecret(secrets: Secrets, call: Call, input: CsmsInput): Promise<SecretRecord> {
  const name = secretName(input);
  const r = await secrets.repo.get(call.project, name);
  if (!r) throw secretNotFound(name);
  return r;
}

export function secretName(input: CsmsInput): string {
  const name = input.params.secret_name ?? '';
  if (!SECRET_NAME.test(name)) throw invalidParameter('secret_name', 'must match ^[a-zA-Z0-9._-]{1,64}$');
  return name;
}

async function readSubscriptions(secrets: Secrets, project: string, f: FieldReader): Promise<string[] | undefined> {
  const names = f.strings('event_subscriptions', { maxItems: MAX_EVENT_SUBSCRIPTIONS, item: { pattern: /^[a-zA-Z0-9_-]{1,64}$/ } });
  if (!names) return undefined;
  const [refused] = await secrets.events.refusedSubscriptions(project, names);
  if (refused) throw refused.refusal;
  return names;
}

/**
 * Drops the secret's subscriptions whose event is gone or being deleted, after a write that may have
 * subscribed it while the event was deleted (events-store.ts, remove, says why a second look is needed); a
 * write that only drops needs none. Answers the secret as it then is.
 */
export async function dropRefusedSubscriptions(secrets: Secrets, r: SecretRecord): Promise<SecretRecord> {
  const refused = (await secrets.events.refusedSubscriptions(r.project, r.eventSubscriptions)).map((x) => x.name);
  if (!refused.length) return r;
  return secrets.repo.update(r.project, r.name, (now) => ({ ...now, eventSubscriptions: now.eventSubscriptions.filter((n) => !refused.includes(n)) }));
}

/** A secret gone meanwhile (deleted by someone else) needs nothing taken back; other failures are answered. */
const unlessGone = (e: unknown) => {
  if (!(e instanceof CsmsError)) throw e;
};

function readRotationConfig(f: FieldReader, type: string): string | undefined {
  const config = f.string('rotation_config', { max: 1024, emptyIsAbsent: true });
  if (config !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(config);
    } catch {
      throw invalidParameter('rotation_config', 'must be JSON text');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidParameter('rotation_config', 'must be a JSON object');
    const sub = (parsed as Record<string, unknown>).SecretSubType;
    if (sub !== undefined && sub !== 'SingleUser' && sub !== 'MultiUser') throw invalidParameter('rotation_config', 'SecretSubType must be SingleUser or MultiUser');
  }
  if ((type === 'RDS-FG' || type === 'GaussDB-FG') && config === undefined) throw invalidParameter('rotation_config', `is required for ${type} secrets`);
  return config;
}

/** Everything of a CreateSecretRequestBody except the value; shared with batch import. */
export interface NewSecret {
  name: string;
  kmsKeyRef?: string;
  description: string;
  secretType: string;
  autoRotation: boolean;
  rotationPeriod?: string;
  rotationConfig?: string;
  eventSubscriptions: string[];
  enterpriseProjectId: string;
  rotationFuncUrn?: string;
}

export async function readNewSecret(secrets: Secrets, project: string, f: FieldReader): Promise<NewSecret> {
  const name = f.string('name', { required: true, pattern: SECRET_NAME });
  const kmsKeyRef = readKmsKeyId(f);
  const description = f.string('description', { max: 2048, bytes: true }) ?? '';
  const secretType = f.string('secret_type', { enum: SECRET_TYPES, emptyIsAbsent: true }) ?? 'COMMON';
  const autoRotation = f.boolean('auto_rotation') ?? false;
  const period = f.string('rotation_period', { emptyIsAbsent: true });
  if (autoRotation && period === undefined) throw invalidParameter('rotation_period', 'is required when auto_rotation is true');
  const rotationConfig = readRotationConfig(f, secretType);
  const eventSubscriptions = (await readSubscriptions(secrets, project, f)) ?? [];
  const enterpriseProjectId = f.string('enterprise_project_id', { max: 36, pattern: /^[0-9a-zA-Z-]{1,36}$/, emptyIsAbsent: true }) ?? '0';
  const rotationFuncUrn = f.string('rotation_func_urn', { max: 2048, emptyIsAbsent: true });
  return {
    name,
    kmsKeyRef,
    description,
    secretType,
    autoRotation,
    ...(period === undefined ? {} : { rotationPeriod: checkPeriod(period) }),
    ...(rotationConfig === undefined ? {} : { rotationConfig }),
    eventSubscriptions,
    enterpriseProjectId,
    ...(rotationFuncUrn === undefined ? {} : { rotationFuncUrn }),
  };
}

/** Creates a secret with its first version (SYSCURRENT). */
export async function createSecret(secrets: Secrets, project: string, s: NewSecret, value: { kind: 'string' | 'binary'; bytes: Uint8Array }): Promise<SecretRecord> {
  if ((await secrets.repo.count(project)) >= secrets.limits.secretsPerProject) throw secretQuotaReached(secrets.limits.secretsPerProject);
  if (await secrets.repo.get(project, s.name)) throw invalidParameter('name', `a secret named ${s.name} already exists`);
  const cmk = await cmkFor(secrets, project, s.kmsKeyRef);
  const now = secrets.clock.now();
  const base: SecretRecord = {
    schema: 1,
    id: crypto.randomUUID(),
    project,
    name: s.name,
    state: 'ENABLED',
    kmsKeyId: cmk.id,
    description: s.description,
    createdAt: now,
    updatedAt: now,
    secretType: s.secretType,
    autoRotation: s.autoRotation,
    ...(s.rotationPeriod === undefined ? {} : { rotationPeriod: s.rotationPeriod }),
    ...(s.rotationConfig === undefined ? {} : { rotationConfig: s.rotationConfig }),
    eventSubscriptions: s.eventSubscriptions,
    enterpriseProjectId: s.enterpriseProjectId,
    ...(s.rotationFuncUrn === undefined ? {} : { rotationFuncUrn: s.rotationFuncUrn }),
    nextVersion: 1,
    versions: [],
    stages: {},
    tags: [],
  };
  const { record } = await addVersion(secrets, base, value, { stages: [SYSCURRENT], cmk });
  await secrets.repo.create(record, secrets.limits.secretsPerProject);
  const [late] = await secrets.events.refusedSubscriptions(project, record.eventSubscriptions);
  if (late) {
    // The event went (or is going) after it was checked: the create takes itself back, as if it came after.
    await secrets.repo.remove(project, record.name, (r) => {
      if (r.id !== record.id) throw late.refusal;
    }).catch(unlessGone);
    throw late.refusal;
  }
  await notify(secrets, record, 'SECRET_VERSION_CREATED');
  return record;
}

export const createSecretOp: CsmsOperation = async (secrets, call, input) => {
  const f = input.body;
  const s = await readNewSecret(secrets, call.project, f);
  const value = readValue(secrets, f, true)!;
  try {
    return ok({ secret: info(await createSecret(secrets, call.project, s, value)) });
  } finally {
    wipe(value.bytes);
  }
};

export const listSecretsOp: CsmsOperation = async (secrets, call, input) => {
  const q = input.query;
  const limitText = q.get('limit') || '50';
  if (!DECIMAL.test(limitText) || Number(limitText) < 1 || Number(limitText) > 200) throw invalidParameter('limit', 'must be 1-200');
  const limit = Number(limitText);
  const marker = q.get('marker') || undefined;
  if (marker !== undefined && !SECRET_NAME.test(marker)) throw invalidParameter('marker', 'must be a secret name');
  const eventName = q.get('event_name') || undefined;
  const all = (await secrets.repo.list(call.project)).filter((r) => eventName === undefined || r.eventSubscriptions.includes(eventName));
  const rest = marker === undefined ? all : all.filter((r) => r.name > marker);
  const page = rest.slice(0, limit);
  const more = rest.length > limit;
  return ok({
    secrets: page.map(info),
    page_info: {
      ...(more ? { next_marker: page[page.length - 1].name } : {}),
      ...(marker === undefined ? {} : { previous_marker: marker }),
      current_count: page.length,
    },
  });
};

export const showSecretOp: CsmsOperation = async (secrets, call, input) => {
  return ok({ secret: info(await namedSecret(secrets, call, input)) });
};

export const updateSecretOp: CsmsOperation = async (secrets, call, input) => {
  const name = secretName(input);
  const f = input.body;
  const kmsKeyRef = readKmsKeyId(f);
  const description = f.string('description', { max: 2048, bytes: true });
  const autoRotation = f.boolean('auto_rotation');
  const period = f.string('rotation_period', { emptyIsAbsent: true });
  if (period !== undefined) checkPeriod(period);
  const subscriptions = await readSubscriptions(secrets, call.project, f);
  const funcUrn = f.string('rotation_func_urn', { max: 2048 });
  // Sealing the next version must work: the new CMK has to be usable now.
  const cmk = kmsKeyRef === undefined ? undefined : await cmkFor(secrets, call.project, kmsKeyRef);
  let before: SecretRecord | undefined;
  const r = await secrets.repo.update(call.project, name, (r) => {
    before = r;
    if (r.state === 'PENDING_DELETE') throw new CsmsError(CsmsCode.PendingDeletion, `The secret ${r.name} is pending deletion and cannot be changed.`);
    const next: SecretRecord = {
      ...r,
      ...(cmk ? { kmsKeyId: cmk.id } : {}),
      ...(description === undefined ? {} : { description }),
      ...(autoRotation === undefined ? {} : { autoRotation }),
      ...(period === undefined ? {} : { rotationPeriod: period }),
      ...(subscriptions === undefined ? {} : { eventSubscriptions: subscriptions }),
      ...(funcUrn === undefined ? {} : { rotationFuncUrn: funcUrn }),
      updatedAt: secrets.clock.now(),
    };
    if (next.autoRotation && !next.rotationPeriod) throw invalidParameter('rotation_period', 'is required when auto_rotation is true');
    // Turning automatic rotation on starts the period now.
    if (next.autoRotation && !r.autoRotation) next.rotationTime = next.rotationTime ?? secrets.clock.now();
    return next;
  });
  const [late] = await secrets.events.refusedSubscriptions(call.project, subscriptions ?? []);
  if (late) {
    // The event went (or is going) after it was checked: the secret returns to what it was if nobody wrote it
    // since, and whatever it then subscribes to that is gone or going is dropped (the return may bring back a
    // subscription whose event was deleted meanwhile).
    const written = JSON.stringify(r);
    await secrets.repo
      .update(call.project, name, (now) => (JSON.stringify(now) === written ? before! : now))
      .then((back) => dropRefusedSubscriptions(secrets, back))
      .catch(unlessGone);
    throw late.refusal;
  }
  return ok({ secret: info(r) });
};

export const deleteSecretOp: CsmsOperation = async (secrets, call, input) => {
  const r = await secrets.repo.remove(call.project, secretName(input));
  await notify(secrets, r, 'SECRET_DELETED');
  return ok();
};

export const scheduleDeletionOp: CsmsOperation = async (secrets, call, input) => {
  const name = secretName(input);
  const days = input.body.integer('recovery_window_in_days', { required: true, min: 7, max: 30 });
  const r = await secrets.repo.update(call.project, name, (r) => {
    if (r.state === 'PENDING_DELETE') throw new CsmsError(CsmsCode.AlreadyPendingDeletion, `The secret ${r.name} is already pending deletion.`);
    const now = secrets.clock.now();
    return { ...r, state: 'PENDING_DELETE', scheduledDeleteAt: now + days * 86_400_000, updatedAt: now };
  });
  await notify(secrets, r, 'SECRET_DELETED');
  return ok({ secret: info(r) });
};

export const restoreSecretOp: CsmsOperation = async (secrets, call, input) => {
  const r = await secrets.repo.update(call.project, secretName(input), (r) => {
    if (r.state !== 'PENDING_DELETE') throw new CsmsError(CsmsCode.NotPendingDeletion, `The secret ${r.name} is not pending deletion.`);
    const { scheduledDeleteAt: _, ...rest } = r;
    return { ...rest, state: 'ENABLED', updatedAt: secrets.clock.now() };
  });
  return ok({ secret: info(r) });
};
