// Rotation on its own: rotate-now leaves a ROTATE task and a SECRET_ROTATED record naming the new version,
// the generated value is wiped once sealed, a rotation that is no longer due changes nothing, and the
// automatic run rotates only enabled secrets that are due, reporting a failed one.
import { describe, expect, it } from 'vitest';
import { rotateDue, rotateSecret } from '../../src/secrets/ops/rotation.ts';
import { Secrets } from '../../src/secrets/secrets.ts';
import { getJson } from '../../src/store/store.ts';
import { makeRig, rejection } from '../helpers/kms.ts';
import { observedCrypto } from '../helpers/observed-crypto.ts';

const P = '/v1/{project_id}';
const H6 = 6 * 3_600_000;

async function rig() {
  const observed = observedCrypto();
  const t = await makeRig({ crypto: observed.crypto });
  const call = (method: string, path: string, body?: unknown, query?: Record<string, string>) => t.client.request<any>(method, `${P}${path}`, body, query);
  await call('POST', '/csms/events', { name: 'rot', event_types: ['SECRET_ROTATED', 'SECRET_ROTATED_FAILED'], state: 'ENABLED', notification: { target_type: 'SMN', target_id: 'urn', target_name: 'n' } });
  const records = async (type: string) =>
    (await call('GET', '/csms/notification-records')).records.filter((r: any) => r.trigger_event_type === type).map((r: any) => JSON.parse(r.notification_content));
  return { ...t, call, observed, records, secrets: new Secrets(t.kms) };
}

describe('rotation', () => {
  it('rotate-now: a 32-character value as SYSCURRENT, a ROTATE task (with the function URN) and a SECRET_ROTATED record; the value is wiped once sealed', async () => {
    const t = await rig();
    await t.call('POST', '/secrets', { name: 's', secret_string: 'x', event_subscriptions: ['rot'] });
    await t.call('PUT', '/secrets/s', { rotation_func_urn: 'urn:fss:local-1:0:function:default:rotate' });
    t.observed.sealed.length = 0;
    const out = await t.call('POST', '/secrets/s/rotate');
    expect(out).toMatchObject({ version_id: 'v2', secret_name: 's' });
    // The new value (32 characters) and its data key (32 bytes) were sealed; both are zero now.
    const keyAndValue = t.observed.sealed.filter((b) => b.length === 32);
    expect(keyAndValue.length).toBeGreaterThanOrEqual(2);
    expect(keyAndValue.every((b) => b.every((x) => x === 0))).toBe(true);
    const tasks = (await t.call('GET', '/csms/tasks', undefined, { secret_name: 's' })).tasks;
    expect(tasks).toEqual([
      {
        task_id: out.rotation_task_id,
        secret_name: 's',
        rotation_func_urn: 'urn:fss:local-1:0:function:default:rotate',
        task_status: 'SUCCESS',
        operate_type: 'ROTATE',
        task_time: t.clock.now(),
        attempt_nums: 1,
      },
    ]);
    expect((await t.records('SECRET_ROTATED')).map((c: any) => [c.secret_name, c.version_id])).toEqual([['s', 'v2']]);
    expect((await t.call('GET', '/secrets/s')).secret.rotation_time).toBe(t.clock.now());
  });

  it('a rotation that is no longer due when its write runs changes nothing and leaves no task', async () => {
    const t = await rig();
    await t.call('POST', '/secrets', { name: 's', secret_string: 'x' });
    const path = `csms/${t.client.projectId}/secret/s`;
    const before = (await getJson(t.store, path))!.version;
    const e = await rejection(rotateSecret(t.secrets, t.client.projectId, 's', () => false));
    expect(e.constructor.name).toBe('NotDue');
    expect((await getJson(t.store, path))!.version).toBe(before);
    expect((await t.call('GET', '/csms/tasks')).tasks).toEqual([]);
  });

  it('the automatic run rotates enabled secrets that are due, skips the rest, and reports a failure', async () => {
    const t = await rig();
    const key = (await t.client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'k' })).key_info.key_id;
    await t.call('POST', '/secrets', { name: 'due', secret_string: 'x', auto_rotation: true, rotation_period: '6h' });
    await t.call('POST', '/secrets', { name: 'later', secret_string: 'x', auto_rotation: true, rotation_period: '7h' });
    await t.call('POST', '/secrets', { name: 'manual', secret_string: 'x' });
    await t.call('POST', '/secrets', { name: 'pending', secret_string: 'x', auto_rotation: true, rotation_period: '6h' });
    await t.call('POST', '/secrets/pending/scheduled-deleted-tasks/create', { recovery_window_in_days: 7 });
    await t.call('POST', '/secrets', { name: 'broken', secret_string: 'x', auto_rotation: true, rotation_period: '6h', kms_key_id: key, event_subscriptions: ['rot'] });
    await t.client.request('POST', '/v1.0/{project_id}/kms/disable-key', { key_id: key });
    t.clock.advance(H6 - 1);
    expect(await rotateDue(t.secrets, t.client.projectId)).toEqual({ rotated: 0, failed: 0 });
    t.clock.advance(1);
    expect(await rotateDue(t.secrets, t.client.projectId)).toEqual({ rotated: 1, failed: 1 });
    expect((await t.call('GET', '/secrets/due/versions/latest')).version.version_metadata.id).toBe('v2');
    for (const name of ['later', 'manual', 'pending', 'broken']) {
      expect((await t.call('GET', `/secrets/${name}/versions`)).version_metadatas.map((v: any) => v.id), name).toEqual(['v1']);
    }
    expect((await t.records('SECRET_ROTATED_FAILED')).map((c: any) => c.secret_name)).toEqual(['broken']);
    expect(await rotateDue(t.secrets, t.client.projectId)).toEqual({ rotated: 0, failed: 1 });
  });

  it('a secret another run rotated meanwhile is skipped, not counted as failed', async () => {
    const t = await rig();
    await t.call('POST', '/secrets', { name: 'due', secret_string: 'x', auto_rotation: true, rotation_period: '6h', event_subscriptions: ['rot'] });
    t.clock.advance(H6);
    const repo = t.secrets.repo;
    const update = repo.update.bind(repo);
    // The other run rotates between this run's listing and its write.
    repo.update = async (project, name, change) => {
      repo.update = update;
      await rotateSecret(t.secrets, project, name);
      return update(project, name, change);
    };
    expect(await rotateDue(t.secrets, t.client.projectId)).toEqual({ rotated: 0, failed: 0 });
    expect((await t.call('GET', '/secrets/due/versions')).version_metadatas.map((v: any) => v.id)).toEqual(['v2', 'v1']);
    expect(await t.records('SECRET_ROTATED_FAILED')).toEqual([]);
  });
});
