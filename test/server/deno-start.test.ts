// `deno task start` under the `npm start` contract: HOST/PORT/EDGEKMS_DATA_DIR, admin.json and root.key
// created owner-only on first start, the ready line; Huawei's SDK core drives the foundation flow over
// loopback; a restart on the same data directory keeps everything; the same data directory then opens
// under `npm start` (one file store format for both runtimes).
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFoundationKept, runFoundationFlow, type FoundationState } from '../helpers/foundation-flow.ts';
import { huaweiClient, type HuaweiClient } from '../helpers/huawei-sdk.ts';
import { startDenoServer, startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-deno-'));
const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function client(url: string): HuaweiClient {
  const admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
  return huaweiClient(url, admin.access_key, admin.secret_key, admin.project_id);
}

describe('deno task start', () => {
  let flow: FoundationState;

  it('creates root.key and admin.json owner-only, prints the ready line, and serves the foundation flow', async () => {
    const s = await startDenoServer({ EDGEKMS_DATA_DIR: dataDir });
    running.push(s);
    expect(s.output()).toContain(`created admin credential in ${join(dataDir, 'admin.json')}`);
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const f of ['admin.json', 'root.key']) expect(statSync(join(dataDir, f)).mode & 0o077).toBe(0);
    const health = await fetch(`${s.url}/healthz`);
    expect(await health.json()).toMatchObject({ status: 'ok', crypto: 'portable' });
    flow = await runFoundationFlow(client(s.url), 'deno');
    expect(await s.stop()).toBe(0);
  }, 120_000);

  it('keeps everything across a restart, and the same data directory opens under npm start', async () => {
    const s = await startDenoServer({ EDGEKMS_DATA_DIR: dataDir, EDGEKMS_RATE_UNAUTHENTICATED_RPS: '1', EDGEKMS_RATE_UNAUTHENTICATED_BURST: '2' });
    running.push(s);
    expect(s.output()).not.toContain('created admin credential');
    // The unauthenticated limit with Deno.serve's remote address: unsigned requests past the burst get 429.
    const unsigned = await Promise.all(Array.from({ length: 12 }, () => fetch(`${s.url}/v1.0/p/kms/list-keys`, { method: 'POST', body: '{}' })));
    const statuses = unsigned.map((r) => r.status);
    expect(statuses.filter((st) => st === 401).length).toBeGreaterThanOrEqual(2);
    expect(statuses.filter((st) => st === 429).length).toBeGreaterThanOrEqual(1); // unless the 12 took over 10 s
    expect(statuses.every((st) => st === 401 || st === 429)).toBe(true);
    await checkFoundationKept(client(s.url), flow);
    expect(await s.stop()).toBe(0);
    const n = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir });
    running.push(n);
    await checkFoundationKept(client(n.url), flow);
    expect(await n.stop()).toBe(0);
  }, 120_000);

  it('takes the environment overrides: a fixed admin credential and project, no admin.json written', async () => {
    const other = mkdtempSync(join(tmpdir(), 'edgekms-deno-env-'));
    try {
      const s = await startDenoServer({ EDGEKMS_DATA_DIR: other, EDGEKMS_ADMIN_AK: 'DENOADMINAK0001', EDGEKMS_ADMIN_SK: 'DenoAdminSecretKey000000000', EDGEKMS_PROJECT_ID: 'denoproject1', EDGEKMS_ROOT_KEY: Buffer.alloc(32, 3).toString('base64') });
      running.push(s);
      const hc = huaweiClient(s.url, 'DENOADMINAK0001', 'DenoAdminSecretKey000000000', 'denoproject1');
      expect((await hc.call('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'env' })).key_info.key_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(() => statSync(join(other, 'admin.json'))).toThrow();
      expect(() => statSync(join(other, 'root.key'))).toThrow();
      expect(await s.stop()).toBe(0);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 120_000);
});
