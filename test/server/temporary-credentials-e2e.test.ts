// Temporary credentials against npm start: a role bound to a workload token, the ECS-style metadata
// endpoint and the token API, and Huawei's SDK core calling the KMS with the temporary AK/SK/token until
// the token expires, is revoked, is tampered with or its role's policy changes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefreshingCredentials } from '../../src/sdk/credentials.ts';
import { KmsClient } from '../../src/sdk/kms/client.ts';
import { huaweiClient, type HuaweiClient } from '../helpers/huawei-sdk.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-sts-'));
let server: RunningServer;
let admin: { access_key: string; secret_key: string; project_id: string };
let asAdmin: HuaweiClient;
beforeAll(async () => {
  server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir });
  admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
  asAdmin = huaweiClient(server.url, admin.access_key, admin.secret_key, admin.project_id);
}, 30_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const kms = (c: HuaweiClient, op: string, body: object) => c.call('POST', `/v1.0/{project_id}/kms/${op}`, body);
const kmsFail = (c: HuaweiClient, op: string, body: object) => c.fail('POST', `/v1.0/{project_id}/kms/${op}`, body);
const metadata = (token?: string) => fetch(`${server.url}/openstack/latest/securitykey`, { headers: token === undefined ? {} : { 'X-Workload-Token': token } });
interface Temporary {
  access: string;
  secret: string;
  securitytoken: string;
  expires_at: string;
}
const as = (t: Temporary, project = admin.project_id) => huaweiClient(server.url, t.access, t.secret, project, t.securitytoken);

