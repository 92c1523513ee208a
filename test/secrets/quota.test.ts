// EDGEKMS_QUOTA_SECRETS: read strictly from the environment and applied by the service every entry point
// builds (npm start, Deno, the Worker): secrets up to the quota, then CSMS.0202 with nothing changed, also
// for creates that arrive together.
import { describe, expect, it } from 'vitest';
import { RootKey } from '../../src/kms/root-key.ts';
import { readEnv } from '../../src/runtime/config.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { adminCredential, createService } from '../../src/runtime/service.ts';
import { loadWasmNode } from '../../src/runtime/wasm-node.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import { SecretsClient } from '../../src/sdk/secrets/index.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { listAll } from '../../src/store/store.ts';

/** The service every entry point builds, over a memory store, with EDGEKMS_QUOTA_SECRETS=`quota`. */
async function quotaService(quota: string) {
  await loadWasmNode();
  const store = new MemoryStore();
  const rootKey = await RootKey.fromBytes(new Uint8Array(32).fill(3), nodeCrypto);
  const config = readEnv({ EDGEKMS_QUOTA_SECRETS: quota, EDGEKMS_LOG: 'silent' });
  const service = await createService({ store, rootKey, crypto: nodeCrypto, config, credentials: [adminCredential('QUOTAADMINAK00000000', 'QuotaAdminSecretKey000000000000000000000')], logError: () => {} });
  const secrets = new SecretsClient(
    new SignedClient({ endpoint: 'http://kms.test', accessKey: 'QUOTAADMINAK00000000', secretKey: 'QuotaAdminSecretKey000000000000000000000', projectId: 'quota000000000000000000000000000', fetch: async (r) => service.app.fetch(r), retry: false }),
  );
  return { store, service, secrets };
}

describe('EDGEKMS_QUOTA_SECRETS', () => {
  it('is read strictly and defaults to the built-in quota', () => {
    expect(readEnv({ EDGEKMS_QUOTA_SECRETS: '2' }).quotaSecrets).toBe(2);
    expect(readEnv({}).quotaSecrets).toBeUndefined();
    for (const bad of ['0', '-1', '1.5', 'two', '01']) expect(() => readEnv({ EDGEKMS_QUOTA_SECRETS: bad }), bad).toThrow(/EDGEKMS_QUOTA_SECRETS/);
  });

  it('allows secrets up to the quota (below, at), then refuses with CSMS.0202 and changes nothing', async () => {
    const { store, service, secrets } = await quotaService('2');
    expect(service.secrets.limits.secretsPerProject).toBe(2);
    await secrets.createSecret({ name: 'one', secret_string: '1' });
    await secrets.createSecret({ name: 'two', secret_string: '2' });
    const before = await listAll(store, 'csms/');
    const e = await secrets.createSecret({ name: 'three', secret_string: '3' }).catch((x: any) => x);
    expect([e.status, e.code]).toEqual([400, 'CSMS.0202']);
    expect(await listAll(store, 'csms/')).toEqual(before);
    await secrets.deleteSecret('one');
    expect((await secrets.createSecret({ name: 'three', secret_string: '3' })).name).toBe('three');
  });

  it('holds concurrent creates to the quota: of eight at once with room for three, three are created', async () => {
    const { store, secrets } = await quotaService('3');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => secrets.createSecret({ name: `s${i}`, secret_string: String(i) }).then(() => 'created', (e: any) => e.code)),
    );
    expect(results.filter((r) => r === 'created')).toHaveLength(3);
    expect(results.filter((r) => r === 'CSMS.0202')).toHaveLength(5);
    expect(await listAll(store, 'csms/quota000000000000000000000000000/secret/')).toHaveLength(3);
  });
});
