// No caller can starve the others: the administrator's encrypt-data latency (p99, one keep-alive
// connection) alone, and while a low-privilege user (users.json, a few grants) runs each operation that
// used to be expensive at full speed over 8 connections: list-retirable-grants and retire-grant in a
// project of many keys, RSA_4096 DIGEST signing, RSA_4096 data key pairs, plus 200 clients trickling
// their headers. The server is npm start's own entry point (bundled), with its default limits; the
// caller's answers are whatever the server gives (429 for key pairs beyond the cap is the point).
// Bounded: each phase runs BENCH_ISOLATION_SECONDS (default 2) seconds, BENCH_ISOLATION_ROUNDS (3) times.
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { utf8 } from '../../src/crypto/bytes.ts';
import { signRequest } from '../../src/iam/signer.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import { interleaved, range, type BenchReport } from '../report.ts';
import { latencies, percentile } from '../lib/latency.ts';
import { rawRequest, runLoad } from '../lib/load.ts';
import { startNpmStart } from '../lib/npm-start.ts';

const PROJECT = '0123456789abcdef0123456789abcdef';
const ADMIN = { ak: 'ISOADMINAK0000000000', sk: 'IsoAdminSecretKey00000000000000000000000' };
const USER = { ak: 'ISOUSERAK00000000000', sk: 'IsoUserSecretKey000000000000000000000000', principal: 'mallory' };
const SECONDS = Number(process.env.BENCH_ISOLATION_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ISOLATION_ROUNDS ?? 3);
const KEYS = Number(process.env.BENCH_ISOLATION_KEYS ?? 2000);
const CONNECTIONS = 8;

