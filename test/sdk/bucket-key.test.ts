// Bucket keys over a real KMS keyring (loopback HTTP, KMS calls counted): one KMS call per bucket and period
// for writers and readers, a different derived data key per object, and nothing opens outside its bucket.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CommitmentMismatchError, NoDataKeyError } from '../../src/sdk/format/errors.ts';
import { AES256_GCM_HKDF_SHA512, SM4_GCM_HKDF_SM3 } from '../../src/sdk/format/suites.ts';
import { BUCKET_KEY_PROVIDER_ID, BucketKeyKeyring } from '../../src/sdk/keyrings/bucket-key.ts';
import { KmsKeyring } from '../../src/sdk/keyrings/kms.ts';
import { MultiRegionKeyring } from '../../src/sdk/keyrings/multi-region.ts';
import { newEncryptionMaterials } from '../../src/sdk/materials/materials.ts';
import type { Keyring } from '../../src/sdk/materials/types.ts';
import { decrypt, encrypt } from '../../src/sdk/stream/one-shot.ts';
import { countingClient, type CountingClient } from '../helpers/kms-sdk.ts';
import { listen, makeRig, type Rig } from '../helpers/kms.ts';
import { useWasm } from '../wasm/setup.ts';
import { random, rejection } from './helpers.ts';

useWasm();

let rig: Rig;
let server: { url: string; close(): Promise<void> };
let c: CountingClient;
let kmsKeyring: KmsKeyring;
let keyId: string;
let t = 0;
const DAY = 86_400_000;

beforeAll(async () => {
  rig = await makeRig();
  server = await listen(rig.app);
  c = countingClient(server.url, { now: () => rig.clock.now() });
  keyId = (await c.kms.createKey({ key_alias: 'buckets' })).key_info.key_id;
  kmsKeyring = new KmsKeyring({ client: c.kms, keyId, region: 'local-1' });
});
afterAll(() => server.close());
beforeEach(() => {
  c.calls.clear();
  t = 100 * DAY + 5;
});

const bucketKeyring = (bucket = 'photos', keyring: Keyring = kmsKeyring) => new BucketKeyKeyring({ keyring, bucket, now: () => t });

describe('bucket key keyring', () => {
  it('writes 200 objects with one create-datakey per period and reads them with one decrypt-datakey per period', async () => {
    const writer = bucketKeyring();
    const objects = [];
    for (let i = 0; i < 200; i++) {
      if (i === 100) t += DAY; // the next period
      const data = random(100 + i);
      const ctx = { object: `img/${i}.jpg` };
      objects.push({ data, ctx, ...(await encrypt(data, { keyring: writer, encryptionContext: ctx })) });
    }
    expect([...c.calls]).toEqual([['create-datakey', 2]]);
    c.calls.clear();
    const reader = bucketKeyring();
    for (const o of objects) {
      const out = await decrypt(o.ciphertext, { keyring: reader });
      expect(out.plaintext).toEqual(o.data);
      expect(out.info.encryptionContext).toEqual(o.ctx);
    }
    expect([...c.calls]).toEqual([['decrypt-datakey', 2]]);
    expect(objects[0].info.encryptedDataKeys[0].providerId).toBe(BUCKET_KEY_PROVIDER_ID);
  });

  it('derives a different data key for every object, from its own salt and context', async () => {
    const kr = bucketKeyring();
    const keys = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const m = await kr.onEncrypt(newEncryptionMaterials(AES256_GCM_HKDF_SHA512, { object: String(i % 2) }));
      keys.add(Buffer.from(m.plaintextDataKey!).toString('hex'));
    }
    expect(keys.size).toBe(20);
    expect(c.calls.get('create-datakey')).toBe(1);
  });

  it('works with the SM suite and with a multi-region inner keyring (one EDK per region)', async () => {
    const second = (await c.kms.createKey({ key_alias: 'buckets-2' })).key_info.key_id;
    const inner = new MultiRegionKeyring({
      regions: [
        { region: 'r-one', client: c.kms, keyId },
        { region: 'r-two', client: c.kms, keyId: second },
      ],
    });
    const data = random(5000);
    const { ciphertext, info } = await encrypt(data, { keyring: bucketKeyring('b', inner), suite: SM4_GCM_HKDF_SM3, encryptionContext: { o: '1' } });
    expect(info.encryptedDataKeys).toHaveLength(2);
    const onlyTwo = new MultiRegionKeyring({ regions: [{ region: 'r-two', client: c.kms, keyId: second }] });
    expect((await decrypt(ciphertext, { keyring: bucketKeyring('b', onlyTwo) })).plaintext).toEqual(data);
  });

  it('a reader of another bucket finds no key (and makes no KMS call); a changed salt breaks the commitment', async () => {
    const { ciphertext, info } = await encrypt(random(10), { keyring: bucketKeyring('photos'), encryptionContext: { o: 'x' } });
    c.calls.clear();
    expect(await rejection(decrypt(ciphertext, { keyring: bucketKeyring('videos') }))).toBeInstanceOf(NoDataKeyError);
    expect(c.total()).toBe(0);
    // Flip one bit of the object's salt inside the stored EDK: the derived key no longer commits.
    const info0 = Buffer.from(info.encryptedDataKeys[0].providerInfo);
    const at = Buffer.from(ciphertext).indexOf(info0);
    expect(at).toBeGreaterThan(0);
    const bad = Buffer.from(ciphertext);
    bad[at + 2 + 'photos'.length + 8] ^= 1;
    expect(await rejection(decrypt(bad, { keyring: bucketKeyring('photos') }))).toBeInstanceOf(CommitmentMismatchError);
  });

  it('refuses to wrap another keyring\'s data key and bad settings', async () => {
    const m = await kmsKeyring.onEncrypt(newEncryptionMaterials(AES256_GCM_HKDF_SHA512, {}));
    await expect(bucketKeyring().onEncrypt(m)).rejects.toThrow(/generator/);
    expect(() => new BucketKeyKeyring({ keyring: kmsKeyring, bucket: '' })).toThrow(/bucket/);
    expect(() => new BucketKeyKeyring({ keyring: kmsKeyring, bucket: 'b', periodMs: 10 })).toThrow(/periodMs/);
  });
});
