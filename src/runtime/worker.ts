// edgekms as a Cloudflare Worker: the same Hono app as `npm start`, over the Durable Object store with
// Workers KV as a read replica (src/store/cloudflare/), and the maintenance `npm start` runs every minute
// on a cron trigger. Configuration comes from Worker secrets and vars with the same names as the
// environment of `npm start`; the root key and the admin credential must be set (there is no data
// directory to create them in). While any of them is missing or malformed, every request gets one 503
// answer naming what is wrong, and nothing else runs.
import wasmModule from '../../wasm/pkg/edgekms_core.wasm';
import { initWasm } from '../crypto/wasm/core.ts';
import { fromBase64 } from '../crypto/encoding.ts';
import { portableCrypto } from '../crypto/provider.ts';
import { RootKeyMismatch } from '../kms/deployment.ts';
import { Code } from '../kms/errors.ts';
import { ROOT_KEY_BYTES, RootKey } from '../kms/root-key.ts';
import { kmsErrorBody } from '../server/errors.ts';
import { DurableObjectStore } from '../store/cloudflare/durable-store.ts';
import { KvReplicatedStore } from '../store/cloudflare/kv-replica.ts';
import type { StoreObject } from '../store/cloudflare/store-object.ts';
import { parseUsersFile } from '../iam/users-file.ts';
import { ConfigError, readEnv } from './config.ts';
import { adminCredential, createService, type Service } from './service.ts';

export { StoreObject } from '../store/cloudflare/store-object.ts';

export interface WorkerEnv {
  /** The Durable Objects that own every mutable record (wrangler.toml). */
  STORE: DurableObjectNamespace<StoreObject>;
  /** The read replica of write-once entries. */
  KMS_KV: KVNamespace;
  /** base64 of 32 bytes (a secret), or a non-extractable AES-GCM CryptoKey (a secret key binding). */
  EDGEKMS_ROOT_KEY?: string | CryptoKey;
  EDGEKMS_ADMIN_AK?: string;
  EDGEKMS_ADMIN_SK?: string;
  EDGEKMS_PROJECT_ID?: string;
  /** Optional: the JSON array users.json holds for `npm start`. */
  EDGEKMS_USERS?: string;
  [name: string]: unknown;
}

// One service per isolate and environment. A configuration error is kept (it cannot fix itself until the
// secrets change, which starts new isolates); any other start-up failure is retried on the next request.
let started: { env: WorkerEnv; service: Promise<Service> } | undefined;
const SEAL_FLUSH_MS = 10_000;
let lastSealFlush = Date.now();

function service(env: WorkerEnv): Promise<Service> {
  if (started?.env !== env) {
    const attempt = start(env);
    started = { env, service: attempt };
    attempt.catch((e) => {
      if (!(e instanceof ConfigError) && started?.service === attempt) started = undefined;
    });
  }
  return started.service;
}

