// Seals per key version are counted: a key rotates itself at the threshold (2^31 seals by default; a
// handful here), a key that cannot rotate (imported material) is refused at the limit, counts reach the
// key document in batches, at maintenance, and add up across processes sharing a store.
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Kms } from '../../src/kms/kms.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import type { KeyRecord } from '../../src/kms/key-record.ts';
import { runMaintenance } from '../../src/kms/maintenance.ts';
import { DEFAULT_SEAL_LIMITS } from '../../src/kms/seal-counter.ts';
import type { ApiError } from '../../src/sdk/errors.ts';
import { makeRig, rejection, type Rig } from '../helpers/kms.ts';

const LIMITS = { sealsBeforeRotation: 5, sealLimit: 8, sealFlushEvery: 3 };

async function setup(limits: Partial<typeof LIMITS> = LIMITS) {
  const rig = await makeRig({ limits });
  const kms = (action: string, body: unknown) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
  const stored = async (id: string) => (await rig.kms.repo.get(rig.client.projectId, id)) as KeyRecord;
  return { rig, kms, stored };
}

const versionOf = (cipher: string) => Buffer.from(cipher, 'base64').readUInt32BE(40);

describe('seal counter', () => {
  it('defaults: rotation at 2^31 seals, refusal 2^30 before the 2^32 bound, a write per 65,536 seals', () => {
    expect(DEFAULT_SEAL_LIMITS).toEqual({ sealsBeforeRotation: 2 ** 31, sealLimit: 2 ** 32 - 2 ** 30, sealFlushEvery: 65_536 });
  });

  it('a key rotates itself when its primary version reaches the threshold; old ciphertexts keep decrypting', async () => {
    const { kms, stored } = await setup();
    const id = (await kms('create-key', { key_alias: 'counted' })).key_info.key_id;
    const blobs: string[] = [];
    for (let i = 0; i < 5; i++) blobs.push((await kms('encrypt-data', { key_id: id, plain_text: `m${i}` })).cipher_text);
    expect(blobs.map(versionOf)).toEqual([1, 1, 1, 1, 1]);
    // The fifth seal reached the threshold: its count was written and the key rotated.
    const r = await stored(id);
    expect(r.versions.map((v) => [v.v, v.seals ?? 0])).toEqual([[1, 5], [2, 0]]);
    const next = (await kms('encrypt-data', { key_id: id, plain_text: 'after' })).cipher_text;
    expect(versionOf(next)).toBe(2);
    for (const [i, b] of blobs.entries()) expect((await kms('decrypt-data', { cipher_text: b })).plain_text).toBe(`m${i}`);
    expect((await kms('get-key-rotation-status', { key_id: id })).number_of_rotations).toBe(1);
    // Data keys count too: they are sealed under the same version.
    await kms('create-datakey', { key_id: id, datakey_length: '256' });
    await kms('create-datakey-without-plaintext', { key_id: id, datakey_length: '256' });
    expect((await stored(id)).versions[1].seals ?? 0).toBe(3); // flushed at the third seal
  });

  it('imported material cannot rotate: seals past the limit are refused, and nothing is sealed', async () => {
    const { kms } = await setup();
    const id = (await kms('create-key', { key_alias: 'imported', origin: 'external' })).key_info.key_id;
    const p = await kms('get-parameters-for-import', { key_id: id, wrapping_algorithm: 'RSAES_OAEP_SHA_256' });
    const pub = createPublicKey({ key: Buffer.from(p.public_key, 'base64'), format: 'der', type: 'spki' });
    const wrapped = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, randomBytes(32)).toString('base64');
    await kms('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrapped });
    for (let i = 0; i < 8; i++) expect(versionOf((await kms('encrypt-data', { key_id: id, plain_text: 'x' })).cipher_text)).toBe(1);
    const refused = await rejection<ApiError>(kms('encrypt-data', { key_id: id, plain_text: 'x' }));
    expect([refused.status, refused.code]).toEqual([400, 'KMS.0308']);
    expect(refused.message).toMatch(/sealed 8 messages with version 1/);
    expect((await rejection<ApiError>(kms('create-datakey', { key_id: id, datakey_length: '256' }))).code).toBe('KMS.0308');
  });

  it('counts of two processes on one store add up; maintenance writes what is pending', async () => {
    const { rig, kms, stored } = await setup({ sealsBeforeRotation: 1000, sealLimit: 2000, sealFlushEvery: 1000 });
    const id = (await kms('create-key', { key_alias: 'shared' })).key_info.key_id;
    // A second KMS (another process) over the same store, with the rig's root key (test/helpers/kms.ts).
    const other = new Kms({ store: rig.store, rootKey: await RootKey.fromBytes(new Uint8Array(32).fill(7), rig.kms.crypto), crypto: rig.kms.crypto, domainId: rig.kms.domainId, clock: rig.clock, limits: rig.kms.limits });
    for (let i = 0; i < 4; i++) await kms('encrypt-data', { key_id: id, plain_text: 'x' });
    const r = await stored(id);
    for (let i = 0; i < 3; i++) await other.seals.count(r, r.versions[0], async () => {});
    expect((await stored(id)).versions[0].seals).toBeUndefined(); // below the batch size: still in memory
    expect(await runMaintenance(rig.kms)).toMatchObject({ failed: 0 });
    expect((await stored(id)).versions[0].seals).toBe(4);
    await runMaintenance(other);
    expect((await stored(id)).versions[0].seals).toBe(7);
    expect(await other.seals.flush()).toBe(0); // nothing left
  });
});

describe('seal counter under store failures', () => {
  it('a count or rotation that cannot be written does not fail the seal; the count stays pending and is written later', async () => {
    const { FaultyStore } = await import('../helpers/faulty-store.ts');
    const { MemoryStore } = await import('../../src/store/memory.ts');
    const store = new FaultyStore(new MemoryStore());
    const rig = await makeRig({ store, limits: { sealsBeforeRotation: 3, sealLimit: 100, sealFlushEvery: 50 } });
    const kms = (action: string, body: unknown) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
    const id = (await kms('create-key', { key_alias: 'faulty-count' })).key_info.key_id;
    await kms('encrypt-data', { key_id: id, plain_text: 'x' });
    await kms('encrypt-data', { key_id: id, plain_text: 'x' });
    store.arm(1); // the third seal's count write fails; its rotation then succeeds
    expect(versionOf((await kms('encrypt-data', { key_id: id, plain_text: 'x' })).cipher_text)).toBe(1);
    store.arm(0);
    const r = (await rig.kms.repo.get(rig.client.projectId, id))!;
    expect(r.versions.map((v) => v.v)).toEqual([1, 2]);
    expect(r.versions[0].seals).toBeUndefined();
    await runMaintenance(rig.kms);
    expect((await rig.kms.repo.get(rig.client.projectId, id))!.versions[0].seals).toBe(3);
  });
});
