// `edgekms roles …` (agency-like roles, administrator only) and `edgekms security-token` (what a workload
// runs: a temporary AK/SK and security token for its role's workload token). docs/iam.md, Temporary
// credentials. The workload token is read from $EDGEKMS_WORKLOAD_TOKEN or a file, never from the command
// line, where other users of the machine could read it.
import { readFileSync } from 'node:fs';
import { issueWorkloadCredential } from '../../sdk/workload.ts';
import { arg, CliError, EXIT, int, list, str, UsageError, type Command, type Invocation } from '../command.ts';
import { DEFAULT_ENDPOINT } from '../connection.ts';
import { policyDocument, projectsOf, secretFile, seg } from './shared.ts';

interface Role {
  name: string;
  projects: string[];
  policies: string[];
  duration_seconds: number;
  revoked_before: number;
  created_at: number;
}

const ROLE = '<role>';
const roleLine = (r: Role) => `${r.name}  projects ${r.projects.join(',')}  policies ${r.policies.join(',') || '-'}  credentials up to ${r.duration_seconds} s`;
const rolePath = (inv: Invocation) => `/edgekms/v1/roles/${seg(arg(inv, 0, ROLE))}`;

function workloadToken(inv: Invocation): string {
  const file = str(inv, 'token-file');
  let token: string | undefined;
  if (file !== undefined) {
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch (e) {
      throw new CliError(`cannot read ${file}: ${(e as Error).message}`, EXIT.io);
    }
  } else {
    token = process.env.EDGEKMS_WORKLOAD_TOKEN;
  }
  if (!token) throw new UsageError('set EDGEKMS_WORKLOAD_TOKEN or give --token-file FILE (the token roles create printed)');
  return token;
}

/** Single-quoted for a POSIX shell. */
const shellQuote = (v: string) => `'${v.replaceAll("'", `'\\''`)}'`;

export const roleCommands: Command[] = [
  {
    name: 'roles create',
    args: '<name>',
    summary: 'create a role for a workload; prints its workload token, shown only now',
    options: {
      projects: { type: 'string', value: 'ID,…', description: 'the projects its credentials may act in (default: --project)' },
      policy: { type: 'string', multiple: true, value: 'NAME', description: 'a policy its credentials carry (repeatable; or policies attach --role)' },
      duration: { type: 'string', value: 'SECONDS', description: 'longest life of a credential (1-43200, default 3600)' },
      out: { type: 'string', value: 'FILE', description: 'write the workload token to FILE (new, mode 0600) instead of printing it' },
    },
    details: 'Give the token to the workload as EDGEKMS_WORKLOAD_TOKEN (or a file); it then runs edgekms security-token.',
    async run(inv) {
      const duration = int(inv, 'duration', 1, 43_200);
      const body = { name: arg(inv, 0, '<name>'), projects: projectsOf(inv), policies: list(inv, 'policy'), ...(duration === undefined ? {} : { duration_seconds: duration }) };
      const out = str(inv, 'out');
      const file = out ? secretFile(out) : undefined;
      let a: { role: Role; workload_token: string };
      try {
        a = await inv.http().request('POST', '/edgekms/v1/roles', body);
      } catch (e) {
        file?.discard();
        throw e;
      }
      if (!file) {
        inv.stderr('edgekms: the workload token is shown only now; keep it (or use --out FILE)');
        return inv.print(a, `created role ${roleLine(a.role)}\n${a.workload_token}`);
      }
      try {
        file.write(`${a.workload_token}\n`);
      } catch (e) {
        file.discard();
        await inv.http().request('DELETE', `/edgekms/v1/roles/${seg(a.role.name)}`).catch(() => {});
        throw new CliError(`cannot write ${out}: ${(e as Error).message}; the role was deleted again`, EXIT.io);
      }
      inv.print({ role: a.role, file: out }, `created role ${roleLine(a.role)}  (workload token written to ${out})`);
    },
  },
  {
    name: 'roles list',
    summary: 'list roles',
    async run(inv) {
      const a = await inv.http().request<{ roles: Role[] }>('GET', '/edgekms/v1/roles');
      inv.print(a, () => a.roles.map(roleLine).join('\n') || '(no roles)');
    },
  },
  {
    name: 'roles get',
    args: ROLE,
    summary: 'show a role',
    async run(inv) {
      const a = await inv.http().request<{ role: Role }>('GET', rolePath(inv));
      const r = a.role;
      inv.print(a, `${roleLine(r)}  created ${new Date(r.created_at).toISOString()}${r.revoked_before ? `  credentials issued before ${new Date(r.revoked_before).toISOString()} revoked` : ''}`);
    },
  },
  {
    name: 'roles delete',
    args: ROLE,
    summary: 'delete a role; every credential issued for it gets 401 from now on',
    async run(inv) {
      await inv.http().request('DELETE', rolePath(inv));
      const name = arg(inv, 0, ROLE);
      inv.print({ name, deleted: true }, `deleted role ${name}`);
    },
  },
  {
    name: 'roles revoke',
    args: ROLE,
    summary: 'revoke every credential issued for a role so far (its workload token stays valid for new ones)',
    async run(inv) {
      await inv.http().request('POST', `${rolePath(inv)}/revoke`);
      const name = arg(inv, 0, ROLE);
      inv.print({ name, revoked: true }, `revoked the credentials of role ${name}`);
    },
  },
  {
    name: 'security-token',
    summary: 'a temporary AK/SK and security token for the role of $EDGEKMS_WORKLOAD_TOKEN (what a workload runs)',
    options: {
      'token-file': { type: 'string', value: 'FILE', description: 'read the workload token from FILE instead of $EDGEKMS_WORKLOAD_TOKEN' },
      duration: { type: 'string', value: 'SECONDS', description: 'a shorter life than the role\'s (1-43200)' },
      policy: { type: 'string', value: 'FILE|-|JSON', description: 'narrow the credential to what this policy also allows' },
      env: { type: 'boolean', description: 'print export lines for HUAWEICLOUD_SDK_AK, _SK and _SECURITY_TOKEN (eval "$(edgekms security-token --env)")' },
    },
    details: 'No access key is needed: the workload token is the proof. With --env, later edgekms commands and Huawei\'s SDKs sign with the temporary credential (give them --project or HUAWEICLOUD_SDK_PROJECT_ID).',
    async run(inv) {
      const duration = int(inv, 'duration', 1, 43_200);
      const policy = str(inv, 'policy');
      const c = await issueWorkloadCredential({
        endpoint: str(inv, 'endpoint') ?? process.env.EDGEKMS_ENDPOINT ?? DEFAULT_ENDPOINT,
        workloadToken: workloadToken(inv),
        durationSeconds: duration,
        ...(policy === undefined ? {} : { policy: await policyDocument(policy) }),
      });
      const text = inv.values.env
        ? [`export HUAWEICLOUD_SDK_AK=${shellQuote(c.access)}`, `export HUAWEICLOUD_SDK_SK=${shellQuote(c.secret)}`, `export HUAWEICLOUD_SDK_SECURITY_TOKEN=${shellQuote(c.securitytoken)}`, `# expires ${c.expires_at}`].join('\n')
        : `access_key      ${c.access}\nsecret_key      ${c.secret}\nsecurity_token  ${c.securitytoken}\nexpires_at      ${c.expires_at}`;
      inv.print({ credential: c }, text);
    },
  },
];
