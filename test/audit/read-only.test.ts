// The operations that go without a request record (src/audit/read-only.ts) must change nothing: each one
// runs here, successfully, over signed loopback HTTP against a service whose store records every write, and
// none of them writes anything but its own audit record. Every operation on the list has a case here, so
// adding one to the list without showing it writes nothing fails this test.
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { READ_ONLY_OPERATIONS, needsRequestRecord } from '../../src/audit/read-only.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { KMS_ROUTES } from '../../src/kms/routes.ts';
import { readEnv } from '../../src/runtime/config.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { adminCredential, createService } from '../../src/runtime/service.ts';
import { loadWasmNode } from '../../src/runtime/wasm-node.ts';
import { CSMS_ROUTES } from '../../src/secrets/routes.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import type { DeleteOptions, PutOptions } from '../../src/store/store.ts';
import { listen } from '../helpers/kms.ts';

/** A memory store that notes every key written or deleted. */
class RecordingStore extends MemoryStore {
  written: string[] = [];
  override put(key: string, value: Uint8Array, options?: PutOptions) {
    this.written.push(key);
    return super.put(key, value, options);
  }
  override delete(key: string, options?: DeleteOptions) {
    this.written.push(key);
    return super.delete(key, options);
  }
}

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('operations without a request record change nothing', () => {
  it('each writes nothing but its audit record', async () => {
    await loadWasmNode();
    const store = new RecordingStore();
    const rootKey = await RootKey.fromBytes(new Uint8Array(32).fill(9), nodeCrypto);
    const admin = { ak: 'READONLYADMINAK00000', sk: 'ReadOnlyAdminSecretKey00000000000000000' };
    const service = await createService({ store, rootKey, crypto: nodeCrypto, config: readEnv({}), credentials: [adminCredential(admin.ak, admin.sk)], logError: () => {}, onInternalError: () => {} });
    const server = await listen(service.app);
    closers.push(server.close);
    const client = new SignedClient({ endpoint: server.url, accessKey: admin.ak, secretKey: admin.sk, projectId: 'p1', retry: false });
    const kms = (op: string, body: unknown) => client.request('POST', `/v1.0/p1/kms/${op}`, body);

    const sym = (await kms('create-key', { key_alias: 'sym' })).key_info.key_id;
    const ec = (await kms('create-key', { key_alias: 'ec', key_spec: 'EC_P256', key_usage: 'SIGN_VERIFY' })).key_info.key_id;
    const mac = (await kms('create-key', { key_alias: 'mac', key_spec: 'HMAC_256', key_usage: 'GENERATE_VERIFY_MAC' })).key_info.key_id;
    await client.request('POST', `/v1.0/p1/kms/${sym}/tags`, { tag: { key: 'team', value: 'a' } });
    await kms('create-grant', { key_id: sym, grantee_principal: 'bob', operations: ['encrypt-data'] });
    await client.request('POST', '/v1/p1/secrets', { name: 'db', secret_string: 'v1' });
    const enc = await kms('encrypt-data', { key_id: sym, plain_text: 'hello' });
    const dek = await kms('create-datakey', { key_id: sym, datakey_length: '256' });
    const signature = (await kms('sign', { key_id: ec, message: b64('m'), signing_algorithm: 'ECDSA_SHA_256', message_type: 'RAW' })).signature;
    const macHex = (await kms('generate-mac', { key_id: mac, mac_algorithm: 'HMAC_SHA_256', message: b64('m') })).mac;
    const dekBytes = Buffer.from(dek.plain_text, 'hex');

    const cases: Record<string, () => Promise<unknown>> = {
      'encrypt-data': () => kms('encrypt-data', { key_id: sym, plain_text: 'hello' }),
      'decrypt-data': () => kms('decrypt-data', { cipher_text: enc.cipher_text }),
      'create-datakey': () => kms('create-datakey', { key_id: sym, datakey_length: '256' }),
      'create-datakey-without-plaintext': () => kms('create-datakey-without-plaintext', { key_id: sym, datakey_length: '256' }),
      'encrypt-datakey': () => kms('encrypt-datakey', { key_id: sym, plain_text: dekBytes.toString('hex') + createHash('sha256').update(dekBytes).digest('hex'), datakey_plain_length: '32' }),
      'decrypt-datakey': () => kms('decrypt-datakey', { key_id: sym, cipher_text: dek.cipher_text, datakey_cipher_length: '32' }),
      'gen-random': () => kms('gen-random', { random_data_length: '256' }),
      sign: () => kms('sign', { key_id: ec, message: b64('m'), signing_algorithm: 'ECDSA_SHA_256', message_type: 'RAW' }),
      verify: () => kms('verify', { key_id: ec, message: b64('m'), signature, signing_algorithm: 'ECDSA_SHA_256', message_type: 'RAW' }),
      'generate-mac': () => kms('generate-mac', { key_id: mac, mac_algorithm: 'HMAC_SHA_256', message: b64('m') }),
      'verify-mac': () => kms('verify-mac', { key_id: mac, mac_algorithm: 'HMAC_SHA_256', message: b64('m'), mac: macHex }),
      'get-publickey': () => kms('get-publickey', { key_id: ec }),
      'describe-key': () => kms('describe-key', { key_id: sym }),
      'list-keys': () => kms('list-keys', {}),
      'get-key-rotation-status': () => kms('get-key-rotation-status', { key_id: sym }),
      'list-grants': () => kms('list-grants', { key_id: sym }),
      'list-retirable-grants': () => kms('list-retirable-grants', {}),
      'list-aliases': () => client.request('GET', '/v1.0/p1/kms/aliases'),
      'show-kms-tags': () => client.request('GET', `/v1.0/p1/kms/${sym}/tags`),
      'list-kms-tags': () => client.request('GET', '/v1.0/p1/kms/tags'),
      'show-user-quotas': () => client.request('GET', '/v1.0/p1/kms/user-quotas'),
      ListSecrets: () => client.request('GET', '/v1/p1/secrets'),
      ShowSecret: () => client.request('GET', '/v1/p1/secrets/db'),
      ListSecretVersions: () => client.request('GET', '/v1/p1/secrets/db/versions'),
      ShowSecretVersion: () => client.request('GET', '/v1/p1/secrets/db/versions/latest'),
      ShowSecretStage: () => client.request('GET', '/v1/p1/secrets/db/stages/SYSCURRENT'),
    };
    expect(Object.keys(cases).sort()).toEqual([...READ_ONLY_OPERATIONS].sort());
    // Every name on the list is an operation that exists.
    const names = new Set([...KMS_ROUTES.map((r) => r.name), ...CSMS_ROUTES.map((r) => r.name)]);
    for (const op of READ_ONLY_OPERATIONS) expect(names.has(op), op).toBe(true);

    for (const [op, run] of Object.entries(cases)) {
      store.written = [];
      await run(); // throws on any error answer
      expect([op, store.written.filter((k) => !k.startsWith('audit/'))]).toEqual([op, []]);
    }
  }, 60_000);

  it('fails closed: an operation not on the list, an unknown one, or one naming a service default key needs a request record', () => {
    expect(needsRequestRecord('encrypt-data', 'orders-key')).toBe(false);
    expect(needsRequestRecord('encrypt-data', undefined)).toBe(false);
    expect(needsRequestRecord('encrypt-data', 'obs/default')).toBe(true);
    expect(needsRequestRecord('describe-key', 'csms/default')).toBe(true);
    expect(needsRequestRecord('encrypt-data', 'alias/obs/default')).toBe(false); // an alias lookup creates nothing
    expect(needsRequestRecord('create-key', undefined)).toBe(true);
    expect(needsRequestRecord('CreateSecret', 'db')).toBe(true);
    expect(needsRequestRecord('no-such-operation', undefined)).toBe(true);
    expect(needsRequestRecord(undefined, undefined)).toBe(true);
  });
});
