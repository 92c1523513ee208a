// Configuration from the environment, the same names on every runtime (PRODUCT.md contracts).
import { parseCorsOrigins } from '../server/cors.ts';

export interface EnvConfig {
  host: string;
  port: number;
  dataDir: string;
  adminAk?: string;
  adminSk?: string;
  projectId?: string;
  /** base64 of 32 bytes */
  rootKey?: string;
  region: string;
  logLevel: 'info' | 'silent';
  /** EDGEKMS_QUOTA_KEYS: CMKs per project (user-quotas "CMK"; KMS.1105 beyond it). */
  quotaKeys?: number;
  /** EDGEKMS_QUOTA_GRANTS_PER_KEY: grants per CMK (user-quotas "grant_per_CMK"; KMS.2404 beyond it). */
  quotaGrantsPerKey?: number;
  /** EDGEKMS_QUOTA_SECRETS: secrets per project (CSMS.0202 beyond it). */
  quotaSecrets?: number;
  /** EDGEKMS_KEYGEN_CONCURRENCY / EDGEKMS_KEYGEN_PER_PRINCIPAL: key pair generations at once (429 beyond). */
  keyGenerations?: number;
  keyGenerationsPerPrincipal?: number;
  /** EDGEKMS_TLS_CERT / EDGEKMS_TLS_KEY: PEM files; both set serves HTTPS. */
  tls?: { certPath: string; keyPath: string };
  /** EDGEKMS_HEADERS_TIMEOUT_MS, EDGEKMS_REQUEST_TIMEOUT_MS, EDGEKMS_MAX_CONNECTIONS (Node server limits). */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxConnections?: number;
  /** EDGEKMS_SHUTDOWN_GRACE_MS: how long requests in flight may take to finish on SIGINT/SIGTERM. */
  shutdownGraceMs?: number;
  /** EDGEKMS_CORS_ORIGINS: browser origins allowed to call; none by default. */
  corsOrigins: string[];
  /** EDGEKMS_RATE_CRYPTO_RPS/_BURST, EDGEKMS_RATE_CONTROL_RPS/_BURST: per-credential token buckets (429 APIGW.0308 beyond). */
  rateCryptoRps?: number;
  rateCryptoBurst?: number;
  rateControlRps?: number;
  rateControlBurst?: number;
  /** Failed requests without a verified credential, per client address (src/iam/rate-limit.ts). */
  rateUnauthenticatedRps?: number;
  rateUnauthenticatedBurst?: number;
  /** EDGEKMS_TAKE_OVER_LOCK=1: take a data directory whose lease cannot be proven dead (only where there is no flock). */
  takeOverLock?: boolean;
  /** EDGEKMS_SEAL_EXISTING_STORE=1: seal the records of a store written before records were sealed. */
  sealExistingStore?: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function positiveInteger(env: Record<string, string | undefined>, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^[1-9][0-9]{0,8}$/.test(text)) throw new ConfigError(`${name} must be a whole number from 1 to 999999999, got ${text}`);
  return Number(text);
}

export function readEnv(env: Record<string, string | undefined>): EnvConfig {
  const port = Number(env.PORT ?? '8787');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, got ${env.PORT}`);
  const ak = env.EDGEKMS_ADMIN_AK || undefined;
  const sk = env.EDGEKMS_ADMIN_SK || undefined;
  if ((ak === undefined) !== (sk === undefined)) throw new ConfigError('set both EDGEKMS_ADMIN_AK and EDGEKMS_ADMIN_SK, or neither');
  if (ak !== undefined && !/^[A-Za-z0-9]{8,128}$/.test(ak)) throw new ConfigError('EDGEKMS_ADMIN_AK must be 8-128 letters and digits');
  if (sk !== undefined && sk.length < 16) throw new ConfigError('EDGEKMS_ADMIN_SK must be at least 16 characters');
  const project = env.EDGEKMS_PROJECT_ID || undefined;
  if (project !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(project)) throw new ConfigError('EDGEKMS_PROJECT_ID must be 1-64 letters, digits, _ or -');
  const cert = env.EDGEKMS_TLS_CERT || undefined;
  const key = env.EDGEKMS_TLS_KEY || undefined;
  if ((cert === undefined) !== (key === undefined)) throw new ConfigError('set both EDGEKMS_TLS_CERT and EDGEKMS_TLS_KEY (PEM files), or neither');
  const level = env.EDGEKMS_LOG ?? 'info';
  if (level !== 'info' && level !== 'silent') throw new ConfigError('EDGEKMS_LOG must be info or silent');
  return {
    host: env.HOST || '127.0.0.1',
    port,
    dataDir: env.EDGEKMS_DATA_DIR || './.edgekms',
    adminAk: ak,
    adminSk: sk,
    projectId: project,
    rootKey: env.EDGEKMS_ROOT_KEY || undefined,
    region: env.EDGEKMS_REGION || 'local-1',
    logLevel: level,
    quotaKeys: positiveInteger(env, 'EDGEKMS_QUOTA_KEYS'),
    quotaGrantsPerKey: positiveInteger(env, 'EDGEKMS_QUOTA_GRANTS_PER_KEY'),
    quotaSecrets: positiveInteger(env, 'EDGEKMS_QUOTA_SECRETS'),
    keyGenerations: positiveInteger(env, 'EDGEKMS_KEYGEN_CONCURRENCY'),
    keyGenerationsPerPrincipal: positiveInteger(env, 'EDGEKMS_KEYGEN_PER_PRINCIPAL'),
    ...(cert && key ? { tls: { certPath: cert, keyPath: key } } : {}),
    headersTimeoutMs: positiveInteger(env, 'EDGEKMS_HEADERS_TIMEOUT_MS'),
    requestTimeoutMs: positiveInteger(env, 'EDGEKMS_REQUEST_TIMEOUT_MS'),
    maxConnections: positiveInteger(env, 'EDGEKMS_MAX_CONNECTIONS'),
    shutdownGraceMs: positiveInteger(env, 'EDGEKMS_SHUTDOWN_GRACE_MS'),
    corsOrigins: corsOrigins(env.EDGEKMS_CORS_ORIGINS),
    takeOverLock: env.EDGEKMS_TAKE_OVER_LOCK === '1',
    rateCryptoRps: positiveInteger(env, 'EDGEKMS_RATE_CRYPTO_RPS'),
    rateCryptoBurst: positiveInteger(env, 'EDGEKMS_RATE_CRYPTO_BURST'),
    rateControlRps: positiveInteger(env, 'EDGEKMS_RATE_CONTROL_RPS'),
    rateControlBurst: positiveInteger(env, 'EDGEKMS_RATE_CONTROL_BURST'),
    rateUnauthenticatedRps: positiveInteger(env, 'EDGEKMS_RATE_UNAUTHENTICATED_RPS'),
    rateUnauthenticatedBurst: positiveInteger(env, 'EDGEKMS_RATE_UNAUTHENTICATED_BURST'),
    sealExistingStore: env.EDGEKMS_SEAL_EXISTING_STORE === '1',
  };
}

function corsOrigins(text: string | undefined): string[] {
  try {
    return parseCorsOrigins(text);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}
