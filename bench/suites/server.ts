// Signed encrypt-data requests per second over loopback (keep-alive, 16 concurrent connections) against
// a bare Hono route on the same server in the same run, with the access log on as npm start ships it and
// off. The server is assembled as npm start assembles it (bench/server-process.ts): the durable audit log
// and the per-credential rate limits are on. The two routes are measured interleaved (one slice each per round, order alternating), so a slow
// spell of the shared machine falls on both; figures are medians with their range, the ratio the median
// of the per-round ratios. Server and load generator are separate processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { utf8 } from '../../src/crypto/bytes.ts';
import { signRequest } from '../../src/iam/signer.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import { interleaved, range, ratios, summarize, type BenchReport, type Samples } from '../report.ts';
import { summarizeCpuProfile, type CpuProfile } from '../lib/cpu-profile.ts';
import { rawRequest, runLoad } from '../lib/load.ts';
// @ts-expect-error plain ESM helper without types
import { bundle } from '../../scripts/bundle.mjs';

const AK = 'BENCHAK0000000000000';
const SK = 'BenchSecretKey00000000000000000000000000';
const PROJECT = '0123456789abcdef0123456789abcdef';
const CONNECTIONS = 16;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops (node --cpu-prof). */
const CPU_PROF = process.env.BENCH_CPU_PROF;

/**
 * The server's CPU time so far in microseconds (user + system, from /proc; undefined elsewhere). Per request
 * it measures what each route costs the server whatever else the shared machine runs, where requests per
 * second also measure how much CPU the server was given.
 */
function serverCpuMicros(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
  } catch {
    return undefined;
  }
}

export default async function server(report: BenchReport): Promise<void> {
  const script = await bundle('bench/server-process.ts', 'bench-server.mjs');
  await measure(report, script, true);
  await measure(report, script, false);
}

/** The bare reference, the real signed encrypt-data, and the minimal signed routes with and without their audit record. */
type Route = 'bare' | 'encrypt' | 'minimal' | 'audited';

