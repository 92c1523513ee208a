// The admin credential can be rotated without losing anything, and losing admin.json strands nothing:
// `edgekms admin reset-credential` (server stopped, same data directory and root key) and npm start on a
// deployment whose admin.json is gone.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { huaweiClient } from '../helpers/huawei-sdk.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-admin-'));
let server: RunningServer | undefined;
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});
const readAdmin = () => JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/edgekms.mjs', ...args], { encoding: 'utf8', env: { ...process.env, EDGEKMS_DATA_DIR: dataDir } });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

describe('admin credential rotation and recovery', () => {
  it('rotates with reset-credential and recovers a lost admin.json, keeping keys, secrets and users', async () => {
    server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir });
    const first = readAdmin();
    const asFirst = huaweiClient(server.url, first.access_key, first.secret_key, first.project_id);
    const keyId = (await asFirst.call('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'kept' })).key_info.key_id;
    const enc = await asFirst.call('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: keyId, plain_text: 'still here' });
    await asFirst.call('POST', '/v1/{project_id}/secrets', { name: 'kept-secret', secret_string: 'v1' });
    await asFirst.call('PUT', '/edgekms/v1/policies/all', { document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['kms:cmk:decrypt'] }] } });
    await asFirst.call('POST', '/edgekms/v1/users', { name: 'app', projects: [first.project_id] });
    await asFirst.call('PUT', '/edgekms/v1/users/app/policies/all');
    const user = (await asFirst.call('POST', '/edgekms/v1/users/app/access-keys')).credential;

    // While the server runs, the data directory is locked: no reset.
    expect(cli(['admin', 'reset-credential']).code).not.toBe(0);
    await server.stop();

    const reset = cli(['admin', 'reset-credential']);
    expect(reset.code).toBe(0);
    expect(reset.out).toContain(`projects in this deployment: ${first.project_id}`);
    const second = readAdmin();
    expect(second.access_key).not.toBe(first.access_key);
    expect(second.project_id).toBe(first.project_id);
    expect(reset.out).not.toContain(second.secret_key);
    // --json says the same, and a second rotation in a row also keeps the project.
    const again = cli(['admin', 'reset-credential', '--json']);
    expect(again.code).toBe(0);
    const answer = JSON.parse(again.out);
    expect(answer).toEqual({ path: join(dataDir, 'admin.json'), access_key: readAdmin().access_key, project_id: first.project_id, projects: [first.project_id] });
    Object.assign(second, readAdmin());

    server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir });
    const oldOne = huaweiClient(server.url, first.access_key, first.secret_key, first.project_id);
    expect((await oldOne.fail('POST', '/v1.0/{project_id}/kms/list-keys', {})).httpStatusCode).toBe(401);
    const asSecond = huaweiClient(server.url, second.access_key, second.secret_key, second.project_id);
    expect((await asSecond.call('POST', '/v1.0/{project_id}/kms/decrypt-data', { cipher_text: enc.cipher_text })).plain_text).toBe('still here');
    expect((await asSecond.call('GET', '/v1/{project_id}/secrets/kept-secret/versions/latest')).version.secret_string).toBe('v1');
    const asUser = huaweiClient(server.url, user.access_key, user.secret_key, first.project_id);
    expect((await asUser.call('POST', '/v1.0/{project_id}/kms/decrypt-data', { cipher_text: enc.cipher_text })).plain_text).toBe('still here');
    await server.stop();

    // admin.json lost: npm start names the deployment's projects and binds the new credential to one.
    unlinkSync(join(dataDir, 'admin.json'));
    server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir });
    expect(server.output()).toContain(`admin.json was missing from a deployment with data: the new admin credential may act in its projects ${first.project_id}`);
    expect(server.output()).toContain('edgekms admin reset-credential');
    const third = readAdmin();
    expect(third.project_id).toBe(first.project_id);
    const asThird = huaweiClient(server.url, third.access_key, third.secret_key, third.project_id);
    expect((await asThird.call('POST', '/v1.0/{project_id}/kms/decrypt-data', { cipher_text: enc.cipher_text })).plain_text).toBe('still here');
  }, 90_000);
});
