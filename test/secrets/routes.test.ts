// Who may call which CSMS route, in-process: administrators everything; any other caller only what an
// Allow of its identity policies covers (the secret's name from the path, or from the body for
// CreateSecret) with no Deny and within a temporary credential's narrowing; the refusal is 403 KMS.0307
// naming the operation and action, before the operation runs.
import { describe, expect, it } from 'vitest';
import { CSMS_ACTIONS } from '../../src/iam/actions.ts';
import type { Statement } from '../../src/iam/policy.ts';
import { CsmsError } from '../../src/secrets/errors.ts';
import { csmsFields, type Call } from '../../src/secrets/operation.ts';
import { CSMS_ROUTES } from '../../src/secrets/routes.ts';
import { Secrets } from '../../src/secrets/secrets.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import { ADMIN, makeRig, USERS } from '../helpers/kms.ts';

const route = (name: string) => CSMS_ROUTES.find((r) => r.name === name)!;
const allow = (Action: string[], Resource?: string[]): Statement => ({ Effect: 'Allow', Action, ...(Resource ? { Resource } : {}) });
const deny = (Action: string[], Resource?: string[]): Statement => ({ Effect: 'Deny', Action, ...(Resource ? { Resource } : {}) });

async function setup() {
  const t = await makeRig();
  const secrets = new Secrets(t.kms);
  await t.client.request('POST', '/v1/{project_id}/secrets', { name: 'db-password', secret_string: 'pw' });
  await t.client.request('POST', '/v1/{project_id}/secrets', { name: 'other', secret_string: 'x' });
  const region = t.kms.region;
  const secretArn = (name: string) => `CSMS:${region}:${ADMIN.project}:secret:${name}`;
  const run = async (name: string, call: Partial<Call>, params: Record<string, string> = {}, body: object = {}): Promise<any> => {
    const c: Call = { project: ADMIN.project, principal: 'someone', role: 'user', requestId: 'r', ...call };
    try {
      return await route(name).op(secrets, c, { body: csmsFields(body), query: new URLSearchParams(), params });
    } catch (e) {
      if (!(e instanceof CsmsError)) throw e;
      return { refused: [e.status, e.code, e.message] };
    }
  };
  return { t, secrets, secretArn, run };
}

const refusal = (name: string) => ({ refused: [403, 'KMS.0307', `The caller may not call ${name}: no policy of the caller allows ${CSMS_ACTIONS[name]} on this resource.`] });