async function measure(report: BenchReport, script: string, accessLog: boolean): Promise<void> {
  const flags = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...flags, script, AK, SK, accessLog ? 'access-log' : 'quiet', 'stats'], { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
  const auditWrites = auditWritesOf(child);
  try {
    const port = await new Promise<number>((resolve, reject) => {
      // The access log keeps coming on stdout; it is read (as a terminal or journald would) and dropped.
      child.stdout!.on('data', (d: Buffer) => {
        const m = /port (\d+)/.exec(d.toString());
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    // From here on the log is drained without being looked at, so the load generator spends nothing on it.
    child.stdout!.removeAllListeners('data');
    child.stdout!.resume();
    const host = `127.0.0.1:${port}`;
    const client = new SignedClient({ endpoint: `http://${host}`, accessKey: AK, secretKey: SK, projectId: PROJECT });
    const keyId = (await client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'bench' })).key_info.key_id;

    // 64 distinct signed requests, reused (X-Sdk-Date stays valid for 15 minutes).
    const path = `/v1.0/${PROJECT}/kms/encrypt-data`;
    const signed = (path: string) =>
      Array.from({ length: 64 }, (_, i) => {
        const body = utf8(JSON.stringify({ key_id: keyId, plain_text: `benchmark payload ${i} `.padEnd(64, 'x') }));
        const headers = signRequest({ method: 'POST', path, query: [], headers: { 'content-type': 'application/json', 'x-project-id': PROJECT }, body }, { accessKey: AK, secretKey: SK });
        return rawRequest('POST', path, host, headers, body);
      });
    const encrypt = signed(path);
    const bare = [rawRequest('POST', '/bench/bare', host, { 'content-type': 'application/json' }, utf8('{}'))];

    const cpu: Record<Route, number[]> = { bare: [], encrypt: [], minimal: [], audited: [] };
    const blocks = { perWrite: [] as number[], writeMs: [] as number[] };
    const load = async (requests: Uint8Array[], name: Route) => {
      const written = name === 'encrypt' ? await auditWrites() : undefined;
      const before = serverCpuMicros(child.pid);
      const r = await runLoad('127.0.0.1', port, requests, CONNECTIONS, SECONDS);
      const after = serverCpuMicros(child.pid);
      if (r.statuses[200] !== r.requests) throw new Error(`non-200 answers during the run: ${JSON.stringify(r.statuses)}`);
      if (before !== undefined && after !== undefined) cpu[name].push((after - before) / r.requests);
      if (written) {
        // Each encrypt-data has one audit record (its outcome: it changes nothing), so records = answers.
        const now = await auditWrites();
        const writes = now.writes - written.writes;
        if (writes) {
          blocks.perWrite.push(r.requests / writes);
          blocks.writeMs.push((now.ms - written.ms) / writes);
        }
      }
      return r.rps;
    };
    // With the access log on (the configuration the goal names), the minimal signed routes of
    // bench/server-process.ts are measured in the same rounds: what any signed encrypt-data reaches here.
    const candidates: Partial<Record<Route, () => Promise<number>>> = { bare: () => load(bare, 'bare'), encrypt: () => load(encrypt, 'encrypt') };
    if (accessLog) {
      const [minimal, audited] = [signed(`/bench/minimal/${PROJECT}/encrypt-data`), signed(`/bench/minimal-audited/${PROJECT}/encrypt-data`)];
      Object.assign(candidates, { minimal: () => load(minimal, 'minimal'), audited: () => load(audited, 'audited') });
    }
    const s: Partial<Record<Route, Samples>> = await interleaved(candidates as Record<Route, () => Promise<number>>, ROUNDS);
    const bareRps = s.bare!;
    const ratio = ratios(s.encrypt!, bareRps);
    const config = accessLog ? 'access log on (npm start)' : 'access log off';
    const suffix = accessLog ? '' : '_quiet';
    report.row(`bare Hono route (same server), ${config}`, bareRps.median, 'req/s', `range ${range(bareRps)}; ${CONNECTIONS} connections, ${ROUNDS} x ${SECONDS}s`);
    report.row(`signed encrypt-data (AES_256 CMK), ${config}`, s.encrypt!.median, 'req/s', `range ${range(s.encrypt!)}`);
    report.row('  encrypt-data / bare', ratio.median, 'x', `range ${range(ratio)}`);
    report.metric(`server_bare_route_rps${suffix}`, bareRps.median);
    report.metric(`server_encrypt_data_rps${suffix}`, s.encrypt!.median);
    report.metric(`server_encrypt_data_vs_bare_ratio${suffix}`, ratio.median);
    // The warm-up call of each route is the first CPU sample; the medians leave it out.
    const cpuUs = (name: Route) => (cpu[name].length > 1 ? summarize(cpu[name].slice(1)) : undefined);
    const [b, e] = [cpuUs('bare'), cpuUs('encrypt')];
    if (b && e) {
      report.row('  server CPU per request: bare / encrypt-data', b.median, 'us', `encrypt-data ${e.median.toFixed(1)} us (range ${range(e)}); cost ratio ${(b.median / e.median).toFixed(2)}`);
      report.metric(`server_bare_route_cpu_us${suffix}`, b.median);
      report.metric(`server_encrypt_data_cpu_us${suffix}`, e.median);
      report.metric(`server_encrypt_data_vs_bare_cpu_ratio${suffix}`, b.median / e.median);
    }
    if (blocks.perWrite.length) {
      // A signed request's answer waits for its record's durable write, one write at a time: with records
      // per write r and w ms a write, encrypt-data cannot go faster than r / w per millisecond.
      const [r, w] = [summarize(blocks.perWrite), summarize(blocks.writeMs)];
      report.row('  audit records per durable write (encrypt-data)', r.median, '', `range ${range(r)}; a write ${w.median.toFixed(2)} ms (range ${range(w)}), so at most ${Math.round((1000 * r.median) / w.median)} req/s`);
      report.metric(`server_audit_records_per_write${suffix}`, r.median);
      report.metric(`server_audit_write_ms${suffix}`, w.median);
    }
    for (const [name, label, metric] of [
      ['minimal', 'minimal signed encrypt (signature check, AES-GCM, JSON)', 'server_minimal_encrypt_vs_bare_ratio'],
      ['audited', '  the same, answered once its audit record is durable', 'server_minimal_audited_encrypt_vs_bare_ratio'],
    ] as const) {
      const rps = s[name];
      if (!rps) continue;
      const x = ratios(rps, bareRps);
      const us = cpuUs(name);
      report.row(label, rps.median, 'req/s', `range ${range(rps)}; / bare ${x.median.toFixed(2)} x (range ${range(x)})${us ? `; server CPU ${us.median.toFixed(1)} us per request` : ''}`);
      report.metric(metric, x.median);
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    if (CPU_PROF) {
      await exited;
      printProfile(child.pid!, accessLog);
    }
  }
}

/** Asks the bench server (SIGUSR2) for its audit log's durable writes so far and their total time in ms. */
function auditWritesOf(child: ChildProcess): () => Promise<{ writes: number; ms: number }> {
  const answers: ((s: { writes: number; ms: number }) => void)[] = [];
  let pending = '';
  (child.stdio[3] as Readable).on('data', (d: Buffer) => {
    pending += d.toString();
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      answers.shift()?.(JSON.parse(pending.slice(0, nl)));
      pending = pending.slice(nl + 1);
    }
  });
  return () =>
    new Promise((resolve) => {
      answers.push(resolve);
      child.kill('SIGUSR2');
    });
}

/** The server's profile (written as it exits), summarised: both routes' requests, interleaved as measured. */
function printProfile(pid: number, accessLog: boolean): void {
  const file = readdirSync(CPU_PROF!).find((f) => f.includes(`.${pid}.`) && f.endsWith('.cpuprofile'));
  if (!file) return;
  const s = summarizeCpuProfile(JSON.parse(readFileSync(join(CPU_PROF!, file), 'utf8')) as CpuProfile, 15);
  const lines = (rows: { name: string; percent: number }[]) => rows.map((r) => `      ${r.percent.toFixed(1).padStart(5)}%  ${r.name}`).join('\n');
  console.log(`  CPU profile, access log ${accessLog ? 'on' : 'off'}: ${join(CPU_PROF!, file)} (${(s.busyMs / 1000).toFixed(1)} s busy, both routes)`);
  console.log(`    self time:\n${lines(s.self)}\n    inclusive time:\n${lines(s.inclusive)}`);
}
