// The identity API (docs/iam.md) through the app as npm start assembles it, in-process: each route's
// method, status and answer, the body and query checks with their words, and that only the
// administrator gets in. Requests are signed as any client signs them.
import { describe, expect, it } from 'vitest';
import { AuditLog, type AuditQuery } from '../../src/audit/log.ts';
import { utf8 } from '../../src/crypto/bytes.ts';
import { StaticCredentials } from '../../src/iam/credentials.ts';
import { Directory } from '../../src/iam/directory.ts';
import { signRequest } from '../../src/iam/signer.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { createApp } from '../../src/server/app.ts';
import { ADMIN, USERS, makeRig } from '../helpers/kms.ts';

const P1 = ADMIN.project;
const POLICY = { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['kms:cmk:encrypt'] }] };

/** The audit log, remembering the last query the API asked of it. */
class SpyAudit extends AuditLog {
  asked: AuditQuery | undefined;
  override async query(q: AuditQuery) {
    this.asked = q;
    return super.query(q);
  }
}

async function api(options: { audit?: boolean } = {}) {
  const rig = await makeRig();
  const configured = new StaticCredentials([
    { accessKey: ADMIN.accessKey, secretKey: utf8(ADMIN.secretKey), principal: 'admin', projects: '*', role: 'admin' },
    { accessKey: USERS.alice.accessKey, secretKey: utf8(USERS.alice.secretKey), principal: USERS.alice.principal, projects: [P1], role: 'user' },
  ]);
  const root = await RootKey.fromBytes(new Uint8Array(32).fill(7), nodeCrypto);
  const directory = new Directory(rig.kms.store, root, configured, () => rig.clock.now());
  const audit = new SpyAudit(rig.kms.store);
  const app = createApp({ kms: rig.kms, credentials: directory, directory, ...(options.audit === false ? {} : { audit }), onInternalError: () => {} });
  const call = async (method: string, path: string, body?: unknown, as: { accessKey: string; secretKey: string } = ADMIN) => {
    const url = new URL(path, 'http://kms.test');
    const bytes = body === undefined ? undefined : utf8(typeof body === 'string' ? body : JSON.stringify(body));
    const headers = signRequest({ method, path: url.pathname, query: [...url.searchParams], headers: { 'content-type': 'application/json' }, body: bytes }, { ...as, time: rig.clock.now() });
    const res = await app.fetch(new Request(url, { method, headers, body: bytes as BodyInit | undefined }));
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return { call, directory, audit, rig };
}

const invalid = (msg: string) => ({ error_code: 'EDGEKMS.0400', error_msg: msg });

describe('identity API: users and access keys', () => {
  it('each route answers as documented', async () => {
    const { call, rig } = await api();
    const created = await call('POST', '/edgekms/v1/users', { name: 'alice', projects: [P1] });
    const at = new Date(rig.clock.now()).toISOString();
    const user = { name: 'alice', projects: [P1], policies: [], access_keys: [], created_at: at };
    expect(created).toEqual({ status: 201, body: { user } });
    expect(await call('GET', '/edgekms/v1/users')).toEqual({ status: 200, body: { users: [user] } });
    expect(await call('GET', '/edgekms/v1/users/alice')).toEqual({ status: 200, body: { user } });
    const key = await call('POST', '/edgekms/v1/users/alice/access-keys');
    expect(key.status).toBe(201);
    expect(key.body.credential).toEqual({ access_key: expect.stringMatching(/^[A-Z0-9]{20}$/), secret_key: expect.stringMatching(/^[A-Za-z0-9]{40}$/), status: 'active', created_at: rig.clock.now() });
    const ak = key.body.credential.access_key;
    expect(await call('GET', '/edgekms/v1/users/alice/access-keys')).toEqual({ status: 200, body: { credentials: [{ access_key: ak, status: 'active', created_at: rig.clock.now() }] } });
    expect(await call('PUT', `/edgekms/v1/users/alice/access-keys/${ak}`, { status: 'disabled' })).toEqual({ status: 204, body: undefined });
    expect((await call('GET', '/edgekms/v1/users/alice/access-keys')).body.credentials[0].status).toBe('disabled');
    expect(await call('PUT', `/edgekms/v1/users/alice/access-keys/${ak}`, { status: 'on' })).toEqual({ status: 400, body: invalid('status must be "active" or "disabled".') });
    expect(await call('PUT', `/edgekms/v1/users/alice/access-keys/${ak}`)).toEqual({ status: 400, body: invalid('status must be "active" or "disabled".') });
    expect(await call('DELETE', `/edgekms/v1/users/alice/access-keys/${ak}`)).toEqual({ status: 204, body: undefined });
    expect((await call('GET', '/edgekms/v1/users/alice')).body.user.access_keys).toEqual([]);
    expect(await call('PUT', '/edgekms/v1/policies/app', { document: POLICY })).toEqual({ status: 200, body: { policy: { name: 'app', document: POLICY, updated_at: rig.clock.now() } } });
    expect(await call('PUT', '/edgekms/v1/users/alice/policies/app')).toEqual({ status: 204, body: undefined });
    expect((await call('GET', '/edgekms/v1/users/alice')).body.user.policies).toEqual(['app']);
    expect(await call('DELETE', '/edgekms/v1/users/alice/policies/app')).toEqual({ status: 204, body: undefined });
    expect((await call('GET', '/edgekms/v1/users/alice')).body.user.policies).toEqual([]);
    expect(await call('DELETE', '/edgekms/v1/users/alice')).toEqual({ status: 204, body: undefined });
    expect(await call('GET', '/edgekms/v1/users/alice')).toEqual({ status: 404, body: { error_code: 'EDGEKMS.0404', error_msg: 'The user alice does not exist.' } });
  });

  it('the body must be a JSON object, or empty', async () => {
    const { call } = await api();
    expect(await call('POST', '/edgekms/v1/users', '{"name": ')).toEqual({ status: 400, body: invalid('The request body is not valid JSON.') });
    for (const body of ['[]', 'null', '7', '"alice"']) expect(await call('POST', '/edgekms/v1/users', body), body).toEqual({ status: 400, body: invalid('The request body must be a JSON object.') });
    expect(await call('POST', '/edgekms/v1/users')).toEqual({ status: 400, body: invalid('name must be 1-64 letters and digits, not "admin".') });
    expect(await call('GET', '/edgekms/v1/users')).toEqual({ status: 200, body: { users: [] } });
  });

  it('only the administrator may call it', async () => {
    const { call } = await api();
    const r = await call('GET', '/edgekms/v1/users', undefined, USERS.alice);
    expect(r.status).toBe(403);
    expect(r.body.error_code).toBe('KMS.0307');
  });
});

describe('identity API: policies', () => {
  it('put, get, list and delete', async () => {
    const { call, rig } = await api();
    const policy = { name: 'app', document: POLICY, updated_at: rig.clock.now() };
    expect((await call('PUT', '/edgekms/v1/policies/app', { document: POLICY })).body).toEqual({ policy });
    expect(await call('GET', '/edgekms/v1/policies/app')).toEqual({ status: 200, body: { policy } });
    expect(await call('GET', '/edgekms/v1/policies')).toEqual({ status: 200, body: { policies: [policy] } });
    expect(await call('PUT', '/edgekms/v1/policies/bad', { document: { Version: '1.1' } })).toEqual({ status: 400, body: invalid('Invalid policy: Statement must be an array of 1-64 statements.') });
    expect(await call('PUT', '/edgekms/v1/policies/bad', { policy: POLICY })).toEqual({ status: 400, body: invalid('Invalid policy: the policy must be a JSON object.') });
    expect(await call('DELETE', '/edgekms/v1/policies/app')).toEqual({ status: 204, body: undefined });
    expect(await call('GET', '/edgekms/v1/policies/app')).toEqual({ status: 404, body: { error_code: 'EDGEKMS.0404', error_msg: 'The policy app does not exist.' } });
  });
});

describe('identity API: roles', () => {
  it('create, list, read, attach, revoke and delete, never showing the token hash', async () => {
    const { call, directory, rig } = await api();
    const created = await call('POST', '/edgekms/v1/roles', { name: 'worker', projects: [P1], policies: [], duration_seconds: 600 });
    expect(created.status).toBe(201);
    const role = { name: 'worker', projects: [P1], policies: [], duration_seconds: 600, revoked_before: 0, created_at: rig.clock.now() };
    expect(created.body).toEqual({ role, workload_token: expect.stringMatching(/^ekw\.worker\.[A-Za-z0-9_-]{43}$/) });
    expect((await directory.roles.authenticate(created.body.workload_token)).name).toBe('worker');
    expect(await call('GET', '/edgekms/v1/roles')).toEqual({ status: 200, body: { roles: [role] } });
    expect(await call('GET', '/edgekms/v1/roles/worker')).toEqual({ status: 200, body: { role } });
    expect(await call('PUT', '/edgekms/v1/roles/worker/policies/app')).toEqual({ status: 404, body: { error_code: 'EDGEKMS.0404', error_msg: 'The policy app does not exist.' } });
    expect((await call('GET', '/edgekms/v1/roles/worker')).body.role.policies).toEqual([]);
    await call('PUT', '/edgekms/v1/policies/app', { document: POLICY });
    expect(await call('PUT', '/edgekms/v1/roles/worker/policies/app')).toEqual({ status: 204, body: undefined });
    expect((await call('GET', '/edgekms/v1/roles/worker')).body.role.policies).toEqual(['app']);
    expect(await call('DELETE', '/edgekms/v1/roles/worker/policies/app')).toEqual({ status: 204, body: undefined });
    expect((await call('GET', '/edgekms/v1/roles/worker')).body.role.policies).toEqual([]);
    expect(await call('POST', '/edgekms/v1/roles/worker/revoke')).toEqual({ status: 204, body: undefined });
    expect((await call('GET', '/edgekms/v1/roles/worker')).body.role.revoked_before).toBe(rig.clock.now() + 1);
    expect(await call('DELETE', '/edgekms/v1/roles/worker')).toEqual({ status: 204, body: undefined });
    expect(await call('GET', '/edgekms/v1/roles/worker')).toEqual({ status: 404, body: { error_code: 'EDGEKMS.0404', error_msg: 'The role worker does not exist.' } });
    expect(await call('POST', '/edgekms/v1/roles', { name: 'w2', projects: [P1], duration_seconds: 0 })).toEqual({ status: 400, body: invalid('duration_seconds must be 1-43200.') });
    expect(await call('POST', '/edgekms/v1/roles', { name: 'w3', projects: [P1], policies: 'app' })).toEqual({ status: 400, body: invalid('policies must be up to 10 policy names.') });
  });
});

describe('identity API: audit', () => {
  it('passes the query on as given, with limit and marker as numbers', async () => {
    const { call, audit } = await api();
    const r = await call('GET', '/edgekms/v1/audit?from=2026-01-01T00:00:00Z&to=2026-12-31T23:59:59.999Z&identity=alice&resource=orders&result=failure&limit=5&marker=17');
    expect(r.status).toBe(200);
    expect(audit.asked).toEqual({ from: '2026-01-01T00:00:00Z', to: '2026-12-31T23:59:59.999Z', identity: 'alice', resource: 'orders', result: 'failure', limit: 5, marker: 17 });
    await call('GET', '/edgekms/v1/audit');
    expect(audit.asked).toEqual({ from: undefined, to: undefined, identity: undefined, resource: undefined, result: undefined, limit: undefined, marker: undefined });
    await call('GET', '/edgekms/v1/audit?limit=9999&result=success&marker=0&identity=' + 'i'.repeat(128));
    expect(audit.asked).toMatchObject({ limit: 1000, result: 'success', marker: 0, identity: 'i'.repeat(128) });
    await call('GET', '/edgekms/v1/audit?limit=1');
    expect(audit.asked?.limit).toBe(1);
  });

  it.each([
    ['from=2026-01-01', 'from must be an ISO time such as 2026-01-01T00:00:00Z.'],
    ['from=x2026-01-01T00:00:00Z', 'from must be an ISO time such as 2026-01-01T00:00:00Z.'],
    ['from=2026-01-01T00:00:00Zx', 'from must be an ISO time such as 2026-01-01T00:00:00Z.'],
    ['to=yesterday', 'to must be an ISO time such as 2026-01-01T00:00:00Z.'],
    ['to=2026-01-01T00:00:00.0000000000000Z', 'to must be an ISO time such as 2026-01-01T00:00:00Z.'],
    ['result=ok', 'result must be success or failure.'],
    ['limit=0', 'limit must be 1-1000.'],
    ['limit=10000', 'limit must be 1-1000.'],
    ['limit=01', 'limit must be 1-1000.'],
    ['limit=1x', 'limit must be 1-1000.'],
    ['limit=x1', 'limit must be 1-1000.'],
    ['marker=-1', 'marker must be a sequence number.'],
    ['marker=1234567890123', 'marker must be a sequence number.'],
    ['marker=1x', 'marker must be a sequence number.'],
    ['marker=x1', 'marker must be a sequence number.'],
    ['identity=', 'identity and resource are 1-128 characters.'],
    [`identity=${'i'.repeat(129)}`, 'identity and resource are 1-128 characters.'],
    ['resource=', 'identity and resource are 1-128 characters.'],
    [`resource=${'r'.repeat(129)}`, 'identity and resource are 1-128 characters.'],
  ])('refuses %s', async (query, message) => {
    const { call, audit } = await api();
    expect(await call('GET', `/edgekms/v1/audit?${query}`)).toEqual({ status: 400, body: invalid(message) });
    expect(audit.asked).toBeUndefined();
  });

  it('is not served where the app has no audit log', async () => {
    const { call } = await api({ audit: false });
    for (const path of ['/edgekms/v1/audit', '/edgekms/v1/audit/verify']) expect((await call('GET', path)).status, path).toBe(404);
    expect((await call('GET', '/edgekms/v1/users')).status).toBe(200);
  });

  it('verifies the chain', async () => {
    const { call } = await api();
    await call('GET', '/edgekms/v1/users');
    const r = await call('GET', '/edgekms/v1/audit/verify');
    expect(r).toEqual({ status: 200, body: { intact: true, records: expect.any(Number) } });
    expect(r.body.records).toBeGreaterThan(0); // the GET /users above was recorded
  });
});
