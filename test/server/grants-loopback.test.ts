// Grants enforced over real loopback HTTP: a non-administrator credential signs its own requests and can
// run exactly what a grant gives it on exactly that key; revoking takes effect on the next request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignedClient } from '../../src/sdk/client.ts';
import { ApiError } from '../../src/sdk/errors.ts';
import { ADMIN, USERS, listen, makeRig, rejection, type Rig } from '../helpers/kms.ts';

let rig: Rig;
let server: { url: string; close(): Promise<void> };
let admin: SignedClient;
let alice: SignedClient;

const client = (accessKey: string, secretKey: string) => new SignedClient({ endpoint: server.url, accessKey, secretKey, projectId: ADMIN.project, now: () => rig.clock.now() });
const call = (c: SignedClient, action: string, body: unknown) => c.request('POST', `/v1.0/{project_id}/kms/${action}`, body);

beforeAll(async () => {
  rig = await makeRig();
  server = await listen(rig.app);
  admin = client(ADMIN.accessKey, ADMIN.secretKey);
  alice = client(USERS.alice.accessKey, USERS.alice.secretKey);
});
afterAll(() => server.close());

describe('grants over loopback HTTP', () => {
  it('a grantee signs with the granted key only, until the grant is revoked', async () => {
    const signer = (await call(admin, 'create-key', { key_alias: 'lb-sign', key_spec: 'EC_P256' })).key_info.key_id;
    const other = (await call(admin, 'create-key', { key_alias: 'lb-other', key_spec: 'EC_P256' })).key_info.key_id;
    const digest = Buffer.alloc(32, 3).toString('base64');
    const body = (key_id: string) => ({ key_id, message: digest, signing_algorithm: 'ECDSA_SHA_256' });
    const denied = await rejection<ApiError>(call(alice, 'sign', body(signer)));
    expect([denied.status, denied.code]).toEqual([403, 'KMS.0306']);
    const { grant_id } = await call(admin, 'create-grant', { key_id: signer, grantee_principal: USERS.alice.principal, operations: ['sign'] });
    const signed = await call(alice, 'sign', body(signer));
    expect((await call(admin, 'verify', { ...body(signer), signature: signed.signature })).signature_valid).toBe('true');
    expect((await rejection<ApiError>(call(alice, 'sign', body(other)))).code).toBe('KMS.0306');
    expect((await rejection<ApiError>(call(alice, 'verify', { ...body(signer), signature: signed.signature }))).code).toBe('KMS.0306');
    expect((await rejection<ApiError>(call(alice, 'create-key', { key_alias: 'mine' }))).code).toBe('KMS.0307');
    await call(admin, 'revoke-grant', { key_id: signer, grant_id });
    expect((await rejection<ApiError>(call(alice, 'sign', body(signer)))).status).toBe(403);
  });
});
