// Caching materials manager over a real KMS keyring (loopback HTTP, every KMS call counted): how many calls
// each limit allows, partitions, LRU capacity and wiping, streams of unknown length, and that messages
// sharing a cached data key still get their own per-message keys.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CachingMaterialsManager, MaterialsCache } from '../../src/sdk/caching/caching-manager.ts';
import { encodeContext } from '../../src/sdk/format/context.ts';
import { deriveMessageKeys } from '../../src/sdk/format/key-schedule.ts';
import { AES256_GCM_HKDF_SHA512 } from '../../src/sdk/format/suites.ts';
import { KmsKeyring, kmsContextAad } from '../../src/sdk/keyrings/kms.ts';
import { decryptStream } from '../../src/sdk/stream/decrypt-stream.ts';
import { encryptStream } from '../../src/sdk/stream/encrypt-stream.ts';
import { collect, decrypt, encrypt, streamOf } from '../../src/sdk/stream/one-shot.ts';
import { countingClient, type CountingClient } from '../helpers/kms-sdk.ts';
import { listen, makeRig, type Rig } from '../helpers/kms.ts';
import { random } from './helpers.ts';

let rig: Rig;
let server: { url: string; close(): Promise<void> };
let c: CountingClient;
let keyring: KmsKeyring;
let t = 0;
const now = () => t;

beforeAll(async () => {
  rig = await makeRig();
  server = await listen(rig.app);
  c = countingClient(server.url, { now: () => rig.clock.now() });
  const keyId = (await c.kms.createKey({ key_alias: 'cache' })).key_info.key_id;
  keyring = new KmsKeyring({ client: c.kms, keyId, region: 'local-1' });
});
afterAll(() => server.close());
beforeEach(() => {
  c.calls.clear();
  t = 1_000_000;
});

const ctx = { table: 'orders' };
const manager = (o: Partial<ConstructorParameters<typeof CachingMaterialsManager>[0]> = {}) => new CachingMaterialsManager({ keyring, maxAgeMs: 60_000, now, ...o });

