// Attacks on npm start over signed loopback HTTP: replay outside the date window, tampered header, query
// and body, a signed header dropped or missing, path traversal and Unicode confusables in names, very
// long header values, and a policy edited while a user's requests are in flight.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.ts';
import { signRequest } from '../../src/iam/signer.ts';
import { huaweiClient, type HuaweiClient } from '../helpers/huawei-sdk.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-attacks-'));
let server: RunningServer;
let admin: { access_key: string; secret_key: string; project_id: string };
let asAdmin: HuaweiClient;
let keyId: string;
let user: { access_key: string; secret_key: string };
beforeAll(async () => {
  server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir });
  admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
  asAdmin = huaweiClient(server.url, admin.access_key, admin.secret_key, admin.project_id);
  keyId = (await asAdmin.call('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'orders-key' })).key_info.key_id;
  await asAdmin.call('POST', '/v1/{project_id}/secrets', { name: 'orders-db', secret_string: 'orders-pw' });
  await asAdmin.call('POST', '/v1/{project_id}/secrets', { name: 'billing-db', secret_string: 'BILLING-SECRET-VALUE' });
  await asAdmin.call('PUT', '/edgekms/v1/policies/orders', {
    document: {
      Version: '1.1',
      Statement: [
        { Effect: 'Allow', Action: ['kms:cmk:encrypt', 'kms:cmk:decrypt'], Resource: ['KMS:*:*:KeyAlias:orders-*'] },
        { Effect: 'Allow', Action: ['csms:secretVersion:get', 'csms:secret:get'], Resource: ['CSMS:*:*:secret:orders-*'] },
      ],
    },
  });
  await asAdmin.call('POST', '/edgekms/v1/users', { name: 'orders', projects: [admin.project_id] });
  await asAdmin.call('PUT', '/edgekms/v1/users/orders/policies/orders');
  user = (await asAdmin.call('POST', '/edgekms/v1/users/orders/access-keys')).credential;
}, 30_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Send {
  method?: string;
  path: string;
  query?: [string, string][];
  body?: string;
  time?: number;
  /** Changes what is sent after signing. */
  after?: (headers: Record<string, string>, req: { path: string; query: [string, string][]; body?: string }) => void;
  as?: { access_key: string; secret_key: string };
}

async function send(o: Send): Promise<{ status: number; body: any }> {
  const who = o.as ?? admin;
  const url = new URL(server.url);
  const query = o.query ?? [];
  const headers = signRequest(
    { method: o.method ?? 'POST', path: o.path, query, headers: { 'content-type': 'application/json', host: url.host, 'x-project-id': admin.project_id }, body: o.body === undefined ? undefined : utf8(o.body) },
    { accessKey: who.access_key, secretKey: who.secret_key, time: o.time },
  );
  const req = { path: o.path, query: [...query], body: o.body };
  o.after?.(headers, req);
  delete headers.host;
  const qs = req.query.length ? `?${new URLSearchParams(req.query)}` : '';
  const res = await fetch(`${server.url}${req.path}${qs}`, { method: o.method ?? 'POST', headers, body: req.body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const encryptPath = () => `/v1.0/${admin.project_id}/kms/encrypt-data`;
const encryptBody = () => JSON.stringify({ key_id: keyId, plain_text: 'hello' });

describe('attacks over signed loopback HTTP', () => {
  it('a correctly signed request goes through (the baseline the attacks below change)', async () => {
    expect((await send({ path: encryptPath(), body: encryptBody() })).status).toBe(200);
  });

  it('replay outside the date window: 401', async () => {
    for (const skew of [-16 * 60_000, 16 * 60_000]) {
      const r = await send({ path: encryptPath(), body: encryptBody(), time: Date.now() + skew });
      expect([r.status, r.body.error_code]).toEqual([401, 'APIGW.0301']);
    }
  });

  it('tampered header, query or body: 401, and nothing changes', async () => {
    const before = (await asAdmin.call('POST', '/v1.0/{project_id}/kms/list-keys', {})).total;
    const header = await send({ path: encryptPath(), body: encryptBody(), after: (h) => (h['x-project-id'] = 'ffffffffffffffffffffffffffffffff') });
    const body = await send({ path: encryptPath(), body: encryptBody(), after: (_h, r) => (r.body = r.body!.replace('hello', 'hellp')) });
    const query = await send({ path: `/v1.0/${admin.project_id}/kms/list-keys`, query: [['limit', '1']], body: '{}', after: (_h, r) => (r.query = [['limit', '2']]) });
    const created = await send({ path: `/v1.0/${admin.project_id}/kms/create-key`, body: '{"key_alias":"signed-alias"}', after: (_h, r) => (r.body = '{"key_alias":"other-alias"}') });
    for (const r of [header, body, query, created]) expect([r.status, r.body.error_code]).toEqual([401, 'APIGW.0301']);
    expect((await asAdmin.call('POST', '/v1.0/{project_id}/kms/list-keys', {})).total).toBe(before);
  });

  it('a signed header dropped from SignedHeaders, or listed but not sent: 401', async () => {
    const dropped = await send({
      path: encryptPath(),
      body: encryptBody(),
      after: (h) => (h.authorization = h.authorization.replace('content-type;host;x-project-id;x-sdk-date', 'content-type;host;x-sdk-date')),
    });
    const missing = await send({ path: encryptPath(), body: encryptBody(), after: (h) => delete h['x-project-id'] });
    const noDate = await send({ path: encryptPath(), body: encryptBody(), after: (h) => (h.authorization = h.authorization.replace(';x-sdk-date', '')) });
    for (const r of [dropped, missing, noDate]) expect([r.status, r.body.error_code]).toEqual([401, 'APIGW.0301']);
  });

  it('path traversal and Unicode confusables in names: refused as bad names, never reaching another secret', async () => {
    const base = `/v1/${admin.project_id}/secrets/`;
    for (const name of ['orders-..%2Fbilling-db', 'orders-%2e%2e%2f%2e%2e%2fbilling-db', 'orders-db%2F..%2F..%2Fbilling-db', '..%2Fbilling-db']) {
      const r = await send({ method: 'GET', path: `${base}${name}/versions/latest`, as: user });
      expect(r.status, name).toBeGreaterThanOrEqual(400);
      expect(r.status, name).toBeLessThan(500);
      expect(JSON.stringify(r.body)).not.toContain('BILLING-SECRET-VALUE');
    }
    // Cyrillic look-alikes: "оrders-db" (U+043E) is not orders-db, and no name may hold it.
    const confusable = await send({ method: 'GET', path: `${base}${encodeURIComponent('оrders-db')}/versions/latest`, as: user });
    expect(confusable.status).toBe(403);
    const created = await send({ path: `/v1/${admin.project_id}/secrets`, body: JSON.stringify({ name: 'оrders-db', secret_string: 'x' }) });
    expect(created.status).toBe(400);
    for (const alias of ['../../etc/passwd', 'оrders-key', 'orders-key\u200b', 'orders-ｋey']) {
      const r = await send({ path: `/v1.0/${admin.project_id}/kms/create-key`, body: JSON.stringify({ key_alias: alias }) });
      expect([alias, r.status]).toEqual([alias, 400]);
    }
    // The user's policy on orders-* does not stretch to a look-alike key reference either.
    const byAlias = await send({ path: encryptPath(), body: JSON.stringify({ key_id: 'оrders-key', plain_text: 'x' }), as: user });
    expect(byAlias.status).toBeGreaterThanOrEqual(400);
    expect(byAlias.status).toBeLessThan(500);
  });

  it('very long header values are refused without harm', async () => {
    const long = await send({ path: encryptPath(), body: encryptBody(), after: (h) => (h['x-padding'] = 'a'.repeat(64 * 1024)) }).catch(() => ({ status: 0, body: undefined }));
    expect([0, 400, 401, 413, 431]).toContain(long.status);
    const longAuth = await send({ path: encryptPath(), body: encryptBody(), after: (h) => (h.authorization = `${h.authorization}${' '.repeat(8000)}x`) });
    expect(longAuth.status).toBe(401);
    expect((await send({ path: encryptPath(), body: encryptBody() })).status).toBe(200);
  });

  it('a policy edited while requests are in flight: every answer is 200 or 403, and after the edit only 403', async () => {
    const asUser = huaweiClient(server.url, user.access_key, user.secret_key, admin.project_id);
    expect((await asUser.call('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: keyId, plain_text: 'x' })).key_id).toBe(keyId);
    const inFlight = Array.from({ length: 30 }, () => send({ path: encryptPath(), body: encryptBody(), as: user }));
    const edit = asAdmin.call('PUT', '/edgekms/v1/policies/orders', { document: { Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['kms:*'] }] } });
    const answers = await Promise.all(inFlight);
    await edit;
    for (const a of answers) expect([200, 403]).toContain(a.status);
    const after = await Promise.all(Array.from({ length: 5 }, () => send({ path: encryptPath(), body: encryptBody(), as: user })));
    expect(after.map((a) => [a.status, a.body.error_code])).toEqual(Array(5).fill([403, 'KMS.0306']));
  });
});
