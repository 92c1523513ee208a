// The portable KMS core under Deno: the same app, store and signer as on Node, driven through signed
// requests in-process (no node: APIs involved).
import assert from 'node:assert/strict';
import { StaticCredentials } from '../../src/iam/credentials.ts';
import { openDeployment } from '../../src/kms/deployment.ts';
import { Kms } from '../../src/kms/kms.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { portableCrypto } from '../../src/crypto/provider.ts';
import { createApp } from '../../src/server/app.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import { MemoryStore } from '../../src/store/memory.ts';

const Deno = (globalThis as unknown as { Deno: { test(name: string, fn: () => Promise<void>): void } }).Deno;

Deno.test('KMS core on Deno: create a key, encrypt-data round trip, data key, tamper detection', async () => {
  const store = new MemoryStore();
  const rootKey = await RootKey.fromBytes(RootKey.generate(), portableCrypto);
  const { domainId } = await openDeployment(store, rootKey);
  const kms = new Kms({ store, rootKey, crypto: portableCrypto, domainId });
  const ak = 'DENOTESTAK0000000000';
  const sk = 'DenoTestSecretKey00000000000000000000000';
  const app = createApp({ kms, credentials: new StaticCredentials([{ accessKey: ak, secretKey: new TextEncoder().encode(sk), principal: 'admin', projects: '*', role: 'admin' }]) });
  const client = new SignedClient({ endpoint: 'http://kms.test', accessKey: ak, secretKey: sk, projectId: 'deno0000000000000000000000000000', fetch: async (r) => app.fetch(r) });
  const call = (action: string, body: unknown) => client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);

  const keyId = (await call('create-key', { key_alias: 'deno' })).key_info.key_id;
  const enc = await call('encrypt-data', { key_id: keyId, plain_text: 'hello from deno', additional_authenticated_data: 'ctx' });
  const dec = await call('decrypt-data', { cipher_text: enc.cipher_text, additional_authenticated_data: 'ctx' });
  assert.equal(dec.plain_text, 'hello from deno');

  const dk = await call('create-datakey', { key_id: keyId, datakey_length: '256' });
  const back = await call('decrypt-datakey', { key_id: keyId, cipher_text: dk.cipher_text, datakey_cipher_length: '32' });
  assert.equal(back.data_key, dk.plain_text);

  const blob = Uint8Array.from(atob(enc.cipher_text), (c) => c.charCodeAt(0));
  blob[blob.length - 1] ^= 1;
  const tampered = btoa(String.fromCharCode(...blob));
  await assert.rejects(call('decrypt-data', { cipher_text: tampered, additional_authenticated_data: 'ctx' }), (e: { status: number; code: string }) => e.status === 400 && /^KMS\./.test(e.code));
});
