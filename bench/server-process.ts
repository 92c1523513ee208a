// The server under benchmark, assembled as npm start assembles it (src/runtime/node.ts): the data directory
// opened from the environment's configuration (a fresh temp directory, the given admin credential), the
// service createNodeService builds for npm start (signature check with the Node bindings, identity
// directory, rate limits, the durable audit log in its append-only segments, routes) and node-server's
// listen with its default limits, plus one bare Hono route on the same app as the reference in the same
// run, and two minimal signed encrypt-data routes (below) that show what any signed encrypt-data could reach
// on this server. Prints its port. With a third argument `access-log` it writes npm start's access log (one JSON line
// per request on stdout). With a fourth argument `stats` it answers SIGUSR2 on file descriptor 3 with what the
// audit log's durable writes have cost so far (the bench's parent opens that pipe).
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'hono';
import { StaticCredentials } from '../src/iam/credentials.ts';
import { verifyRequest } from '../src/iam/verify.ts';
import { stdoutAccessLog } from '../src/runtime/access-log.ts';
import { readEnv } from '../src/runtime/config.ts';
import { openDataDir } from '../src/runtime/data-dir.ts';
import { nodeBodyReader } from '../src/runtime/node-body.ts';
import { nodeCrypto } from '../src/runtime/node-crypto.ts';
import { nodeHeaderReader } from '../src/runtime/node-headers.ts';
import { DEFAULT_SERVER_LIMITS, listen } from '../src/runtime/node-server.ts';
import { createNodeService } from '../src/runtime/node-service.ts';
import { adminCredential } from '../src/runtime/service.ts';
import { loadWasmNode } from '../src/runtime/wasm-node.ts';

await loadWasmNode();

const [ak, sk, mode, stats] = process.argv.slice(2);
const config = readEnv({ HOST: '127.0.0.1', PORT: '0', EDGEKMS_DATA_DIR: mkdtempSync(join(tmpdir(), 'edgekms-bench-')), EDGEKMS_ADMIN_AK: ak, EDGEKMS_ADMIN_SK: sk });
const { store, rootKey, admin } = await openDataDir(config, nodeCrypto);
if (stats === 'stats') countAuditWrites();
const { app, audit } = await createNodeService({
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
minimalEncryptRoutes();
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

/**
 * The least a signed encrypt-data can do, as two routes on the same app (behind the same request-id,
 * access-log and rate-limit middleware as every route): edgekms's own signature check (verify.ts, with
 * the Node header and body readers), then AES-256-GCM on node:crypto under one key with a fresh
 * CSPRNG nonce, and a JSON answer; no key lookup, key states, blob format, field rules or error
 * mapping. `/bench/minimal-audited/...` also appends the request's outcome record to the durable audit
 * log and answers once it is durable, as every API request does. Measured beside the bare route and the
 * real encrypt-data, they split the real route's cost into what the signature, the cipher and the audit
 * record cost anywhere, and what edgekms's layers add.
 */
function minimalEncryptRoutes(): void {
  const credentials = new StaticCredentials([adminCredential(ak, sk)]);
  const key = randomBytes(32);
  const encrypt = async (c: Context, audited: boolean) => {
    const body = await nodeBodyReader(c.req.raw, c.env, 65536);
    const url = new URL(c.req.url);
    const credential = await verifyRequest({ method: 'POST', url, rawPath: url.pathname, headers: nodeHeaderReader(c.req.raw, c.env), body }, credentials, Date.now(), nodeCrypto.hashes);
    const input = JSON.parse(Buffer.from(body).toString('utf8')) as { key_id: string; plain_text: string };
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const sealed = Buffer.concat([iv, cipher.update(input.plain_text, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    if (audited) {
      await audit.append({ time: new Date().toISOString(), request_id: (c as Context<{ Variables: { requestId: string } }>).get('requestId'), principal: credential.principal, access_key: credential.accessKey, project: c.req.param('project'), operation: 'encrypt-data', resource: input.key_id, method: 'POST', status: 200, result: 'success' });
    }
    return c.json({ key_id: input.key_id, cipher_text: sealed.toString('base64') });
  };
  app.post('/bench/minimal/:project/encrypt-data', (c) => encrypt(c, false));
  app.post('/bench/minimal-audited/:project/encrypt-data', (c) => encrypt(c, true));
}
