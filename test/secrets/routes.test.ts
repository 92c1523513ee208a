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
import { ADMIN, makeRig } from '../helpers/kms.ts';

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
  const run = async (name: string, call: Partial<Call>, params: Record<string, string> = {}, body: object = {}) => {
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
    const update = [allow(['csms:secret:update'], [secretArn('app-*')])];
    expect(await run('UpdateSecret', { policies: update }, { secret_name: 'other' }, { name: 'app-1', description: 'x' })).toEqual(refusal('UpdateSecret'));
  });

  it('every route has its action', () => {
    expect(CSMS_ROUTES.filter((r) => typeof CSMS_ACTIONS[r.name] !== 'string').map((r) => r.name)).toEqual([]);
  });
});
