// KMS keyring over loopback HTTP: data keys generated and wrapped by the KMS, the encryption context bound
// through additional_authenticated_data, only EDKs naming the keyring's own key tried, and messages that
// round-trip with contexts through both suites.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AES256_GCM_HKDF_SHA512, SM4_GCM_HKDF_SM3 } from '../../src/sdk/format/suites.ts';
import { NoDataKeyError } from '../../src/sdk/format/errors.ts';
import { KMS_PROVIDER_ID, parseKeyUrn } from '../../src/sdk/keyrings/kms-key-urn.ts';
import { KmsDiscoveryKeyring } from '../../src/sdk/keyrings/kms-discovery.ts';
import { KmsClient } from '../../src/sdk/kms/client.ts';
import { startFlakyServer } from '../helpers/flaky-server.ts';
import { KmsKeyring, kmsContextAad } from '../../src/sdk/keyrings/kms.ts';
import { newDecryptionMaterials, newEncryptionMaterials } from '../../src/sdk/materials/materials.ts';
import { decrypt, encrypt } from '../../src/sdk/stream/one-shot.ts';
import { countingClient, type CountingClient } from '../helpers/kms-sdk.ts';
import { ADMIN, listen, makeRig, type Rig } from '../helpers/kms.ts';
import { useWasm } from '../wasm/setup.ts';
import { aesKeyring, random, rejection } from './helpers.ts';

useWasm();

let rig: Rig;
let server: { url: string; close(): Promise<void> };
let c: CountingClient;
let aesKey: string;
let sm4Key: string;

beforeAll(async () => {
  rig = await makeRig();
  server = await listen(rig.app);
  c = countingClient(server.url, { now: () => rig.clock.now() });
  aesKey = (await c.kms.createKey({ key_alias: 'sdk-aes' })).key_info.key_id;
  sm4Key = (await c.kms.createKey({ key_alias: 'sdk-sm4', key_spec: 'SM4' })).key_info.key_id;
});
afterAll(() => server.close());

const ctx = { tenant: 'acme', purpose: 'invoice', 'ünïcode': 'välue' };

