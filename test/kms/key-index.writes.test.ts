// The key index through every kind of write that changes what list-keys shows, on the file store: after
// each write every key as listed (from its summary) is the key as described (from its record) and as a
// rebuild and a full read show it; the same listing comes back after the store is closed and opened again;
// and writers racing on the same keys leave the index where the store is.
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/kms/clock.ts';
import { FileStore } from '../../src/store/file.ts';
import { ApiError } from '../../src/sdk/errors.ts';
import { expectSameListings } from '../helpers/key-listings.ts';
import { makeRig, type Rig } from '../helpers/kms.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';

const dir = tempDirs('key-index');
const call = (rig: Rig, action: string, body: object) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
type Details = Record<string, string>;
const listed = async (rig: Rig): Promise<Details[]> => (await call(rig, 'list-keys', { key_spec: 'ALL', enterprise_project_id: 'all' })).key_details;

async function expectListedAsDescribed(rig: Rig, step: string): Promise<Details[]> {
  const keys = await listed(rig);
  for (const k of keys) expect(k, `${step}: ${k.key_alias}`).toEqual((await call(rig, 'describe-key', { key_id: k.key_id })).key_info);
  await expectSameListings(rig, step);
  return keys;
}

describe('key index through every write', () => {
  it('lists each key as describe-key shows it after each write, and the same after the store is reopened', async () => {
    const d = dir();
    const clock = new ManualClock(Date.now());
    let store = await FileStore.open(d);
    let rig = await makeRig({ store, clock });
    await listed(rig); // the index is built first, so every write below has to keep it
    const id: Record<string, string> = {};
    const create = async (name: string, body: object) => (clock.advance(1000), id[name] = (await call(rig, 'create-key', { key_alias: name, ...body })).key_info.key_id);
    const material = randomBytes(32); // a key takes back only the material it had
    const importInto = async (key: string, expiration?: number) => {
      const p = await call(rig, 'get-parameters-for-import', { key_id: key, wrapping_algorithm: 'RSAES_OAEP_SHA_256' });
      const pub = createPublicKey({ key: Buffer.from(p.public_key, 'base64'), format: 'der', type: 'spki' });
      const wrapped = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material).toString('base64');
      await call(rig, 'import-key-material', { key_id: key, import_token: p.import_token, encrypted_key_material: wrapped, ...(expiration ? { expiration_time: expiration } : {}) });
    };
    const expires = Math.floor(clock.now() / 1000) + 3600; // epoch seconds; an hour ahead
    // Each step, and what list-keys must then show of the key it wrote.
    const steps: [string, () => Promise<unknown>, string, Details][] = [
      ['create-key', () => create('a', {}), 'a', { key_state: '2', key_spec: 'AES_256', sys_enterprise_project_id: '0' }],
      ['create-key in an enterprise project', () => create('b', { key_spec: 'SM4', enterprise_project_id: 'ep-1' }), 'b', { key_spec: 'SM4', sys_enterprise_project_id: 'ep-1' }],
      ['create-key, external', () => create('c', { origin: 'external' }), 'c', { key_state: '5', origin: 'external' }],
      ['import-key-material', () => importInto(id.c, expires), 'c', { key_state: '2', expiration_time: String(expires * 1000) }],
      ['disable-key', () => call(rig, 'disable-key', { key_id: id.a }), 'a', { key_state: '3' }],
      ['enable-key', () => call(rig, 'enable-key', { key_id: id.a }), 'a', { key_state: '2' }],
      ['schedule-key-deletion', () => call(rig, 'schedule-key-deletion', { key_id: id.b, pending_days: '7' }), 'b', { key_state: '4' }],
      ['cancel-key-deletion', () => call(rig, 'cancel-key-deletion', { key_id: id.b }), 'b', { key_state: '3', scheduled_deletion_date: '' }],
      ['update-key-alias', () => call(rig, 'update-key-alias', { key_id: id.a, key_alias: 'a-renamed' }), 'a', { key_alias: 'a-renamed' }],
      ['update-key-description', () => call(rig, 'update-key-description', { key_id: id.a, key_description: 'described' }), 'a', { key_description: 'described' }],
      ['enable-key-rotation', () => call(rig, 'enable-key-rotation', { key_id: id.a }), 'a', { key_rotation_enabled: 'true' }],
      ['rotate-on-demand', () => call(rig, 'rotate-on-demand', { key_id: id.a }), 'a', { key_rotation_enabled: 'true' }],
      ['disable-key-rotation', () => call(rig, 'disable-key-rotation', { key_id: id.a }), 'a', { key_rotation_enabled: 'false' }],
      ['create-kms-tag', () => rig.client.request('POST', `/v1.0/{project_id}/kms/${id.a}/tags`, { tag: { key: 'env', value: 'prod' } }), 'a', { key_state: '2' }],
      ['create-grant', () => call(rig, 'create-grant', { key_id: id.a, grantee_principal: 'alice01', operations: ['describe-key'] }), 'a', { key_state: '2' }],
      ['delete-imported-key-material', () => call(rig, 'delete-imported-key-material', { key_id: id.c }), 'c', { key_state: '5', expiration_time: '' }],
      ['import-key-material again, without expiry', () => importInto(id.c), 'c', { key_state: '2', expiration_time: '' }],
    ];
    for (const [step, write, key, shown] of steps) {
      await write();
      const keys = await expectListedAsDescribed(rig, step);
      expect(keys.find((k) => k.key_id === id[key]), step).toMatchObject(shown);
    }
    const before = await listed(rig);
    expect(before.map((k) => k.key_alias)).toEqual(['a-renamed', 'b', 'c']);
    await store.close();
    store = await FileStore.open(d);
    rig = await makeRig({ store, clock });
    expect(await expectListedAsDescribed(rig, 'reopened')).toEqual(before);
    await store.close();
  });

  it('follows writers racing on the same keys', async () => {
    const store = await FileStore.open(dir());
    const rig = await makeRig({ store });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await call(rig, 'create-key', { key_alias: `k${i}` })).key_info.key_id);
    await listed(rig);
    const writes = ids.flatMap((key, k) => [
      ...Array.from({ length: 6 }, (_, i) => () => call(rig, 'update-key-description', { key_id: key, key_description: `d${k}-${i}` })),
      () => call(rig, 'disable-key', { key_id: key }),
      () => call(rig, 'enable-key', { key_id: key }),
      () => call(rig, 'update-key-alias', { key_id: key, key_alias: `renamed${k}` }),
      () => call(rig, 'enable-key-rotation', { key_id: key }),
      () => rig.client.request('POST', `/v1.0/{project_id}/kms/${key}/tags`, { tag: { key: `t${k}`, value: 'v' } }),
      () => call(rig, 'create-key', { key_alias: `new${k}`, key_spec: 'SM4' }),
    ]);
    // A write refused for the state another one left (enable-key on an enabled key) is fine; any other failure is not.
    const outcomes = await Promise.allSettled(writes.map((w) => w()));
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason, String(o.reason)).toBeInstanceOf(ApiError);
    for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as ApiError).status).toBe(400);
    const keys = await expectListedAsDescribed(rig, 'raced');
    expect(keys.length).toBe(6);
    await store.close();
  });
});
