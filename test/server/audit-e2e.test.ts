// The audit log against npm start: every request leaves a record (refusals and failed signatures too),
// records hold names and never values, they can be queried by identity, resource, result and time, and
// `edgekms audit verify` exits 0 on the intact chain and non-zero, naming the first bad record, after a
// one-byte edit, a removed record and a swapped pair in the data directory.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { huaweiClient, type HuaweiClient } from '../helpers/huawei-sdk.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';
import { frameIndex, readFrames, writeFrames } from '../helpers/audit-segments.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-audit-'));
let server: RunningServer;
let admin: { access_key: string; secret_key: string; project_id: string };
let asAdmin: HuaweiClient;

const start = async () => {
  server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir });
  asAdmin = huaweiClient(server.url, admin?.access_key ?? '', admin?.secret_key ?? '', admin?.project_id ?? '');
};
beforeAll(async () => {
  server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir });
  admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
  asAdmin = huaweiClient(server.url, admin.access_key, admin.secret_key, admin.project_id);
}, 30_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/edgekms.mjs', ...args], { encoding: 'utf8', env: { ...process.env, EDGEKMS_DATA_DIR: dataDir, EDGEKMS_ENDPOINT: server.url } });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

describe('audit log over loopback against npm start', () => {
  it('records every request without values, and answers queries', async () => {
    const keyId = (await asAdmin.call('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'audited-key' })).key_info.key_id;
    const enc = await asAdmin.call('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: keyId, plain_text: 'PLAINTEXT-MARKER-42' });
    await asAdmin.call('POST', '/v1/{project_id}/secrets', { name: 'audited-secret', secret_string: 'SECRET-VALUE-MARKER-7' });
    const dek = await asAdmin.call('POST', '/v1.0/{project_id}/kms/create-datakey', { key_id: keyId, datakey_length: '256' });
    await asAdmin.call('POST', '/v1.0/{project_id}/kms/update-key-description', { key_id: keyId, key_description: 'audited' });
    const stranger = huaweiClient(server.url, 'STRANGERAK0000000000', 'x'.repeat(40), admin.project_id);
    expect((await stranger.fail('POST', '/v1.0/{project_id}/kms/list-keys', {})).httpStatusCode).toBe(401);
    expect((await asAdmin.fail('POST', '/v1.0/{project_id}/kms/describe-key', { key_id: '00000000-0000-0000-0000-000000000000' })).httpStatusCode).toBeGreaterThanOrEqual(400);

    const byKey = await asAdmin.call('GET', '/edgekms/v1/audit', undefined, { resource: keyId });
    // Operations that change nothing have one record, written before the answer leaves; one that may
    // change something has its request record before the operation and its outcome record after.
    expect(byKey.records.map((r: any) => [r.operation, r.phase ?? 'outcome', r.status, r.result, r.principal, r.project])).toEqual([
      ['encrypt-data', 'outcome', 200, 'success', 'admin', admin.project_id],
      ['create-datakey', 'outcome', 200, 'success', 'admin', admin.project_id],
      ['update-key-description', 'request', 0, 'pending', 'admin', admin.project_id],
      ['update-key-description', 'outcome', 200, 'success', 'admin', admin.project_id],
    ]);
    expect(byKey.records[3]).toMatchObject({ request_id: byKey.records[2].request_id, access_key: admin.access_key, method: 'POST', time: expect.any(String) });
    expect(byKey.records[0].request_id).toMatch(/^[0-9a-f]{32}$/);
    const failures = await asAdmin.call('GET', '/edgekms/v1/audit', undefined, { result: 'failure' });
    expect(failures.records.map((r: any) => [r.status, r.access_key])).toEqual([
      [401, 'unverified:STRANGERAK0000000000'],
      [expect.any(Number), admin.access_key],
    ]);
    const bySecret = await asAdmin.call('GET', '/edgekms/v1/audit', undefined, { resource: 'audited-secret', identity: 'admin' });
    expect(bySecret.records.map((r: any) => [r.operation, r.phase ?? 'outcome'])).toEqual([['CreateSecret', 'request'], ['CreateSecret', 'outcome']]);
    const future = await asAdmin.call('GET', '/edgekms/v1/audit', undefined, { from: '2999-01-01T00:00:00Z' });
    expect(future.records).toEqual([]);
    expect((await asAdmin.fail('GET', '/edgekms/v1/audit', undefined, { from: 'yesterday' })).httpStatusCode).toBe(400);

    // No record holds plaintext, data keys, secret values, ciphertexts or signatures.
    const all = JSON.stringify((await asAdmin.call('GET', '/edgekms/v1/audit', undefined, { limit: '1000' })).records);
    for (const value of ['PLAINTEXT-MARKER-42', 'SECRET-VALUE-MARKER-7', dek.plain_text, enc.cipher_text, 'Signature=']) expect(all).not.toContain(value);
  }, 60_000);

  it('edgekms audit verify: exit 0 when intact; names an edited, removed or swapped record', async () => {
    const ok = cli(['audit', 'verify']);
    expect([ok.code, ok.out]).toEqual([0, expect.stringMatching(/^audit log intact: \d+ record\(s\)/)]);
    const listed = cli(['audit', 'list', '--result', 'failure']);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('401');

    // The records live in the audit segments (<data dir>/audit/*.seg); sequential requests, one record per frame.
    await server.stop();
    const original = readFrames(dataDir);
    const at = (seq: number) => frameIndex(original, seq);
    const edited = original.map((f) => ({ ...f, bytes: Buffer.from(f.bytes) }));
    edited[at(2)].bytes[edited[at(2)].bytes.length - 10] ^= 0x01; // one byte of the record
    writeFrames(dataDir, edited);
    await start();
    const afterEdit = cli(['audit', 'verify']);
    expect([afterEdit.code, afterEdit.out]).toEqual([4, expect.stringMatching(/first bad record 2: record 2 was changed outside edgekms/)]);

    await server.stop();
    const swapped = readFrames(dataDir);
    swapped[at(2)] = original[at(2)];
    [swapped[at(3)], swapped[at(4)]] = [{ ...original[at(4)], segment: original[at(3)].segment }, { ...original[at(3)], segment: original[at(4)].segment }];
    writeFrames(dataDir, swapped);
    await start();
    const afterSwap = cli(['audit', 'verify']);
    expect([afterSwap.code, afterSwap.out]).toEqual([4, expect.stringMatching(/first bad record 3:/)]);

    await server.stop();
    const removed = readFrames(dataDir);
    [removed[at(3)], removed[at(4)]] = [original[at(3)], original[at(4)]];
    removed.splice(at(5), 1);
    writeFrames(dataDir, removed);
    await start();
    const afterRemoval = cli(['audit', 'verify', '--json']);
    expect(afterRemoval.code).toBe(4);
    expect(JSON.parse(afterRemoval.out)).toMatchObject({ intact: false, first_bad: { seq: 5, reason: 'record 5 is missing' } });

    // A cut-off tail: the head sealed at the clean stop names the last record.
    await server.stop();
    const all = readFrames(dataDir);
    all.splice(at(5), 0, original[at(5)]);
    const last = all[all.length - 1].first;
    writeFrames(dataDir, all.slice(0, -1));
    await start(); // and appends again (the verify request's own records): after the sealed head, past the gap
    const afterCut = cli(['audit', 'verify', '--json']);
    expect(afterCut.code).toBe(4);
    expect(JSON.parse(afterCut.out).first_bad).toEqual({ seq: last, reason: `record ${last} is missing` });
    expect(last).toBeGreaterThan(5);
  }, 90_000);
});