export default async function isolation(report: BenchReport): Promise<void> {
  const server = await startNpmStart({ EDGEKMS_ADMIN_AK: ADMIN.ak, EDGEKMS_ADMIN_SK: ADMIN.sk, EDGEKMS_PROJECT_ID: PROJECT }, [
    { access_key: USER.ak, secret_key: USER.sk, principal: USER.principal, projects: [PROJECT] },
  ]);
  try {
    const { url, hostname, port } = server;
    const host = `${hostname}:${port}`;
    const admin = new SignedClient({ endpoint: url, accessKey: ADMIN.ak, secretKey: ADMIN.sk, projectId: PROJECT });
    const call = (action: string, body: unknown) => admin.request('POST', `/v1.0/{project_id}/kms/${action}`, body);

    // A project of many keys (what list-retirable-grants and retire-grant used to read in full).
    const aes = (await call('create-key', { key_alias: 'iso-aes' })).key_info.key_id;
    const rsa = (await call('create-key', { key_alias: 'iso-rsa', key_spec: 'RSA_4096', key_usage: 'SIGN_VERIFY' })).key_info.key_id;
    for (let i = 0; i < KEYS; i += 16) await Promise.all(Array.from({ length: Math.min(16, KEYS - i) }, (_, j) => call('create-key', { key_alias: `iso-${i + j}` })));
    await call('create-grant', { key_id: rsa, grantee_principal: USER.principal, operations: ['sign'], retiring_principal: USER.principal });
    await call('create-grant', { key_id: aes, grantee_principal: USER.principal, operations: ['create-rsa-datakey-pair'], retiring_principal: USER.principal });

    const signed = (ak: string, sk: string, action: string, body: object) => {
      const path = `/v1.0/${PROJECT}/kms/${action}`;
      const bytes = utf8(JSON.stringify(body));
      const headers = signRequest({ method: 'POST', path, query: [], headers: { 'content-type': 'application/json', 'x-project-id': PROJECT }, body: bytes }, { accessKey: ak, secretKey: sk });
      return rawRequest('POST', path, host, headers, bytes);
    };
    const adminEncrypt = Array.from({ length: 64 }, (_, i) => signed(ADMIN.ak, ADMIN.sk, 'encrypt-data', { key_id: aes, plain_text: `admin payload ${i}`.padEnd(64, 'x') }));
    const digest = createHash('sha256').update('isolation').digest('base64');
    const expensive: Record<string, Uint8Array[]> = {
      list_retirable_grants: [signed(USER.ak, USER.sk, 'list-retirable-grants', { limit: '1000' })],
      retire_grant: [signed(USER.ak, USER.sk, 'retire-grant', { key_id: aes, grant_id: 'a'.repeat(64) })],
      rsa4096_sign: Array.from({ length: 16 }, (_, i) => signed(USER.ak, USER.sk, 'sign', { key_id: rsa, message: digest, signing_algorithm: i % 2 ? 'RSASSA_PSS_SHA_256' : 'RSASSA_PKCS1_V1_5_SHA_256' })),
      rsa4096_datakey_pair: [signed(USER.ak, USER.sk, 'create-rsa-datakey-pair', { key_id: aes, key_spec: 'RSA_4096', with_plain_text: false })],
    };

    const answers: Record<string, Record<number, number>> = {};
    const p99 = async (during?: () => Promise<unknown>) => {
      const background = during?.();
      const l = await latencies(hostname, port, adminEncrypt, SECONDS);
      await background;
      return percentile(l, 99);
    };
    const underLoad = (name: string, requests: Uint8Array[]) => () =>
      p99(async () => {
        const { statuses } = await runLoad(hostname, port, requests, CONNECTIONS, SECONDS);
        for (const [status, n] of Object.entries(statuses)) (answers[name] ??= {})[Number(status)] = (answers[name]?.[Number(status)] ?? 0) + n;
      });
    // Every phase once per round, the order rotated each round, so a slow spell of the shared machine falls
    // on all of them alike; each figure is the median over the rounds of that phase's p99.
    const s = await interleaved(
      {
        unloaded: () => p99(),
        ...Object.fromEntries(Object.entries(expensive).map(([name, requests]) => [name, underLoad(name, requests)])),
        trickling_clients: () => p99(() => trickle(hostname, port, 200, SECONDS)),
      } as Record<string, () => Promise<number>>,
      ROUNDS,
    );
    const unloaded = s.unloaded;
    report.row('admin encrypt-data p99, alone', unloaded.median, 'ms', `range ${range(unloaded)}; ${ROUNDS} rounds of ${SECONDS}s, one connection`);
    report.metric('admin_p99_ms_unloaded', unloaded.median);
    let worst = 0;
    for (const name of [...Object.keys(expensive), 'trickling_clients']) {
      const loaded = s[name];
      worst = Math.max(worst, loaded.median);
      const got = answers[name] ? `; caller got ${Object.entries(answers[name]).map(([st, n]) => `${n}x${st}`).join(' ')}` : '';
      report.row(`  with ${name === 'trickling_clients' ? '200 clients trickling their headers' : `a user doing ${name.replace(/_/g, '-')}`}`, loaded.median, 'ms', `range ${range(loaded)}; ${(loaded.median / unloaded.median).toFixed(1)}x${got}`);
      report.metric(`admin_p99_ms_with_${name}`, loaded.median);
    }
    report.row('admin encrypt-data p99, worst of the above', worst, 'ms', `${(worst / unloaded.median).toFixed(1)}x unloaded (goal: within 5x)`);
    report.metric('admin_p99_ms_with_expensive_caller', worst);
    report.metric('admin_p99_ratio_with_expensive_caller', worst / unloaded.median);
  } finally {
    await server.stop();
  }
}

/** `n` connections each sending a byte of a request header every 100 ms, for `seconds`. */
async function trickle(host: string, port: number, n: number, seconds: number): Promise<void> {
  const text = 'POST /v1.0/p/kms/list-keys HTTP/1.1\r\nHost: x\r\nX-Padding: ' + 'y'.repeat(10_000);
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = connect({ host, port });
    s.on('error', () => {});
    sockets.push(s);
  }
  const deadline = performance.now() + seconds * 1000;
  let i = 0;
  while (performance.now() < deadline) {
    for (const s of sockets) if (!s.destroyed) s.write(text[i % text.length]);
    i++;
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const s of sockets) s.destroy();
}