describe('CSMS authorization', () => {
  it('an administrator may call anything; a user without policies nothing', async () => {
    const { run } = await setup();
    expect((await run('ShowSecretVersion', { role: 'admin' }, { secret_name: 'db-password', version_id: 'latest' })).body).toMatchObject({ version: { secret_string: 'pw' } });
    expect(await run('ShowSecretVersion', {}, { secret_name: 'db-password', version_id: 'latest' })).toEqual(refusal('ShowSecretVersion'));
    expect(await run('ListSecrets', { policies: [] })).toEqual(refusal('ListSecrets'));
  });

  it('an Allow on the action and the secret by name lets a user in, for that secret only', async () => {
    const { run, secretArn } = await setup();
    const policies = [allow(['csms:secretVersion:get'], [secretArn('db-*')])];
    expect((await run('ShowSecretVersion', { policies }, { secret_name: 'db-password', version_id: 'latest' })).body).toMatchObject({ version: { secret_string: 'pw' } });
    expect(await run('ShowSecretVersion', { policies }, { secret_name: 'other', version_id: 'latest' })).toEqual(refusal('ShowSecretVersion'));
    // Another action on the same secret is not covered.
    expect(await run('ShowSecret', { policies }, { secret_name: 'db-password' })).toEqual(refusal('ShowSecret'));
  });

  it('a Deny wins, and a temporary credential’s narrowing limits what its policies allow', async () => {
    const { run, secretArn } = await setup();
    const everything = [allow(['csms:*:*'])];
    const params = { secret_name: 'db-password', version_id: 'latest' };
    expect((await run('ShowSecretVersion', { policies: everything }, params)).body).toBeDefined();
    expect(await run('ShowSecretVersion', { policies: [...everything, deny(['csms:secretVersion:get'], [secretArn('db-password')])] }, params)).toEqual(refusal('ShowSecretVersion'));
    expect(await run('ShowSecretVersion', { policies: everything, narrowing: [allow(['csms:secret:get'])] }, params)).toEqual(refusal('ShowSecretVersion'));
    expect((await run('ShowSecretVersion', { policies: everything, narrowing: [allow(['csms:secretVersion:get'])] }, params)).body).toBeDefined();
  });

  it('CreateSecret is judged on the name in the body', async () => {
    const { run, secretArn } = await setup();
    const policies = [allow(['csms:secret:create'], [secretArn('app-*')])];
    expect((await run('CreateSecret', { policies }, {}, { name: 'app-1', secret_string: 'v' })).body).toMatchObject({ secret: { name: 'app-1' } });
    expect(await run('CreateSecret', { policies }, {}, { name: 'db-2', secret_string: 'v' })).toEqual(refusal('CreateSecret'));
    // The body name counts only for CreateSecret: another operation with a body name is judged on its path.
    const event = { name: 'app-event', event_types: ['SECRET_ROTATED'], state: 'ENABLED', notification: { target_type: 'SMN', target_id: 'urn', target_name: 'n' } };
    expect(await run('CreateSecretEvent', { policies: [allow([CSMS_ACTIONS.CreateSecretEvent], [secretArn('app-*')])] }, {}, event)).toEqual(refusal('CreateSecretEvent'));
    expect((await run('CreateSecretEvent', { policies: [allow([CSMS_ACTIONS.CreateSecretEvent])] }, {}, event)).body).toBeDefined();
    const update = [allow(['csms:secret:update'], [secretArn('app-*')])];
    expect(await run('UpdateSecret', { policies: update }, { secret_name: 'other' }, { name: 'app-1', description: 'x' })).toEqual(refusal('UpdateSecret'));
  });

  it('every route has its action', () => {
    expect(CSMS_ROUTES.filter((r) => typeof CSMS_ACTIONS[r.name] !== 'string').map((r) => r.name)).toEqual([]);
  });

  it('a user without policies gets 403 KMS.0307 from every route, in the route’s error form, before the operation runs', async () => {
    const t = await makeRig();
    let raw: unknown;
    const alice = new SignedClient({
      endpoint: 'http://kms.test',
      accessKey: USERS.alice.accessKey,
      secretKey: USERS.alice.secretKey,
      projectId: ADMIN.project,
      fetch: async (r) => {
        const res = await t.app.fetch(r);
        raw = await res.clone().json();
        return res;
      },
      now: () => t.clock.now(),
      retry: false,
    });
    const id = '11111111-2222-4333-8444-555555555555';
    for (const r of CSMS_ROUTES) {
      const path = r.path.replace(/:secret_name|:event_name|:version_id|:stage_name|:key/g, 'x').replace(/:secret_id|:resource_id/g, id).replace(/:[a-z_]+/g, 'x');
      const e = await alice.request(r.method, `/v1/{project_id}${path}`, r.method === 'GET' || r.method === 'DELETE' ? undefined : {}).catch((x) => x);
      expect([e.status, e.code], `${r.name} ${path}`).toEqual([403, 'KMS.0307']);
      const message = `The caller may not call ${r.name}: no policy of the caller allows ${CSMS_ACTIONS[r.name]} on this resource.`;
      const flat = { error_code: 'KMS.0307', error_msg: message };
      if (r.errors === 'flat') expect(raw, r.name).toEqual(flat);
      else expect(raw, r.name).toEqual({ error: flat, ...flat });
    }
  });
});
