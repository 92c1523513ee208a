// A stored secret record for tests that build one directly (the repository, the version rules, the wire
// shapes): an enabled COMMON secret with no versions, stages, tags or subscriptions, with what a test
// cares about given in `fields`.
import type { SecretRecord } from '../../src/secrets/record.ts';

export function secretRecord(fields: Partial<SecretRecord> = {}): SecretRecord {
  return {
    schema: 1,
    id: 'id-1',
    project: 'p',
    name: 'db',
    state: 'ENABLED',
    kmsKeyId: 'key',
    description: '',
    createdAt: 0,
    updatedAt: 0,
    secretType: 'COMMON',
    autoRotation: false,
    eventSubscriptions: [],
    enterpriseProjectId: '0',
    nextVersion: 1,
    versions: [],
    stages: {},
    tags: [],
    ...fields,
  };
}
