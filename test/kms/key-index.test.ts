// The in-memory key index (kept where the store is exclusive to this process) answers list-keys, counts
// and quotas exactly as reading every record does: the same project is listed through the indexed
// repository, through one that rebuilds its index and through one that cannot keep an index, after
// creates, state changes, renames, deletions, expiry of imported material and writes made while the index
// is being built; user-quotas leaves out a key past its deletion date before any read destroyed it; and a
// page that yields goes on after the last key it looked at, however the index moved meanwhile.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/kms/clock.ts';
import { KeyRepository } from '../../src/kms/repository.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import type { Store } from '../../src/store/store.ts';
import { expectSameListings, shared } from '../helpers/key-listings.ts';
import { keyRecord } from '../helpers/key-records.ts';
import { makeRig, type Rig } from '../helpers/kms.ts';

const kms = (rig: Rig, action: string, body: object) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);

describe('key index', () => {
  it('lists, counts and pages like a full read, through every kind of change', async () => {
    const rig = await makeRig();
    expect(rig.kms.store.exclusive).toBe(true);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      rig.clock.advance(1000);
      ids.push((await kms(rig, 'create-key', { key_alias: `k${i}`, ...(i % 4 === 3 ? { key_spec: 'SM4' } : {}), ...(i % 5 === 4 ? { enterprise_project_id: 'ep-1' } : {}) })).key_info.key_id);
    }
    await expectSameListings(rig);
    // Filtered totals against what was created: AES_256 by default, 3 SM4 keys, 2 in enterprise project ep-1.
    expect((await kms(rig, 'list-keys', {})).total).toBe(9);
    expect((await kms(rig, 'list-keys', { key_spec: 'SM4' })).total).toBe(3);
    expect((await kms(rig, 'list-keys', { key_spec: 'ALL', enterprise_project_id: 'ep-1' })).total).toBe(2);
    // Material that expires (as imported material does), on a key that also has rotation on and a description.
    const project = rig.client.projectId;
    await rig.kms.repo.update(project, ids[5], (r) => ({ ...r, origin: 'external', materialExpiresAt: rig.clock.now() + 5000, description: 'expiring' }));
    await kms(rig, 'enable-key-rotation', { key_id: ids[6] });
    await expectSameListings(rig);
    // Each key as listed (from its summary) is the key as described (from its record).
    const listed = (await kms(rig, 'list-keys', { key_spec: 'ALL' })).key_details;
    for (const k of listed) expect(k).toEqual((await kms(rig, 'describe-key', { key_id: k.key_id })).key_info);
    expect(listed.find((k: { key_id: string }) => k.key_id === ids[6]).key_rotation_enabled).toBe('true');
    rig.clock.advance(6000); // ids[5]'s material is gone: pending import, no expiration_time
    await expectSameListings(rig);
    expect((await kms(rig, 'list-keys', { key_state: '5' })).key_details.map((k: { key_id: string }) => k.key_id)).toEqual([ids[5]]);
    await kms(rig, 'disable-key', { key_id: ids[1] });
    await kms(rig, 'schedule-key-deletion', { key_id: ids[2], pending_days: '7' });
    await kms(rig, 'update-key-alias', { key_id: ids[3], key_alias: 'renamed' });
    await expectSameListings(rig);
    rig.clock.advance(8 * 24 * 3600 * 1000); // ids[2] is past its deletion date
    await expectSameListings(rig);
    expect((await kms(rig, 'list-keys', { key_spec: 'ALL' })).total).toBe(11);
    expect((await kms(rig, 'list-keys', { key_spec: 'ALL', enterprise_project_id: 'ep-1' })).total).toBe(2);
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

  it('serves a page and its total without reading a key record back from the store', async () => {
    const backend = new MemoryStore();
    const keyReads: string[] = [];
    const counting: Store = { ...shared(backend), exclusive: true, get: (k) => (k.includes('/key/') && keyReads.push(k), backend.get(k)) };
    const rig = await makeRig({ store: counting });
    for (let i = 0; i < 30; i++) {
      rig.clock.advance(1000);
      await kms(rig, 'create-key', { key_alias: `k${i}` });
    }
    await kms(rig, 'list-keys', { limit: '1' }); // builds the index: every record read once
    keyReads.length = 0;
    const page = await kms(rig, 'list-keys', { limit: '10', marker: '5' });
    expect(page.key_details.map((k: { key_alias: string }) => k.key_alias)).toEqual(Array.from({ length: 10 }, (_, i) => `k${i + 5}`));
    expect(page.total).toBe(30);
    expect(keyReads).toEqual([]);
  });

  it('gives user-quotas the keys a read finds: a key past its deletion date is gone, its grants with it', async () => {
    const rig = await makeRig();
    const ids: string[] = [];
    for (const alias of ['a', 'b', 'c']) ids.push((await kms(rig, 'create-key', { key_alias: alias })).key_info.key_id);
    for (const principal of ['alice01', 'bob02']) await kms(rig, 'create-grant', { key_id: ids[1], grantee_principal: principal, operations: ['describe-key'] });
    await kms(rig, 'create-grant', { key_id: ids[2], grantee_principal: 'alice01', operations: ['describe-key'] });
    await kms(rig, 'schedule-key-deletion', { key_id: ids[1], pending_days: '7' });
    rig.clock.advance(8 * 24 * 3600 * 1000);
    // No list-keys or describe-key has read the key since its date passed: the quotas are the first to look.
    const quotas = (await rig.client.request('GET', '/v1.0/{project_id}/kms/user-quotas')).quotas.resources;
    expect(quotas.map((q: { type: string; used: number }) => [q.type, q.used])).toEqual([
      ['CMK', 2],
      ['grant_per_CMK', 1],
    ]);
    await expectSameListings(rig);
  });

  it('pages on after the last key it looked at, though keys before it went while it yielded', async () => {
    // Past 4096 keys the scan yields to other work. Meanwhile the oldest key, past its deletion date, is
    // destroyed by the read this very page starts; the keys after it move up one place in the index.
    const repo = new KeyRepository(new MemoryStore(), new ManualClock(10));
    const id = (i: number) => `k${String(i).padStart(5, '0')}`;
    await repo.create(keyRecord(id(0), 0, { state: '4', deletionAt: 5 }));
    for (let i = 1; i < 4200; i++) await repo.create(keyRecord(id(i), i));
    const page = await repo.page('p', {}, 4090, 20);
    expect(page.total).toBe(4199);
    expect(page.keys.map((k) => k.id)).toEqual(Array.from({ length: 20 }, (_, i) => id(4091 + i)));
    expect(await repo.count('p')).toBe(4199);
  });
});
