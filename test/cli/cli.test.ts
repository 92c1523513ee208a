// The edgekms command against a real server process: help, JSON output, stdin, exit codes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

  it('signs with HUAWEICLOUD_SDK_AK / _SK / _PROJECT_ID from the environment', () => {
    const admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
    const empty = mkdtempSync(join(tmpdir(), 'edgekms-cli-env-'));
    const run = (extra: Record<string, string>, args: string[] = []) =>
      spawnSync(process.execPath, ['bin/edgekms.mjs', 'random', '--bits', '128', ...args], {
        encoding: 'utf8',
        env: { ...process.env, EDGEKMS_DATA_DIR: empty, EDGEKMS_ENDPOINT: server.url, HUAWEICLOUD_SDK_AK: admin.access_key, HUAWEICLOUD_SDK_SK: admin.secret_key, ...extra },
      });
    try {
      const ok = run({ HUAWEICLOUD_SDK_PROJECT_ID: admin.project_id });
      expect(ok.status).toBe(0);
      expect(ok.stdout.trim()).toMatch(/^[0-9A-F]{32}$/);
      const noProject = run({});
      expect(noProject.status).toBe(2);
      expect(noProject.stderr).toContain('HUAWEICLOUD_SDK_PROJECT_ID');
      const flagProject = run({}, ['--project', admin.project_id]);
      expect(flagProject.status, flagProject.stderr).toBe(0);
      expect(flagProject.stdout.trim()).toMatch(/^[0-9A-F]{32}$/);
      const wrong = run({ HUAWEICLOUD_SDK_PROJECT_ID: admin.project_id, HUAWEICLOUD_SDK_SK: 'not-the-secret-key-0000' });
      expect(wrong.status).toBe(1);
      expect(wrong.stderr).toContain('APIGW.0301');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('reports an unreachable server with exit 3', () => {
    const r = spawnSync(process.execPath, ['bin/edgekms.mjs', 'random', '--endpoint', 'http://127.0.0.1:1'], { encoding: 'utf8', env: { ...process.env, EDGEKMS_DATA_DIR: dataDir } });
    expect(r.status).toBe(3);
  });
});
