// A made-up audit entry per number: times a second apart, two principals, three resources, every fourth a failure;
// and records chained from entries.
import { recordHash, type AuditEntry, type AuditRecord } from '../../src/audit/log.ts';

export const auditEntry = (i: number): AuditEntry => ({
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  request_id: `req${i}`,
  principal: i % 2 ? 'alice' : 'bob',
  access_key: 'AK',
  project: 'p1',
  operation: 'encrypt-data',
  resource: `key-${i % 3}`,
  method: 'POST',
  status: i % 4 ? 200 : 403,
  result: i % 4 ? 'success' : 'failure',
});

/** Chains `entries` after `prev` (seq `from` onwards) as AuditLog does, for blocks a test writes itself. */
export function chained(from: number, prev: string, entries: AuditEntry[]): AuditRecord[] {
  return entries.map((e, i) => {
    const r = { ...e, seq: from + i, prev } as AuditRecord;
    r.hash = recordHash(r);
    prev = r.hash;
    return r;
  });
}
