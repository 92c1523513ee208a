// The server under benchmark: the production app (file store in a temp data dir, real signature checks)
// plus one bare Hono route on the same app, as the reference in the same run. Prints its port. With a
// third argument `access-log` it writes npm start's access log (one JSON line per request on stdout).
import { serve } from '@hono/node-server';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StaticCredentials } from '../src/iam/credentials.ts';
import { openDeployment } from '../src/kms/deployment.ts';
import { Kms } from '../src/kms/kms.ts';
import { RootKey } from '../src/kms/root-key.ts';
import { createApp } from '../src/server/app.ts';
import { FileStore } from '../src/store/file.ts';
import { stdoutAccessLog } from '../src/runtime/access-log.ts';
import { nodeBodyReader } from '../src/runtime/node-body.ts';
import { nodeCrypto } from '../src/runtime/node-crypto.ts';
import { loadWasmNode } from '../src/runtime/wasm-node.ts';

await loadWasmNode();

const [ak, sk, mode] = process.argv.slice(2);
// The access log exactly as npm start writes it.
const log = mode === 'access-log' ? stdoutAccessLog() : undefined;
const store = await FileStore.open(mkdtempSync(join(tmpdir(), 'edgekms-bench-')));
const rootKey = await RootKey.fromBytes(RootKey.generate(), nodeCrypto);
const { domainId } = await openDeployment(store, rootKey);
const kms = new Kms({ store, rootKey, crypto: nodeCrypto, domainId });
const app = createApp({ kms, bodyReader: nodeBodyReader, log, credentials: new StaticCredentials([{ accessKey: ak, secretKey: new TextEncoder().encode(sk), principal: 'bench', projects: '*', role: 'admin' }]) });
app.post('/bench/bare', (c) => c.json({ ok: true }));
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => process.stdout.write(`port ${info.port}\n`));
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
