// `deno task start`: edgekms on Deno under the `npm start` contract (HOST, PORT, EDGEKMS_DATA_DIR, the
// EDGEKMS_* overrides, root.key and admin.json created on first start, the same ready line). It serves with
// Deno.serve and uses Deno's own WebCrypto. Its store is the file store through Deno's node:fs: the same
// crash-safe format and LOCK as Node's, so one data directory moves between the two runtimes, and no
// unstable API (Deno KV needs --unstable-kv and would be a second durable format to keep correct).
import { portableCrypto } from '../crypto/provider.ts';
import { ConfigError, readEnv } from './config.ts';
import { loadUsers, openDataDir } from './data-dir.ts';
import { adminCredential, createService } from './service.ts';
import { loadWasmNode } from './wasm-node.ts';

const MAINTENANCE_INTERVAL_MS = 60_000;

async function main(): Promise<void> {
  try {
    await loadWasmNode();
  } catch (e) {
    throw new ConfigError(`cannot load the WASM crypto core (SM2/SM3/SM4 need it): ${e instanceof Error ? e.message : String(e)}`);
  }
  const config = readEnv(Deno.env.toObject());
  const { store, rootKey, admin, adminPath, adminCreated: created } = await openDataDir(config, portableCrypto, {
    onStop: (err) => {
      console.error(`edgekms: ${err.message}`);
      Deno.exit(1);
    },
  });
  const { users, path: usersPath } = loadUsers(config, admin);
  const { app, kms, audit, maintain } = await createService({
    store,
    rootKey,
    crypto: portableCrypto,
    config,
    credentials: [adminCredential(admin.access_key, admin.secret_key), ...users],
    log: config.logLevel === 'info' ? (e) => console.log(JSON.stringify(e)) : undefined,
    corsOrigins: config.corsOrigins,
    // Deno.serve's handler info, passed as the app's env.
    clientAddress: (c) => (c.env as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr?.hostname,
    logError: (line) => console.error(line),
    onInternalError: (err, requestId) => console.error(`request ${requestId} failed:`, err),
    auditSegments: await store.appendLog('audit'),
  });

  let server: Deno.HttpServer;
  try {
    server = Deno.serve({
      hostname: config.host,
      port: config.port,
      onListen: ({ port }) => {
        if (created) console.log(`created admin credential in ${adminPath} (project ${admin.project_id})`);
        else if (adminPath) console.log(`admin credential: ${adminPath}`);
        if (users.length) console.log(`${users.length} user credential(s) from ${usersPath}`);
        console.log(`edgekms listening on http://${config.host}:${port}`);
      },
    }, (request, info) => app.fetch(request, info));
  } catch (e) {
    const why = e instanceof Deno.errors.AddrInUse ? 'the address is in use (another edgekms? set PORT)' : String(e);
    await store.close();
    throw new ConfigError(`cannot listen on ${config.host}:${config.port}: ${why}`);
  }

  void maintain();
  const timer = setInterval(maintain, MAINTENANCE_INTERVAL_MS);
  Deno.unrefTimer(timer);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`edgekms stopping (${signal})`);
    clearInterval(timer);
    await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, 5000))]);
    await kms.seals.flush().catch((e: unknown) => console.error('could not write seal counts:', e));
    await audit.flush();
    await store.close();
    Deno.exit(0);
  };
  Deno.addSignalListener('SIGINT', () => void stop('SIGINT'));
  Deno.addSignalListener('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e) => {
  console.error(`edgekms: ${e instanceof Error ? e.message : String(e)}`);
  Deno.exit(1);
});
