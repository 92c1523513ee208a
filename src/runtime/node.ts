// `npm start`: edgekms on Node with the durable embedded store. Reads its configuration from the
// environment (src/runtime/config.ts), creates the root key and the admin credential on first start, and
// prints `edgekms listening on http://HOST:PORT` (https with EDGEKMS_TLS_*) once it accepts requests. The
// WASM crypto core (SM2, SM3, SM4) is loaded before anything else: without it the server does not start.
// SIGINT/SIGTERM drain requests in flight (bounded), wait for a maintenance run in progress, then close the
// store (which releases its LOCK).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fromBase64, toBase64 } from '../crypto/encoding.ts';
import { newAccessKey, newProjectId, newSecretKey } from '../iam/generate.ts';
import { ADMIN_PRINCIPAL, StaticCredentials } from '../iam/credentials.ts';
import { parseUsersFile } from '../iam/users-file.ts';
import { openDeployment } from '../kms/deployment.ts';
import { Kms } from '../kms/kms.ts';
import { RootKey } from '../kms/root-key.ts';
import { MaintenanceMonitor } from '../kms/maintenance.ts';
import { createApp } from '../server/app.ts';
import { runSecretsMaintenance } from '../secrets/maintenance.ts';
import { Secrets } from '../secrets/secrets.ts';
import { FileStore } from '../store/file.ts';
import { nodeBodyReader } from './node-body.ts';
import { nodeCrypto } from './node-crypto.ts';
import { loadWasmNode } from './wasm-node.ts';
import { ConfigError, readEnv, type EnvConfig } from './config.ts';
import { DEFAULT_SERVER_LIMITS, drain, listen, plainHttpWarning } from './node-server.ts';

const MAINTENANCE_INTERVAL_MS = 60_000;
const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

interface AdminCredential {
  access_key: string;
  secret_key: string;
  project_id: string;
}

function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}

function loadRootKey(config: EnvConfig): Uint8Array {
  if (config.rootKey) {
    const raw = fromBase64(config.rootKey.trim());
    if (raw.length !== 32) throw new ConfigError('EDGEKMS_ROOT_KEY must be the base64 of exactly 32 bytes');
    return raw;
  }
  const path = join(config.dataDir, 'root.key');
  if (!existsSync(path)) writePrivate(path, toBase64(RootKey.generate()) + '\n');
  const raw = fromBase64(readFileSync(path, 'utf8').trim());
  if (raw.length !== 32) throw new ConfigError(`${path} does not hold a base64 32-byte key`);
  return raw;
}

function loadAdmin(config: EnvConfig): { admin: AdminCredential; path?: string; created: boolean } {
  if (config.adminAk && config.adminSk) {
    return { admin: { access_key: config.adminAk, secret_key: config.adminSk, project_id: config.projectId ?? newProjectId() }, created: false };
  }
  const path = resolve(config.dataDir, 'admin.json');
  let created = false;
  if (!existsSync(path)) {
    const admin: AdminCredential = { access_key: newAccessKey(), secret_key: newSecretKey(), project_id: config.projectId ?? newProjectId() };
    writePrivate(path, JSON.stringify(admin, null, 2) + '\n');
    created = true;
  }
  const admin = JSON.parse(readFileSync(path, 'utf8')) as AdminCredential;
  if (config.projectId) admin.project_id = config.projectId;
  return { admin, path, created };
}

/** Loads the WASM core once for this process; a missing or broken artifact stops start-up with a clear message. */
async function loadCryptoCore(): Promise<void> {
  try {
    await loadWasmNode(); // EDGEKMS_WASM_PATH, when set, is the only place looked at
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ConfigError(
      `cannot load the WASM crypto core (SM2/SM3/SM4 need it): ${why}. ` +
        'Restore wasm/pkg/edgekms_core.wasm (npm ci, or npm run build:wasm) or point EDGEKMS_WASM_PATH at a good copy.',
    );
  }
}

