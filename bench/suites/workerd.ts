// encrypt-data latency in workerd: the Worker bundle `wrangler deploy --dry-run` writes, served by
// Miniflare with its Durable Object and KV bindings (test/workers/harness.ts), called one signed request at
// a time over loopback. Each request reads the key record from the project's Durable Object. Reference in
// the same run: GET /healthz on the same Worker (request plumbing without store or crypto).
import { rmSync } from 'node:fs';
import { SignedClient } from '../../src/sdk/client.ts';
import type { BenchReport } from '../report.ts';
import { WORKER_SECRETS as S, bundleWorker, startWorker } from '../../test/workers/harness.ts';

const WARMUP = 100;
const SAMPLES = Number(process.env.BENCH_WORKERD_SAMPLES ?? 1000);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function latencies(n: number, call: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call();
    out.push(performance.now() - t);
  }
  return out.sort((a, b) => a - b);
}

export default async function workerd(report: BenchReport): Promise<void> {
  const bundle = bundleWorker();
  const mf = startWorker(bundle.dir);
  try {
    const url = await mf.ready;
    const client = new SignedClient({ endpoint: url.origin, accessKey: S.EDGEKMS_ADMIN_AK, secretKey: S.EDGEKMS_ADMIN_SK, projectId: S.EDGEKMS_PROJECT_ID });
    const keyId = (await client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'bench' })).key_info.key_id;
    const encrypt = () => client.request('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: keyId, plain_text: 'benchmark payload '.padEnd(64, 'x') });
    const health = () => fetch(new URL('/healthz', url)).then((r) => r.arrayBuffer());
    await latencies(WARMUP, encrypt);
    await latencies(WARMUP, health);
    const enc = await latencies(SAMPLES, encrypt);
    const ref = await latencies(SAMPLES, health);
    const p50 = percentile(enc, 50);
    const p99 = percentile(enc, 99);
    report.row('signed encrypt-data in workerd, p50 (DO + KV bindings)', p50, 'ms', `${SAMPLES} sequential requests; GET /healthz p50 ${percentile(ref, 50).toFixed(2)} ms`);
    report.row('signed encrypt-data in workerd, p99', p99, 'ms', `GET /healthz p99 ${percentile(ref, 99).toFixed(2)} ms`);
    report.metric('workerd_encrypt_data_p50_ms', p50);
    report.metric('workerd_encrypt_data_p99_ms', p99);
    report.metric('workerd_healthz_p50_ms', percentile(ref, 50));
    report.metric('workerd_healthz_p99_ms', percentile(ref, 99));
  } finally {
    await mf.dispose();
    rmSync(bundle.dir, { recursive: true, force: true });
  }
}
