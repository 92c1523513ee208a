// Cost that does not grow with the project, against npm start over loopback: list-keys (limit 1000) and
// create-key at 500 and at 20,000 keys in one project, and encrypt-data p50 on one connection while another
// loops list-keys at 20,000 keys. Goals: at 20,000 keys list-keys and create-key within 2x of 500 keys,
// encrypt-data p50 under 2 ms during the list loop.
//
// Seeding: the keys are created in-process through the KMS itself (createKey: real material, sealed, name
// index, barrier) into the data directory, over the file store with fsync switched off by its injectable
// file-system layer, so 20,000 keys take seconds instead of minutes of fsyncs; then npm start's own entry
// point serves that directory (with fsync, as in production) and everything is measured over HTTP.
// Bounded: BENCH_SCALE_KEYS (default 20000), a fixed number of requests per figure, 3 s of the list loop.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utf8 } from '../../src/crypto/bytes.ts';
import { signRequest } from '../../src/iam/signer.ts';
import { openDeployment } from '../../src/kms/deployment.ts';
import { createKey } from '../../src/kms/keys.ts';
import { Kms } from '../../src/kms/kms.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import { FileStore } from '../../src/store/file.ts';
import { nodeFs, type Fs } from '../../src/store/fs/fs.ts';
import type { BenchReport } from '../report.ts';
import { latencies, percentile } from '../lib/latency.ts';
import { rawRequest, runLoad } from '../lib/load.ts';
import { startNpmStart } from '../lib/npm-start.ts';

const PROJECT = '5ca1e5ca1e5ca1e5ca1e5ca1e5ca1e00';
const ADMIN = { ak: 'SCALEADMINAK00000000', sk: 'ScaleAdminSecretKey000000000000000000000' };
const ROOT = Buffer.alloc(32, 0x5c);
const BIG = Number(process.env.BENCH_SCALE_KEYS ?? 20_000);
const LIST_CALLS = 15;
const CREATE_CALLS = 40;
const LOOP_SECONDS = 3;

/** The real file system without fsync: for seeding only. */
const unsynced: Fs = {
  ...nodeFs,
  async open(path, flags, mode) {
    const h = await nodeFs.open(path, flags, mode);
    return { ...h, sync: async () => {} };
  },
};

async function seed(dir: string, n: number): Promise<void> {
  const store = await FileStore.open(dir, { fs: unsynced });
  const rootKey = await RootKey.fromBytes(Uint8Array.from(ROOT), nodeCrypto);
  const { domainId } = await openDeployment(store, rootKey);
  const kms = new Kms({ store, rootKey, crypto: nodeCrypto, domainId });
  for (let i = 0; i < n; i += 64) {
    await Promise.all(
      Array.from({ length: Math.min(64, n - i) }, (_, j) =>
        createKey(kms, PROJECT, { alias: `seed-${i + j}`, spec: 'AES_256', usage: 'ENCRYPT_DECRYPT', description: '', origin: 'kms', enterpriseProjectId: '0' }),
      ),
    );
  }
  await store.close();
}

const median = (v: number[]) => percentile(v, 50);

interface Served {
  url: string;
  call(action: string, body: unknown): Promise<any>;
  stop(): Promise<void>;
}

