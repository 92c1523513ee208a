// The secrets service's periodic work on its own: every project is visited, each of its three phases
// (purge and pointer sweep, rotation, expiry) runs even when another one fails, and the counts say what
// happened. The phases themselves are checked in lifecycle.test.ts and faults.test.ts.
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/kms/clock.ts';
import { runSecretsMaintenance } from '../../src/secrets/maintenance.ts';
import type { SecretRecord } from '../../src/secrets/record.ts';
import { secretPath } from '../../src/secrets/repository.ts';
import { Secrets } from '../../src/secrets/secrets.ts';
import { getJson, putJson } from '../../src/store/store.ts';
import { makeRig, OTHER_PROJECT } from '../helpers/kms.ts';
import { RacingStore } from '../helpers/racing-store.ts';

const P = '/v1/{project_id}';

async function twoProjects() {
  const rig = await makeRig();
  const other = rig.clientFor(OTHER_PROJECT);
  for (const c of [rig.client, other]) {
    await c.request('POST', `${P}/secrets`, { name: 'gone', secret_string: 'x' });
    await c.request('POST', `${P}/secrets/gone/scheduled-deleted-tasks/create`, { recovery_window_in_days: 7 });
    await c.request('POST', `${P}/secrets`, { name: 'rot', secret_string: 'x', auto_rotation: true, rotation_period: '6h' });
    await c.request('POST', `${P}/secrets`, { name: 'exp', secret_string: 'x' });
    await c.request('POST', `${P}/secrets/exp/versions`, { secret_string: 'y', expire_time: rig.clock.now() + 1000 });
  }
  rig.clock.advance(7 * DAY_MS);
  return { rig, secrets: new Secrets(rig.kms) };
}

describe('secrets maintenance', () => {
  it('purges, rotates and reports expiry in every project, and counts each', async () => {
    const { secrets } = await twoProjects();
    expect(await runSecretsMaintenance(secrets)).toEqual({ deleted: 2, rotated: 2, expired: 2, failed: 0 });
    expect(await runSecretsMaintenance(secrets)).toEqual({ deleted: 0, rotated: 0, expired: 0, failed: 0 });
  });

  it('a due secret restored between the purge reading it and deleting it stays and is not counted as deleted', async () => {
    const racing = new RacingStore();
    const rig = await makeRig({ store: racing });
    for (const name of ['kept', 'gone']) {
      await rig.client.request('POST', `${P}/secrets`, { name, secret_string: 'x' });
      await rig.client.request('POST', `${P}/secrets/${name}/scheduled-deleted-tasks/create`, { recovery_window_in_days: 7 });
    }
    rig.clock.advance(7 * DAY_MS);
    const kept = secretPath(rig.client.projectId, 'kept');
    racing.beforeDelete.set(kept, async () => {
      // A restore that read the secret just before its deletion time writes now, as restoreSecretOp does.
      const { scheduledDeleteAt: _, ...rest } = (await getJson<SecretRecord>(rig.kms.store, kept))!.value;
      await putJson(rig.kms.store, kept, { ...rest, state: 'ENABLED' });
    });
    expect(await runSecretsMaintenance(new Secrets(rig.kms))).toEqual({ deleted: 1, rotated: 0, expired: 0, failed: 0 });
    expect((await rig.client.request('GET', `${P}/secrets/kept`)).secret.state).toBe('ENABLED');
    expect(await rig.kms.store.get(secretPath(rig.client.projectId, 'gone'))).toBeNull();
  });

  it('a failing phase is counted once per project and the other phases still run', async () => {
    const { secrets } = await twoProjects();
    secrets.repo.sweepPointers = async () => {
      throw new Error('sweep failed');
    };
    // The purge before the sweep counted; rotation and expiry still ran.
    expect(await runSecretsMaintenance(secrets)).toEqual({ deleted: 2, rotated: 2, expired: 2, failed: 2 });
  });

  it('a listing that fails fails rotation and expiry, each counted, and purging still runs', async () => {
    const { secrets } = await twoProjects();
    secrets.repo.list = async () => {
      throw new Error('list failed');
    };
    expect(await runSecretsMaintenance(secrets)).toEqual({ deleted: 2, rotated: 0, expired: 0, failed: 4 });
  });

  it('a purge that fails is counted and rotation and expiry still run', async () => {
    const { secrets } = await twoProjects();
    secrets.repo.purgeDue = async () => {
      throw new Error('purge failed');
    };
    expect(await runSecretsMaintenance(secrets)).toEqual({ deleted: 0, rotated: 2, expired: 2, failed: 2 });
  });

  it('a secret whose rotation fails (its CMK disabled) is counted as failed', async () => {
    const rig = await makeRig();
    const key = (await rig.client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'rot-key' })).key_info.key_id;
    await rig.client.request('POST', `${P}/secrets`, { name: 'ok', secret_string: 'x', auto_rotation: true, rotation_period: '6h' });
    await rig.client.request('POST', `${P}/secrets`, { name: 'stuck', secret_string: 'x', auto_rotation: true, rotation_period: '6h', kms_key_id: key });
    await rig.client.request('POST', '/v1.0/{project_id}/kms/disable-key', { key_id: key });
    rig.clock.advance(6 * 3_600_000);
    expect(await runSecretsMaintenance(new Secrets(rig.kms))).toEqual({ deleted: 0, rotated: 1, expired: 0, failed: 1 });
  });
});
