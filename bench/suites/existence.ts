// Does the time of a refusal tell whether a key or secret exists? A credential that may not see a project
// (a user of another project), and one in the project that holds no grant or policy for its keys and
// secrets, ask for an existing and for a non-existent key (encrypt-data) and secret (ShowSecretVersion).
// Every answer is the same 403; this measures whether its time differs.
//
// The requests alternate one by one (existing, missing, another missing, ...) on the same connection, so
// a slow spell of the shared machine falls on all three alike; each round compares the median time of
// each kind, and the figure is the median over the rounds of existing / missing. missing' / missing, two
// ids that both do not exist, is the control: the spread that means "no difference" on this machine.
//
// Two places: npm start over loopback (one keep-alive connection; every answer also appends its audit
// record, as in production), and the same service in-process over a memory store, where a request costs
// tens of microseconds and a store read on one path and not the other would show.
// Bounded: BENCH_EXISTENCE_ROUNDS (default 7) rounds of BENCH_EXISTENCE_SECONDS (1) s, or of 300 requests
// of each kind in-process.
import { utf8 } from '../../src/crypto/bytes.ts';
import { signRequest } from '../../src/iam/signer.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { readEnv } from '../../src/runtime/config.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { adminCredential, createService } from '../../src/runtime/service.ts';
import { loadWasmNode } from '../../src/runtime/wasm-node.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { range, summarize, type BenchReport } from '../report.ts';
import { latencies } from '../lib/latency.ts';
import { rawRequest } from '../lib/load.ts';
import { startNpmStart } from '../lib/npm-start.ts';

const PROJECT = '0123456789abcdef0123456789abcdef';
const OTHER = 'fedcba9876543210fedcba9876543210';
const ADMIN = { ak: 'EXISTADMINAK00000000', sk: 'ExistAdminSecretKey000000000000000000000' };
const OUTSIDER = { access_key: 'EXISTOUTSIDERAK00000', secret_key: 'ExistOutsiderSecretKey000000000000000000', principal: 'outsider', projects: [OTHER] };
const INSIDER = { access_key: 'EXISTINSIDERAK000000', secret_key: 'ExistInsiderSecretKey0000000000000000000', principal: 'insider', projects: [PROJECT] };
const ROUNDS = Number(process.env.BENCH_EXISTENCE_ROUNDS ?? 7);
const SECONDS = Number(process.env.BENCH_EXISTENCE_SECONDS ?? 1);
const IN_PROCESS_PER_KIND = 300;
const MISSING_KEY = '0f0f0f0f-0000-4000-8000-000000000000';
const MISSING_KEY_2 = 'a1a1a1a1-1111-4111-8111-111111111111';
const MISSING_SECRET = 'no-such-secret';
const MISSING_SECRET_2 = 'nothing-here';
const KINDS = ['existing', 'missing', 'control'] as const;
type Kind = (typeof KINDS)[number];

interface Probe {
  method: string;
  path: string;
  body?: Uint8Array;
}

/** The four comparisons: who asks, and for what: an existing name, a missing one, another missing one. */
function probes(keyId: string): Record<string, { who: typeof OUTSIDER } & Record<Kind, Probe>> {
  const encrypt = (id: string): Probe => ({ method: 'POST', path: `/v1.0/${PROJECT}/kms/encrypt-data`, body: utf8(JSON.stringify({ key_id: id, plain_text: 'probe' })) });
  const secret = (name: string): Probe => ({ method: 'GET', path: `/v1/${PROJECT}/secrets/${name}/versions/latest` });
  const keys = { existing: encrypt(keyId), missing: encrypt(MISSING_KEY), control: encrypt(MISSING_KEY_2) };
  const secrets = { existing: secret('existence-db'), missing: secret(MISSING_SECRET), control: secret(MISSING_SECRET_2) };
  return {
    other_project_key: { who: OUTSIDER, ...keys },
    other_project_secret: { who: OUTSIDER, ...secrets },
    no_grant_key: { who: INSIDER, ...keys },
    no_policy_secret: { who: INSIDER, ...secrets },
  };
}

const signedHeaders = (p: Probe, who: typeof OUTSIDER) =>
  signRequest({ method: p.method, path: p.path, query: [], headers: { 'content-type': 'application/json', 'x-project-id': PROJECT }, body: p.body }, { accessKey: who.access_key, secretKey: who.secret_key });

async function seed(admin: SignedClient): Promise<string> {
  const keyId = (await admin.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'existence-key' })).key_info.key_id as string;
  await admin.request('POST', '/v1/{project_id}/secrets', { name: 'existence-db', secret_string: 'x'.repeat(64) });
  return keyId;
}

