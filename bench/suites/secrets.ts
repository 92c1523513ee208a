// Signed reads of a secret's latest version (1 KiB JSON value: its data key unwrapped by the CMK, then the
// value opened) per second over loopback (keep-alive, 16 concurrent connections), against signed
// encrypt-data on the same server in the same run, interleaved round by round as the server suite does.
// Access log off; server and load generator are separate processes.
import { utf8 } from '../../src/crypto/bytes.ts';
import { signRequest } from '../../src/iam/signer.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import { SecretsClient } from '../../src/sdk/secrets/index.ts';
import { interleaved, range, ratios, type BenchReport } from '../report.ts';
import { startBenchServer } from '../lib/bench-server.ts';
import { rawRequest, runLoad } from '../lib/load.ts';

const AK = 'BENCHAK0000000000000';
const SK = 'BenchSecretKey00000000000000000000000000';
const PROJECT = '0123456789abcdef0123456789abcdef';
const CONNECTIONS = 16;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

export default async function secrets(report: BenchReport): Promise<void> {
  const server = await startBenchServer(AK, SK, 'quiet');
  try {
    const port = server.port;
    const host = `127.0.0.1:${port}`;
    const http = new SignedClient({ endpoint: `http://${host}`, accessKey: AK, secretKey: SK, projectId: PROJECT });
    const value = JSON.stringify({ username: 'orders_app', password: 'x'.repeat(990) });
    await new SecretsClient(http).createSecret({ name: 'bench-db', secret_string: value });
    const keyId = (await http.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'bench-secrets' })).key_info.key_id;

    const signed = (method: string, path: string, body?: Uint8Array) =>
      rawRequest(method, path, host, signRequest({ method, path, query: [], headers: { 'content-type': 'application/json', 'x-project-id': PROJECT }, body }, { accessKey: AK, secretKey: SK }), body);
    const read = Array.from({ length: 64 }, () => signed('GET', `/v1/${PROJECT}/secrets/bench-db/versions/latest`));
    const encrypt = Array.from({ length: 64 }, (_, i) => signed('POST', `/v1.0/${PROJECT}/kms/encrypt-data`, utf8(JSON.stringify({ key_id: keyId, plain_text: `payload ${i} `.padEnd(64, 'x') }))));
    const load = async (requests: Uint8Array[]) => {
      const r = await runLoad('127.0.0.1', port, requests, CONNECTIONS, SECONDS);
      if (r.statuses[200] !== r.requests) throw new Error(`non-200 answers during the run: ${JSON.stringify(r.statuses)}`);
      return r.rps;
    };
    const s = await interleaved({ read: () => load(read), encrypt: () => load(encrypt) }, ROUNDS);
    const ratio = ratios(s.read, s.encrypt);
    report.row('signed show-secret-version latest (1 KiB value)', s.read.median, 'req/s', `range ${range(s.read)}; ${CONNECTIONS} connections, ${ROUNDS} x ${SECONDS}s`);
    report.row('signed encrypt-data (same server)', s.encrypt.median, 'req/s', `range ${range(s.encrypt)}`);
    report.row('  secret read / encrypt-data', ratio.median, 'x', `range ${range(ratio)}`);
    report.metric('server_secret_read_rps', s.read.median);
    report.metric('server_secret_read_vs_encrypt_ratio', ratio.median);
  } finally {
    server.stop();
  }
}