describe('temporary credentials over loopback against npm start', () => {
  it('metadata endpoint and token API: Huawei SDK core calls the KMS with them within the role policy, then 401 after expiry', async () => {
    const appKey = (await kms(asAdmin, 'create-key', { key_alias: 'app-data' })).key_info.key_id;
    const otherKey = (await kms(asAdmin, 'create-key', { key_alias: 'payroll' })).key_info.key_id;
    await asAdmin.call('PUT', '/edgekms/v1/policies/app-crypto', {
      document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['kms:cmk:encrypt', 'kms:cmk:decrypt'], Resource: ['KMS:*:*:KeyAlias:app-*'] }] },
    });
    const created = await asAdmin.call('POST', '/edgekms/v1/roles', { name: 'worker1', projects: [admin.project_id], policies: ['app-crypto'], duration_seconds: 4 });
    const token: string = created.workload_token;
    expect(created.role).not.toHaveProperty('token_sha256');

    // Reaching the port is not enough: no token, a wrong one, one of the right shape for another role.
    for (const bad of [undefined, 'nope', `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, token.replace('worker1', 'worker2')]) {
      const r = await metadata(bad);
      expect([r.status, (await r.json()).error_code]).toEqual([401, 'APIGW.0301']);
    }

    const r = await metadata(token);
    expect(r.status).toBe(200);
    const { credential } = (await r.json()) as { credential: Temporary };
    expect(Object.keys(credential).sort()).toEqual(['access', 'expires_at', 'secret', 'securitytoken']);
    expect(Date.parse(credential.expires_at)).toBeGreaterThan(Date.now());

    // Huawei's SDK core with the temporary AK/SK/token (X-Security-Token, signed).
    const temp = as(credential);
    const enc = await kms(temp, 'encrypt-data', { key_id: appKey, plain_text: 'from a workload' });
    expect((await kms(temp, 'decrypt-data', { cipher_text: enc.cipher_text })).plain_text).toBe('from a workload');
    const refused = await kmsFail(temp, 'encrypt-data', { key_id: otherKey, plain_text: 'x' });
    expect([refused.httpStatusCode, refused.errorCode]).toEqual([403, 'KMS.0306']);
    // The same AK/SK without the token, or with a tampered one: 401.
    const noToken = huaweiClient(server.url, credential.access, credential.secret, admin.project_id);
    expect((await kmsFail(noToken, 'encrypt-data', { key_id: appKey, plain_text: 'x' })).httpStatusCode).toBe(401);
    const tampered = huaweiClient(server.url, credential.access, credential.secret, admin.project_id, credential.securitytoken.slice(0, -2) + 'xx');
    expect((await kmsFail(tampered, 'encrypt-data', { key_id: appKey, plain_text: 'x' })).httpStatusCode).toBe(401);
    // A token for one project used on another.
    const elsewhere = await kmsFail(as(credential, 'ffffffffffffffffffffffffffffffff'), 'encrypt-data', { key_id: appKey, plain_text: 'x' });
    expect([elsewhere.httpStatusCode, elsewhere.errorCode]).toEqual([403, 'KMS.0307']);

    // The token API: a narrowed, shorter token allows only what both the role and its policy allow.
    const narrowed = await fetch(`${server.url}/edgekms/v1/security-tokens`, {
      method: 'POST',
      headers: { 'X-Workload-Token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ duration_seconds: 2, policy: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['kms:cmk:encrypt', 'kms:cmk:list'] }] } }),
    });
    expect(narrowed.status).toBe(201);
    const small = as(((await narrowed.json()) as { credential: Temporary }).credential);
    expect((await kms(small, 'encrypt-data', { key_id: appKey, plain_text: 'ok' })).key_id).toBe(appKey);
    expect((await kmsFail(small, 'decrypt-data', { cipher_text: enc.cipher_text })).httpStatusCode).toBe(403);
    expect((await kmsFail(small, 'list-keys', {})).httpStatusCode).toBe(403); // the narrowing cannot widen the role
    const tooLong = await fetch(`${server.url}/edgekms/v1/security-tokens`, { method: 'POST', headers: { 'X-Workload-Token': token }, body: JSON.stringify({ duration_seconds: 5 }) });
    expect(tooLong.status).toBe(400);

    // After expiry: 401.
    await sleep(Math.max(0, Date.parse(credential.expires_at) - Date.now()) + 1500);
    const expired = await kmsFail(temp, 'encrypt-data', { key_id: appKey, plain_text: 'x' });
    expect([expired.httpStatusCode, expired.errorCode]).toEqual([401, 'APIGW.0301']);
  }, 60_000);

  it("the SDK's refreshing credential provider keeps a client working across a token's expiry", async () => {
    await asAdmin.call('PUT', '/edgekms/v1/policies/lister2', { document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['kms:cmk:list'] }] } });
    const { workload_token: token } = await asAdmin.call('POST', '/edgekms/v1/roles', { name: 'worker3', projects: [admin.project_id], policies: ['lister2'], duration_seconds: 3 });
    let issued = 0;
    const provider = new RefreshingCredentials(
      async () => {
        issued++;
        const { credential: c } = (await (await metadata(token)).json()) as { credential: Temporary };
        return { accessKey: c.access, secretKey: c.secret, securityToken: c.securitytoken, expiresAt: Date.parse(c.expires_at) };
      },
      { refreshBeforeMs: 1000 },
    );
    const client = new KmsClient({ endpoint: server.url, credentials: provider, projectId: admin.project_id, retry: false });
    expect(Number((await client.listKeys({})).total)).toBeGreaterThan(0);
    const first = await provider.credentials();
    await sleep(Math.max(0, first.expiresAt! - Date.now()) + 500);
    expect(Number((await client.listKeys({})).total)).toBeGreaterThan(0); // signed with a fresh credential
    expect(issued).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it('revocation and policy changes apply to tokens already issued', async () => {
    await asAdmin.call('PUT', '/edgekms/v1/policies/lister', { document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['kms:cmk:list'] }] } });
    const { workload_token: token } = await asAdmin.call('POST', '/edgekms/v1/roles', { name: 'worker2', projects: [admin.project_id], policies: ['lister'] });
    const get = async () => as(((await (await metadata(token)).json()) as { credential: Temporary }).credential);
    const first = await get();
    expect(Number((await kms(first, 'list-keys', {})).total)).toBeGreaterThan(0);
    await asAdmin.call('DELETE', '/edgekms/v1/roles/worker2/policies/lister');
    expect((await kmsFail(first, 'list-keys', {})).httpStatusCode).toBe(403);
    await asAdmin.call('PUT', '/edgekms/v1/roles/worker2/policies/lister');
    expect(Number((await kms(first, 'list-keys', {})).total)).toBeGreaterThan(0);
    await asAdmin.call('POST', '/edgekms/v1/roles/worker2/revoke');
    expect((await kmsFail(first, 'list-keys', {})).httpStatusCode).toBe(401);
    const second = await get();
    expect(Number((await kms(second, 'list-keys', {})).total)).toBeGreaterThan(0);
    await asAdmin.call('DELETE', '/edgekms/v1/roles/worker2');
    expect((await kmsFail(second, 'list-keys', {})).httpStatusCode).toBe(401);
    expect((await metadata(token)).status).toBe(401);
  }, 60_000);
});
