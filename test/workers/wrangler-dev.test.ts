// `wrangler dev --local` with the four secrets in .dev.vars serves the same signed API as `npm start`:
// Huawei's SDK core runs the foundation flow against it, and a restart on the same --persist-to state
// keeps everything. The config is wrangler.toml itself, copied beside a .dev.vars in a temp directory
// (wrangler reads .dev.vars next to its config) with `main` pointing back at the source.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFoundationKept, runFoundationFlow, type FoundationState } from '../helpers/foundation-flow.ts';
import { huaweiClient } from '../helpers/huawei-sdk.ts';
import { WORKER_SECRETS as S } from './harness.ts';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'edgekms-wrangler-dev-'));
writeFileSync(join(dir, 'wrangler.toml'), readFileSync(join(root, 'wrangler.toml'), 'utf8').replace(/^main = .*$/m, `main = "${join(root, 'src/runtime/worker.ts')}"`));
writeFileSync(join(dir, '.dev.vars'), Object.entries(S).map(([k, v]) => `${k}="${v}"`).join('\n') + '\n');

let child: ChildProcess | undefined;
afterAll(() => {
  stop();
  rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function start(): Promise<{ url: string; output: () => string }> {
  const port = await freePort();
  const args = ['dev', '--local', '--config', join(dir, 'wrangler.toml'), '--ip', '127.0.0.1', '--port', String(port), '--persist-to', join(dir, 'state'), '--show-interactive-dev-session=false'];
  const p = spawn(join(root, 'node_modules/.bin/wrangler'), args, {
    cwd: dir,
    detached: true,
    // No Request.cf download from workers.cloudflare.com: the tests run offline.
    env: { ...process.env, CI: '1', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  });
  child = p;
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wrangler dev not ready in 90 s:\n${out}`)), 90_000);
    const check = () => {
      const m = /Ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    p.stdout!.on('data', check);
    p.stderr!.on('data', check);
    p.on('exit', (code) => reject(new Error(`wrangler dev exited with ${code}:\n${out}`)));
  });
  return { url, output: () => out };
}

function stop(): Promise<void> {
  const p = child;
  child = undefined;
  if (!p || p.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.on('exit', () => resolve());
    process.kill(-p.pid!, 'SIGTERM');
  });
}

describe('wrangler dev --local with .dev.vars', () => {
  let flow: FoundationState;

  it('serves the foundation flow to Huawei SDK core with the secrets from .dev.vars', async () => {
    const { url, output } = await start();
    expect(output()).toContain('Using secrets defined in .dev.vars');
    const hc = huaweiClient(url, S.EDGEKMS_ADMIN_AK, S.EDGEKMS_ADMIN_SK, S.EDGEKMS_PROJECT_ID);
    flow = await runFoundationFlow(hc, 'wrangler-dev');
    const wrongSk = huaweiClient(url, S.EDGEKMS_ADMIN_AK, 'NotTheSecretKey00000000000000000', S.EDGEKMS_PROJECT_ID);
    expect((await wrongSk.fail('POST', '/v1.0/{project_id}/kms/list-keys', {})).httpStatusCode).toBe(401);
  }, 150_000);

  it('keeps everything across a restart on the same persisted state', async () => {
    await stop();
    const { url } = await start();
    await checkFoundationKept(huaweiClient(url, S.EDGEKMS_ADMIN_AK, S.EDGEKMS_ADMIN_SK, S.EDGEKMS_PROJECT_ID), flow);
    await stop();
  }, 150_000);
});
