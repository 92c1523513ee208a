// The SDK's issuer of a workload's temporary credentials (edgekms's token API) under RefreshingCredentials:
// a KmsClient signs with them, within its role's policy; a wrong workload token is the server's 401; an
// answer without a complete credential is refused rather than used.
import { describe, expect, it } from 'vitest';
import { RootKey } from '../../src/kms/root-key.ts';
import { readEnv } from '../../src/runtime/config.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { adminCredential, createService } from '../../src/runtime/service.ts';
import { loadWasmNode } from '../../src/runtime/wasm-node.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import { RefreshingCredentials } from '../../src/sdk/credentials.ts';
import { ApiError, NetworkError } from '../../src/sdk/errors.ts';
import { KmsClient } from '../../src/sdk/kms/client.ts';
import { issueWorkloadCredential, workloadIssuer } from '../../src/sdk/workload.ts';
import { MemoryStore } from '../../src/store/memory.ts';

const PROJECT = 'a0000000000000000000000000000001';
const ADMIN = { ak: 'WORKLOADADMINAK00000', sk: 'WorkloadAdminSecretKey000000000000000000' };

describe('workloadIssuer', () => {
  it('gives RefreshingCredentials what a KmsClient signs with, limited by the role\'s policy; a wrong token is 401', async () => {
    await loadWasmNode();
    const service = await createService({ store: new MemoryStore(), rootKey: await RootKey.fromBytes(new Uint8Array(32).fill(4), nodeCrypto), crypto: nodeCrypto, config: readEnv({ EDGEKMS_LOG: 'silent' }), credentials: [adminCredential(ADMIN.ak, ADMIN.sk)], logError: () => {} });
    const fetch = async (r: Request) => service.app.fetch(r);
    const admin = new SignedClient({ endpoint: 'http://kms.test', accessKey: ADMIN.ak, secretKey: ADMIN.sk, projectId: PROJECT, fetch, retry: false });
    await admin.request('PUT', '/edgekms/v1/policies/lister', { document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['kms:cmk:list'] }] } });
    const { workload_token } = await admin.request('POST', '/edgekms/v1/roles', { name: 'worker', projects: [PROJECT], policies: ['lister'], duration_seconds: 600 });

    let issued = 0;
    const issue = workloadIssuer({ endpoint: 'http://kms.test', workloadToken: workload_token, fetch: (r) => (issued++, fetch(r)) });
    const kms = new KmsClient(new SignedClient({ endpoint: 'http://kms.test', projectId: PROJECT, credentials: new RefreshingCredentials(issue), fetch, retry: false }));
    expect((await kms.listKeys({})).total).toBe(0);
    expect((await kms.listKeys({})).total).toBe(0);
    expect(issued).toBe(1); // fetched once, reused until near expiry
    const refused = await kms.createKey({ key_alias: 'not-allowed' }).catch((e) => e);
    expect([refused.status, refused.code]).toEqual([403, 'KMS.0307']);

    const narrowed = await issueWorkloadCredential({ endpoint: 'http://kms.test', workloadToken: workload_token, durationSeconds: 60, fetch });
    expect(Date.parse(narrowed.expires_at) - Date.now()).toBeLessThanOrEqual(60_000);
    const wrong = await issueWorkloadCredential({ endpoint: 'http://kms.test', workloadToken: `${workload_token.slice(0, -1)}x`, fetch }).catch((e) => e);
    expect(wrong).toBeInstanceOf(ApiError);
    expect([wrong.status, wrong.code]).toEqual([401, 'APIGW.0301']);
    const tooLong = await issueWorkloadCredential({ endpoint: 'http://kms.test', workloadToken: workload_token, durationSeconds: 601, fetch }).catch((e) => e);
    expect([tooLong.status, tooLong.code]).toEqual([400, 'EDGEKMS.0400']);
  });

  it('refuses an answer without a complete credential, and reports an unreachable issuer as a NetworkError', async () => {
    const answer = (body: unknown) => async () => new Response(JSON.stringify(body), { status: 201 });
    for (const body of [{}, { credential: { access: 'A', secret: 'S', securitytoken: 'T' } }, { credential: { access: 'A', secret: 'S', securitytoken: 'T', expires_at: 'soon' } }]) {
      const e = await issueWorkloadCredential({ endpoint: 'http://kms.test', workloadToken: 't', fetch: answer(body) }).catch((x) => x);
      expect(e, JSON.stringify(body)).toBeInstanceOf(NetworkError);
    }
    const down = await issueWorkloadCredential({ endpoint: 'http://kms.test', workloadToken: 't', fetch: async () => Promise.reject(new TypeError('fetch failed')) }).catch((x) => x);
    expect(down).toBeInstanceOf(NetworkError);
  });
});
