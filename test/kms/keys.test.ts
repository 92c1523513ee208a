// Key lifecycle over signed HTTP (in-process): create, describe, list, state changes, deletion, names,
// service default keys, random numbers.
import { beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/kms/clock.ts';
import { runMaintenance } from '../../src/kms/maintenance.ts';
import { ApiError } from '../../src/sdk/errors.ts';
import { makeRig, rejection, type Rig } from '../helpers/kms.ts';

let rig: Rig;
beforeEach(async () => {
  rig = await makeRig();
});

const kms = (action: string, body: unknown) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
const fail = (action: string, body: unknown) => rejection<ApiError>(kms(action, body));

async function createKey(alias = `k-${Math.random().toString(36).slice(2)}`, extra: object = {}): Promise<string> {
  const r = await kms('create-key', { key_alias: alias, ...extra });
  return r.key_info.key_id;
}

describe('create-key and describe-key', () => {
  it('creates an AES_256 key and describes it with every field a string', async () => {
    const r = await kms('create-key', { key_alias: 'app/orders', key_description: 'orders table' });
    expect(Object.keys(r.key_info).sort()).toEqual(['domain_id', 'key_id', 'region_id']);
    expect(r.key_info.key_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const d = (await kms('describe-key', { key_id: r.key_info.key_id })).key_info;
    for (const [k, v] of Object.entries(d)) expect(typeof v, k).toBe('string');
    expect(d).toMatchObject({
      key_id: r.key_info.key_id,
      domain_id: r.key_info.domain_id,
      key_alias: 'app/orders',
      key_spec: 'AES_256',
      key_usage: 'ENCRYPT_DECRYPT',
      key_description: 'orders table',
      key_state: '2',
      default_key_flag: '0',
      origin: 'kms',
      key_rotation_enabled: 'false',
      scheduled_deletion_date: '',
    });
    expect(Number(d.creation_date)).toBeGreaterThan(1.6e12); // milliseconds, as the official examples
  });

  it('refuses a taken, malformed or reserved key_alias', async () => {
    await createKey('taken');
    expect((await fail('create-key', { key_alias: 'taken' })).code).toBe('KMS.1104');
    expect((await fail('create-key', { key_alias: 'has space' })).code).toBe('KMS.1101');
    expect((await fail('create-key', { key_alias: 'x'.repeat(256) })).code).toBe('KMS.1101');
    expect((await fail('create-key', { key_alias: 'obs/default' })).code).toBe('KMS.1101');
    expect((await fail('create-key', {})).code).toBe('KMS.0204');
    expect((await fail('create-key', { key_alias: 42 })).code).toBe('KMS.1101');
  });

  it('refuses unknown specs, wrong usages and long descriptions with 400', async () => {
    const e1 = await fail('create-key', { key_alias: 'a', key_spec: 'AES_512' });
    expect([e1.status, e1.code]).toEqual([400, 'KMS.0308']);
    expect((await fail('create-key', { key_alias: 'a', key_usage: 'SIGN_VERIFY' })).code).toBe('KMS.0308');
    expect((await fail('create-key', { key_alias: 'a', key_description: 'd'.repeat(256) })).code).toBe('KMS.1103');
    expect((await fail('create-key', { key_alias: 'a', keystore_id: '7' })).code).toBe('KMS.0308');
  });

  it('describes unknown and malformed ids with KMS.0207 and KMS.0205', async () => {
    expect((await fail('describe-key', { key_id: '00000000-0000-0000-0000-000000000000' })).code).toBe('KMS.0207');
    expect((await fail('describe-key', { key_id: 'not a key' })).code).toBe('KMS.0205');
  });
});

describe('list-keys', () => {
  it('pages with limit/marker, filters by state and spec, and reports totals', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await createKey(`list-${i}`));
      rig.clock.advance(1);
    }
    await kms('disable-key', { key_id: ids[1] });
    const p1 = await kms('list-keys', { limit: '2' });
    expect(p1).toMatchObject({ keys: ids.slice(0, 2), truncated: 'true', next_marker: '2', total: 5 });
    expect(p1.key_details.map((k: { key_id: string }) => k.key_id)).toEqual(ids.slice(0, 2));
    const p3 = await kms('list-keys', { limit: '2', marker: '4' });
    expect(p3).toMatchObject({ keys: ids.slice(4), truncated: 'false', next_marker: '', total: 5 });
    const disabled = await kms('list-keys', { key_state: '3' });
    expect(disabled.keys).toEqual([ids[1]]);
    expect((await kms('list-keys', { key_spec: 'RSA_2048' })).total).toBe(0);
    expect((await kms('list-keys', { key_spec: 'ALL' })).total).toBe(5);
    expect((await fail('list-keys', { limit: '0' })).code).toBe('KMS.1601');
    expect((await fail('list-keys', { limit: 10 })).code).toBe('KMS.1601');
    expect((await fail('list-keys', { marker: '-1' })).code).toBe('KMS.1602');
    expect((await fail('list-keys', { key_state: '9' })).code).toBe('KMS.0308');
  });
});

