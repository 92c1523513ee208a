// `edgekms secrets sync` as users run it (the bundled CLI as a child process) on a real directory against
// `npm start`: files appear with mode 0600, change when the secret changes and only then, a server that
// is stopped leaves the last good files (and a message on stderr) until it is back; --once, --json and
// the documented exit codes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SignedClient } from '../../src/sdk/client.ts';
import { SecretsClient } from '../../src/sdk/secrets/index.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-sync-data-'));
const outDir = mkdtempSync(join(tmpdir(), 'edgekms-sync-out-'));
let server: RunningServer;
let secrets: SecretsClient;
const children: ChildProcess[] = [];

async function start(port = '0') {
  server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir, PORT: port });
  const admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
  secrets = new SecretsClient(new SignedClient({ endpoint: server.url, accessKey: admin.access_key, secretKey: admin.secret_key, projectId: admin.project_id }));
}

beforeAll(async () => {
  await start();
  await secrets.createSecret({ name: 'db-cred', secret_string: JSON.stringify({ username: 'app', password: 'one', port: 5432 }) });
  await secrets.createSecret({ name: 'tls-key', secret_binary: Buffer.from([0, 1, 2, 255]).toString('base64') });
}, 30_000);
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
});

const env = () => ({ ...process.env, EDGEKMS_DATA_DIR: dataDir, EDGEKMS_ENDPOINT: server.url });

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/edgekms.mjs', 'secrets', 'sync', ...args], { encoding: 'utf8', env: env() });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

const mode = (f: string) => statSync(join(outDir, f)).mode & 0o777;
const read = (f: string) => readFileSync(join(outDir, f), 'utf8');

describe('edgekms secrets sync', () => {
  it('--once writes each secret or JSON key atomically with mode 0600 and prints a JSON summary without values', () => {
    const r = cli(['--dir', outDir, '--secret', 'db-cred:password', '--secret', 'db-cred@v1:port', '--secret', 'db-cred', '--secret', 'tls-key', '--once', '--json']);
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary.written.sort()).toEqual(['db-cred', 'db-cred.password', 'db-cred.port', 'tls-key']);
    expect(summary.failed).toEqual([]);
    expect(r.out).not.toContain('one');
    expect(read('db-cred.password')).toBe('one');
    expect(read('db-cred.port')).toBe('5432');
    expect(JSON.parse(read('db-cred'))).toMatchObject({ username: 'app' });
    expect([...readFileSync(join(outDir, 'tls-key'))]).toEqual([0, 1, 2, 255]);
    for (const f of ['db-cred', 'db-cred.password', 'db-cred.port', 'tls-key']) expect(mode(f)).toBe(0o600);
    expect(readdirSync(outDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // A second round rewrites nothing.
    const again = JSON.parse(cli(['--dir', outDir, '--secret', 'db-cred:password', '--once', '--json']).out);
    expect(again).toMatchObject({ written: [], unchanged: ['db-cred.password'] });
  });

  it('exit codes: 2 for usage, 1 for a missing secret or key, 3 for an unreachable server', () => {
    expect(cli(['--secret', 'db-cred']).code).toBe(2);
    expect(cli(['--dir', outDir]).code).toBe(2);
    expect(cli(['--dir', outDir, '--secret', 'bad/name']).code).toBe(2);
    expect(cli(['--dir', outDir, '--secret', 'a:k', '--secret', 'a.k']).code).toBe(2);
    expect(cli(['--dir', outDir, '--secret', 'x', '--interval', 'soon']).code).toBe(2);
    const missing = cli(['--dir', outDir, '--secret', 'db-cred:nope', '--once']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('has no key nope');
    expect(cli(['--dir', outDir, '--secret', 'no-such-secret', '--once']).code).toBe(1);
    const down = spawnSync(process.execPath, ['bin/edgekms.mjs', 'secrets', 'sync', '--dir', outDir, '--secret', 'db-cred', '--once', '--endpoint', 'http://127.0.0.1:1'], { encoding: 'utf8', env: env() });
    expect(down.status).toBe(3);
  });

  it('keeps files current, rewrites only what changed, and keeps the last good files while the server is down', async () => {
    const child = spawn(process.execPath, ['bin/edgekms.mjs', 'secrets', 'sync', '--dir', outDir, '--secret', 'db-cred:password', '--secret', 'tls-key', '--interval', '1s', '--json'], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const rounds = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    await vi.waitFor(() => expect(rounds().length).toBeGreaterThan(0), { timeout: 15_000 });
    const tlsMtime = statSync(join(outDir, 'tls-key')).mtimeMs;

    await secrets.createVersion('db-cred', { secret_string: JSON.stringify({ username: 'app', password: 'two' }) });
    await vi.waitFor(() => expect(read('db-cred.password')).toBe('two'), { timeout: 15_000, interval: 100 });
    expect(mode('db-cred.password')).toBe(0o600);
    // The round's summary line follows its writes.
    await vi.waitFor(() => expect(rounds().some((r) => r.written.includes('db-cred.password'))).toBe(true), { timeout: 15_000 });
    expect(rounds().every((r) => !r.written.includes('tls-key') || r === rounds()[0])).toBe(true);
    expect(statSync(join(outDir, 'tls-key')).mtimeMs).toBe(tlsMtime);

    // Outage: the files stay as they were, stderr says why, and sync picks up again when the server is back.
    const port = new URL(server.url).port;
    await server.stop();
    await vi.waitFor(() => expect(err).toContain('keeping the last good file'), { timeout: 15_000 });
    expect(err).toContain('server unreachable; retrying in');
    expect(read('db-cred.password')).toBe('two');
    await start(port);
    await secrets.createVersion('db-cred', { secret_string: JSON.stringify({ username: 'app', password: 'three' }) });
    await vi.waitFor(() => expect(read('db-cred.password')).toBe('three'), { timeout: 20_000, interval: 100 });

    child.kill('SIGTERM');
    const code = await new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', r)));
    expect(code).toBe(0);
    expect(out + err).not.toContain('three"');
  }, 60_000);
});
