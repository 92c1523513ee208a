// The newer KMS core under Deno (no node: APIs): the ED25519 family (Deno's WebCrypto Ed25519, or the
// @noble/curves fallback) against the RFC 8032 TEST 1 vector, Ed25519ph, and re-encrypt in-process.
import assert from 'node:assert/strict';
import { encodeEd25519Spki, ed25519PublicKey } from '../../src/crypto/ed25519.ts';
import { portableCrypto } from '../../src/crypto/provider.ts';
import { StaticCredentials } from '../../src/iam/credentials.ts';
import { ED25519 } from '../../src/kms/asymmetric/ed25519.ts';
import { openDeployment } from '../../src/kms/deployment.ts';
import { Kms } from '../../src/kms/kms.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { createApp } from '../../src/server/app.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import { MemoryStore } from '../../src/store/memory.ts';

const Deno = (globalThis as unknown as { Deno: { test(name: string, fn: () => Promise<void>): void } }).Deno;
const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
const toHexString = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

Deno.test('ED25519 family on Deno: RFC 8032 TEST 1, Ed25519ph round trip, no signature across the two schemes', async () => {
  const seed = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
  const pub = ED25519.parsePublic(encodeEd25519Spki(ed25519PublicKey(seed)), 'ED25519');
  const priv = await ED25519.preparePrivate(seed, 'ED25519', pub);
  const sig = await ED25519.sign(priv, pub, 'ED25519_SHA_512', new Uint8Array(), 'RAW');
  assert.equal(toHexString(sig), 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
  const msg = new TextEncoder().encode('deno');
  const ph = await ED25519.sign(priv, pub, 'ED25519_PH_SHA_512', msg, 'RAW');
  assert.equal(await ED25519.verify(pub, 'ED25519_PH_SHA_512', msg, 'RAW', ph), true);
  assert.equal(await ED25519.verify(pub, 'ED25519_SHA_512', msg, 'RAW', ph), false);
});

Deno.test('re-encrypt on Deno: AES_256 to AES_256 with AAD on both sides', async () => {
  const store = new MemoryStore();
  const rootKey = await RootKey.fromBytes(RootKey.generate(), portableCrypto);
  const { domainId } = await openDeployment(store, rootKey);
  const kms = new Kms({ store, rootKey, crypto: portableCrypto, domainId });
  const ak = 'DENOTESTAK0000000000';
  const sk = 'DenoTestSecretKey00000000000000000000000';
  const app = createApp({ kms, credentials: new StaticCredentials([{ accessKey: ak, secretKey: new TextEncoder().encode(sk), principal: 'admin', projects: '*', role: 'admin' }]) });
  const client = new SignedClient({ endpoint: 'http://kms.test', accessKey: ak, secretKey: sk, projectId: 'deno0000000000000000000000000000', fetch: async (r) => app.fetch(r) });
  const call = (action: string, body: unknown) => client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
  const a = (await call('create-key', { key_alias: 'deno-a' })).key_info.key_id;
  const b = (await call('create-key', { key_alias: 'deno-b' })).key_info.key_id;
  const enc = await call('encrypt-data', { key_id: a, plain_text: 'moved on deno', additional_authenticated_data: 'x' });
  const moved = await call('re-encrypt', { cipher_text: enc.cipher_text, source_additional_authenticated_data: 'x', destination_key_id: b, destination_additional_authenticated_data: 'y' });
  assert.equal(moved.key_id, b);
  assert.equal((await call('decrypt-data', { cipher_text: moved.cipher_text, additional_authenticated_data: 'y' })).plain_text, 'moved on deno');
});
