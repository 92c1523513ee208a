// The edgekms command against a real server process: help, JSON output, stdin, exit codes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-cli-'));
let server: RunningServer;
beforeAll(async () => {
  server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir });
});
afterAll(async () => {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['bin/edgekms.mjs', ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, EDGEKMS_DATA_DIR: dataDir, EDGEKMS_ENDPOINT: server.url },
  });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

describe('edgekms CLI', () => {
  it('prints help with exit 0, and usage errors with exit 2', () => {
    const help = cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: edgekms <command>');
    const bad = cli(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown command frobnicate');
  });

  it('creates a key, encrypts from an argument, decrypts from stdin, lists with --json', () => {
    const created = cli(['keys', 'create', 'cli-key', '--description', 'from the CLI']);
    expect(created.code).toBe(0);
    const keyId = created.out;
    expect(keyId).toMatch(/^[0-9a-f-]{36}$/);
    const enc = cli(['encrypt', keyId, 'hello from the CLI', '--aad', 'ctx']);
    expect(enc.code).toBe(0);
    const dec = cli(['decrypt', '-', '--aad', 'ctx'], enc.out + '\n');
    expect(dec).toMatchObject({ code: 0, out: 'hello from the CLI' });
    const list = cli(['keys', 'list', '--json']);
    expect(JSON.parse(list.out).keys).toContain(keyId);
  });

  it('reports API refusals with exit 1 and the error code', () => {
    const r = cli(['keys', 'describe', '00000000-0000-0000-0000-000000000000']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('KMS.0207');
  });

  it('reports an unreachable server with exit 3', () => {
    const r = spawnSync(process.execPath, ['bin/edgekms.mjs', 'random', '--endpoint', 'http://127.0.0.1:1'], { encoding: 'utf8', env: { ...process.env, EDGEKMS_DATA_DIR: dataDir } });
    expect(r.status).toBe(3);
  });
});
