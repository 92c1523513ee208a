// Periodic work of the secrets service (npm start runs it every minute, with the KMS's): deletes secrets
// past their scheduled deletion time, rotates secrets whose automatic rotation is due, reports versions
// past their expire_time, and sweeps id pointers left by failed writes. Idempotent, safe to run beside requests; a failure leaves things as
// they were and the next run tries again.
import { notifyExpired } from './expiry.ts';
import { rotateDue } from './ops/rotation.ts';
import type { Secrets } from './secrets.ts';

export async function runSecretsMaintenance(secrets: Secrets): Promise<{ deleted: number; rotated: number; expired: number; failed: number }> {
  let deleted = 0;
  let rotated = 0;
  let expired = 0;
  let failed = 0;
  for (const project of await secrets.repo.projects()) {
    try {
      deleted += await secrets.repo.purgeDue(project);
      await secrets.repo.sweepPointers(project);
    } catch {
      failed++;
    }
    try {
      const r = await rotateDue(secrets, project);
      rotated += r.rotated;
      failed += r.failed;
    } catch {
      failed++;
    }
    try {
      expired += await notifyExpired(secrets, project);
    } catch {
      failed++;
    }
  }
  return { deleted, rotated, expired, failed };
}