async function main(): Promise<void> {
  await loadCryptoCore();
  const config = readEnv(process.env);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await FileStore.open(config.dataDir);
  const rootKey = await RootKey.fromBytes(loadRootKey(config), nodeCrypto);
  const deployment = await openDeployment(store, rootKey);
  const { admin, path: adminPath, created } = loadAdmin(config);
  const limits = {
    ...(config.quotaKeys === undefined ? {} : { keysPerProject: config.quotaKeys }),
    ...(config.quotaGrantsPerKey === undefined ? {} : { grantsPerKey: config.quotaGrantsPerKey }),
    ...(config.keyGenerations === undefined ? {} : { keyGenerations: config.keyGenerations }),
    ...(config.keyGenerationsPerPrincipal === undefined ? {} : { keyGenerationsPerPrincipal: config.keyGenerationsPerPrincipal }),
  };
  const kms = new Kms({
    store,
    rootKey,
    crypto: nodeCrypto,
    domainId: deployment.domainId,
    region: config.region,
    limits,
    onSealRotationFailure: (r, e) =>
      console.error(JSON.stringify({ rotation_failure: 'seal-limit', project: r.project, key_id: r.id, error: e instanceof Error ? e.message : String(e) })),
  });
  const usersPath = join(config.dataDir, 'users.json');
  const users = existsSync(usersPath) ? parseUsersFile(readFileSync(usersPath, 'utf8'), [admin.access_key]) : [];
  const credentials = new StaticCredentials([
    { accessKey: admin.access_key, secretKey: new TextEncoder().encode(admin.secret_key), principal: ADMIN_PRINCIPAL, projects: '*', role: 'admin' },
    ...users,
  ]);
  const log = config.logLevel === 'info' ? (e: object) => process.stdout.write(JSON.stringify(e) + '\n') : undefined;
  const secrets = new Secrets(kms);
  const maintenance = new MaintenanceMonitor(kms, (line) => console.error(line));
  const app = createApp({
    kms,
    secrets,
    credentials,
    bodyReader: nodeBodyReader,
    log,
    health: () => ({ maintenance: maintenance.health() }),
    onInternalError: (err, requestId) => console.error(`request ${requestId} failed:`, err),
  });

  const serverLimits = {
    headersTimeoutMs: config.headersTimeoutMs ?? DEFAULT_SERVER_LIMITS.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs ?? DEFAULT_SERVER_LIMITS.requestTimeoutMs,
    keepAliveTimeoutMs: DEFAULT_SERVER_LIMITS.keepAliveTimeoutMs,
    maxConnections: config.maxConnections ?? DEFAULT_SERVER_LIMITS.maxConnections,
  };
  const server = listen(app.fetch, { host: config.host, port: config.port, tls: config.tls, limits: serverLimits }, (url) => {
    if (created) console.log(`created admin credential in ${adminPath} (project ${admin.project_id})`);
    else if (adminPath) console.log(`admin credential: ${adminPath}`);
    if (users.length) console.log(`${users.length} user credential(s) from ${usersPath}`);
    const warning = plainHttpWarning(config.host, config.tls !== undefined);
    if (warning) console.error(warning);
    console.log(`edgekms listening on ${url}`);
  });
  server.on('error', (e: NodeJS.ErrnoException) => {
    const why = e.code === 'EADDRINUSE' ? 'the address is in use (another edgekms? set PORT)' : e.message;
    console.error(`edgekms: cannot listen on ${config.host}:${config.port}: ${why}`);
    void store.close().then(() => process.exit(1));
  });

  let maintaining: Promise<unknown> = Promise.resolve();
  const maintain = () =>
    (maintaining = maintenance
      .run()
      .catch((e) => console.error('maintenance failed:', e))
      .then(() => runSecretsMaintenance(secrets))
      .catch((e) => console.error('secrets maintenance failed:', e)));
  void maintain();
  const timer = setInterval(maintain, MAINTENANCE_INTERVAL_MS);
  timer.unref();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const grace = config.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
    console.log(`edgekms stopping (${signal}): finishing requests in flight (at most ${grace} ms)`);
    clearInterval(timer);
    await drain(server, grace);
    await Promise.race([maintaining, new Promise((r) => setTimeout(r, grace).unref())]);
    await kms.seals.flush().catch((e) => console.error('could not write seal counts:', e));
    await store.close();
    console.log('edgekms stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e) => {
  console.error(`edgekms: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
