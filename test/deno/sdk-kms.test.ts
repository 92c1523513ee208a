// The SDK's KMS side under Deno, through the public barrel (src/sdk/index.ts): KmsClient, KMS keyring
// round trips with a context, the caching manager, a multi-region keyring with one region down, and the
// retry policy — against the portable KMS core served in-process (no node: APIs involved).
import assert from 'node:assert/strict';
import { StaticCredentials } from '../../src/iam/credentials.ts';
import { openDeployment } from '../../src/kms/deployment.ts';
import { Kms } from '../../src/kms/kms.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { portableCrypto } from '../../src/crypto/provider.ts';
import { createApp } from '../../src/server/app.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { ApiError, CachingMaterialsManager, KmsClient, KmsKeyring, MultiRegionKeyring, NetworkError, decrypt, encrypt } from '../../src/sdk/index.ts';

const Deno = (globalThis as unknown as { Deno: { test(name: string, fn: () => Promise<void>): void } }).Deno;
const AK = 'DENOSDKAK00000000000';
const SK = 'DenoSdkSecretKey000000000000000000000000';
const PROJECT = 'deno5d4000000000000000000000000a';

async function region() {
  const store = new MemoryStore();
  const rootKey = await RootKey.fromBytes(RootKey.generate(), portableCrypto);
  const { domainId } = await openDeployment(store, rootKey);
  const kms = new Kms({ store, rootKey, crypto: portableCrypto, domainId });
  const app = createApp({ kms, credentials: new StaticCredentials([{ accessKey: AK, secretKey: new TextEncoder().encode(SK), principal: 'admin', projects: '*', role: 'admin' }]) });
  let up = true;
  let calls = 0;
  const client = new KmsClient({
    endpoint: 'http://kms.test',
    accessKey: AK,
    secretKey: SK,
    projectId: PROJECT,
    retry: { sleep: async () => {} },
    fetch: async (r) => {
      calls++;
      if (!up) throw Object.assign(new TypeError('connection refused'), { unsent: true });
      return app.fetch(r);
    },
  });
  const keyId = (await client.createKey({ key_alias: 'deno-sdk' })).key_info.key_id;
  return { client, keyId, stop: () => (up = false), calls: () => calls };
}

Deno.test('SDK on Deno: KMS keyring, caching manager, multi-region with a region down, retry', async () => {
  const a = await region();
  const b = await region();
  const context = { tenant: 'deno' };
  const data = new Uint8Array(70_000).map((_, i) => (i * 31 + 7) & 0xff);

  const keyring = new KmsKeyring({ client: a.client, keyId: a.keyId, region: 'deno-a' });
  const { ciphertext } = await encrypt(data, { keyring, encryptionContext: context });
  assert.deepEqual((await decrypt(ciphertext, { keyring })).plaintext, data);

  const cmm = new CachingMaterialsManager({ keyring, maxAgeMs: 60_000 });
  const before = a.calls();
  for (let i = 0; i < 20; i++) await encrypt(data.subarray(0, 100), { materialsManager: cmm, encryptionContext: context });
  assert.equal(a.calls() - before, 1);

  const regions = [
    { region: 'deno-a', client: a.client, keyId: a.keyId },
    { region: 'deno-b', client: b.client, keyId: b.keyId },
  ];
  const dr = await encrypt(data, { keyring: new MultiRegionKeyring({ regions }), encryptionContext: context });
  a.stop();
  const reader = new MultiRegionKeyring({ regions, callTimeoutMs: 2000 });
  assert.deepEqual((await decrypt(dr.ciphertext, { keyring: reader })).plaintext, data);
  await assert.rejects(encrypt(data, { keyring: new MultiRegionKeyring({ regions }) }), /regions wrapped/);

  // A refused connection is retried (3 attempts), then reported as NetworkError; a 4xx is not retried.
  const n = a.calls();
  await assert.rejects(a.client.describeKey({ key_id: a.keyId }), (e: unknown) => e instanceof NetworkError && e.unsent && e.attempts === 3);
  assert.equal(a.calls() - n, 3);
  await assert.rejects(b.client.describeKey({ key_id: '00000000-0000-4000-8000-000000000000' }), (e: unknown) => e instanceof ApiError && e.code === 'KMS.0207' && e.attempts === 1);
});
