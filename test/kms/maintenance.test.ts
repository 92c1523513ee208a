// Maintenance failures are never silent: each one is logged with the project, the key and the step, and
// counted where /healthz reports it; the next run retries and succeeds. What a run counts as destroyed it destroyed.
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/kms/clock.ts';
import type { KeyRecord } from '../../src/kms/key-record.ts';
import { MaintenanceMonitor, runMaintenance } from '../../src/kms/maintenance.ts';
import { createApp } from '../../src/server/app.ts';
import { StaticCredentials } from '../../src/iam/credentials.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { getJson, putJson } from '../../src/store/store.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';
import { ADMIN, makeRig } from '../helpers/kms.ts';
import { RacingStore } from '../helpers/racing-store.ts';

describe('maintenance failures', () => {
  it('a failed automatic rotation is logged with key and step, counted on /healthz, and retried', async () => {
    const store = new FaultyStore(new MemoryStore());
    const rig = await makeRig({ store });
    const kms = (action: string, body: unknown) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
    const key = (await kms('create-key', { key_alias: 'maint' })).key_info.key_id;
    await kms('update-key-rotation-interval', { key_id: key, rotation_interval: 30 });
    await kms('enable-key-rotation', { key_id: key });
    const lines: string[] = [];
    const monitor = new MaintenanceMonitor(rig.kms, (l) => lines.push(l));
    const app = createApp({ kms: rig.kms, credentials: new StaticCredentials([]), health: () => ({ maintenance: monitor.health() }) });
    const health = async () => (await (await app.fetch(new Request('http://kms.test/healthz'))).json()).maintenance;

    expect(await monitor.run()).toMatchObject({ rotated: 0, failed: 0 });
    expect(await health()).toEqual({ runs: 1, failures: 0, last_failure_at: '' });

    rig.clock.advance(31 * DAY_MS);
    // The rotation's single write of the key document fails.
    store.arm(1);
    expect(await monitor.run()).toMatchObject({ rotated: 0, failed: 1 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({
      maintenance_failure: 'rotate',
      project: ADMIN.project,
      key_id: key,
      error: 'StoreError: injected failure at write 1',
    });
    expect(await health()).toEqual({ runs: 2, failures: 1, last_failure_at: new Date(rig.clock.now()).toISOString() });
    expect((await kms('get-key-rotation-status', { key_id: key })).number_of_rotations).toBe(0);

    store.arm(0);
    expect(await monitor.run()).toMatchObject({ rotated: 1, failed: 0 });
    expect(await health()).toMatchObject({ runs: 3, failures: 1 });
    expect(lines).toHaveLength(1);
  });

  it('a key whose deletion is cancelled between the purge reading it and destroying it stays and is not counted as destroyed', async () => {
    const racing = new RacingStore();
    const rig = await makeRig({ store: racing });
    const kms = (action: string, body: unknown) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
    const [kept, gone] = [(await kms('create-key', { key_alias: 'kept' })).key_info.key_id, (await kms('create-key', { key_alias: 'gone' })).key_info.key_id];
    for (const key_id of [kept, gone]) await kms('schedule-key-deletion', { key_id, pending_days: '7' });
    rig.clock.advance(8 * DAY_MS);
    const path = `kms/${ADMIN.project}/key/${kept}`;
    racing.beforeDelete.set(path, async () => {
      // A cancel that read the key just before its deletion date writes now.
      const { deletionAt: _, ...rest } = (await getJson<KeyRecord>(rig.kms.store, path))!.value;
      await putJson(rig.kms.store, path, { ...rest, state: '2' });
    });
    expect(await runMaintenance(rig.kms)).toMatchObject({ destroyed: 1, failed: 0 });
    expect((await kms('describe-key', { key_id: kept })).key_info.key_state).toBe('2');
    expect(await rig.kms.store.get(`kms/${ADMIN.project}/key/${gone}`)).toBeNull();
  });
});
