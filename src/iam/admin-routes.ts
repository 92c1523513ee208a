// edgekms's own identity API, under /edgekms/v1 (no Huawei path starts with /edgekms): users, their
// access keys, identity policies, and the audit log (query and chain verification). Requests are signed like every other; the HTTP layer lets only the
// deployment's administrator through. Errors are {"error_code": "EDGEKMS.04xx", "error_msg"} with the
// status in the code (docs/iam.md).
import { Hono, type Context } from 'hono';
import { fromUtf8 } from '../crypto/bytes.ts';
import type { AuditLog, AuditQuery } from '../audit/log.ts';
import type { RoleRecord } from './roles.ts';
import { describeUser, DirectoryError, type Directory } from './directory.ts';

type Env = { Variables: { body: Uint8Array } };

function jsonBody(c: Context<Env>): Record<string, unknown> {
  const bytes = c.get('body');
  if (!bytes || bytes.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(fromUtf8(bytes));
  } catch {
    throw new DirectoryError(400, 'EDGEKMS.0400', 'The request body is not valid JSON.');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new DirectoryError(400, 'EDGEKMS.0400', 'The request body must be a JSON object.');
  return v as Record<string, unknown>;
}

const ISO_TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{2,12}Z$/;

function auditQuery(q: (name: string) => string | undefined): AuditQuery {
  const bad = (why: string) => new DirectoryError(400, 'EDGEKMS.0400', why);
  const from = q('from');
  const to = q('to');
  if (from !== undefined && !ISO_TIME.test(from)) throw bad('from must be an ISO time such as 2026-01-01T00:00:00Z.');
  if (to !== undefined && !ISO_TIME.test(to)) throw bad('to must be an ISO time such as 2026-01-01T00:00:00Z.');
  const result = q('result');
  if (result !== undefined && result !== 'success' && result !== 'failure') throw bad('result must be success or failure.');
  const limit = q('limit');
  if (limit !== undefined && !/^[1-9][0-9]{0,3}$/.test(limit)) throw bad('limit must be 1-1000.');
  const marker = q('marker');
  if (marker !== undefined && !/^[0-9]{1,12}$/.test(marker)) throw bad('marker must be a sequence number.');
  const identity = q('identity');
  const resource = q('resource');
  for (const v of [identity, resource]) if (v !== undefined && (v.length === 0 || v.length > 128)) throw bad('identity and resource are 1-128 characters.');
  return { from, to, identity, resource, result, limit: limit === undefined ? undefined : Math.min(Number(limit), 1000), marker: marker === undefined ? undefined : Number(marker) };
}

export function identityApi(directory: Directory, audit?: AuditLog): Hono<Env> {
  const api = new Hono<Env>();
  if (audit) {
    api.get('/audit', async (c) => c.json(await audit.query(auditQuery((n) => c.req.query(n)))));
    api.get('/audit/verify', async (c) => c.json(await audit.verify()));
  }
  api.post('/users', async (c) => c.json({ user: describeUser(await directory.createUser(jsonBody(c).name, jsonBody(c).projects)) }, 201));
  api.get('/users', async (c) => c.json({ users: (await directory.listUsers()).map(describeUser) }));
  api.get('/users/:name', async (c) => c.json({ user: describeUser(await directory.user(c.req.param('name'))) }));
  api.delete('/users/:name', async (c) => {
    await directory.deleteUser(c.req.param('name'));
    return c.body(null, 204);
  });
  api.post('/users/:name/access-keys', async (c) => c.json({ credential: await directory.createAccessKey(c.req.param('name')) }, 201));
  api.get('/users/:name/access-keys', async (c) => c.json({ credentials: await directory.listAccessKeys(c.req.param('name')) }));
  api.put('/users/:name/access-keys/:ak', async (c) => {
    await directory.setAccessKeyStatus(c.req.param('name'), c.req.param('ak'), jsonBody(c).status);
    return c.body(null, 204);
  });
  api.delete('/users/:name/access-keys/:ak', async (c) => {
    await directory.deleteAccessKey(c.req.param('name'), c.req.param('ak'));
    return c.body(null, 204);
  });
  api.put('/users/:name/policies/:policy', async (c) => {
    await directory.attachPolicy(c.req.param('name'), c.req.param('policy'));
    return c.body(null, 204);
  });
  api.delete('/users/:name/policies/:policy', async (c) => {
    await directory.detachPolicy(c.req.param('name'), c.req.param('policy'));
    return c.body(null, 204);
  });
  const showRole = ({ token_sha256: _hash, ...role }: RoleRecord) => role;
  api.post('/roles', async (c) => {
    const b = jsonBody(c);
    const { role, workload_token } = await directory.roles.create(b.name, b.projects, b.policies, b.duration_seconds);
    return c.json({ role: showRole(role), workload_token }, 201);
  });
  api.get('/roles', async (c) => c.json({ roles: (await directory.roles.list()).map(showRole) }));
  api.get('/roles/:name', async (c) => c.json({ role: showRole(await directory.roles.get(c.req.param('name'))) }));
  api.delete('/roles/:name', async (c) => {
    await directory.roles.delete(c.req.param('name'));
    return c.body(null, 204);
  });
  api.post('/roles/:name/revoke', async (c) => {
    await directory.roles.revokeSessions(c.req.param('name'));
    return c.body(null, 204);
  });
  api.put('/roles/:name/policies/:policy', async (c) => {
    await directory.policy(c.req.param('policy'));
    await directory.roles.attachPolicy(c.req.param('name'), c.req.param('policy'));
    return c.body(null, 204);
  });
  api.delete('/roles/:name/policies/:policy', async (c) => {
    await directory.roles.detachPolicy(c.req.param('name'), c.req.param('policy'));
    return c.body(null, 204);
  });
  api.put('/policies/:name', async (c) => c.json({ policy: await directory.putPolicy(c.req.param('name'), jsonBody(c).document) }));
  api.get('/policies', async (c) => c.json({ policies: await directory.listPolicies() }));
  api.get('/policies/:name', async (c) => c.json({ policy: await directory.policy(c.req.param('name')) }));
  api.delete('/policies/:name', async (c) => {
    await directory.deletePolicy(c.req.param('name'));
    return c.body(null, 204);
  });
  return api;
}
