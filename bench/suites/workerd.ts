// encrypt-data latency in workerd: the Worker bundle `wrangler deploy --dry-run` writes, served by
// Miniflare with its Durable Object and KV bindings (test/workers/harness.ts). One keep-alive connection
// sends pre-signed requests one at a time (bench/lib/latency.ts), so client-side signing is not timed;
// every request reads the key record from the project's Durable Object. Reference in the same run: GET
// /healthz on the same Worker (request plumbing without store or crypto).
import { rmSync } from 'node:fs';
import { utf8 } from '../../src/crypto/bytes.ts';
import { signRequest } from '../../src/iam/signer.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import type { BenchReport } from '../report.ts';
import { latencies, percentile } from '../lib/latency.ts';
import { rawRequest } from '../lib/load.ts';
import { WORKER_SECRETS as S, bundleWorker, startWorker } from '../../test/workers/harness.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

export default async function workerd(report: BenchReport): Promise<void> {
  const bundle = bundleWorker();
  const mf = startWorker(bundle.dir);
  try {
    const url = await mf.ready;
    const client = new SignedClient({ endpoint: url.origin, accessKey: S.EDGEKMS_ADMIN_AK, secretKey: S.EDGEKMS_ADMIN_SK, projectId: S.EDGEKMS_PROJECT_ID });
    const keyId = (await client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'bench' })).key_info.key_id;
    const path = `/v1.0/${S.EDGEKMS_PROJECT_ID}/kms/encrypt-data`;
    const encrypt = Array.from({ length: 64 }, (_, i) => {
      const body = utf8(JSON.stringify({ key_id: keyId, plain_text: `benchmark payload ${i} `.padEnd(64, 'x') }));
      const headers = signRequest({ method: 'POST', path, query: [], headers: { 'content-type': 'application/json', 'x-project-id': S.EDGEKMS_PROJECT_ID }, body }, { accessKey: S.EDGEKMS_ADMIN_AK, secretKey: S.EDGEKMS_ADMIN_SK });
      return rawRequest('POST', path, url.host, headers, body);
    });
    const health = [rawRequest('GET', '/healthz', url.host, {})];
    const port = Number(url.port);
    await latencies(url.hostname, port, encrypt, 1); // warm-up: isolate, material cache, object
    const enc = await latencies(url.hostname, port, encrypt, SECONDS);
    const ref = await latencies(url.hostname, port, health, SECONDS);
    const [p50, p99, r50, r99] = [percentile(enc, 50), percentile(enc, 99), percentile(ref, 50), percentile(ref, 99)];
    report.row('signed encrypt-data in workerd, p50 (DO + KV bindings)', p50, 'ms', `${enc.length} requests, one at a time; GET /healthz p50 ${r50.toFixed(2)} ms`);
    report.row('signed encrypt-data in workerd, p99', p99, 'ms', `GET /healthz p99 ${r99.toFixed(2)} ms`);
    report.metric('workerd_encrypt_data_p50_ms', p50);
    report.metric('workerd_encrypt_data_p99_ms', p99);
    report.metric('workerd_healthz_p50_ms', r50);
    report.metric('workerd_healthz_p99_ms', r99);
  } finally {
    await mf.dispose();
    rmSync(bundle.dir, { recursive: true, force: true });
  }
}