/** npm start's own entry point on a seeded directory. */
async function serve(n: number): Promise<Served & { seedMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'edgekms-bench-scale-'));
  const seeded = performance.now();
  await seed(dir, n);
  const seedMs = performance.now() - seeded;
  const server = await startNpmStart({ EDGEKMS_ROOT_KEY: ROOT.toString('base64'), EDGEKMS_ADMIN_AK: ADMIN.ak, EDGEKMS_ADMIN_SK: ADMIN.sk, EDGEKMS_PROJECT_ID: PROJECT }, [], dir);
  const { url, stop } = server;
  try {
    const admin = new SignedClient({ endpoint: url, accessKey: ADMIN.ak, secretKey: ADMIN.sk, projectId: PROJECT });
    const call = (action: string, body: unknown) => admin.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
    const first = await call('list-keys', { limit: '1000' }); // builds the key index once
    if (first.total !== n) throw new Error(`expected ${n} keys, list-keys says ${first.total}`);
    return { url, call, stop, seedMs };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** encrypt-data latencies on one connection while another loops list-keys (limit 1000). */
async function encryptDuringListLoop(s: Served): Promise<number> {
  const { hostname, port: portText } = new URL(s.url);
  const port = Number(portText);
  const signed = (action: string, body: object) => {
    const path = `/v1.0/${PROJECT}/kms/${action}`;
    const bytes = utf8(JSON.stringify(body));
    const headers = signRequest({ method: 'POST', path, query: [], headers: { 'content-type': 'application/json', 'x-project-id': PROJECT }, body: bytes }, { accessKey: ADMIN.ak, secretKey: ADMIN.sk });
    return rawRequest('POST', path, `${hostname}:${port}`, headers, bytes);
  };
  const keyId = (await s.call('list-keys', { limit: '1' })).keys[0];
  const encrypt = Array.from({ length: 32 }, (_, i) => signed('encrypt-data', { key_id: keyId, plain_text: `payload ${i}`.padEnd(64, 'x') }));
  const listing = [signed('list-keys', { limit: '1000' })];
  const [l] = await Promise.all([latencies(hostname, port, encrypt, LOOP_SECONDS), runLoad(hostname, port, listing, 1, LOOP_SECONDS)]);
  return median(l);
}

export default async function scale(report: BenchReport): Promise<void> {
  const small = await serve(500);
  let big: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    big = await serve(BIG);
    // Both servers run at once and their calls alternate, so a slow spell of the shared machine falls on both.
    const list = { small: [] as number[], big: [] as number[], big500: [] as number[] };
    for (let i = 0; i < LIST_CALLS; i++) {
      list.small.push(await timed(() => small.call('list-keys', { limit: '1000' })));
      list.big.push(await timed(() => big!.call('list-keys', { limit: '1000' })));
      list.big500.push(await timed(() => big!.call('list-keys', { limit: '500' })));
    }
    const create = { small: [] as number[], big: [] as number[] };
    for (let i = 0; i < CREATE_CALLS; i++) {
      create.small.push(await timed(() => small.call('create-key', { key_alias: `bench-${i}` })));
      create.big.push(await timed(() => big!.call('create-key', { key_alias: `bench-${i}` })));
    }
    const during = await encryptDuringListLoop(big);
    const [ls, lb, lb500, cs, cb] = [median(list.small), median(list.big), median(list.big500), median(create.small), median(create.big)];
    report.row('seeding (in-process createKey, no fsync)', big.seedMs / 1000, 's', `${BIG} keys; 500 keys took ${(small.seedMs / 1000).toFixed(1)} s`);
    report.row('list-keys limit 1000, 500 keys (p50)', ls, 'ms', `${LIST_CALLS} calls over loopback, alternating; a page of 500`);
    report.row(`list-keys limit 1000, ${BIG} keys (p50)`, lb, 'ms', `a page of 1000; ${(lb / ls).toFixed(2)}x 500 keys (goal: within 2x)`);
    report.row(`list-keys limit 500, ${BIG} keys (p50)`, lb500, 'ms', `the same page size as 500 keys: ${(lb500 / ls).toFixed(2)}x`);
    report.row('create-key, 500 keys (p50)', cs, 'ms', `${CREATE_CALLS} calls, alternating, fsync on`);
    report.row(`create-key, ${BIG} keys (p50)`, cb, 'ms', `${(cb / cs).toFixed(2)}x 500 keys (goal: within 2x)`);
    report.row(`encrypt-data p50 during a list-keys loop, ${BIG} keys`, during, 'ms', `one connection each, ${LOOP_SECONDS} s (goal: under 2 ms)`);
    report.metric('kms_list_keys_ms_500', ls);
    report.metric('kms_list_keys_ms_20000', lb);
    report.metric('kms_list_keys_ms_20000_limit_500', lb500);
    report.metric('kms_create_key_ms_500', cs);
    report.metric('kms_create_key_ms_20000', cb);
    report.metric('encrypt_p50_ms_during_list_loop', during);
  } finally {
    await small.stop();
    await big?.stop();
  }
}
