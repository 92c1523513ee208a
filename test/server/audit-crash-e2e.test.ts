// The audit log survives kill -9 of npm start in the middle of a burst: after a restart the chain verifies
// (its sealed head may trail the newest records, never the other way round), every answer that left has
// its outcome record, every such operation that changes something its request record, and the log goes on
// where it stopped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SignedClient } from '../../src/sdk/client.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-audit-crash-'));
const admin = { ak: 'CRASHADMINAK00000000', sk: 'CrashAdminSecretKey000000000000000000000', project: 'c0c1c2c3c4c5c6c7c8c9cacbcccdcecf' };
const env = { EDGEKMS_DATA_DIR: dataDir, EDGEKMS_ADMIN_AK: admin.ak, EDGEKMS_ADMIN_SK: admin.sk, EDGEKMS_PROJECT_ID: admin.project };
let server: RunningServer | undefined;

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const clientOf = (s: RunningServer) => new SignedClient({ endpoint: s.url, accessKey: admin.ak, secretKey: admin.sk, projectId: admin.project, retry: false });

interface Rec {
  seq: number;
  operation?: string;
  phase?: string;
  status: number;
  request_id: string;
}

async function allRecords(client: SignedClient): Promise<Rec[]> {
  const out: Rec[] = [];
  let marker: number | undefined;
  for (;;) {
    const page = await client.request('GET', '/edgekms/v1/audit', undefined, { limit: '1000', ...(marker === undefined ? {} : { marker: String(marker) }) });
    out.push(...page.records);
    if (page.next_marker === undefined) return out;
    marker = page.next_marker;
  }
}

describe('audit log and kill -9 (npm start)', () => {
  it('every answered request keeps its records, and the chain verifies after the restart', async () => {
    server = await startNodeServer(env);
    let client = clientOf(server);
    const keyId = (await client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'crash' })).key_info.key_id;
    // encrypt-data changes nothing (one record, the outcome); update-key-description changes the key (a
    // request record before it, the outcome after).
    const answered = { 'encrypt-data': 0, 'update-key-description': 0 };
    let killed = false;
    const loop = async (i: number) => {
      const operation = i % 2 ? 'update-key-description' : 'encrypt-data';
      for (let n = 0; !killed; n++) {
        try {
          await client.request('POST', `/v1.0/{project_id}/kms/${operation}`, operation === 'encrypt-data' ? { key_id: keyId, plain_text: `p${i}-${n}` } : { key_id: keyId, key_description: `d${i}-${n}` });
          if (!killed) answered[operation]++;
        } catch {
          return; // the server is gone
        }
      }
    };
    const loops = Array.from({ length: 6 }, (_, i) => loop(i));
    while (answered['encrypt-data'] < 60 || answered['update-key-description'] < 20) await new Promise((r) => setTimeout(r, 5));
    const running = server;
    killed = true; // answers arriving from here on are not counted: only those seen before the kill
    running.child.kill('SIGKILL');
    await Promise.all(loops);
    if (running.child.exitCode === null && running.child.signalCode === null) await new Promise((r) => running.child.once('exit', r));

    server = await startNodeServer(env);
    client = clientOf(server);
    const verified = await client.request('GET', '/edgekms/v1/audit/verify');
    expect(verified).toMatchObject({ intact: true });
    const records = await allRecords(client);
    const outcomes = (operation: string) => records.filter((r) => r.operation === operation && r.phase === undefined && r.status === 200);
    const requested = (operation: string) => new Set(records.filter((r) => r.operation === operation && r.phase === 'request').map((r) => r.request_id));
    expect(outcomes('encrypt-data').length).toBeGreaterThanOrEqual(answered['encrypt-data']);
    expect(requested('encrypt-data').size).toBe(0);
    expect(outcomes('update-key-description').length).toBeGreaterThanOrEqual(answered['update-key-description']);
    const updates = requested('update-key-description');
    for (const o of outcomes('update-key-description')) expect(updates.has(o.request_id)).toBe(true);
    // The chain goes on: new records follow, and it still verifies.
    await client.request('POST', '/v1.0/{project_id}/kms/describe-key', { key_id: keyId });
    expect(await client.request('GET', '/edgekms/v1/audit/verify')).toMatchObject({ intact: true, records: expect.any(Number) });
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1));
  }, 120_000);
});
