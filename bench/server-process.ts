// The server under benchmark, assembled as npm start assembles it (src/runtime/node.ts): the data directory
// opened from the environment's configuration (a fresh temp directory, the given admin credential), the
// service createNodeService builds for npm start (signature check with the Node bindings, identity
// directory, rate limits, the durable audit log in its append-only segments, routes) and node-server's
// listen with its default limits, plus one bare Hono route on the same app as the reference in the same
// run. Prints its port. With a third argument `access-log` it writes npm start's access log (one JSON line
// per request on stdout). With a fourth argument `stats` it answers SIGUSR2 on file descriptor 3 with what the
// audit log's durable writes have cost so far (the bench's parent opens that pipe).
import { mkdtempSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stdoutAccessLog } from '../src/runtime/access-log.ts';
import { readEnv } from '../src/runtime/config.ts';
import { openDataDir } from '../src/runtime/data-dir.ts';
import { nodeCrypto } from '../src/runtime/node-crypto.ts';
import { DEFAULT_SERVER_LIMITS, listen } from '../src/runtime/node-server.ts';
import { createNodeService } from '../src/runtime/node-service.ts';
import { adminCredential } from '../src/runtime/service.ts';
import { loadWasmNode } from '../src/runtime/wasm-node.ts';

await loadWasmNode();

const [ak, sk, mode, stats] = process.argv.slice(2);
const config = readEnv({ HOST: '127.0.0.1', PORT: '0', EDGEKMS_DATA_DIR: mkdtempSync(join(tmpdir(), 'edgekms-bench-')), EDGEKMS_ADMIN_AK: ak, EDGEKMS_ADMIN_SK: sk });
const { store, rootKey, admin } = await openDataDir(config, nodeCrypto);
if (stats === 'stats') countAuditWrites();
const { app } = await createNodeService({
  store,
  rootKey,
  config,
  credentials: [adminCredential(admin.access_key, admin.secret_key)],
  // The access log exactly as npm start writes it.
  log: mode === 'access-log' ? stdoutAccessLog() : undefined,
  logError: (line) => console.error(line),
  onInternalError: (err, requestId) => console.error(`request ${requestId} failed:`, err),
});
app.post('/bench/bare', (c) => c.json({ ok: true }));
listen(app.fetch, { host: config.host, port: config.port, limits: DEFAULT_SERVER_LIMITS }, (url) => process.stdout.write(`port ${new URL(url).port}\n`));
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

/**
 * Times each durable append of the audit log (from the call to the write's completion, as the requests
 * waiting for it see it), wrapping the file store's append log without changing what it does.
 */
function countAuditWrites(): void {
  const audit = { writes: 0, ms: 0 };
  const appendLog = store.appendLog.bind(store);
  store.appendLog = async (name) => {
    const log = await appendLog(name);
    const append = log.append.bind(log);
    log.append = async (first, payload) => {
      const started = performance.now();
      await append(first, payload);
      audit.writes++;
      audit.ms += performance.now() - started;
    };
    return log;
  };
  process.on('SIGUSR2', () => writeSync(3, `${JSON.stringify(audit)}\n`));
}
