// The SM algorithms through the portable KMS core under Deno: the WASM core loaded from bytes once, then
// SM4, SM2 and HMAC_SM3 keys driven through signed requests in-process (no node: APIs involved). The
// independent checks (OpenSSL, sm-crypto) are in the Node suites; this proves the same code runs here.
import assert from 'node:assert/strict';
import { initWasm } from '../../src/crypto/wasm/core.ts';
import { StaticCredentials } from '../../src/iam/credentials.ts';
import { openDeployment } from '../../src/kms/deployment.ts';
import { Kms } from '../../src/kms/kms.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { portableCrypto } from '../../src/crypto/provider.ts';
import { createApp } from '../../src/server/app.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import { MemoryStore } from '../../src/store/memory.ts';

const Deno = (globalThis as unknown as {
  Deno: { test(name: string, fn: () => Promise<void>): void; readFile(path: URL): Promise<Uint8Array<ArrayBuffer>> };
}).Deno;

const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

Deno.test('KMS core on Deno: SM4, SM2 and HMAC_SM3 keys round-trip and refuse a flipped bit', async () => {
  await initWasm(await Deno.readFile(new URL('../../wasm/pkg/edgekms_core.wasm', import.meta.url)));
  const store = new MemoryStore();
  const rootKey = await RootKey.fromBytes(RootKey.generate(), portableCrypto);
  const { domainId } = await openDeployment(store, rootKey);
  const kms = new Kms({ store, rootKey, crypto: portableCrypto, domainId });
  const ak = 'DENOSMTESTAK00000000';
  const sk = 'DenoSmTestSecretKey000000000000000000000';
  const app = createApp({ kms, credentials: new StaticCredentials([{ accessKey: ak, secretKey: new TextEncoder().encode(sk), principal: 'admin', projects: '*', role: 'admin' }]) });
  const client = new SignedClient({ endpoint: 'http://kms.test', accessKey: ak, secretKey: sk, projectId: 'denosm00000000000000000000000000', fetch: async (r) => app.fetch(r) });
  const call = (action: string, body: unknown) => client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
  const refused = (p: Promise<unknown>) => assert.rejects(p, (e: { status: number; code: string }) => e.status === 400 && e.code === 'KMS.0308');
  const create = async (alias: string, body: object) => (await call('create-key', { key_alias: alias, ...body })).key_info.key_id as string;

  const sm4 = await create('deno-sm4', { key_spec: 'SM4' });
  const enc = await call('encrypt-data', { key_id: sm4, plain_text: 'SM4 on Deno' });
  assert.equal(unb64(enc.cipher_text)[3], 2);
  assert.equal((await call('decrypt-data', { cipher_text: enc.cipher_text })).plain_text, 'SM4 on Deno');
  const blob = unb64(enc.cipher_text);
  blob[blob.length - 1] ^= 1;
  await refused(call('decrypt-data', { cipher_text: b64(blob) }));
  const dk = await call('create-datakey', { key_id: sm4, key_spec: 'SM4' });
  const back = await call('decrypt-datakey', { key_id: sm4, cipher_text: dk.cipher_text, datakey_cipher_length: '16' });
  assert.equal(back.data_key, dk.plain_text);
  assert.match(back.datakey_dgst, /^[0-9A-Fa-f]{64}$/);

  const signer = await create('deno-sm2', { key_spec: 'SM2' });
  assert.match((await call('get-publickey', { key_id: signer })).public_key, /^-----BEGIN PUBLIC KEY-----\r\n/);
  const message = b64(new TextEncoder().encode('signed on Deno'));
  const sig = await call('sign', { key_id: signer, message, message_type: 'RAW', signing_algorithm: 'SM2DSA_SM3' });
  const verify = (signature: string) => call('verify', { key_id: signer, message, message_type: 'RAW', signing_algorithm: 'SM2DSA_SM3', signature });
  assert.equal((await verify(sig.signature)).signature_valid, 'true');
  const flipped = unb64(sig.signature);
  flipped[10] ^= 1;
  assert.equal((await verify(b64(flipped))).signature_valid, 'false');

  const sealer = await create('deno-sm2-enc', { key_spec: 'SM2', key_usage: 'ENCRYPT_DECRYPT' });
  const ct = await call('encrypt-data', { key_id: sealer, plain_text: 'SM2 on Deno', encryption_algorithm: 'SM2_ENCRYPT' });
  assert.equal((await call('decrypt-data', { key_id: sealer, cipher_text: ct.cipher_text, encryption_algorithm: 'SM2_ENCRYPT' })).plain_text, 'SM2 on Deno');
  const badCt = unb64(ct.cipher_text);
  badCt[80] ^= 1;
  await refused(call('decrypt-data', { key_id: sealer, cipher_text: b64(badCt), encryption_algorithm: 'SM2_ENCRYPT' }));

  const mac = await create('deno-hmac-sm3', { key_spec: 'HMAC_SM3' });
  const m = await call('generate-mac', { key_id: mac, mac_algorithm: 'HMAC_SM3', message });
  assert.match(m.mac, /^[0-9a-f]{64}$/);
  assert.equal((await call('verify-mac', { key_id: mac, mac_algorithm: 'HMAC_SM3', message, mac: m.mac })).mac_valid, true);
  const badMac = (m.mac[0] === '0' ? '1' : '0') + m.mac.slice(1);
  assert.equal((await call('verify-mac', { key_id: mac, mac_algorithm: 'HMAC_SM3', message, mac: badMac })).mac_valid, false);
});
