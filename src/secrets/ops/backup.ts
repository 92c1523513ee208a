// Backup to a blob, restore from it, and batch import (docs/csms-api.md). A backup blob is the secret's document
// (settings, stages, tags and every version still sealed under its CMK) sealed again by the root key and
// bound to the project: it restores only in the deployment and project it came from, and its values open
// only while their CMKs exist and are enabled. Errors are flat (routes.ts).
import { fromUtf8, utf8, wipe } from '../../crypto/bytes.ts';
import { EncodingError, fromBase64, toBase64 } from '../../crypto/encoding.ts';
import { AuthenticationError } from '../../crypto/aes-gcm.ts';
import { KmsError } from '../../kms/errors.ts';
import { CsmsCode, CsmsError, invalidParameter, secretQuotaReached } from '../errors.ts';
import { csmsFields, ok, type CsmsOperation } from '../operation.ts';
import type { SecretRecord } from '../record.ts';
import { readValue } from '../versions.ts';
import { createSecret, dropRefusedSubscriptions, info, namedSecret, readNewSecret } from './secrets.ts';

const MAX_BLOB_CHARS = 2 * 1024 * 1024;
const MAX_IMPORT = 100;
const context = (project: string) => ['csms-backup', project];

export const backupSecretOp: CsmsOperation = async (secrets, call, input) => {
  const r = await namedSecret(secrets, call, input);
  if (r.state === 'PENDING_DELETE') throw new CsmsError(CsmsCode.PendingDeletion, `The secret ${r.name} is pending deletion and cannot be used.`);
  const sealed = await secrets.kms.sealSecret(utf8(JSON.stringify(r)), context(call.project));
  return ok({ secret_blob: toBase64(sealed) });
};

export const restoreFromBlobOp: CsmsOperation = async (secrets, call, input) => {
  const text = input.body.string('secret_blob', { required: true, min: 1, max: MAX_BLOB_CHARS });
  const bad = () => invalidParameter('secret_blob', 'it is not a backup of a secret of this project');
  let plain: Uint8Array;
  try {
    plain = await secrets.kms.openSecret(fromBase64(text), context(call.project));
  } catch (e) {
    if (e instanceof EncodingError || e instanceof AuthenticationError || e instanceof RangeError) throw bad();
    throw e;
  }
  const r = JSON.parse(fromUtf8(plain)) as SecretRecord;
  if (r.schema !== 1 || r.project !== call.project) throw bad();
  if ((await secrets.repo.count(call.project)) >= secrets.limits.secretsPerProject) throw secretQuotaReached(secrets.limits.secretsPerProject);
  if (await secrets.repo.get(call.project, r.name)) throw invalidParameter('secret_blob', `a secret named ${r.name} already exists`);
  // A subscription to an event deleted since the backup is not restored, nor one to an event deleted while
  // the restore writes (dropRefusedSubscriptions looks again once the secret is in).
  const refused = (await secrets.events.refusedSubscriptions(call.project, r.eventSubscriptions)).map((x) => x.name);
  const restored: SecretRecord = { ...r, eventSubscriptions: r.eventSubscriptions.filter((n) => !refused.includes(n)), updatedAt: secrets.clock.now() };
  await secrets.repo.create(restored, secrets.limits.secretsPerProject);
  return ok({ secret: info(await dropRefusedSubscriptions(secrets, restored)) });
};

export const batchImportOp: CsmsOperation = async (secrets, call, input) => {
  const list = input.body.array('secrets', { required: true, minItems: 1, maxItems: MAX_IMPORT });
  const errors: { name: string; error_msg: string }[] = [];
  let success = 0;
  for (const [i, item] of list.entries()) {
    const name = item && typeof item === 'object' && typeof (item as { name?: unknown }).name === 'string' ? (item as { name: string }).name : `secrets[${i}]`;
    try {
      const f = csmsFields(item, `secrets[${i}]`);
      const s = await readNewSecret(secrets, call.project, f);
      const value = readValue(secrets, f, true)!;
      try {
        await createSecret(secrets, call.project, s, value);
      } finally {
        wipe(value.bytes);
      }
      success++;
    } catch (e) {
      // Only what the API would answer for this item; unexpected failures (store I/O) stop the batch.
      if (!(e instanceof CsmsError) && !(e instanceof KmsError)) throw e;
      errors.push({ name, error_msg: e.message });
    }
  }
  return ok({ error_list: errors, total: list.length, success, failed: errors.length });
};
