// The in-memory key index (kept where the store is exclusive to this process) answers list-keys, counts
// and quotas exactly as reading every record does: the same project is listed through the indexed
// repository and through one over the same store that cannot keep an index, after creates, state changes,
// renames, deletions, expiry of imported material and writes made while the index is being built.
import { describe, expect, it } from 'vitest';
import { KeyRepository } from '../../src/kms/repository.ts';
import type { Store } from '../../src/store/store.ts';
import { makeRig, type Rig } from '../helpers/kms.ts';

const kms = (rig: Rig, action: string, body: object) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);

/** The same store, without `exclusive`: a repository over it reads every record. */
function shared(store: Store): Store {
  return { get: (k) => store.get(k), put: (k, v, o) => store.put(k, v, o), delete: (k, o) => store.delete(k, o), list: (p, o) => store.list(p, o) };
}

async function expectSameListings(rig: Rig): Promise<void> {
  const project = rig.client.projectId;
  const plain = new KeyRepository(shared(rig.kms.store), rig.clock);
  const filters = [() => true, (s: { state: string }) => s.state === '2', (s: { state: string }) => s.state === '4', (s: { spec: string }) => s.spec === 'AES_256'];
  for (const match of filters) {
    for (const [offset, limit] of [[0, 1000], [0, 3], [2, 5], [7, 100]]) {
      const a = await rig.kms.repo.page(project, match as never, offset, limit);
      const b = await plain.page(project, match as never, offset, limit);
      expect(a.total).toBe(b.total);
      expect(a.records.map((r) => `${r.id} ${r.alias} ${r.state}`)).toEqual(b.records.map((r) => `${r.id} ${r.alias} ${r.state}`));
    }
  }
  expect(await rig.kms.repo.count(project)).toBe(await plain.count(project));
}

describe('key index', () => {
  it('lists, counts and pages like a full read, through every kind of change', async () => {
    const rig = await makeRig();
    expect(rig.kms.store.exclusive).toBe(true);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      rig.clock.advance(1000);
      ids.push((await kms(rig, 'create-key', { key_alias: `k${i}`, ...(i % 4 === 3 ? { key_spec: 'SM4' } : {}) })).key_info.key_id);
    }
    await expectSameListings(rig);
    await kms(rig, 'disable-key', { key_id: ids[1] });
    await kms(rig, 'schedule-key-deletion', { key_id: ids[2], pending_days: '7' });
    await kms(rig, 'update-key-alias', { key_id: ids[3], key_alias: 'renamed' });
    await expectSameListings(rig);
    rig.clock.advance(8 * 24 * 3600 * 1000); // ids[2] is past its deletion date
    await expectSameListings(rig);
    expect((await kms(rig, 'list-keys', { key_spec: 'ALL' })).total).toBe(11);
    expect((await rig.client.request('GET', '/v1.0/{project_id}/kms/user-quotas')).quotas.resources[0].used).toBe(11);
  });

  it('keeps writes made while it is being built', async () => {
    const rig = await makeRig();
    for (let i = 0; i < 600; i++) await kms(rig, 'create-key', { key_alias: `pre${i}` });
    // A fresh KMS over the same store builds its index on first use, while creates run.
    const fresh = await makeRig({ store: (rig.kms.store as unknown as { inner: Store }).inner, clock: rig.clock });
    const [listed] = await Promise.all([
      kms(fresh, 'list-keys', { limit: '10' }),
      ...Array.from({ length: 20 }, (_, i) => kms(fresh, 'create-key', { key_alias: `during${i}` })),
    ]);
    expect(Number(listed.total)).toBeGreaterThanOrEqual(600);
    await expectSameListings(fresh);
    expect((await kms(fresh, 'list-keys', {})).total).toBe(620);
  });
});
