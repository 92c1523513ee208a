// Listing a project's secrets (ListSecrets, tags, resource instances, maintenance) reads every secret
// document. It must let other requests run meanwhile, and it must not hand out the cache's records to
// callers that change what they get.
import { describe, expect, it } from 'vitest';
import { createSecret } from '../../src/secrets/ops/secrets.ts';
import { Secrets } from '../../src/secrets/secrets.ts';
import { ADMIN, makeRig } from '../helpers/kms.ts';

const NEW = { description: '', secretType: 'COMMON', autoRotation: false, eventSubscriptions: [], enterpriseProjectId: '0' };

async function withSecrets(n: number): Promise<Secrets> {
  const rig = await makeRig();
  const secrets = new Secrets(rig.kms);
  for (let i = 0; i < n; i++) await createSecret(secrets, ADMIN.project, { ...NEW, name: `s${String(i).padStart(3, '0')}` }, { kind: 'string', bytes: new TextEncoder().encode(`value ${i}`) });
  return secrets;
}

describe('SecretRepository.list', () => {
  it('serves the event loop between slices: a callback queued before the listing runs before it ends', async () => {
    const secrets = await withSecrets(40);
    let queuedRan = false;
    setImmediate(() => (queuedRan = true));
    const listed = await secrets.repo.list(ADMIN.project).then((rows) => ({ rows, queuedRanFirst: queuedRan }));
    expect(listed.queuedRanFirst).toBe(true);
    expect(listed.rows.map((r) => r.name)).toEqual(Array.from({ length: 40 }, (_, i) => `s${String(i).padStart(3, '0')}`));
  });

  it('a record from get or load is the caller\'s own copy: changing it changes neither the listing nor the next read', async () => {
    const secrets = await withSecrets(2);
    const mine = (await secrets.repo.get(ADMIN.project, 's000'))!;
    mine.description = 'changed in memory only';
    mine.tags.push({ key: 'k', value: 'v' });
    const loaded = (await secrets.repo.load(ADMIN.project, 's001'))!;
    loaded.record.versions.length = 0;
    const listed = await secrets.repo.list(ADMIN.project);
    expect(listed.map((r) => [r.name, r.description, r.tags.length, r.versions.length])).toEqual([
      ['s000', '', 0, 1],
      ['s001', '', 0, 1],
    ]);
    expect((await secrets.repo.get(ADMIN.project, 's000'))!.description).toBe('');
  });
});
