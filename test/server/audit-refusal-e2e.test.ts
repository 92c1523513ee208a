// No operation without its audit record, against npm start over signed loopback HTTP. The child runs under
// a file-size limit (`ulimit -f`, RLIMIT_FSIZE: the kernel answers EFBIG to a write past it, as a full disk
// answers ENOSPC), so once its audit segment reaches the limit every audit write fails for real, while the
// store's small files still fit. From then on every operation is refused with the API's error body and
// changes nothing, which a restart without the limit shows: the keys are as they were, and the audit log
// verifies with no record of the refused operations having run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Code } from '../../src/kms/errors.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import type { ApiError } from '../../src/sdk/errors.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-audit-refusal-'));
const admin = { ak: 'REFUSALADMINAK000000', sk: 'RefusalAdminSecretKey0000000000000000000', project: 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5' };
const env = { EDGEKMS_DATA_DIR: dataDir, EDGEKMS_ADMIN_AK: admin.ak, EDGEKMS_ADMIN_SK: admin.sk, EDGEKMS_PROJECT_ID: admin.project };
const LIMIT_KIB = 24;
let server: RunningServer | undefined;

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const clientOf = (s: RunningServer) => new SignedClient({ endpoint: s.url, accessKey: admin.ak, secretKey: admin.sk, projectId: admin.project, retry: false });
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as ApiError);

describe('an audit log that cannot be written refuses every operation (npm start, RLIMIT_FSIZE)', () => {
  it('answers 500 with the API error body, changes nothing, and the log verifies after a restart', async () => {
    server = await startNodeServer(env, 20_000, ['bash', '-c', `ulimit -f ${LIMIT_KIB} && exec "$0" "$@"`]);
    let client = clientOf(server);
    const keyId = (await client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'kept' })).key_info.key_id;
    // Read-only calls until the audit segment is full (each request appends one record of a few hundred bytes).
    let first: ApiError | null = null;
    for (let i = 0; i < 400 && !first; i++) first = await failure(client.request('POST', '/v1.0/{project_id}/kms/describe-key', { key_id: keyId }));
    expect([first?.status, first?.code]).toEqual([500, Code.StoreIo]);
    expect(first?.message).toMatch(/nothing changed/);

    const refused = [
      await failure(client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'never' })),
      await failure(client.request('POST', '/v1.0/{project_id}/kms/disable-key', { key_id: keyId })),
      await failure(client.request('POST', '/v1/{project_id}/secrets', { name: 'never-secret', secret_string: 'v' })),
      await failure(client.request('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: 'alias/obs/default', plain_text: 'x' })),
      // A service default key is created on first use: refused before it is.
      await failure(client.request('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: 'obs/default', plain_text: 'x' })),
      await failure(client.request('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: keyId, plain_text: 'x' })),
    ];
    for (const e of refused) {
      expect(e?.status).toBe(500);
      expect(e?.message).toMatch(/audit record of this request could not be written, so it was not carried out; nothing changed/);
    }
    expect(refused.map((e) => e?.code)).toEqual([Code.StoreIo, Code.StoreIo, expect.stringMatching(/^CSMS\.|^KMS\./), Code.StoreIo, Code.StoreIo, Code.StoreIo]);
    expect(server.output()).toMatch(/EFBIG/);
    await server.stop();

    server = await startNodeServer(env);
    client = clientOf(server);
    expect((await client.request('POST', '/v1.0/{project_id}/kms/list-keys', { limit: '10' })).keys).toEqual([keyId]);
    expect((await client.request('POST', '/v1.0/{project_id}/kms/describe-key', { key_id: keyId })).key_info.key_state).toBe('2');
    expect((await client.request('GET', '/v1/{project_id}/secrets')).secrets).toEqual([]);
    const verify = spawnSync(process.execPath, ['bin/edgekms.mjs', 'audit', 'verify', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, EDGEKMS_ENDPOINT: server.url, HUAWEICLOUD_SDK_AK: admin.ak, HUAWEICLOUD_SDK_SK: admin.sk, HUAWEICLOUD_SDK_PROJECT_ID: admin.project },
    });
    expect([verify.status, JSON.parse(verify.stdout).intact]).toEqual([0, true]);
    const records = (await client.request('GET', '/edgekms/v1/audit', undefined, { limit: '1000' })).records as { operation?: string; resource?: string }[];
    expect(records.filter((r) => r.operation === 'create-key').map((r) => r.resource)).not.toContain('never');
    expect(records.some((r) => r.operation === 'disable-key' || r.operation === 'CreateSecret')).toBe(false);
  }, 120_000);
});
