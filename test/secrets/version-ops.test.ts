// The version and stage operations through the routes, in-process: path parameters at their bounds,
// which version a path names, paging of the version list, expiry bounds, the SECRET_VERSION_CREATED
// record, exact refusals, and every value wiped once it is sealed or answered.
import { describe, expect, it } from 'vitest';
import { makeRig, rejection } from '../helpers/kms.ts';
import { observedCrypto } from '../helpers/observed-crypto.ts';

const P = '/v1/{project_id}';
const MAX_TIME = 253_402_300_799_999;

async function rig() {
  const observed = observedCrypto();
  const t = await makeRig({ crypto: observed.crypto });
  const call = (method: string, path: string, body?: unknown, query?: Record<string, string>) => t.client.request<any>(method, `${P}${path}`, body, query);
  const refused = async (method: string, path: string, body?: unknown, query?: Record<string, string>) => {
    const e = await rejection(call(method, path, body, query));
    return [e.status, e.code, e.message.replace(`${e.code}: `, '')];
  };
  await call('POST', '/secrets', { name: 'app', secret_string: 'one' });
  return { ...t, observed, call, refused };
}

describe('version and stage operations', () => {
  it('a path names a version by id (v<n>) or latest; anything else is not found, and over 64 characters is invalid', async () => {
    const t = await rig();
    await t.call('POST', '/secrets/app/versions', { secret_string: 'two' });
    expect((await t.call('GET', '/secrets/app/versions/latest')).version.secret_string).toBe('two');
    expect((await t.call('GET', '/secrets/app/versions/v1')).version.secret_string).toBe('one');
    for (const id of ['v3', 'xv1', 'v1x', 'v0', 'v01', '1', 'V1', 'v1' + '0'.repeat(10), 'x'.repeat(64)]) {
      expect(await t.refused('GET', `/secrets/app/versions/${id}`), id).toEqual([400, 'CSMS.0005', `The version ${id} of secret app does not exist.`]);
    }
    expect(await t.refused('GET', `/secrets/app/versions/${'x'.repeat(65)}`)).toEqual([400, 'CSMS.0002', 'Invalid version_id: must be at most 64 characters.']);
    expect(await t.refused('PUT', `/secrets/app/versions/${'x'.repeat(65)}`, { expire_time: 1 })).toEqual([400, 'CSMS.0002', 'Invalid version_id: must be at most 64 characters.']);
  });

  it('stages: a bad name is invalid, a missing one not found, a system stage cannot be deleted', async () => {
    const t = await rig();
    expect(await t.refused('GET', '/secrets/app/stages/a.b')).toEqual([400, 'CSMS.0002', 'Invalid stage_name: must match ^[a-zA-Z0-9_-]{1,64}$.']);
    expect(await t.refused('GET', '/secrets/app/stages/beta')).toEqual([400, 'CSMS.0005', 'The stage beta of secret app does not exist.']);
    expect(await t.refused('DELETE', '/secrets/app/stages/beta')).toEqual([400, 'CSMS.0005', 'The stage beta of secret app does not exist.']);
    expect(await t.refused('DELETE', '/secrets/app/stages/SYSPREVIOUS')).toEqual([400, 'CSMS.0105', 'The system stage SYSPREVIOUS cannot be deleted.']);
    expect((await t.call('PUT', '/secrets/app/stages/beta', { version_id: 'v1' })).stage).toMatchObject({ name: 'beta', version_id: 'v1' });
  });

  it('lists newest first, 50 by default, in pages below a marker', async () => {
    const t = await rig();
    for (let i = 2; i <= 5; i++) await t.call('POST', '/secrets/app/versions', { secret_string: `v${i}` });
    const ids = (r: any) => r.version_metadatas.map((v: any) => v.id);
    const all = await t.call('GET', '/secrets/app/versions');
    expect([ids(all), all.page_info]).toEqual([['v5', 'v4', 'v3', 'v2', 'v1'], { current_count: 5 }]);
    const first = await t.call('GET', '/secrets/app/versions', undefined, { limit: '2' });
    expect([ids(first), first.page_info]).toEqual([['v5', 'v4'], { next_marker: 'v4', current_count: 2 }]);
    const second = await t.call('GET', '/secrets/app/versions', undefined, { limit: '2', marker: 'v4' });
    expect([ids(second), second.page_info]).toEqual([['v3', 'v2'], { next_marker: 'v2', previous_marker: 'v4', current_count: 2 }]);
    const last = await t.call('GET', '/secrets/app/versions', undefined, { limit: '1', marker: 'v2' });
    expect([ids(last), last.page_info]).toEqual([['v1'], { previous_marker: 'v2', current_count: 1 }]);
    const exact = await t.call('GET', '/secrets/app/versions', undefined, { limit: '5' });
    expect(exact.page_info).toEqual({ current_count: 5 });
    // Version numbers compare as numbers: v10 comes after v9.
    for (let i = 6; i <= 10; i++) await t.call('POST', '/secrets/app/versions', { secret_string: `v${i}` });
    expect(ids(await t.call('GET', '/secrets/app/versions', undefined, { limit: '2', marker: 'v10' }))).toEqual(['v9', 'v8']);
    expect(ids(await t.call('GET', '/secrets/app/versions', undefined, { limit: '200' }))).toHaveLength(10);
    for (const limit of ['0', '201', 'x', '1.5', '-1']) expect(await t.refused('GET', '/secrets/app/versions', undefined, { limit }), limit).toEqual([400, 'CSMS.0002', 'Invalid limit: must be 1-200.']);
    for (const marker of ['4', 'v0', 'xv4', 'v4x']) {
      expect(await t.refused('GET', '/secrets/app/versions', undefined, { marker }), marker).toEqual([400, 'CSMS.0002', 'Invalid marker: must be a version id such as v3.']);
    }
  });

  it('expire_time from 0 to 9999-12-31 on create and update; creating records SECRET_VERSION_CREATED', async () => {
    const t = await rig();
    await t.call('POST', '/csms/events', { name: 'ev', event_types: ['SECRET_VERSION_CREATED'], state: 'ENABLED', notification: { target_type: 'SMN', target_id: 'urn', target_name: 'n' } });
    await t.call('PUT', '/secrets/app', { event_subscriptions: ['ev'] });
    expect((await t.call('POST', '/secrets/app/versions', { secret_string: 'x', expire_time: MAX_TIME })).version_metadata.expire_time).toBe(MAX_TIME);
    expect((await t.call('POST', '/secrets/app/versions', { secret_string: 'x', expire_time: 0 })).version_metadata.expire_time).toBe(0);
    for (const bad of [-1, MAX_TIME + 1]) {
      expect((await t.refused('POST', '/secrets/app/versions', { secret_string: 'x', expire_time: bad }))[1]).toBe('CSMS.0002');
      expect((await t.refused('PUT', '/secrets/app/versions/v1', { expire_time: bad }))[1]).toBe('CSMS.0002');
    }
    const records = (await t.call('GET', '/csms/notification-records')).records.filter((r: any) => r.trigger_event_type === 'SECRET_VERSION_CREATED');
    expect(records.map((r: any) => JSON.parse(r.notification_content).version_id).sort()).toEqual(['v2', 'v3']);
  });

  it('the value is wiped once sealed (create) and once answered (show)', async () => {
    const t = await rig();
    t.observed.sealed.length = 0;
    t.observed.opened.length = 0;
    await t.call('POST', '/secrets/app/versions', { secret_string: 'eleven-char' });
    const sealedValue = t.observed.sealed.filter((b) => b.length === 11);
    expect(sealedValue).toHaveLength(1);
    expect(sealedValue[0].every((b) => b === 0)).toBe(true);
    expect((await t.call('GET', '/secrets/app/versions/v2')).version.secret_string).toBe('eleven-char');
    const openedValue = t.observed.opened.filter((b) => b.length === 11);
    expect(openedValue).toHaveLength(1);
    expect(openedValue[0].every((b) => b === 0)).toBe(true);
  });
});
