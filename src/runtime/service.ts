// The service every entry point serves: the KMS and the secrets manager over one store and root key,
// their maintenance, and the Hono app with the given credentials. Node (npm start), Deno (deno task start)
// and the Worker differ only in where the store, root key and credentials come from and how they listen.
import type { CryptoProvider } from '../crypto/provider.ts';
import { ADMIN_PRINCIPAL, StaticCredentials, type Credential } from '../iam/credentials.ts';
import { AuditLog } from '../audit/log.ts';
import { Directory } from '../iam/directory.ts';
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimits } from '../iam/rate-limit.ts';
import { openDeployment } from '../kms/deployment.ts';
import { Kms } from '../kms/kms.ts';
import { MaintenanceMonitor } from '../kms/maintenance.ts';
import type { RootKey } from '../kms/root-key.ts';
import { createApp, type AppOptions } from '../server/app.ts';
import { runSecretsMaintenance } from '../secrets/maintenance.ts';
import { Secrets } from '../secrets/secrets.ts';
import type { FrameLog } from '../audit/blocks.ts';
import type { Store } from '../store/store.ts';
import type { EnvConfig } from './config.ts';

export interface ServiceOptions extends Pick<AppOptions, 'bodyReader' | 'headerReader' | 'log' | 'onInternalError' | 'corsOrigins' | 'consoleAssets' | 'clientAddress'> {
  store: Store;
  rootKey: RootKey;
  crypto: CryptoProvider;
  config: EnvConfig;
  credentials: Credential[];
  /** Where maintenance failures and unexpected errors are reported (one line each). */
  logError: (line: string) => void;
  /** The file store's append-only log for the audit records (FileStore.appendLog); else they go in the store. */
  auditSegments?: FrameLog;
}

export interface Service {
  kms: Kms;
  secrets: Secrets;
  app: ReturnType<typeof createApp>;
  audit: AuditLog;
  /** Scheduled deletions, automatic rotation, expired imports, then the secrets' own, then orphaned access keys and dead temporary credentials; never throws, answers how many steps failed (each logged). */
  maintain(): Promise<number>;
}

export async function createService(o: ServiceOptions): Promise<Service> {
  const deployment = await openDeployment(o.store, o.rootKey);
  const limits = {
    ...(o.config.quotaKeys === undefined ? {} : { keysPerProject: o.config.quotaKeys }),
    ...(o.config.quotaGrantsPerKey === undefined ? {} : { grantsPerKey: o.config.quotaGrantsPerKey }),
    ...(o.config.keyGenerations === undefined ? {} : { keyGenerations: o.config.keyGenerations }),
    ...(o.config.keyGenerationsPerPrincipal === undefined ? {} : { keyGenerationsPerPrincipal: o.config.keyGenerationsPerPrincipal }),
  };
  const kms = new Kms({
    store: o.store,
    rootKey: o.rootKey,
    crypto: o.crypto,
    domainId: deployment.domainId,
    region: o.config.region,
    limits,
    onSealRotationFailure: (r, e) =>
      o.logError(JSON.stringify({ rotation_failure: 'seal-limit', project: r.project, key_id: r.id, error: e instanceof Error ? e.message : String(e) })),
  });
  const secrets = new Secrets(kms, o.config.quotaSecrets === undefined ? {} : { secretsPerProject: o.config.quotaSecrets });
  const maintenance = new MaintenanceMonitor(kms, o.logError);
  // Users and access keys created through /edgekms/v1 live in the store; configured ones (admin.json,
  // users.json) are looked up first.
  const rateLimiter = new RateLimiter(rateLimitsOf(o.config));
  const directory = new Directory(kms.store, o.rootKey, new StaticCredentials(o.credentials), () => kms.clock.now());
  const audit = new AuditLog(kms.store, { segments: o.auditSegments, hashes: o.crypto.hashes });
  const app = createApp({
    kms,
    secrets,
    credentials: directory,
    directory,
    audit,
    rateLimiter,
    clientAddress: o.clientAddress,
    bodyReader: o.bodyReader,
    headerReader: o.headerReader,
    log: o.log,
    corsOrigins: o.corsOrigins,
    consoleAssets: o.consoleAssets,
    health: () => ({ maintenance: maintenance.health(), rate_limited: { ...rateLimiter.refused } }),
    onInternalError: o.onInternalError,
  });
  const maintain = async () => {
    let failed = 0;
    try {
      failed += (await maintenance.run()).failed; // each failure logged and counted by the monitor
    } catch (e) {
      failed++;
      o.logError(`maintenance failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    // The secrets service counts its failures without naming them: log and count them with the KMS's.
    try {
      const n = (await runSecretsMaintenance(secrets)).failed;
      if (n) maintenance.onFailure({ step: 'secrets', error: new Error(`${n} secrets maintenance step(s) failed`) });
      failed += n;
    } catch (e) {
      failed++;
      maintenance.onFailure({ step: 'secrets', error: e });
    }
    // Identity records that can never be used again: orphaned access keys, dead temporary credentials.
    try {
      await directory.sweep();
    } catch (e) {
      failed++;
      maintenance.onFailure({ step: 'identity', error: e });
    }
    return failed;
  };
  return { kms, secrets, app, audit, maintain };
}

/** Per-credential limits from the environment; a rate without a burst gets a burst of twice the rate. */
export function rateLimitsOf(config: EnvConfig): RateLimits {
  const bucket = (rps: number | undefined, burst: number | undefined, fallback: { rps: number; burst: number }) =>
    ({ rps: rps ?? fallback.rps, burst: burst ?? (rps === undefined ? fallback.burst : 2 * rps) });
  return {
    crypto: bucket(config.rateCryptoRps, config.rateCryptoBurst, DEFAULT_RATE_LIMITS.crypto),
    control: bucket(config.rateControlRps, config.rateControlBurst, DEFAULT_RATE_LIMITS.control),
    unauthenticated: bucket(config.rateUnauthenticatedRps, config.rateUnauthenticatedBurst, DEFAULT_RATE_LIMITS.unauthenticated),
  };
}

/** The deployment administrator's credential (admin.json, EDGEKMS_ADMIN_AK/SK, or Worker secrets). */
export function adminCredential(accessKey: string, secretKey: string): Credential {
  return { accessKey, secretKey: new TextEncoder().encode(secretKey), principal: ADMIN_PRINCIPAL, projects: '*', role: 'admin' };
}