/** One round's median time of each kind, from samples taken in the order existing, missing, control, ... */
function roundMedians(samples: number[]): Record<Kind, number> {
  return Object.fromEntries(KINDS.map((k, i) => [k, summarize(samples.filter((_, j) => j % KINDS.length === i)).median])) as Record<Kind, number>;
}

function reportRounds(report: BenchReport, where: 'loopback' | 'in_process', name: string, rounds: Record<Kind, number>[]): void {
  const of = (k: Kind) => summarize(rounds.map((r) => r[k]));
  const ratio = summarize(rounds.map((r) => r.existing / r.missing));
  const control = summarize(rounds.map((r) => r.control / r.missing));
  const unit = where === 'loopback' ? 'ms' : 'us';
  const f = (v: number) => v.toFixed(where === 'loopback' ? 3 : 1);
  report.row(
    `${where === 'loopback' ? 'npm start' : 'in-process'} ${name.replace(/_/g, ' ')}: existing/missing`,
    ratio.median,
    'x',
    `range ${range(ratio)}; ${f(of('existing').median)} vs ${f(of('missing').median)} ${unit}; control missing'/missing ${control.median.toFixed(2)} (${range(control)}), ${rounds.length} rounds`,
  );
  report.metric(`existence_${where}_${name}_ratio`, ratio.median);
  report.metric(`existence_${where}_${name}_control_ratio`, control.median);
}

export default async function existence(report: BenchReport): Promise<void> {
  // npm start over loopback.
  const server = await startNpmStart({ EDGEKMS_ADMIN_AK: ADMIN.ak, EDGEKMS_ADMIN_SK: ADMIN.sk, EDGEKMS_PROJECT_ID: PROJECT }, [OUTSIDER, INSIDER]);
  try {
    const host = `${server.hostname}:${server.port}`;
    const keyId = await seed(new SignedClient({ endpoint: server.url, accessKey: ADMIN.ak, secretKey: ADMIN.sk, projectId: PROJECT }));
    for (const [name, c] of Object.entries(probes(keyId))) {
      // 8 signed copies of each kind, interleaved: latencies() cycles through them in this order.
      const requests = Array.from({ length: 8 }, () => KINDS.map((k) => rawRequest(c[k].method, c[k].path, host, signedHeaders(c[k], c.who), c[k].body))).flat();
      await latencies(server.hostname, server.port, requests, 0.2, 403); // warm-up
      const rounds: Record<Kind, number>[] = [];
      for (let r = 0; r < ROUNDS; r++) rounds.push(roundMedians(await latencies(server.hostname, server.port, requests, SECONDS, 403)));
      reportRounds(report, 'loopback', name, rounds);
    }
  } finally {
    await server.stop();
  }

  // The same service in-process over a memory store: the app's own time, without sockets or fsync.
  await loadWasmNode();
  const service = await createService({
    store: new MemoryStore(),
    rootKey: await RootKey.fromBytes(RootKey.generate(), nodeCrypto),
    crypto: nodeCrypto,
    config: readEnv({ EDGEKMS_LOG: 'silent' }),
    credentials: [adminCredential(ADMIN.ak, ADMIN.sk), ...[OUTSIDER, INSIDER].map((u) => ({ accessKey: u.access_key, secretKey: utf8(u.secret_key), principal: u.principal, projects: u.projects, role: 'user' as const }))],
    logError: () => {},
  });
  const keyId = await seed(new SignedClient({ endpoint: 'http://kms.test', accessKey: ADMIN.ak, secretKey: ADMIN.sk, projectId: PROJECT, fetch: async (r) => service.app.fetch(r) }));
  for (const [name, c] of Object.entries(probes(keyId))) {
    const headers = Object.fromEntries(KINDS.map((k) => [k, signedHeaders(c[k], c.who)])) as Record<Kind, Record<string, string>>;
    const once = async (k: Kind) => {
      const p = c[k];
      const t = performance.now();
      const res = await service.app.fetch(new Request(`http://kms.test${p.path}`, { method: p.method, headers: headers[k], body: p.body as BodyInit | undefined }));
      await res.arrayBuffer();
      const us = (performance.now() - t) * 1000;
      if (res.status !== 403) throw new Error(`${name} ${k}: answer ${res.status}`);
      return us;
    };
    const round = async (n: number) => {
      const samples: number[] = [];
      for (let i = 0; i < n; i++) for (const k of KINDS) samples.push(await once(k));
      return samples;
    };
    await round(50); // warm-up
    const rounds: Record<Kind, number>[] = [];
    for (let r = 0; r < ROUNDS; r++) rounds.push(roundMedians(await round(IN_PROCESS_PER_KIND)));
    reportRounds(report, 'in_process', name, rounds);
  }
}
