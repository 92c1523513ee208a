// `edgekms audit verify|list`: the server's hash-chained audit log (/edgekms/v1/audit). verify walks the
// chain to its sealed head and exits 4 when a record was edited, removed, inserted or reordered.
import { EXIT, str, type Command } from './command.ts';

interface AuditRecord {
  seq: number;
  time: string;
  principal?: string;
  access_key?: string;
  project?: string;
  operation?: string;
  method?: string;
  resource?: string;
  status: number;
  error_code?: string;
  /** 'request': written before the operation ran; its outcome is the record with the same request id. */
  phase?: 'request';
}

const FILTERS = ['from', 'to', 'identity', 'resource', 'result', 'limit'] as const;

export const auditCommands: Command[] = [
  {
    name: 'audit verify',
    summary: 'walk the audit log\'s hash chain to its sealed head: exit 0 when intact, 4 otherwise (naming the first bad record)',
    async run(inv) {
      const v = await inv.http().request<{ intact: boolean; records: number; first_bad?: { seq: number; reason: string } }>('GET', '/edgekms/v1/audit/verify');
      inv.print(v, v.intact ? `audit log intact: ${v.records} record(s), chain verified up to its sealed head` : `audit log NOT intact: first bad record ${v.first_bad?.seq}: ${v.first_bad?.reason}`);
      return v.intact ? EXIT.ok : EXIT.unverified;
    },
  },
  {
    name: 'audit list',
    summary: 'list audit records, oldest first',
    options: {
      from: { type: 'string', value: 'T', description: 'records at or after this time (ISO 8601)' },
      to: { type: 'string', value: 'T', description: 'records before this time (ISO 8601)' },
      identity: { type: 'string', value: 'I', description: 'a user name or access key' },
      resource: { type: 'string', value: 'R', description: 'a key id, alias or secret name' },
      result: { type: 'string', value: 'success|failure', description: 'only successes or failures' },
      limit: { type: 'string', value: 'N', description: 'at most N records' },
    },
    async run(inv) {
      const query: Record<string, string> = {};
      for (const name of FILTERS) if (str(inv, name)) query[name] = str(inv, name)!;
      const a = await inv.http().request<{ records: AuditRecord[] }>('GET', '/edgekms/v1/audit', undefined, query);
      inv.print(a, () =>
        a.records.map((r) => `${r.seq}  ${r.time}  ${r.principal ?? r.access_key ?? '-'}  ${r.project ?? '-'}  ${r.operation ?? r.method}  ${r.resource ?? '-'}  ${r.phase === 'request' ? 'request' : r.status}${r.error_code ? ` ${r.error_code}` : ''}`).join('\n'),
      );
    },
  },
];
