// npm start, users and access keys made through /edgekms/v1, and two users with different identity
// policies running KMS and CSMS flows with Huawei's SDK core over signed loopback HTTP: only what their
// policies (or grants) permit succeeds, every refusal is 403 with the spec's code and changes nothing, and
// a change to a user, key or policy takes effect on the next request.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { huaweiClient, type HuaweiClient } from '../helpers/huawei-sdk.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-identity-'));
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
const refusal = (e: { httpStatusCode: number; errorCode?: string }) => [e.httpStatusCode, e.errorCode];

async function userWithKey(name: string, policy: string, document: object): Promise<{ ak: string; sk: string; client: HuaweiClient }> {
  await asAdmin.call('PUT', `/edgekms/v1/policies/${policy}`, { document });
  await asAdmin.call('POST', '/edgekms/v1/users', { name, projects: [admin.project_id] });
  await asAdmin.call('PUT', `/edgekms/v1/users/${name}/policies/${policy}`);
  const { credential } = await asAdmin.call('POST', `/edgekms/v1/users/${name}/access-keys`);
  return { ak: credential.access_key, sk: credential.secret_key, client: huaweiClient(server.url, credential.access_key, credential.secret_key, admin.project_id) };
}

const ORDERS_POLICY = {
  Version: '1.1',
  Statement: [
    { Effect: 'Allow', Action: ['kms:cmk:encrypt', 'kms:cmk:decrypt', 'kms:dek:*'], Resource: ['KMS:*:*:KeyAlias:orders-*'] },
    { Effect: 'Allow', Action: ['csms:secret:get', 'csms:secretVersion:get', 'csms:secretVersion:list'], Resource: ['CSMS:*:*:secret:orders-*'] },
  ],
};
const AUDITOR_POLICY = {
  Version: '1.1',
  Statement: [
    { Effect: 'Allow', Action: ['kms:cmk:list', 'kms:cmk:get'], Resource: ['*'] },
    { Effect: 'Deny', Action: ['kms:cmk:decrypt'] },
  ],
};

