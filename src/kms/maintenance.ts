// Periodic work the runtimes call on a timer or cron: writes the seal counts of key versions
// (seal-counter.ts), destroys keys past their deletion date, sweeps dead
// pointers, repairs the grant index, purges expired import parameters (listing also writes back the removal
// of imported material past its expiration_time) and rotates keys whose automatic rotation is due.
// Idempotent and safe beside requests; a failed step leaves its key as it was and the next run tries again.
//
// No failure is silent: each one is handed to `onFailure` with the project, the key and the step, and
// counted, so an operator sees a key that cannot be rotated or destroyed (npm start logs them and counts
// them on /healthz).
import type { KeyRecord } from './key-record.ts';
import { KeyState, assertState } from './key-state.ts';
import { purgeExpiredImportParams } from './import.ts';
import { reconcileGrantIndex } from './grant-index.ts';
import type { Kms } from './kms.ts';
import { assertRotatable, nextRotationAt, rotate } from './rotation.ts';

export type MaintenanceStep = 'secrets' | 'identity' | 'seal-counts' | 'list-projects' | 'purge-due' | 'sweep-pointers' | 'list-keys' | 'grant-index' | 'purge-import-params' | 'rotate';

export interface MaintenanceFailure {
  project?: string;
  keyId?: string;
  step: MaintenanceStep;
  error: unknown;
}

export interface MaintenanceResult {
  destroyed: number;
  rotated: number;
  importsPurged: number;
  failed: number;
}

/** Another run rotated the key first. */
class NotDue extends Error {}

export async function runMaintenance(kms: Kms, onFailure: (f: MaintenanceFailure) => void = () => {}): Promise<MaintenanceResult> {
  const result: MaintenanceResult = { destroyed: 0, rotated: 0, importsPurged: 0, failed: 0 };
  const attempt = async <T>(step: MaintenanceStep, project: string | undefined, keyId: string | undefined, work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      result.failed++;
      onFailure({ step, error, ...(project === undefined ? {} : { project }), ...(keyId === undefined ? {} : { keyId }) });
      return undefined;
    }
  };
  await attempt('seal-counts', undefined, undefined, () => kms.seals.flush());
  for (const project of (await attempt('list-projects', undefined, undefined, () => kms.repo.projects())) ?? []) {
    result.destroyed += (await attempt('purge-due', project, undefined, () => kms.repo.purgeDue(project))) ?? 0;
    await attempt('sweep-pointers', project, undefined, () => kms.repo.sweepPointers(project));
    const keys: KeyRecord[] = (await attempt('list-keys', project, undefined, () => kms.repo.list(project))) ?? [];
    await attempt('grant-index', project, undefined, () => reconcileGrantIndex(kms, project, keys));
    for (const r of keys) {
      result.importsPurged += (await attempt('purge-import-params', project, r.id, () => purgeExpiredImportParams(kms, project, r))) ?? 0;
      const due = nextRotationAt(r);
      if (due === undefined || due > kms.clock.now() || r.state !== KeyState.Enabled) continue;
      const rotated = await attempt('rotate', project, r.id, async () => {
        try {
          await rotate(kms, project, r.id, (cur) => {
            assertRotatable(cur);
            assertState(cur.id, cur.state, 'use');
            const d = nextRotationAt(cur);
            if (d === undefined || d > kms.clock.now()) throw new NotDue();
          });
          return true;
        } catch (e) {
          if (e instanceof NotDue) return false;
          throw e;
        }
      });
      if (rotated) result.rotated++;
    }
  }
  return result;
}

/**
 * Counts of maintenance runs and failures for a health endpoint, and the one log line per failure (with
 * the project, key and step; the error's message, never key material: errors here carry none).
 */
export class MaintenanceMonitor {
  runs = 0;
  failures = 0;
  lastFailureAt: number | undefined;

  constructor(
    private readonly kms: Kms,
    private readonly log: (line: string) => void,
  ) {}

  readonly onFailure = (f: MaintenanceFailure): void => {
    this.failures++;
    this.lastFailureAt = this.kms.clock.now();
    const error = f.error instanceof Error ? `${f.error.name}: ${f.error.message}` : String(f.error);
    this.log(JSON.stringify({ maintenance_failure: f.step, project: f.project, key_id: f.keyId, error }));
  };

  async run(): Promise<MaintenanceResult> {
    const result = await runMaintenance(this.kms, this.onFailure);
    this.runs++;
    return result;
  }

  /** What /healthz reports. */
  health(): { runs: number; failures: number; last_failure_at: string } {
    return { runs: this.runs, failures: this.failures, last_failure_at: this.lastFailureAt === undefined ? '' : new Date(this.lastFailureAt).toISOString() };
  }
}
