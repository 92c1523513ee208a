// Rotate-now and automatic rotation. Huawei rotates COMMON secrets by storing a service-generated random
// value as the new SYSCURRENT version, and RDS-FG / GaussDB-FG secrets by calling a FunctionGraph function
// that changes the database password. FunctionGraph does not exist here: edgekms keeps rotation_config and
// rotation_func_urn as given and rotates every secret type the COMMON way (a random 32-character password
// as a new version); a database account must be changed by whoever reads SYSCURRENT. Every rotation leaves
// a task (ListSecretTask) and a SECRET_ROTATED notification record. Errors here are nested (routes.ts).
import { utf8, wipe } from '../../crypto/bytes.ts';
import { notify } from '../events-store.ts';
import { ok, type CsmsOperation } from '../operation.ts';
import { nextRotationTime, type SecretRecord, type VersionRecord } from '../record.ts';
import { generatePassword } from '../password.ts';
import { periodMs } from '../rotation-period.ts';
import type { Secrets } from '../secrets.ts';
import { addVersion, assertUsable } from '../versions.ts';
import { secretName } from './secrets.ts';

/** Thrown inside a rotation when another run rotated first. */
class NotDue extends Error {}

/** Rotates one secret: a random value becomes the new SYSCURRENT version. `due` re-checks inside the write. */
export async function rotateSecret(secrets: Secrets, project: string, name: string, due?: (r: SecretRecord) => boolean): Promise<{ record: SecretRecord; version: VersionRecord; taskId: string }> {
  const value = utf8(generatePassword());
  let created: VersionRecord | undefined;
  try {
    const record = await secrets.repo.update(project, name, async (r) => {
      assertUsable(r);
      if (due && !due(r)) throw new NotDue();
      const { record, version } = await addVersion(secrets, r, { kind: 'string', bytes: value });
      created = version;
      return { ...record, rotationTime: secrets.clock.now() };
    });
    const taskId = crypto.randomUUID();
    await secrets.events
      .addTask(project, {
        task_id: taskId,
        secret_name: name,
        ...(record.rotationFuncUrn ? { rotation_func_urn: record.rotationFuncUrn } : {}),
        task_status: 'SUCCESS',
        operate_type: 'ROTATE',
        task_time: secrets.clock.now(),
        attempt_nums: 1,
      })
      .catch(() => {});
    await notify(secrets, record, 'SECRET_ROTATED', { version_id: created!.id });
    return { record, version: created!, taskId };
  } finally {
    wipe(value);
  }
}

export const rotateSecretOp: CsmsOperation = async (secrets, call, input) => {
  const name = secretName(input);
  const { version, taskId } = await rotateSecret(secrets, call.project, name);
  return ok({ version_id: version.id, secret_name: name, rotation_task_id: taskId });
};

/** Rotates every enabled secret whose automatic rotation is due. Returns how many rotated and failed. */
export async function rotateDue(secrets: Secrets, project: string): Promise<{ rotated: number; failed: number }> {
  let rotated = 0;
  let failed = 0;
  const now = () => secrets.clock.now();
  const isDue = (r: SecretRecord) => r.state === 'ENABLED' && (nextRotationTime(r, periodMs) ?? Infinity) <= now();
  for (const r of await secrets.repo.list(project)) {
    if (!isDue(r)) continue;
    try {
      await rotateSecret(secrets, project, r.name, isDue);
      rotated++;
    } catch (e) {
      if (e instanceof NotDue) continue;
      failed++;
      await notify(secrets, r, 'SECRET_ROTATED_FAILED');
    }
  }
  return { rotated, failed };
}
