// The CSMS core through the real Hono app (signed requests, in-process): secrets, versions, stages,
// scheduled deletion, restore, purge by maintenance, rotation, backup and restore, and the CMK's state.
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/kms/clock.ts';
import { runSecretsMaintenance } from '../../src/secrets/maintenance.ts';
import { Secrets } from '../../src/secrets/secrets.ts';
import { getJson, listAll } from '../../src/store/store.ts';
import type { SecretRecord } from '../../src/secrets/record.ts';
import { makeRig, rejection } from '../helpers/kms.ts';

const P = '/v1/{project_id}';

async function rig() {
  const r = await makeRig();
  const c = r.client;
  const call = <T = any>(method: string, path: string, body?: unknown, query?: Record<string, string>) => c.request<T>(method, `${P}${path}`, body, query);
  return { ...r, call };
}

describe('secrets, versions and stages', () => {
  it('creates a secret under csms/default (created on first use) and reads it by latest, v1 and stage', async () => {
    const t = await rig();
    const created = await t.call('POST', '/secrets', { name: 'db-cred', secret_string: '{"username":"app","password":"s3cret"}', description: 'database' });
    const s = created.secret;
    expect(s.name).toBe('db-cred');
    expect(s.state).toBe('ENABLED');
    expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(s.secret_type).toBe('COMMON');
    expect(s.auto_rotation).toBe(false);
    expect(typeof s.create_time).toBe('number');
    expect(JSON.stringify(created)).not.toContain('s3cret');
    const key = await t.kms.repo.byName(t.client.projectId, 'csms/default');
    expect(key?.id).toBe(s.kms_key_id);
    expect(key?.defaultKey).toBe(true);

    const latest = await t.call('GET', '/secrets/db-cred/versions/latest');
    expect(latest.version.secret_string).toBe('{"username":"app","password":"s3cret"}');
    expect(latest.version.version_metadata).toMatchObject({ id: 'v1', secret_name: 'db-cred', version_stages: ['SYSCURRENT'], kms_key_id: s.kms_key_id });
    expect((await t.call('GET', '/secrets/db-cred/versions/v1')).version.secret_string).toContain('s3cret');
    expect((await t.call('GET', '/secrets/db-cred/stages/SYSCURRENT')).stage).toMatchObject({ name: 'SYSCURRENT', secret_name: 'db-cred', version_id: 'v1' });

    // Nothing readable at rest: the stored document holds neither the value nor the data key in clear.
    for (const p of await listAll(t.store, 'csms/')) {
      const raw = new TextDecoder().decode((await t.store.get(p))!.value);
      expect(raw).not.toContain('s3cret');
    }
  });

  it('a new version becomes SYSCURRENT, the old one SYSPREVIOUS; custom stages move; system stages stay', async () => {
    const t = await rig();
    await t.call('POST', '/secrets', { name: 'app', secret_string: 'one' });
    const v2 = await t.call('POST', '/secrets/app/versions', { secret_string: 'two' });
    expect(v2.version_metadata).toMatchObject({ id: 'v2', version_stages: ['SYSCURRENT'] });
    expect((await t.call('GET', '/secrets/app/stages/SYSPREVIOUS')).stage.version_id).toBe('v1');
    const v3 = await t.call('POST', '/secrets/app/versions', { secret_binary: 'AAEC', version_stages: ['canary'], expire_time: 4102444800000 });
    expect(v3.version_metadata).toMatchObject({ id: 'v3', version_stages: ['canary'], expire_time: 4102444800000 });
    expect((await t.call('GET', '/secrets/app/versions/latest')).version).toMatchObject({ secret_binary: 'AAEC' });
    expect((await t.call('GET', '/secrets/app/stages/SYSCURRENT')).stage.version_id).toBe('v2');
    const moved = await t.call('PUT', '/secrets/app/stages/SYSCURRENT', { version_id: 'v3' });
    expect(moved.stage.version_id).toBe('v3');
    expect((await t.call('GET', '/secrets/app/stages/SYSPREVIOUS')).stage.version_id).toBe('v2');
    const list = await t.call('GET', '/secrets/app/versions');
    expect(list.version_metadatas.map((v: any) => [v.id, v.version_stages])).toEqual([
      ['v3', ['SYSCURRENT', 'canary']],
      ['v2', ['SYSPREVIOUS']],
      ['v1', []],
    ]);
    expect(list.page_info).toEqual({ current_count: 3 });
    const e = await rejection(t.call('DELETE', '/secrets/app/stages/SYSCURRENT'));
    expect([e.status, e.code]).toEqual([400, 'CSMS.0105']);
    expect(await t.call('DELETE', '/secrets/app/stages/canary')).toBeUndefined();
    expect((await rejection(t.call('GET', '/secrets/app/stages/canary'))).code).toBe('CSMS.0005');
    const updated = await t.call('PUT', '/secrets/app/versions/v1', { expire_time: 4102444800001 });
    expect(updated.version_metadata).toMatchObject({ id: 'v1', expire_time: 4102444800001 });
  });

  it('schedules deletion (7-30 days), refuses reads meanwhile, restores, and maintenance purges when due', async () => {
    const t = await rig();
    await t.call('POST', '/secrets', { name: 'gone', secret_string: 'x' });
    const sched = await t.call('POST', '/secrets/gone/scheduled-deleted-tasks/create', { recovery_window_in_days: 7 });
    expect(sched.secret.state).toBe('PENDING_DELETE');
    expect(sched.secret.scheduled_delete_time).toBe(t.clock.now() + 7 * DAY_MS);
    expect((await rejection(t.call('GET', '/secrets/gone/versions/latest'))).code).toBe('CSMS.0103');
    expect((await rejection(t.call('POST', '/secrets/gone/scheduled-deleted-tasks/create', { recovery_window_in_days: 7 }))).code).toBe('CSMS.0107');
    const restored = await t.call('POST', '/secrets/gone/scheduled-deleted-tasks/cancel');
    expect(restored.secret.state).toBe('ENABLED');
    expect(restored.secret.scheduled_delete_time).toBeUndefined();
    expect((await rejection(t.call('POST', '/secrets/gone/scheduled-deleted-tasks/cancel'))).code).toBe('CSMS.0108');
    expect((await t.call('GET', '/secrets/gone/versions/v1')).version.secret_string).toBe('x');

    await t.call('POST', '/secrets/gone/scheduled-deleted-tasks/create', { recovery_window_in_days: 30 });
    t.clock.advance(30 * DAY_MS - 1000);
    expect(await runSecretsMaintenance(new Secrets(t.kms))).toMatchObject({ deleted: 0 });
    expect((await t.call('GET', '/secrets/gone')).secret.state).toBe('PENDING_DELETE');
    t.clock.advance(1000);
    expect(await runSecretsMaintenance(new Secrets(t.kms))).toMatchObject({ deleted: 1, failed: 0 });
    expect(await listAll(t.store, `csms/${t.client.projectId}/secret/`)).toEqual([]);
    expect(await listAll(t.store, `csms/${t.client.projectId}/id/`)).toEqual([]);
    expect((await rejection(t.call('GET', '/secrets/gone'))).code).toBe('CSMS.0106');
  });

  it('a disabled or deletion-pending CMK makes reads fail with its KMS error; nothing is lost', async () => {
    const t = await rig();
    const key = (await t.client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'secrets-key' })).key_info.key_id;
    await t.call('POST', '/secrets', { name: 'k', secret_string: 'value-under-own-key', kms_key_id: key });
    const kms = (a: string, body: object) => t.client.request('POST', `/v1.0/{project_id}/kms/${a}`, body);
    await kms('disable-key', { key_id: key });
    const e = await rejection(t.call('GET', '/secrets/k/versions/latest'));
    expect([e.status, e.code]).toEqual([400, 'KMS.0209']);
    expect(e.message).not.toContain('value-under-own-key');
    expect((await rejection(t.call('POST', '/secrets/k/versions', { secret_string: 'new' }))).code).toBe('KMS.0209');
    await kms('enable-key', { key_id: key });
    expect((await t.call('GET', '/secrets/k/versions/latest')).version.secret_string).toBe('value-under-own-key');
    await kms('schedule-key-deletion', { key_id: key, pending_days: '7' });
    expect((await rejection(t.call('GET', '/secrets/k/versions/v1'))).code).toBe('KMS.0210');
    await kms('cancel-key-deletion', { key_id: key });
    await kms('enable-key', { key_id: key });
    expect((await t.call('GET', '/secrets/k/versions/v1')).version.secret_string).toBe('value-under-own-key');
  });

  it('changing kms_key_id seals the next version under the new key; old versions keep theirs', async () => {
    const t = await rig();
    await t.call('POST', '/secrets', { name: 'rk', secret_string: 'old' });
    const key = (await t.client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'k2' })).key_info.key_id;
    const upd = await t.call('PUT', '/secrets/rk', { kms_key_id: key, description: 'moved' });
    expect(upd.secret).toMatchObject({ kms_key_id: key, description: 'moved' });
    const v2 = await t.call('POST', '/secrets/rk/versions', { secret_string: 'new' });
    expect(v2.version_metadata.kms_key_id).toBe(key);
    const v1 = (await t.call('GET', '/secrets/rk/versions/v1')).version.version_metadata;
    expect(v1.kms_key_id).not.toBe(key);
  });

  it('rotates now and automatically; backs up and restores; a blob does not restore into another project', async () => {
    const t = await rig();
    await t.call('POST', '/secrets', { name: 'rot', secret_string: 'start', auto_rotation: true, rotation_period: '6h' });
    const rotated = await t.call('POST', '/secrets/rot/rotate');
    expect(rotated).toMatchObject({ version_id: 'v2', secret_name: 'rot' });
    const now = await t.call('GET', '/secrets/rot/versions/latest');
    expect(now.version.secret_string).toHaveLength(32);
    expect(now.version.version_metadata.version_stages).toEqual(['SYSCURRENT']);
    const tasks = await t.call('GET', '/csms/tasks', undefined, { secret_name: 'rot' });
    expect(tasks.tasks[0]).toMatchObject({ task_id: rotated.rotation_task_id, task_status: 'SUCCESS', secret_name: 'rot' });
    t.clock.advance(6 * 3_600_000);
    expect(await runSecretsMaintenance(new Secrets(t.kms))).toMatchObject({ rotated: 1, failed: 0 });
    expect((await t.call('GET', '/secrets/rot/versions/latest')).version.version_metadata.id).toBe('v3');
    const info = (await t.call('GET', '/secrets/rot')).secret;
    expect(info.next_rotation_time).toBe(info.rotation_time + 6 * 3_600_000);

    const blob = (await t.call('POST', '/secrets/rot/backup')).secret_blob;
    expect((await rejection(t.call('POST', '/secrets/restore', { secret_blob: blob }))).code).toBe('CSMS.0002');
    await t.call('DELETE', '/secrets/rot');
    const back = await t.call('POST', '/secrets/restore', { secret_blob: blob });
    expect(back.secret).toMatchObject({ name: 'rot', id: info.id });
    expect((await t.call('GET', '/secrets/rot/versions/v1')).version.secret_string).toBe('start');
    const other = t.clientFor('fedcba9876543210fedcba9876543210');
    expect((await rejection(other.request('POST', `${P}/secrets/restore`, { secret_blob: blob }))).code).toBe('CSMS.0002');
  });

  it('reports a version past its expire_time once (SECRET_VERSION_EXPIRED), keeps it readable, and again after a new expiry', async () => {
    const t = await rig();
    const secrets = new Secrets(t.kms);
    await t.call('POST', '/csms/events', { name: 'exp', event_types: ['SECRET_VERSION_EXPIRED'], state: 'ENABLED', notification: { target_type: 'SMN', target_id: 'urn', target_name: 'n' } });
    await t.call('POST', '/secrets', { name: 'ex', secret_string: 'old', event_subscriptions: ['exp'] });
    await t.call('POST', '/secrets/ex/versions', { secret_string: 'short-lived', expire_time: t.clock.now() + 1000 });
    const expiredRecords = async () => (await t.call('GET', '/csms/notification-records')).records.filter((r: any) => r.trigger_event_type === 'SECRET_VERSION_EXPIRED');
    expect(await runSecretsMaintenance(secrets)).toMatchObject({ expired: 0, failed: 0 });
    t.clock.advance(1000);
    expect(await runSecretsMaintenance(secrets)).toMatchObject({ expired: 1, failed: 0 });
    expect(await runSecretsMaintenance(secrets)).toMatchObject({ expired: 0 });
    const records = await expiredRecords();
    expect(records).toHaveLength(1);
    expect(JSON.parse(records[0].notification_content)).toMatchObject({ event_type: 'SECRET_VERSION_EXPIRED', secret_name: 'ex', version_id: 'v2' });
    expect(records[0].notification_content).not.toContain('short-lived');
    expect((await t.call('GET', '/secrets/ex/versions/v2')).version.secret_string).toBe('short-lived');
    await t.call('PUT', '/secrets/ex/versions/v2', { expire_time: t.clock.now() + 5000 });
    t.clock.advance(5000);
    expect(await runSecretsMaintenance(secrets)).toMatchObject({ expired: 1 });
    expect(await expiredRecords()).toHaveLength(2);
  });

  it('prunes the oldest unstaged versions beyond the version limit', async () => {
    const t = await rig();
    const secrets = new Secrets(t.kms);
    await t.call('POST', '/secrets', { name: 'many', secret_string: 'v' });
    await t.call('PUT', '/secrets/many/stages/keep', { version_id: 'v1' });
    for (let i = 2; i <= secrets.limits.versionsPerSecret; i++) await t.call('POST', '/secrets/many/versions', { secret_string: `v${i}` });
    let ids = (await t.call('GET', '/secrets/many/versions', undefined, { limit: '200' })).version_metadatas.map((v: any) => v.id);
    expect(ids).toHaveLength(secrets.limits.versionsPerSecret); // at the bound: nothing pruned
    await t.call('POST', '/secrets/many/versions', { secret_string: 'one more' });
    ids = (await t.call('GET', '/secrets/many/versions', undefined, { limit: '200' })).version_metadatas.map((v: any) => v.id);
    expect(ids).toHaveLength(secrets.limits.versionsPerSecret);
    expect(ids).toContain('v1'); // staged: kept
    expect(ids).not.toContain('v2'); // the oldest unstaged version went
    const doc = (await getJson<SecretRecord>(t.store, `csms/${t.client.projectId}/secret/many`))!.value;
    expect(doc.versions.map((v) => v.id)).toEqual(ids.slice().reverse());
  });
});