describe('KMS keyring', () => {
  it('generates with create-datakey and stores the key URN (region, project, key id), never an endpoint', async () => {
    const kr = new KmsKeyring({ client: c.kms, keyId: aesKey, region: 'local-1' });
    c.calls.clear();
    const m = await kr.onEncrypt(newEncryptionMaterials(AES256_GCM_HKDF_SHA512, ctx));
    expect([...c.calls]).toEqual([['create-datakey', 1]]);
    expect(m.plaintextDataKey).toHaveLength(32);
    const [edk] = m.encryptedDataKeys;
    expect(edk.providerId).toBe(KMS_PROVIDER_ID);
    expect(Buffer.from(edk.providerInfo).toString()).toBe(`kms:local-1:${ADMIN.project}:key:${aesKey}`);
    expect(Buffer.from(edk.providerInfo).toString()).not.toContain('127.0.0.1');
    expect(m.trace).toEqual([{ providerId: KMS_PROVIDER_ID, key: `kms:local-1:${ADMIN.project}:key:${aesKey}`, action: 'generated' }]);
    // The KMS bound the context digest: decrypt-datakey with another context is refused.
    const hex = Buffer.from(edk.ciphertext).toString('hex');
    const ok = await c.kms.decryptDatakey({ key_id: aesKey, cipher_text: hex, datakey_cipher_length: '32', additional_authenticated_data: kmsContextAad(ctx) });
    expect(Buffer.from(ok.data_key, 'hex').equals(Buffer.from(m.plaintextDataKey!))).toBe(true);
    await expect(c.kms.decryptDatakey({ key_id: aesKey, cipher_text: hex, datakey_cipher_length: '32', additional_authenticated_data: kmsContextAad({ ...ctx, tenant: 'evil' }) })).rejects.toMatchObject({ status: 400 });
  });

  it('sends the context as the hex SHA-256 of its canonical encoding (64 chars, under the API limit of 128 bytes)', () => {
    expect(kmsContextAad({})).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const big = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'.repeat(100)]));
    expect(kmsContextAad(big)).toMatch(/^[0-9a-f]{64}$/);
    expect(kmsContextAad({ a: '1', b: '2' })).toBe(kmsContextAad({ b: '2', a: '1' }));
  });

  it.each([
    ['AES_256 CMK, SHA-256 digest', () => aesKey],
    ['SM4 CMK, SM3 digest', () => sm4Key],
  ])('wraps a data key made by another keyring with encrypt-datakey (%s)', async (_, key) => {
    const raw = aesKeyring();
    const kr = new KmsKeyring({ client: c.kms, keyId: key(), region: 'local-1' });
    const first = await raw.onEncrypt(newEncryptionMaterials(AES256_GCM_HKDF_SHA512, ctx));
    const m = await kr.onEncrypt(first);
    expect(m.encryptedDataKeys).toHaveLength(2);
    const d = await kr.onDecrypt(newDecryptionMaterials(AES256_GCM_HKDF_SHA512, ctx), m.encryptedDataKeys);
    expect(Buffer.from(d.plaintextDataKey!).equals(Buffer.from(first.plaintextDataKey!))).toBe(true);
  });

  it('round-trips messages with contexts, both suites, empty to multi-segment; a wrong context finds no key', async () => {
    const kr = new KmsKeyring({ client: c.kms, keyId: aesKey, region: 'local-1' });
    for (const suite of [AES256_GCM_HKDF_SHA512, SM4_GCM_HKDF_SM3]) {
      for (const size of [0, 1, 4095, 4096, 4097, 100_000]) {
        const data = random(size);
        const { ciphertext, info } = await encrypt(data, { keyring: kr, encryptionContext: ctx, suite, segmentSize: 4096 });
        expect(info.trace.map((t) => t.action)).toEqual(['generated']);
        const out = await decrypt(ciphertext, { keyring: kr });
        expect(Buffer.from(out.plaintext).equals(Buffer.from(data))).toBe(true);
        expect(out.info.encryptionContext).toEqual(ctx);
      }
    }
    const { ciphertext } = await encrypt(random(10), { keyring: kr, encryptionContext: ctx });
    // An EDK wrapped under another context does not open for this one: the KMS refuses the other digest.
    const foreign = await kr.onEncrypt(newEncryptionMaterials(AES256_GCM_HKDF_SHA512, { tenant: 'other' }));
    const d = await kr.onDecrypt(newDecryptionMaterials(AES256_GCM_HKDF_SHA512, ctx), foreign.encryptedDataKeys);
    expect(d.plaintextDataKey).toBeUndefined();
    expect((await decrypt(ciphertext, { keyring: kr })).plaintext).toHaveLength(10);
  });

  it('tries only EDKs naming its own region, project and key; others cost no KMS call', async () => {
    const kr = new KmsKeyring({ client: c.kms, keyId: aesKey, region: 'local-1' });
    const m = await kr.onEncrypt(newEncryptionMaterials(AES256_GCM_HKDF_SHA512, ctx));
    const edk = m.encryptedDataKeys[0];
    const renamed = (info: string) => ({ ...edk, providerInfo: new TextEncoder().encode(info) });
    const others = [
      renamed(`kms:other-1:${ADMIN.project}:key:${aesKey}`),
      renamed(`kms:local-1:ffffffffffffffffffffffffffffffff:key:${aesKey}`),
      renamed(`kms:local-1:${ADMIN.project}:key:${sm4Key}`),
      renamed(`kms:local-1:${ADMIN.project}:key:${aesKey}:http://evil.example`),
      { ...edk, providerId: 'huawei-kms-x' },
    ];
    c.calls.clear();
    const d = await kr.onDecrypt(newDecryptionMaterials(AES256_GCM_HKDF_SHA512, ctx), others);
    expect(d.plaintextDataKey).toBeUndefined();
    expect(c.total()).toBe(0);
    const ok = await kr.onDecrypt(newDecryptionMaterials(AES256_GCM_HKDF_SHA512, ctx), [...others, edk]);
    expect(ok.plaintextDataKey).toEqual(m.plaintextDataKey);
    expect([...c.calls]).toEqual([['decrypt-datakey', 1]]);
  });

  it('resolves an alias once and stores the key id', async () => {
    await c.kms.createAlias({ key_id: aesKey, alias: 'invoices' });
    const kr = new KmsKeyring({ client: c.kms, keyId: 'alias/invoices', region: 'local-1' });
    const { ciphertext, info } = await encrypt(random(5), { keyring: kr, encryptionContext: ctx });
    expect(parseKeyUrn(info.encryptedDataKeys[0].providerInfo)?.keyId).toBe(aesKey);
    c.calls.clear();
    await decrypt(ciphertext, { keyring: kr });
    await decrypt(ciphertext, { keyring: kr });
    expect(c.calls.get('describe-key')).toBe(1);
  });

  it('a disabled CMK: decrypt finds no data key and says why', async () => {
    const key = (await c.kms.createKey({ key_alias: 'sdk-disable' })).key_info.key_id;
    const errors: unknown[] = [];
    const kr = new KmsKeyring({ client: c.kms, keyId: key, region: 'local-1', onUnwrapError: (e) => errors.push(e) });
    const { ciphertext } = await encrypt(random(5), { keyring: kr });
    await c.kms.disableKey({ key_id: key });
    expect(await rejection(decrypt(ciphertext, { keyring: kr }))).toBeInstanceOf(NoDataKeyError);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'KMS.0209' });
  });

  it('discovery: at most maxAttempts EDKs are tried per message, and never for a region it has no client for', async () => {
    const kr = new KmsKeyring({ client: c.kms, keyId: aesKey, region: 'local-1' });
    const m = await kr.onEncrypt(newEncryptionMaterials(AES256_GCM_HKDF_SHA512, ctx));
    const real = m.encryptedDataKeys[0];
    const junk = (i: number) => ({ ...real, ciphertext: Uint8Array.of(i, 1, 2, 3) });
    const elsewhere = { ...real, providerInfo: new TextEncoder().encode(`kms:far-9:${ADMIN.project}:key:${aesKey}`) };
    const discovery = new KmsDiscoveryKeyring({ clients: { 'local-1': c.kms }, allowedProjects: [ADMIN.project], maxAttempts: 3 });
    c.calls.clear();
    const none = await discovery.onDecrypt(newDecryptionMaterials(AES256_GCM_HKDF_SHA512, ctx), [elsewhere, junk(1), junk(2), junk(3), real]);
    expect(none.plaintextDataKey).toBeUndefined();
    expect(c.calls.get('decrypt-datakey')).toBe(3);
    const found = await discovery.onDecrypt(newDecryptionMaterials(AES256_GCM_HKDF_SHA512, ctx), [elsewhere, junk(1), real]);
    expect(found.plaintextDataKey).toEqual(m.plaintextDataKey);
    expect(() => new KmsDiscoveryKeyring({ clients: { 'local-1': c.kms }, allowedProjects: [ADMIN.project], allowedRegions: ['far-9'] })).toThrow(/no configured client/);
  });

  it('refuses an answer for another key than the one configured', async () => {
    const other = '99999999-8888-4777-8666-555555555555';
    const liar = await startFlakyServer([{ status: 200, body: { key_id: other, plain_text: 'AB'.repeat(32), cipher_text: 'CD'.repeat(100) } }]);
    try {
      const client = new KmsClient({ endpoint: liar.url, accessKey: 'A'.repeat(20), secretKey: 'S'.repeat(40), projectId: ADMIN.project });
      const kr = new KmsKeyring({ client, keyId: aesKey, region: 'local-1' });
      await expect(kr.onEncrypt(newEncryptionMaterials(AES256_GCM_HKDF_SHA512, ctx))).rejects.toThrow(/answered for key 99999999/);
    } finally {
      await liar.close();
    }
  });
});