async function rootKeyOf(env: WorkerEnv): Promise<RootKey> {
  const value = env.EDGEKMS_ROOT_KEY;
  if (value === undefined || value === '') throw new ConfigError('EDGEKMS_ROOT_KEY is not set (wrangler secret put EDGEKMS_ROOT_KEY, or .dev.vars locally)');
  if (typeof value !== 'string') {
    try {
      return await RootKey.fromCryptoKey(value);
    } catch (e) {
      throw new ConfigError(`EDGEKMS_ROOT_KEY binding is not usable: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  let raw: Uint8Array;
  try {
    raw = fromBase64(value.trim());
  } catch {
    throw new ConfigError('EDGEKMS_ROOT_KEY must be the base64 of exactly 32 bytes');
  }
  if (raw.length !== ROOT_KEY_BYTES) throw new ConfigError('EDGEKMS_ROOT_KEY must be the base64 of exactly 32 bytes');
  return RootKey.fromBytes(raw, portableCrypto);
}

function configOf(env: WorkerEnv) {
  const strings: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') strings[k] = v;
  const config = readEnv(strings);
  const missing = ['EDGEKMS_ADMIN_AK', 'EDGEKMS_ADMIN_SK', 'EDGEKMS_PROJECT_ID'].filter((n) => !strings[n]);
  if (missing.length) throw new ConfigError(`${missing.join(', ')} not set: a Worker takes its admin credential from secrets`);
  if (!env.STORE || !env.KMS_KV) throw new ConfigError('the STORE Durable Object and KMS_KV bindings are required (see wrangler.toml)');
  return config;
}

/** EDGEKMS_USERS: the users.json of `npm start` as a secret (callers that act only through grants). */
function usersOf(env: WorkerEnv, adminAk: string) {
  const text = env.EDGEKMS_USERS;
  if (text === undefined || text === '') return [];
  if (typeof text !== 'string') throw new ConfigError('EDGEKMS_USERS must be a secret holding the JSON of users.json');
  // The 503 answer goes to anyone: JSON.parse's message quotes the text around the fault, which may be
  // a secret_key, so a parse failure is named without it.
  try {
    JSON.parse(text);
  } catch {
    throw new ConfigError('EDGEKMS_USERS: users file is not JSON');
  }
  try {
    return parseUsersFile(text, [adminAk]);
  } catch (e) {
    throw new ConfigError(`EDGEKMS_USERS: ${(e as Error).message}`);
  }
}

async function start(env: WorkerEnv): Promise<Service> {
  const config = configOf(env);
  const rootKey = await rootKeyOf(env);
  await initWasm(wasmModule);
  return createService({
    store: new KvReplicatedStore(new DurableObjectStore(env.STORE), env.KMS_KV),
    rootKey,
    crypto: portableCrypto,
    config,
    credentials: [adminCredential(config.adminAk!, config.adminSk!), ...usersOf(env, config.adminAk!)],
    log: config.logLevel === 'info' ? (e) => console.log(JSON.stringify(e)) : undefined,
    corsOrigins: config.corsOrigins,
    // Set by Cloudflare's edge to the connecting client (a client's own value does not survive it).
    clientAddress: (c) => c.req.header('cf-connecting-ip'),
    logError: (line) => console.error(line),
    onInternalError: (err, requestId) => console.error(`request ${requestId} failed:`, err),
  }).catch((e) => {
    throw e instanceof RootKeyMismatch ? new ConfigError(`EDGEKMS_ROOT_KEY: ${e.message}`) : e;
  });
}

function notStarted(e: unknown): Response {
  const configError = e instanceof ConfigError;
  if (!configError) console.error('edgekms failed to start:', e);
  const message = configError ? `edgekms is not configured: ${e.message}` : 'edgekms could not start; try again.';
  return Response.json(kmsErrorBody(Code.Internal, message), { status: 503, headers: { 'Retry-After': configError ? '300' : '5' } });
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let s: Service;
    try {
      s = await service(env);
    } catch (e) {
      return notStarted(e);
    }
    const response = await s.app.fetch(request, env, ctx);
    // An isolate is never told it is going away, so its seal counts are written back at most every
    // SEAL_FLUSH_MS after the answer has gone out (see docs/workers.md), not only every 65,536 seals.
    if (Date.now() - lastSealFlush > SEAL_FLUSH_MS) {
      lastSealFlush = Date.now();
      ctx.waitUntil(s.kms.seals.flush().then(() => {}, (e) => console.error('could not write seal counts:', e)));
    }
    return response;
  },

  /** The cron trigger: scheduled deletions, automatic rotation, expired imports (as `npm start` every minute). */
  async scheduled(_controller: ScheduledController, env: WorkerEnv, _ctx: ExecutionContext): Promise<void> {
    const failed = await (await service(env)).maintain();
    // A failed run is marked failed in the dashboard; every step runs again at the next trigger.
    if (failed > 0) throw new Error(`maintenance: ${failed} step(s) failed (logged); they run again at the next trigger`);
  },
} satisfies ExportedHandler<WorkerEnv>;
