// `npm start`: edgekms on Node with the durable embedded store. Reads its configuration from the
// environment (src/runtime/config.ts), creates the root key and the admin credential on first start, and
// prints `edgekms listening on http://HOST:PORT` (https with EDGEKMS_TLS_*) once it accepts requests. The
// WASM crypto core (SM2, SM3, SM4) is loaded before anything else: without it the server does not start.
// SIGINT/SIGTERM drain requests in flight (bounded), wait for a maintenance run in progress, then close the
// store (which releases its LOCK).
import consoleAssets from 'edgekms:console-assets';
import { stdoutAccessLog } from './access-log.ts';
import { nodeCrypto } from './node-crypto.ts';
import { loadWasmNode } from './wasm-node.ts';
import { ConfigError, readEnv } from './config.ts';
import { loadUsers, openDataDir } from './data-dir.ts';
import { DEFAULT_SERVER_LIMITS, drain, listen, plainHttpWarning } from './node-server.ts';
import { createNodeService } from './node-service.ts';
import { adminCredential } from './service.ts';

const MAINTENANCE_INTERVAL_MS = 60_000;
const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

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
  const { store, rootKey, admin, adminPath, adminCreated: created, recoveredProjects } = await openDataDir(config, nodeCrypto, {
    // The store stopped itself (another writer, or a disk it cannot read back): serving on would be wrong.
    onStop: (err) => {
      console.error(`edgekms: ${err.message}`);
      process.exit(1);
    },
  });
  const { users, path: usersPath } = loadUsers(config, admin);
  const log = config.logLevel === 'info' ? stdoutAccessLog() : undefined;
  const service = await createNodeService({
    store,
    rootKey,
    config,
    credentials: [adminCredential(admin.access_key, admin.secret_key), ...users],
    log,
    corsOrigins: config.corsOrigins,
    consoleAssets,
    logError: (line) => console.error(line),
    onInternalError: (err, requestId) => console.error(`request ${requestId} failed:`, err),
  });
  const { app, kms } = service;

  const serverLimits = {
    headersTimeoutMs: config.headersTimeoutMs ?? DEFAULT_SERVER_LIMITS.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs ?? DEFAULT_SERVER_LIMITS.requestTimeoutMs,
    keepAliveTimeoutMs: DEFAULT_SERVER_LIMITS.keepAliveTimeoutMs,
    maxConnections: config.maxConnections ?? DEFAULT_SERVER_LIMITS.maxConnections,
  };
  const server = listen(app.fetch, { host: config.host, port: config.port, tls: config.tls, limits: serverLimits }, (url) => {
    if (created) console.log(`created admin credential in ${adminPath} (project ${admin.project_id})`);
    if (recoveredProjects) {
      console.log(
        `admin.json was missing from a deployment with data: the new admin credential may act in its projects ${recoveredProjects.join(', ')} ` +
          '(rotate it with: edgekms admin reset-credential, server stopped, same EDGEKMS_DATA_DIR and root key)',
      );
    }
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
  const maintain = () => (maintaining = service.maintain());
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
    await kms.seals.flush().catch((e: unknown) => console.error('could not write seal counts:', e));
    await service.audit.flush();
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
