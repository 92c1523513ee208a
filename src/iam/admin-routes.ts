// edgekms's own identity API, under /edgekms/v1 (no Huawei path starts with /edgekms): users, their
// access keys, and identity policies. Requests are signed like every other; the HTTP layer lets only the
// deployment's administrator through. Errors are {"error_code": "EDGEKMS.04xx", "error_msg"} with the
// status in the code (docs/iam.md).
import { Hono, type Context } from 'hono';
import { fromUtf8 } from '../crypto/bytes.ts';
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

export function identityApi(directory: Directory): Hono<Env> {
  const api = new Hono<Env>();
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
  api.put('/policies/:name', async (c) => c.json({ policy: await directory.putPolicy(c.req.param('name'), jsonBody(c).document) }));
  api.get('/policies', async (c) => c.json({ policies: await directory.listPolicies() }));
  api.get('/policies/:name', async (c) => c.json({ policy: await directory.policy(c.req.param('name')) }));
  api.delete('/policies/:name', async (c) => {
    await directory.deletePolicy(c.req.param('name'));
    return c.body(null, 204);
  });
  return api;
}
