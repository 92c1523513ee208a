// Keyspace documents (key policies, access points) under store faults: each operation is one write, so a
// failed write leaves nothing behind and changes nothing, and the same request then succeeds. In-process
// over the signed app, with test/helpers/faulty-store.ts failing the write.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/sdk/errors.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';
import { ADMIN, makeRig, rejection } from '../helpers/kms.ts';
import { MAX_DOCUMENTS_PER_PROJECT } from '../../src/kms/keyspaces/documents.ts';
import { listAll } from '../../src/store/store.ts';

const KEYSPACE = '6f1c2b7e-1d2a-4c3b-9e8f-0a1b2c3d4e5f';
const POLICY = JSON.stringify({ version: '1.0', allowed_access_point: ['ap'] });

describe('keyspace documents under store faults', () => {
  it('a failed create, update, state change or delete leaves the documents as they were', async () => {
    const store = new FaultyStore(new MemoryStore());
    const rig = await makeRig({ store });
    const req = (method: string, path: string, body?: unknown, query = '') => rig.client.request(method, `/v1.0/{project_id}/kms/${path}${query}`, body);
    const listPolicies = async () => (await req('GET', 'key-policies', undefined, `?keyspace_id=${KEYSPACE}`)).keyspace_policies;
    const listPoints = async () => (await req('GET', 'access-points', undefined, `?keyspace_id=${KEYSPACE}`)).access_points;

    for (const mode of ['fail', 'lost-ack'] as const) {
      const policiesBefore = await listPolicies();
      store.arm(1, mode);
      const e = await rejection<ApiError>(req('POST', 'key-policies', { keyspace_id: KEYSPACE, policy_name: `p-${mode}`, policy: POLICY }));
      expect([e.status, e.code]).toEqual([500, 'KMS.0102']);
      // A lost acknowledgement may have written the document (the caller was told it may have); a failed write did not.
      const after = await listPolicies();
      if (mode === 'fail') expect(after).toEqual(policiesBefore);
      else expect(after.length).toBeLessThanOrEqual(policiesBefore.length + 1);
    }
    store.arm(0);
    const { policy_id } = await req('POST', 'key-policies', { keyspace_id: KEYSPACE, policy_name: 'p', policy: POLICY });
    const shown = await req('GET', `key-policies/${policy_id}`);

    store.arm(1);
    await rejection(req('PUT', `key-policies/${policy_id}`, { policy: JSON.stringify({ version: '2.0' }) }));
    expect(await req('GET', `key-policies/${policy_id}`)).toEqual(shown);
    store.arm(1);
    await rejection(req('DELETE', `key-policies/${policy_id}`));
    expect(await req('GET', `key-policies/${policy_id}`)).toEqual(shown);

    store.arm(1);
    await rejection(req('POST', 'access-points', { keyspace_id: KEYSPACE, access_point_name: 'c', type: 3 }));
    expect(await listPoints()).toEqual([]);
    store.arm(0);
    const { access_point_id } = await req('POST', 'access-points', { keyspace_id: KEYSPACE, access_point_name: 'c', type: 3 });
    const points = await listPoints();
    store.arm(1);
    await rejection(req('POST', `access-points/${access_point_id}/disable`, {}));
    expect(await listPoints()).toEqual(points);
    store.arm(1);
    await rejection(req('DELETE', `access-points/${access_point_id}`));
    expect(await listPoints()).toEqual(points);
    store.arm(0);
    expect((await req('POST', `access-points/${access_point_id}/get-privatekey`, {})).private_key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });
});

describe('keyspace documents are bounded per project', () => {
  it('a create past MAX_DOCUMENTS_PER_PROJECT is refused with KMS.0308 and writes nothing; other kinds are unaffected', async () => {
    const rig = await makeRig();
    const prefix = `kms/${ADMIN.project}/access-point/`;
    const filler = new TextEncoder().encode('{}');
    for (let i = 0; i < MAX_DOCUMENTS_PER_PROJECT; i++) await rig.store.put(`${prefix}${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`, filler);
    const e = await rejection<ApiError>(rig.client.request('POST', '/v1.0/{project_id}/kms/access-points', { keyspace_id: KEYSPACE, access_point_name: 'one-too-many', type: 3 }));
    expect([e.status, e.code]).toEqual([400, 'KMS.0308']);
    expect(e.message).toMatch(/already holds 1000 documents of this kind \(access point\)/);
    expect(await listAll(rig.store, prefix)).toHaveLength(MAX_DOCUMENTS_PER_PROJECT);
    const { policy_id } = await rig.client.request('POST', '/v1.0/{project_id}/kms/key-policies', { keyspace_id: KEYSPACE, policy_name: 'p', policy: POLICY });
    expect(policy_id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
