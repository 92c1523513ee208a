// Key rotation: a new material version becomes primary; older versions keep decrypting because every
// ciphertext names its version. Rotation happens on demand and, when enabled, automatically at the
// interval (by `runMaintenance` in src/kms/maintenance.ts, which the runtimes call on a timer or cron).
import { wipe } from '../crypto/bytes.ts';
import { DAY_MS } from './clock.ts';
import { Code, KmsError } from './errors.ts';
import type { KeyRecord } from './key-record.ts';
import { KEY_SPECS } from './key-spec.ts';
import { assertState } from './key-state.ts';
import { generateMaterial } from './key-factory.ts';
import { DEFAULT_KEY_NAME, KEY_REF_RULE, assertNotDefault, resolveKey } from './keys.ts';
import type { Kms } from './kms.ts';
import { fields, ok, type Call, type Input, type Operation } from './operation.ts';

export const MIN_ROTATION_DAYS = 30;
export const MAX_ROTATION_DAYS = 365;

/** Only symmetric keys with generated material rotate; default keys are managed by their service. */
export function assertRotatable(r: KeyRecord): void {
  assertNotDefault(r);
  if (KEY_SPECS[r.spec].kind !== 'symmetric') throw new KmsError(Code.InvalidParameter, `Key rotation is supported only for symmetric keys; ${r.id} is ${r.spec}.`);
  if (r.origin === 'external') throw new KmsError(Code.InvalidParameter, `Keys with imported material cannot be rotated; ${r.id} is one.`);
}

/** When a key with automatic rotation is next due, or undefined. */
export function nextRotationAt(r: KeyRecord): number | undefined {
  if (!r.rotation.enabled) return undefined;
  const from = r.rotation.lastRotatedAt ?? r.rotation.enabledAt ?? r.createdAt;
  return from + r.rotation.intervalDays * DAY_MS;
}

/** Another rotation published the version number this one sealed for: nothing is written, seal again. */
class VersionTaken extends Error {}

/** Adds a new primary version. The new material is sealed before the single write that publishes it. */
export async function rotate(kms: Kms, project: string, id: string, check: (r: KeyRecord) => void): Promise<KeyRecord> {
  // The material must be sealed for a specific version number; if another rotation wins the race the
  // number is taken, so seal again for the next one.
  for (let attempt = 0; attempt < 8; attempt++) {
    const current = await kms.repo.get(project, id);
    if (!current) throw new KmsError(Code.KeyNotFound, `The key ${id} does not exist.`);
    check(current);
    const v = (current.versions.at(-1)?.v ?? 0) + 1;
    // Only symmetric keys rotate (assertRotatable): nothing expensive to cap.
    const m = await generateMaterial(current.spec, current.usage, (work) => work());
    let sealed: string;
    try {
      sealed = await kms.material.seal(current, v, m.material);
    } finally {
      wipe(m.material);
    }
    const now = kms.clock.now();
    try {
      return await kms.repo.update(project, id, (r) => {
        check(r);
        if ((r.versions.at(-1)?.v ?? 0) + 1 !== v) throw new VersionTaken();
        return {
          ...r,
          versions: [...r.versions, { v, createdAt: now, sealed }],
          rotation: { ...r.rotation, lastRotatedAt: now, count: r.rotation.count + 1 },
        };
      });
    } catch (e) {
      if (!(e instanceof VersionTaken)) throw e;
    }
  }
  throw new KmsError(Code.Internal, `Too many concurrent rotations of key ${id}; try again.`, 500);
}

async function rotationTarget(kms: Kms, call: Call, input: Input): Promise<KeyRecord> {
  const ref = fields(input, {}).string('key_id', KEY_REF_RULE);
  if (DEFAULT_KEY_NAME.test(ref)) assertNotDefault({ defaultKey: true, alias: ref } as KeyRecord);
  return resolveKey(kms, call.project, ref);
}

function configure(kms: Kms, call: Call, r: KeyRecord, change: (r: KeyRecord) => KeyRecord): Promise<KeyRecord> {
  return kms.repo.update(call.project, r.id, (cur) => {
    assertRotatable(cur);
    assertState(cur.id, cur.state, 'configure-rotation');
    return change(cur);
  });
}

export const enableKeyRotationOp: Operation = async (kms, call, input) => {
  const target = await rotationTarget(kms, call, input);
  await configure(kms, call, target, (r) =>
    r.rotation.enabled ? r : { ...r, rotation: { ...r.rotation, enabled: true, enabledAt: kms.clock.now() } },
  );
  return ok();
};

export const disableKeyRotationOp: Operation = async (kms, call, input) => {
  const target = await rotationTarget(kms, call, input);
  await configure(kms, call, target, (r) => ({ ...r, rotation: { ...r.rotation, enabled: false } }));
  return ok();
};

export const updateKeyRotationIntervalOp: Operation = async (kms, call, input) => {
  const days = fields(input, {}).integer('rotation_interval', { required: true, min: MIN_ROTATION_DAYS, max: MAX_ROTATION_DAYS });
  const target = await rotationTarget(kms, call, input);
  await configure(kms, call, target, (r) => ({ ...r, rotation: { ...r.rotation, intervalDays: days } }));
  return ok();
};

export const getKeyRotationStatusOp: Operation = async (kms, call, input) => {
  const ref = fields(input, {}).string('key_id', KEY_REF_RULE);
  const r = await resolveKey(kms, call.project, ref, { createDefault: true });
  assertState(r.id, r.state, 'read');
  const primary = r.versions.at(-1)?.v;
  return ok({
    key_rotation_enabled: r.rotation.enabled,
    rotation_interval: r.rotation.intervalDays,
    last_rotation_time: r.rotation.lastRotatedAt === undefined ? '' : String(r.rotation.lastRotatedAt),
    number_of_rotations: r.rotation.count,
    key_materials: r.versions.map((m) => ({
      material_id: `${r.id}/${m.v}`,
      create_time: String(m.createdAt),
      // 2: the primary (encrypts and decrypts); 0: an older version (decrypts only).
      state: m.v === primary ? 2 : 0,
    })),
  });
};

export const rotateOnDemandOp: Operation = async (kms, call, input) => {
  const target = await rotationTarget(kms, call, input);
  const r = await rotate(kms, call.project, target.id, (cur) => {
    assertRotatable(cur);
    assertState(cur.id, cur.state, 'use');
  });
  return ok({ key_id: r.id });
};
