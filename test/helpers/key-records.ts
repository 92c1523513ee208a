// A key record as the repository stores it, with only what a test sets differing from an enabled AES_256
// key with one material version (never opened: these records only feed listings and the key index).
import type { KeyRecord } from '../../src/kms/key-record.ts';

export const keyRecord = (id: string, createdAt: number, extra: Partial<KeyRecord> = {}): KeyRecord =>
  ({
    schema: 1,
    id,
    project: 'p',
    alias: `alias-${id}`,
    description: '',
    spec: 'AES_256',
    usage: 'ENCRYPT_DECRYPT',
    origin: 'kms',
    state: '2',
    defaultKey: false,
    createdAt,
    rotation: { enabled: false, intervalDays: 365, count: 0 },
    versions: [{ v: 1 }],
    enterpriseProjectId: '0',
    keystoreId: '0',
    ...extra,
  }) as unknown as KeyRecord;
