// user-quotas and the limits behind it: CMKs per project (KMS.1105) and grants per CMK (KMS.2404), set
// through KmsLimits (and EDGEKMS_QUOTA_* on Node, see test/server/features-e2e.test.ts).
import { describe, expect, it } from 'vitest';
import { readEnv } from '../../src/runtime/config.ts';
import { ApiError } from '../../src/sdk/errors.ts';
import { makeRig, rejection } from '../helpers/kms.ts';

describe('user-quotas', () => {
  it('reports CMKs and the most grants on one CMK against the configured limits, and enforces both', async () => {
    const rig = await makeRig({ limits: { keysPerProject: 3, grantsPerKey: 2 } });
    const kms = (action: string, body: unknown) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
    const quotas = () => rig.client.request('GET', '/v1.0/{project_id}/kms/user-quotas');
    expect(await quotas()).toEqual({
      quotas: {
        resources: [
          { type: 'CMK', used: 0, quota: 3 },
          { type: 'grant_per_CMK', used: 0, quota: 2 },
        ],
      },
    });
    const a = (await kms('create-key', { key_alias: 'q1' })).key_info.key_id;
    await kms('create-key', { key_alias: 'q2', key_spec: 'EC_P256' });
    await kms('create-grant', { key_id: a, grantee_principal: 'alice01', operations: ['describe-key'] });
    expect((await quotas()).quotas.resources).toEqual([
      { type: 'CMK', used: 2, quota: 3 },
      { type: 'grant_per_CMK', used: 1, quota: 2 },
    ]);
    await kms('create-key', { key_alias: 'q3', key_spec: 'HMAC_256' });
    const full = await rejection<ApiError>(kms('create-key', { key_alias: 'q4', key_spec: 'RSA_2048' }));
    expect([full.status, full.code]).toEqual([400, 'KMS.1105']);
    await kms('create-grant', { key_id: a, grantee_principal: 'bob02', operations: ['describe-key'] });
    expect((await rejection<ApiError>(kms('create-grant', { key_id: a, grantee_principal: 'carol', operations: ['describe-key'] }))).code).toBe('KMS.2404');
    expect((await quotas()).quotas.resources).toEqual([
      { type: 'CMK', used: 3, quota: 3 },
      { type: 'grant_per_CMK', used: 2, quota: 2 },
    ]);
  });

  it('defaults to 100000 CMKs and 100 grants per CMK; EDGEKMS_QUOTA_* are read strictly', async () => {
    const rig = await makeRig();
    const r = await rig.client.request('GET', '/v1.0/{project_id}/kms/user-quotas');
    expect(r.quotas.resources.map((x: { quota: number }) => x.quota)).toEqual([100000, 100]);
    expect(readEnv({ EDGEKMS_QUOTA_KEYS: '20', EDGEKMS_QUOTA_GRANTS_PER_KEY: '5' })).toMatchObject({ quotaKeys: 20, quotaGrantsPerKey: 5 });
    expect(readEnv({})).toMatchObject({ quotaKeys: undefined, quotaGrantsPerKey: undefined });
    for (const bad of ['0', '-1', '1.5', 'ten', '01', '1000000000']) expect(() => readEnv({ EDGEKMS_QUOTA_KEYS: bad }), bad).toThrow(/EDGEKMS_QUOTA_KEYS/);
  });
});
