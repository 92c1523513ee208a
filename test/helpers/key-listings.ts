// What list-keys, the key count and the quotas show of a project, read three ways over one store: through
// the KMS's own repository (its key index kept current by its writes), through a new repository that
// builds its index from the store (as after a restart), and through one that cannot keep an index and
// reads every record. Any difference is an index that drifted from the store.
import { expect } from 'vitest';
import type { KeyFilter } from '../../src/kms/key-index.ts';
import { KeyRepository } from '../../src/kms/repository.ts';
import { listAll, type Store } from '../../src/store/store.ts';
import type { Rig } from './kms.ts';

/** The same store, without `exclusive`: a repository over it reads every record. */
export function shared(store: Store): Store {
  return { get: (k) => store.get(k), put: (k, v, o) => store.put(k, v, o), delete: (k, o) => store.delete(k, o), list: (p, o) => store.list(p, o) };
}

export const FILTERS: KeyFilter[] = [{}, { state: '2' }, { state: '3' }, { state: '4' }, { state: '5' }, { spec: 'AES_256' }, { spec: 'SM4', state: '2' }, { enterpriseProjectId: '0' }, { enterpriseProjectId: 'ep-1' }];
const PAGES = [[0, 1000], [0, 3], [2, 5], [7, 100], [11, 1]] as const;

export async function expectSameListings(rig: Rig, label = ''): Promise<void> {
  const project = rig.client.projectId;
  // Every key is read through the KMS's repository first, so that a key past its deletion date is
  // destroyed (and expired material dropped) by the repository whose index is under test; the others
  // then only read.
  for (const p of await listAll(rig.kms.store, `kms/${project}/key/`)) await rig.kms.repo.get(project, p.slice(p.lastIndexOf('/') + 1));
  const rebuilt = new KeyRepository(rig.kms.store, rig.clock);
  const plain = new KeyRepository(shared(rig.kms.store), rig.clock);
  for (const filter of FILTERS) {
    for (const [offset, limit] of PAGES) {
      const at = `${label} ${JSON.stringify(filter)} ${offset}+${limit}`;
      const expected = await plain.page(project, filter, offset, limit);
      expect(await rig.kms.repo.page(project, filter, offset, limit), at).toEqual(expected);
      expect(await rebuilt.page(project, filter, offset, limit), `${at} rebuilt`).toEqual(expected);
    }
  }
  const count = await plain.count(project);
  expect(await rig.kms.repo.count(project), `${label} count`).toBe(count);
  expect(await rebuilt.count(project), `${label} count rebuilt`).toBe(count);
  const summaries = await plain.summaries(project);
  expect(await rig.kms.repo.summaries(project), `${label} summaries`).toEqual(summaries);
  expect(await rebuilt.summaries(project), `${label} summaries rebuilt`).toEqual(summaries);
}
