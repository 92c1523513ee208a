// The portable secrets core (CSMS) under Deno: the same app and store as on Node, driven through signed
// requests in-process, with the SDK's SecretsClient and caching reader.
import assert from 'node:assert/strict';
import { StaticCredentials } from '../../src/iam/credentials.ts';
import { openDeployment } from '../../src/kms/deployment.ts';
import { Kms } from '../../src/kms/kms.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { portableCrypto } from '../../src/crypto/provider.ts';
import { createApp } from '../../src/server/app.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import { CachingSecretReader, SecretsClient } from '../../src/sdk/secrets/index.ts';
import { MemoryStore } from '../../src/store/memory.ts';

const Deno = (globalThis as unknown as { Deno: { test(name: string, fn: () => Promise<void>): void } }).Deno;

Deno.test('secrets core on Deno: create, new version, stages, latest and v1 through the caching reader', async () => {
  const store = new MemoryStore();
  const rootKey = await RootKey.fromBytes(RootKey.generate(), portableCrypto);
  const { domainId } = await openDeployment(store, rootKey);
  const kms = new Kms({ store, rootKey, crypto: portableCrypto, domainId });
  const ak = 'DENOTESTAK0000000000';
  const sk = 'DenoTestSecretKey00000000000000000000000';
  const app = createApp({ kms, credentials: new StaticCredentials([{ accessKey: ak, secretKey: new TextEncoder().encode(sk), principal: 'admin', projects: '*', role: 'admin' }]) });
  const http = new SignedClient({ endpoint: 'http://kms.test', accessKey: ak, secretKey: sk, projectId: 'deno0000000000000000000000000000', fetch: async (r) => app.fetch(r) });
  const secrets = new SecretsClient(http);

  const created = await secrets.createSecret({ name: 'db-cred', secret_string: '{"username":"u","password":"one"}' });
  assert.equal(created.state, 'ENABLED');
  await secrets.createVersion('db-cred', { secret_string: '{"username":"u","password":"two"}' });
  const reader = new CachingSecretReader(secrets);
  assert.deepEqual(await reader.getSecretJson('db-cred'), { username: 'u', password: 'two' });
  assert.deepEqual(await reader.getSecretJson('db-cred', 'v1'), { username: 'u', password: 'one' });
  assert.equal((await secrets.showStage('db-cred', 'SYSPREVIOUS')).version_id, 'v1');
  await assert.rejects(secrets.getVersion('db-cred', 'v9'), (e: { code: string }) => e.code === 'CSMS.0005');
});
