// EDGEKMS_QUOTA_SECRETS: read strictly from the environment and applied by the service every entry point
// builds (npm start, Deno, the Worker): secrets up to the quota, then CSMS.0202 with nothing changed.
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

describe('EDGEKMS_QUOTA_SECRETS', () => {
  it('is read strictly and defaults to the built-in quota', () => {
    expect(readEnv({ EDGEKMS_QUOTA_SECRETS: '2' }).quotaSecrets).toBe(2);
    expect(readEnv({}).quotaSecrets).toBeUndefined();
    for (const bad of ['0', '-1', '1.5', 'two', '01']) expect(() => readEnv({ EDGEKMS_QUOTA_SECRETS: bad }), bad).toThrow(/EDGEKMS_QUOTA_SECRETS/);
  });

  it('allows secrets up to the quota (below, at), then refuses with CSMS.0202 and changes nothing', async () => {
    await loadWasmNode();
    const store = new MemoryStore();
    const rootKey = await RootKey.fromBytes(new Uint8Array(32).fill(3), nodeCrypto);
    const config = readEnv({ EDGEKMS_QUOTA_SECRETS: '2', EDGEKMS_LOG: 'silent' });
    const service = await createService({ store, rootKey, crypto: nodeCrypto, config, credentials: [adminCredential('QUOTAADMINAK00000000', 'QuotaAdminSecretKey000000000000000000000')], logError: () => {} });
    expect(service.secrets.limits.secretsPerProject).toBe(2);
    const secrets = new SecretsClient(
      new SignedClient({ endpoint: 'http://kms.test', accessKey: 'QUOTAADMINAK00000000', secretKey: 'QuotaAdminSecretKey000000000000000000000', projectId: 'quota000000000000000000000000000', fetch: async (r) => service.app.fetch(r), retry: false }),
    );
    await secrets.createSecret({ name: 'one', secret_string: '1' });
    await secrets.createSecret({ name: 'two', secret_string: '2' });
    const before = await listAll(store, 'csms/');
    const e = await secrets.createSecret({ name: 'three', secret_string: '3' }).catch((x: any) => x);
    expect([e.status, e.code]).toEqual([400, 'CSMS.0202']);
    expect(await listAll(store, 'csms/')).toEqual(before);
    await secrets.deleteSecret('one');
    expect((await secrets.createSecret({ name: 'three', secret_string: '3' })).name).toBe('three');
  });
});