describe('identity API and policies over signed loopback HTTP', () => {
  it('two users with different policies: only permitted operations succeed, refusals are 403 and change nothing', async () => {
    const orders = (await kms(asAdmin, 'create-key', { key_alias: 'orders-key' })).key_info.key_id;
    const billing = (await kms(asAdmin, 'create-key', { key_alias: 'billing-key' })).key_info.key_id;
    await asAdmin.call('POST', '/v1/{project_id}/secrets', { name: 'orders-db', secret_string: 'orders-pw' });
    await asAdmin.call('POST', '/v1/{project_id}/secrets', { name: 'billing-db', secret_string: 'billing-pw' });
    const alice = await userWithKey('alice', 'orders-app', ORDERS_POLICY);
    const bob = await userWithKey('bob', 'auditor', AUDITOR_POLICY);
    const keysBefore = (await kms(asAdmin, 'list-keys', {})).total;

    // alice: her keys and secrets, by alias or id (the policy names the alias; the key is pinned by id)
    const enc = await kms(alice.client, 'encrypt-data', { key_id: orders, plain_text: 'order 1' });
    expect((await kms(alice.client, 'decrypt-data', { cipher_text: enc.cipher_text })).plain_text).toBe('order 1');
    const dek = await kms(alice.client, 'create-datakey', { key_id: orders, datakey_length: '256' });
    expect(dek.plain_text).toMatch(/^[0-9A-F]{64}$/);
    const version = await alice.client.call('GET', '/v1/{project_id}/secrets/orders-db/versions/latest');
    expect(version.version.secret_string).toBe('orders-pw');
    // ... and nothing else
    expect(refusal(await kmsFail(alice.client, 'encrypt-data', { key_id: billing, plain_text: 'x' }))).toEqual([403, 'KMS.0306']);
    expect(refusal(await kmsFail(alice.client, 'create-key', { key_alias: 'orders-new' }))).toEqual([403, 'KMS.0307']);
    expect(refusal(await kmsFail(alice.client, 'list-keys', {}))).toEqual([403, 'KMS.0307']);
    expect(refusal(await kmsFail(alice.client, 'disable-key', { key_id: orders }))).toEqual([403, 'KMS.0307']);
    const otherSecret = await alice.client.fail('GET', '/v1/{project_id}/secrets/billing-db/versions/latest');
    const missingSecret = await alice.client.fail('GET', '/v1/{project_id}/secrets/billing-none/versions/latest');
    expect(refusal(otherSecret)).toEqual([403, 'KMS.0307']);
    expect([missingSecret.httpStatusCode, missingSecret.errorCode, missingSecret.errorMsg]).toEqual([403, 'KMS.0307', otherSecret.errorMsg]);
    expect(refusal(await alice.client.fail('POST', '/v1/{project_id}/secrets', { name: 'orders-x', secret_string: 'y' }))).toEqual([403, 'KMS.0307']);
    expect(refusal(await alice.client.fail('PUT', '/v1/{project_id}/secrets/orders-db', { description: 'changed' }))).toEqual([403, 'KMS.0307']);
    // a key that does not exist under her alias pattern and one outside it give the same answer shape
    const ghost = await kmsFail(alice.client, 'encrypt-data', { key_id: '00000000-0000-0000-0000-000000000000', plain_text: 'x' });
    expect(refusal(ghost)).toEqual([403, 'KMS.0306']);

    // bob: reads key metadata, may never decrypt, has no CSMS access
    expect((await kms(bob.client, 'list-keys', {})).keys).toEqual(expect.arrayContaining([orders, billing]));
    expect((await kms(bob.client, 'describe-key', { key_id: billing })).key_info.key_alias).toBe('billing-key');
    expect(refusal(await kmsFail(bob.client, 'decrypt-data', { cipher_text: enc.cipher_text }))).toEqual([403, 'KMS.0306']);
    expect(refusal(await kmsFail(bob.client, 'encrypt-data', { key_id: billing, plain_text: 'x' }))).toEqual([403, 'KMS.0306']);
    expect(refusal(await bob.client.fail('GET', '/v1/{project_id}/secrets/orders-db'))).toEqual([403, 'KMS.0307']);

    // grants are still honoured, and a Deny wins over them
    await kms(asAdmin, 'create-grant', { key_id: billing, grantee_principal: 'bob', operations: ['encrypt-data', 'decrypt-data'] });
    const billed = await kms(bob.client, 'encrypt-data', { key_id: billing, plain_text: 'invoice' });
    expect(refusal(await kmsFail(bob.client, 'decrypt-data', { cipher_text: billed.cipher_text }))).toEqual([403, 'KMS.0306']);

    // nothing the refusals touched changed
    expect((await kms(asAdmin, 'list-keys', {})).total).toBe(keysBefore);
    expect((await kms(asAdmin, 'describe-key', { key_id: orders })).key_info.key_state).toBe('2');
    expect((await asAdmin.call('GET', '/v1/{project_id}/secrets/orders-db')).secret.description ?? '').toBe('');

    // another project is out of reach
    const elsewhere = huaweiClient(server.url, alice.ak, alice.sk, 'ffffffffffffffffffffffffffffffff');
    expect(refusal(await kmsFail(elsewhere, 'encrypt-data', { key_id: orders, plain_text: 'x' }))).toEqual([403, 'KMS.0307']);
    // users may not manage identities
    expect(refusal(await alice.client.fail('GET', '/edgekms/v1/users'))).toEqual([403, 'KMS.0307']);
  }, 60_000);

  it('changes to keys, policies and users take effect on the next request', async () => {
    const carol = await userWithKey('carol', 'carol-policy', { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['kms:cmk:list'] }] });
    expect((await kms(carol.client, 'list-keys', {})).total).toBeGreaterThan(0);
    // the secret key is shown once: listing shows the key and its status only
    const listed = await asAdmin.call('GET', '/edgekms/v1/users/carol/access-keys');
    expect(listed.credentials).toEqual([{ access_key: carol.ak, status: 'active', created_at: expect.any(Number) }]);
    expect(JSON.stringify(listed)).not.toContain(carol.sk);

    await asAdmin.call('PUT', `/edgekms/v1/users/carol/access-keys/${carol.ak}`, { status: 'disabled' });
    expect((await kmsFail(carol.client, 'list-keys', {})).httpStatusCode).toBe(401);
    await asAdmin.call('PUT', `/edgekms/v1/users/carol/access-keys/${carol.ak}`, { status: 'active' });
    expect((await kms(carol.client, 'list-keys', {})).total).toBeGreaterThan(0);

    await asAdmin.call('PUT', '/edgekms/v1/policies/carol-policy', { document: { Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['kms:cmk:list'] }] } });
    expect(refusal(await kmsFail(carol.client, 'list-keys', {}))).toEqual([403, 'KMS.0307']);
    await asAdmin.call('DELETE', '/edgekms/v1/users/carol/policies/carol-policy');
    expect(refusal(await kmsFail(carol.client, 'list-keys', {}))).toEqual([403, 'KMS.0307']);

    const bad = await asAdmin.fail('PUT', '/edgekms/v1/policies/broken', { document: { Version: '1.1', Statement: [{ Effect: 'Perhaps', Action: ['*'] }] } });
    expect(refusal(bad)).toEqual([400, 'EDGEKMS.0400']);
    expect(refusal(await asAdmin.fail('GET', '/edgekms/v1/policies/broken'))).toEqual([404, 'EDGEKMS.0404']);
    expect(refusal(await asAdmin.fail('POST', '/edgekms/v1/users', { name: 'carol', projects: [admin.project_id] }))).toEqual([409, 'EDGEKMS.0409']);
    expect(refusal(await asAdmin.fail('POST', '/edgekms/v1/users', { name: '../admin', projects: [admin.project_id] }))).toEqual([400, 'EDGEKMS.0400']);

    await asAdmin.call('DELETE', '/edgekms/v1/users/carol');
    expect((await kmsFail(carol.client, 'list-keys', {})).httpStatusCode).toBe(401);
    expect(refusal(await asAdmin.fail('GET', '/edgekms/v1/users/carol'))).toEqual([404, 'EDGEKMS.0404']);
  }, 60_000);

  it('a user of one project learns nothing about another, on every KMS and CSMS route', async () => {
    // Another project with a key, an alias and a secret, made by the administrator.
    const other = 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee';
    const inOther = huaweiClient(server.url, admin.access_key, admin.secret_key, other);
    const otherKey = (await inOther.call('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'other-key' })).key_info.key_id;
    await inOther.call('POST', '/v1/{project_id}/secrets', { name: 'other-secret', secret_string: 'x' });
    const eve = await userWithKey('eve', 'eve-all', { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['*'] }] });
    const eveThere = (project: string) => huaweiClient(server.url, eve.ak, eve.sk, project);
    const { KMS_ROUTES } = await import('../../src/kms/routes.ts');
    const { CSMS_ROUTES } = await import('../../src/secrets/routes.ts');
    const fill = (path: string, existing: boolean) =>
      path
        .replace(':key_id', existing ? otherKey : '00000000-0000-0000-0000-000000000000')
        .replace(':secret_name', existing ? 'other-secret' : 'no-such-secret')
        .replace(/:[a-z_]+/g, 'x1');
    const answers = async (project: string, existing: boolean) => {
      const out: string[] = [];
      for (const r of KMS_ROUTES) {
        const e = await eveThere(project).fail(r.method, `/${r.version ?? 'v1.0'}/{project_id}${fill(r.path, existing)}`, r.method === 'GET' || r.method === 'DELETE' ? undefined : { key_id: existing ? otherKey : '00000000-0000-0000-0000-000000000000' });
        out.push(`${r.name} ${e.httpStatusCode} ${e.errorCode} ${e.errorMsg}`);
      }
      for (const r of CSMS_ROUTES) {
        const e = await eveThere(project).fail(r.method, `/v1/{project_id}${fill(r.path, existing)}`, r.method === 'GET' || r.method === 'DELETE' ? undefined : { name: existing ? 'other-secret' : 'no-such-secret' });
        out.push(`${r.name} ${e.httpStatusCode} ${e.errorCode} ${e.errorMsg}`);
      }
      return out;
    };
    const withData = await answers(other, true);
    for (const line of withData) expect(line).toMatch(/ 403 KMS\.0307 /);
    // The same answers, word for word (but for the project id the caller itself sent), for a project and
    // resources that do not exist.
    const elsewhere = await answers('dddddddddddddddddddddddddddddddd', false);
    expect(elsewhere.map((l) => l.replace('dddddddddddddddddddddddddddddddd', other))).toEqual(withData);
    // And nothing in the other project changed.
    expect((await inOther.call('POST', '/v1.0/{project_id}/kms/describe-key', { key_id: otherKey })).key_info.key_state).toBe('2');
  }, 120_000);

  it('survives a restart: users, keys and policies are in the store', async () => {
    const dave = await userWithKey('dave', 'dave-policy', { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['kms:cmk:list'] }] });
    await server.stop();
    server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir });
    const again = huaweiClient(server.url, dave.ak, dave.sk, admin.project_id);
    expect((await kms(again, 'list-keys', {})).total).toBeGreaterThan(0);
    asAdmin = huaweiClient(server.url, admin.access_key, admin.secret_key, admin.project_id);
    // the secret key is stored sealed: it appears nowhere in the data directory
    const { execFileSync } = await import('node:child_process');
    let found = '';
    try {
      found = execFileSync('grep', ['-rl', dave.sk, dataDir]).toString();
    } catch {
      found = '';
    }
    expect(found).toBe('');
  }, 60_000);
});
