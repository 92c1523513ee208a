// Maintenance failures are never silent: each one is logged with the project, the key and the step, and
// counted where /healthz reports it; the next run retries and succeeds.
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/kms/clock.ts';
import { MaintenanceMonitor } from '../../src/kms/maintenance.ts';
import { createApp } from '../../src/server/app.ts';
import { StaticCredentials } from '../../src/iam/credentials.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';
import { ADMIN, makeRig } from '../helpers/kms.ts';

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
});