describe('caching materials manager', () => {
  it('100 messages cost one create-datakey and one decrypt-datakey; each still has its own message keys', async () => {
    const cmm = manager();
    const data = random(100);
    const messages = [];
    for (let i = 0; i < 100; i++) messages.push(await encrypt(data, { materialsManager: cmm, encryptionContext: ctx }));
    expect([...c.calls]).toEqual([['create-datakey', 1]]);
    for (const m of messages) expect((await decrypt(m.ciphertext, { materialsManager: cmm })).plaintext).toEqual(data);
    expect(c.calls.get('decrypt-datakey')).toBe(1);
    // Every message decrypts without the cache too (plain keyring).
    expect((await decrypt(messages[57].ciphertext, { keyring })).plaintext).toEqual(data);

    // One data key, 100 message ids, 100 different segment keys and commitments.
    const edk = messages[0].info.encryptedDataKeys[0];
    for (const m of messages) expect(m.info.encryptedDataKeys[0]).toEqual(edk);
    const dataKey = Buffer.from(
      (await c.kms.decryptDatakey({ key_id: keyring['options'].keyId, cipher_text: Buffer.from(edk.ciphertext).toString('hex'), datakey_cipher_length: '32', additional_authenticated_data: kmsContextAad(ctx) })).data_key,
      'hex',
    );
    const keys = messages.map((m) => deriveMessageKeys(AES256_GCM_HKDF_SHA512, dataKey, m.info.messageId, 16, encodeContext(ctx), new Uint8Array(0)));
    expect(new Set(messages.map((m) => Buffer.from(m.info.messageId).toString('hex'))).size).toBe(100);
    expect(new Set(keys.map((k) => Buffer.from(k.encKey).toString('hex'))).size).toBe(100);
    expect(new Set(keys.map((k) => Buffer.from(k.commitment).toString('hex'))).size).toBe(100);
    expect(new Set(messages.map((m) => Buffer.from(m.ciphertext).toString('hex'))).size).toBe(100);
  });

  it('maxMessages: a fresh data key every N messages', async () => {
    const cmm = manager({ maxMessages: 10 });
    for (let i = 0; i < 95; i++) await encrypt(random(10), { materialsManager: cmm, encryptionContext: ctx });
    expect(c.calls.get('create-datakey')).toBe(10);
  });

  it('maxBytes: a fresh data key once the bytes would pass the limit; a message larger than the limit is never cached', async () => {
    const cmm = manager({ maxBytes: 5_000 });
    for (let i = 0; i < 20; i++) await encrypt(random(1_000), { materialsManager: cmm, encryptionContext: ctx });
    expect(c.calls.get('create-datakey')).toBe(4);
    c.calls.clear();
    for (let i = 0; i < 3; i++) await encrypt(random(5_001), { materialsManager: cmm, encryptionContext: ctx });
    expect(c.calls.get('create-datakey')).toBe(3);
  });

  it('maxAgeMs: an entry expires (and a clock moved backwards does not keep it alive)', async () => {
    const cmm = manager({ maxAgeMs: 1_000 });
    await encrypt(random(1), { materialsManager: cmm, encryptionContext: ctx });
    t += 999;
    await encrypt(random(1), { materialsManager: cmm, encryptionContext: ctx });
    expect(c.calls.get('create-datakey')).toBe(1);
    t += 1;
    await encrypt(random(1), { materialsManager: cmm, encryptionContext: ctx });
    expect(c.calls.get('create-datakey')).toBe(2);
    t -= 10_000;
    await encrypt(random(1), { materialsManager: cmm, encryptionContext: ctx });
    expect(c.calls.get('create-datakey')).toBe(3);
  });

  it('separate contexts and separate partitions never share a data key; the same partition does', async () => {
    const cache = new MaterialsCache(10);
    const a = manager({ cache, partitionId: 'a' });
    const a2 = manager({ cache, partitionId: 'a' });
    const b = manager({ cache, partitionId: 'b' });
    const edkOf = async (cmm: CachingMaterialsManager, context = ctx) => Buffer.from((await encrypt(random(1), { materialsManager: cmm, encryptionContext: context })).info.encryptedDataKeys[0].ciphertext).toString('hex');
    const first = await edkOf(a);
    expect(await edkOf(a2)).toBe(first);
    expect(await edkOf(b)).not.toBe(first);
    expect(await edkOf(a, { table: 'users' })).not.toBe(first);
    expect(c.calls.get('create-datakey')).toBe(3);
  });

  it('LRU capacity: the least recently used entry goes, and its cached data key is wiped', async () => {
    const cache = new MaterialsCache(2);
    const cmm = manager({ cache });
    await encrypt(random(1), { materialsManager: cmm, encryptionContext: { n: '1' } });
    const [firstEntry] = [...cache.entries['entries'].values()];
    const cachedKey = firstEntry.materials.plaintextDataKey!;
    expect(cachedKey.some((b) => b !== 0)).toBe(true);
    await encrypt(random(1), { materialsManager: cmm, encryptionContext: { n: '2' } });
    await encrypt(random(1), { materialsManager: cmm, encryptionContext: { n: '1' } }); // 1 is now the most recent
    await encrypt(random(1), { materialsManager: cmm, encryptionContext: { n: '3' } }); // evicts 2
    expect(c.calls.get('create-datakey')).toBe(3);
    await encrypt(random(1), { materialsManager: cmm, encryptionContext: { n: '1' } });
    expect(c.calls.get('create-datakey')).toBe(3);
    await encrypt(random(1), { materialsManager: cmm, encryptionContext: { n: '2' } });
    expect(c.calls.get('create-datakey')).toBe(4);
    cache.clear();
    expect(cachedKey.every((b) => b === 0)).toBe(true);
  });

  it('a stream of unknown length bypasses the cache; with plaintextLength it is cached', async () => {
    const cmm = manager();
    const data = random(70_000);
    for (let i = 0; i < 3; i++) {
      const ct = await collect(encryptStream(streamOf(data), { materialsManager: cmm, encryptionContext: ctx }));
      expect(await collect(decryptStream(streamOf(ct), { materialsManager: cmm }))).toEqual(data);
    }
    expect(c.calls.get('create-datakey')).toBe(3);
    c.calls.clear();
    for (let i = 0; i < 3; i++) await collect(encryptStream(streamOf(data), { materialsManager: cmm, encryptionContext: ctx, plaintextLength: data.length }));
    expect(c.calls.get('create-datakey')).toBe(1);
  });

  it('concurrent messages on a cold cache share one KMS call, on encrypt and on decrypt', async () => {
    const cmm = manager({ maxMessages: 40 });
    const data = random(64);
    const sealed = await Promise.all(Array.from({ length: 100 }, () => encrypt(data, { materialsManager: cmm, encryptionContext: ctx })));
    expect(c.calls.get('create-datakey')).toBe(3); // 100 messages at 40 per data key
    const reader = manager();
    const opened = await Promise.all(sealed.map((m) => decrypt(m.ciphertext, { materialsManager: reader })));
    for (const o of opened) expect(o.plaintext).toEqual(data);
    expect(c.calls.get('decrypt-datakey')).toBe(3);
  });

  it('hands each message its own copy of the data key: wiping the cache leaves keys in use intact', async () => {
    const cache = new MaterialsCache(4);
    const cmm = manager({ cache });
    const request = { suite: AES256_GCM_HKDF_SHA512, encryptionContext: ctx, plaintextLength: 10 };
    const first = await cmm.getEncryptionMaterials(request);
    const hit = await cmm.getEncryptionMaterials(request);
    const d1 = await cmm.decryptMaterials({ suite: AES256_GCM_HKDF_SHA512, encryptionContext: ctx, encryptedDataKeys: first.encryptedDataKeys });
    const d2 = await cmm.decryptMaterials({ suite: AES256_GCM_HKDF_SHA512, encryptionContext: ctx, encryptedDataKeys: first.encryptedDataKeys });
    expect(c.total()).toBe(2);
    cache.clear();
    for (const m of [first, hit, d1, d2]) {
      expect(m.plaintextDataKey!.some((b) => b !== 0)).toBe(true);
      expect(m.plaintextDataKey).toEqual(first.plaintextDataKey);
    }
    expect(hit.plaintextDataKey).not.toBe(first.plaintextDataKey);
  });

  it('refuses limits out of range', () => {
    expect(() => manager({ maxAgeMs: 0 })).toThrow(/maxAgeMs/);
    expect(() => manager({ maxMessages: 2 ** 32 + 1 })).toThrow(/maxMessages/);
    expect(() => manager({ maxBytes: -1 })).toThrow(/maxBytes/);
    expect(() => new MaterialsCache(0)).toThrow(RangeError);
  });
});