describe('state changes', () => {
  it('disables and enables, with the documented errors when the state is wrong', async () => {
    const id = await createKey();
    expect((await fail('enable-key', { key_id: id })).code).toBe('KMS.1201');
    expect(await kms('disable-key', { key_id: id })).toEqual({ key_info: { key_id: id, key_state: '3' } });
    expect((await fail('disable-key', { key_id: id })).code).toBe('KMS.1301');
    expect((await fail('encrypt-data', { key_id: id, plain_text: 'x' })).code).toBe('KMS.0209');
    expect(await kms('enable-key', { key_id: id })).toEqual({ key_info: { key_id: id, key_state: '2' } });
    await kms('encrypt-data', { key_id: id, plain_text: 'x' });
  });

  it('schedules deletion (7-1096 days), cancels it back to disabled, destroys at the date', async () => {
    const id = await createKey('doomed');
    for (const bad of ['6', '1097', 'seven', '07']) expect((await fail('schedule-key-deletion', { key_id: id, pending_days: bad })).code).toBe('KMS.1401');
    expect((await fail('schedule-key-deletion', { key_id: id, pending_days: 7 })).code).toBe('KMS.1401');
    expect(await kms('schedule-key-deletion', { key_id: id, pending_days: '7' })).toEqual({ key_id: id, key_state: '4' });
    const d = (await kms('describe-key', { key_id: id })).key_info;
    expect(Number(d.scheduled_deletion_date)).toBe(rig.clock.now() + 7 * DAY_MS);
    expect((await fail('schedule-key-deletion', { key_id: id, pending_days: '8' })).code).toBe('KMS.1402');
    expect(await kms('cancel-key-deletion', { key_id: id })).toEqual({ key_id: id, key_state: '3' });
    expect((await fail('cancel-key-deletion', { key_id: id })).code).toBe('KMS.1501');
    expect((await kms('describe-key', { key_id: id })).key_info.scheduled_deletion_date).toBe('');

    await kms('schedule-key-deletion', { key_id: id, pending_days: '7' });
    rig.clock.advance(7 * DAY_MS - 1000);
    expect((await kms('describe-key', { key_id: id })).key_info.key_state).toBe('4');
    rig.clock.advance(1000);
    expect(await runMaintenance(rig.kms)).toMatchObject({ destroyed: 1, failed: 0 });
    expect((await fail('describe-key', { key_id: id })).code).toBe('KMS.0207');
    // Its name is free again and nothing of it is left in the store.
    expect((await rig.store.list(`kms/`)).keys.filter((k) => k.includes(id))).toEqual([]);
    await createKey('doomed');
  });

  it('a key past its deletion date is gone even before maintenance runs', async () => {
    const id = await createKey();
    await kms('schedule-key-deletion', { key_id: id, pending_days: '30' });
    rig.clock.advance(31 * DAY_MS);
    expect((await fail('describe-key', { key_id: id })).code).toBe('KMS.0207');
    expect(await rig.store.get(`kms/${rig.client.projectId}/key/${id}`)).toBeNull();
  });

  it('renames and re-describes; the old name is released', async () => {
    const id = await createKey('old-name');
    expect(await kms('update-key-alias', { key_id: id, key_alias: 'new-name' })).toEqual({ key_info: { key_id: id, key_alias: 'new-name' } });
    const other = await createKey('old-name');
    expect(other).not.toBe(id);
    expect((await fail('update-key-alias', { key_id: id, key_alias: 'old-name' })).code).toBe('KMS.1104');
    expect(await kms('update-key-description', { key_id: id, key_description: 'hello' })).toEqual({ key_info: { key_id: id, key_description: 'hello' } });
    await kms('schedule-key-deletion', { key_id: id, pending_days: '7' });
    expect((await fail('update-key-alias', { key_id: id, key_alias: 'x' })).code).toBe('KMS.0210');
    expect((await fail('update-key-description', { key_id: id, key_description: 'x' })).code).toBe('KMS.0210');
  });
});

describe('service default keys', () => {
  it('are created on first use and cannot be disabled, renamed, re-described or deleted', async () => {
    const enc = await kms('encrypt-data', { key_id: 'obs/default', plain_text: 'object key' });
    const d = (await kms('describe-key', { key_id: 'obs/default' })).key_info;
    expect(d).toMatchObject({ key_id: enc.key_id, key_alias: 'obs/default', default_key_flag: '1', key_state: '2' });
    // Same key on every later use.
    expect((await kms('encrypt-data', { key_id: 'obs/default', plain_text: 'x' })).key_id).toBe(enc.key_id);
    for (const ref of ['obs/default', enc.key_id]) {
      expect((await fail('disable-key', { key_id: ref })).code).toBe('KMS.0211');
      expect((await fail('schedule-key-deletion', { key_id: ref, pending_days: '7' })).code).toBe('KMS.0211');
      expect((await fail('update-key-alias', { key_id: ref, key_alias: 'mine' })).code).toBe('KMS.0211');
      expect((await fail('update-key-description', { key_id: ref, key_description: 'mine' })).code).toBe('KMS.0211');
      expect((await fail('enable-key-rotation', { key_id: ref })).code).toBe('KMS.0211');
    }
    // Concurrent first uses of another service create exactly one key.
    const ids = await Promise.all(Array.from({ length: 8 }, () => kms('create-datakey', { key_id: 'csms/default' }).then((r) => r.key_id)));
    expect(new Set(ids).size).toBe(1);
    expect((await kms('list-keys', {})).keys).toHaveLength(2);
  });
});

describe('gen-random', () => {
  it('returns upper-case hex of the requested bits, and checks the length', async () => {
    const r = await kms('gen-random', { random_data_length: '512' });
    expect(r.random_data).toMatch(/^[0-9A-F]{128}$/);
    expect((await kms('gen-random', { random_data_length: '8' })).random_data).toMatch(/^[0-9A-F]{2}$/);
    for (const bad of ['0', '12', '8200', 'x', '']) expect((await fail('gen-random', { random_data_length: bad })).code).toMatch(/KMS\.(1801|0204)/);
    expect((await fail('gen-random', { random_data_length: 512 })).code).toBe('KMS.1801');
  });
});
