// Versions and stages of a secret (docs/csms-api.md, Versions and stages): create a version, list, show (by id or `latest`) and
// change its expiry; show, point and delete a stage. Every error here is flat CSMS (routes.ts).
import { toBase64 } from '../../crypto/encoding.ts';
import { fromUtf8, wipe } from '../../crypto/bytes.ts';
import { DECIMAL } from '../../api/fields.ts';
import { CsmsCode, CsmsError, invalidParameter, resourceNotFound } from '../errors.ts';
import { notify } from '../events-store.ts';
import { noContent, ok, type CsmsInput, type CsmsOperation } from '../operation.ts';
import { SYSTEM_STAGES, findVersion, latestVersion, stageInfo, versionMetadata, type SecretRecord, type VersionRecord } from '../record.ts';
import { openValue } from '../sealing.ts';
import type { Secrets } from '../secrets.ts';
import { STAGE_NAME, addVersion, assertStageQuota, assertUsable, moveStage, readStages, readValue } from '../versions.ts';
import { namedSecret, secretName } from './secrets.ts';

const VERSION_ID = /^v[1-9][0-9]{0,9}$/;
const MAX_TIME = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

function versionParam(input: CsmsInput): string {
  const id = input.params.version_id ?? '';
  if (id.length > 64) throw invalidParameter('version_id', 'must be at most 64 characters');
  return id;
}

/** The version a path names: its id or `latest` (the newest version). */
export function pickVersion(r: SecretRecord, id: string): VersionRecord {
  const v = id === 'latest' ? latestVersion(r) : VERSION_ID.test(id) ? findVersion(r, id) : undefined;
  if (!v) throw resourceNotFound(`version ${id} of secret ${r.name}`);
  return v;
}

function stageParam(input: CsmsInput): string {
  const stage = input.params.stage_name ?? '';
  if (!STAGE_NAME.test(stage)) throw invalidParameter('stage_name', 'must match ^[a-zA-Z0-9_-]{1,64}$');
  return stage;
}

/** The Version model of one version, with its value in the form it was stored in. */
export async function versionWithValue(secrets: Secrets, r: SecretRecord, v: VersionRecord): Promise<Record<string, unknown>> {
  const plain = await openValue(secrets.kms, r.project, r.id, v);
  try {
    return { version_metadata: versionMetadata(r, v), ...(v.kind === 'string' ? { secret_string: fromUtf8(plain) } : { secret_binary: toBase64(plain) }) };
  } finally {
    wipe(plain);
  }
}

export const createVersionOp: CsmsOperation = async (secrets, call, input) => {
  const name = secretName(input);
  const f = input.body;
  const value = readValue(secrets, f, true)!;
  const stages = readStages(f);
  const expireTime = f.integer('expire_time', { min: 0, max: MAX_TIME });
  let created: VersionRecord | undefined;
  try {
    const r = await secrets.repo.update(call.project, name, async (r) => {
      assertUsable(r);
      const { record, version } = await addVersion(secrets, r, value, { stages, expireTime });
      created = version;
      return record;
    });
    await notify(secrets, r, 'SECRET_VERSION_CREATED', { version_id: created!.id });
    return ok({ version_metadata: versionMetadata(r, created!) });
  } finally {
    wipe(value.bytes);
  }
};

export const listVersionsOp: CsmsOperation = async (secrets, call, input) => {
  const r = await namedSecret(secrets, call, input);
  const limitText = input.query.get('limit') || '50';
  if (!DECIMAL.test(limitText) || Number(limitText) < 1 || Number(limitText) > 200) throw invalidParameter('limit', 'must be 1-200');
  const limit = Number(limitText);
  const marker = input.query.get('marker') || undefined;
  if (marker !== undefined && !VERSION_ID.test(marker)) throw invalidParameter('marker', 'must be a version id such as v3');
  const num = (id: string) => Number(id.slice(1));
  // Newest first; a page continues below the marker.
  const rest = [...r.versions].reverse().filter((v) => marker === undefined || num(v.id) < num(marker));
  const page = rest.slice(0, limit);
  return ok({
    version_metadatas: page.map((v) => versionMetadata(r, v)),
    page_info: {
      ...(rest.length > limit ? { next_marker: page[page.length - 1].id } : {}),
      ...(marker === undefined ? {} : { previous_marker: marker }),
      current_count: page.length,
    },
  });
};

export const showVersionOp: CsmsOperation = async (secrets, call, input) => {
  const r = await namedSecret(secrets, call, input);
  const id = versionParam(input);
  assertUsable(r);
  return ok({ version: await versionWithValue(secrets, r, pickVersion(r, id)) });
};

export const updateVersionOp: CsmsOperation = async (secrets, call, input) => {
  const name = secretName(input);
  const id = versionParam(input);
  const expireTime = input.body.integer('expire_time', { required: true, min: 0, max: MAX_TIME });
  let changed: VersionRecord | undefined;
  const r = await secrets.repo.update(call.project, name, (r) => {
    assertUsable(r);
    const v = pickVersion(r, id);
    v.expireTime = expireTime;
    delete v.expiryNotified; // a new expiry is reported again when it passes
    changed = v;
    return { ...r, updatedAt: secrets.clock.now() };
  });
  return ok({ version_metadata: versionMetadata(r, changed!) });
};

export const showStageOp: CsmsOperation = async (secrets, call, input) => {
  const r = await namedSecret(secrets, call, input);
  const stage = stageParam(input);
  if (!r.stages[stage]) throw resourceNotFound(`stage ${stage} of secret ${r.name}`);
  return ok({ stage: stageInfo(r, stage) });
};

export const updateStageOp: CsmsOperation = async (secrets, call, input) => {
  const name = secretName(input);
  const stage = stageParam(input);
  const versionId = input.body.string('version_id', { required: true, max: 64 });
  const r = await secrets.repo.update(call.project, name, (r) => {
    assertUsable(r);
    const v = pickVersion(r, versionId);
    moveStage(r, stage, v.id, secrets.clock.now());
    assertStageQuota(secrets, r);
    return { ...r, updatedAt: secrets.clock.now() };
  });
  return ok({ stage: stageInfo(r, stage) });
};

export const deleteStageOp: CsmsOperation = async (secrets, call, input) => {
  const name = secretName(input);
  const stage = stageParam(input);
  if (SYSTEM_STAGES.includes(stage)) throw new CsmsError(CsmsCode.SystemStage, `The system stage ${stage} cannot be deleted.`);
  await secrets.repo.update(call.project, name, (r) => {
    assertUsable(r);
    if (!r.stages[stage]) throw resourceNotFound(`stage ${stage} of secret ${r.name}`);
    delete r.stages[stage];
    return { ...r, updatedAt: secrets.clock.now() };
  });
  return noContent();
};
