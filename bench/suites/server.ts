// Signed encrypt-data requests per second over loopback (keep-alive, 16 concurrent connections) against
// a bare Hono route on the same server in the same run. Server and load generator are separate
// processes.
import { spawn } from 'node:child_process';
import { utf8 } from '../../src/crypto/bytes.ts';
import { signRequest } from '../../src/iam/signer.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import type { BenchReport } from '../report.ts';
import { rawRequest, runLoad } from '../lib/load.ts';
// @ts-expect-error plain ESM helper without types
import { bundle } from '../../scripts/bundle.mjs';

const AK = 'BENCHAK0000000000000';
const SK = 'BenchSecretKey00000000000000000000000000';
const PROJECT = '0123456789abcdef0123456789abcdef';
const CONNECTIONS = 16;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

export default async function server(report: BenchReport): Promise<void> {
  const script = await bundle('bench/server-process.ts', 'bench-server.mjs');
  const child = spawn(process.execPath, [script, AK, SK], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        const m = /port (\d+)/.exec(d.toString());
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    const host = `127.0.0.1:${port}`;
    const client = new SignedClient({ endpoint: `http://${host}`, accessKey: AK, secretKey: SK, projectId: PROJECT });
    const keyId = (await client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'bench' })).key_info.key_id;

    // 64 distinct signed requests, reused (X-Sdk-Date stays valid for 15 minutes).
    const path = `/v1.0/${PROJECT}/kms/encrypt-data`;
    const encrypt = Array.from({ length: 64 }, (_, i) => {
      const body = utf8(JSON.stringify({ key_id: keyId, plain_text: `benchmark payload ${i} `.padEnd(64, 'x') }));
      const headers = signRequest({ method: 'POST', path, query: [], headers: { 'content-type': 'application/json', 'x-project-id': PROJECT }, body }, { accessKey: AK, secretKey: SK });
      return rawRequest('POST', path, host, headers, body);
    });
    const bare = [rawRequest('POST', '/bench/bare', host, { 'content-type': 'application/json' }, utf8('{}'))];

    // Warm both paths, then measure them one after the other.
    await runLoad('127.0.0.1', port, bare, CONNECTIONS, 1);
    await runLoad('127.0.0.1', port, encrypt, CONNECTIONS, 1);
    const b = await runLoad('127.0.0.1', port, bare, CONNECTIONS, SECONDS);
    const e = await runLoad('127.0.0.1', port, encrypt, CONNECTIONS, SECONDS);
    if (e.statuses[200] !== e.requests || b.statuses[200] !== b.requests) {
      throw new Error(`non-200 answers during the run: encrypt ${JSON.stringify(e.statuses)}, bare ${JSON.stringify(b.statuses)}`);
    }
    report.row('bare Hono route (same server)', b.rps, 'req/s', `${CONNECTIONS} connections, ${SECONDS}s`);
    report.row('signed encrypt-data (AES_256 CMK)', e.rps, 'req/s', `${((100 * e.rps) / b.rps).toFixed(1)}% of bare`);
    report.metric('server_bare_route_rps', b.rps);
    report.metric('server_encrypt_data_rps', e.rps);
    report.metric('server_encrypt_data_vs_bare_ratio', e.rps / b.rps);
  } finally {
    child.kill('SIGTERM');
  }
}
