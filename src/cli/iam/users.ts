// `edgekms users …` and `edgekms access-keys …`: users and their access keys through the identity API
// (/edgekms/v1, administrator only; docs/iam.md). A new access key's secret key is shown once: printed,
// or with --out written to an owner-only credential file the CLI's --credentials reads.
import { arg, EXIT, CliError, type Command, type Invocation } from '../command.ts';
import { projectsOf, secretFile, seg } from './shared.ts';

interface User {
  name: string;
  projects: string[];
  policies: string[];
  access_keys: string[];
  created_at: string;
}

interface AccessKey {
  access_key: string;
  status: string;
  created_at: number;
}

const USER = '<user>';
const userLine = (u: User) => `${u.name}  projects ${u.projects.join(',')}  policies ${u.policies.join(',') || '-'}  access keys ${u.access_keys.length}`;
const when = (ms: number) => new Date(ms).toISOString();
const userPath = (inv: Invocation) => `/edgekms/v1/users/${seg(arg(inv, 0, USER))}`;

export const userCommands: Command[] = [
  {
    name: 'users create',
    args: '<name>',
    summary: 'create a user (1-64 letters and digits) who may act in --projects (default: this project)',
    options: { projects: { type: 'string', value: 'ID,…', description: 'the projects the user may act in (default: --project)' } },
    async run(inv) {
      const a = await inv.http().request<{ user: User }>('POST', '/edgekms/v1/users', { name: arg(inv, 0, '<name>'), projects: projectsOf(inv) });
      inv.print(a, `created user ${userLine(a.user)}`);
    },
  },
  {
    name: 'users list',
    summary: 'list users with their projects, policies and number of access keys',
    async run(inv) {
      const a = await inv.http().request<{ users: User[] }>('GET', '/edgekms/v1/users');
      inv.print(a, () => a.users.map(userLine).join('\n') || '(no users)');
    },
  },
  {
    name: 'users get',
    args: USER,
    summary: 'show a user: projects, policies, access keys',
    async run(inv) {
      const a = await inv.http().request<{ user: User }>('GET', userPath(inv));
      const u = a.user;
      inv.print(a, [`${u.name}  created ${u.created_at}`, `projects     ${u.projects.join(', ')}`, `policies     ${u.policies.join(', ') || '-'}`, `access keys  ${u.access_keys.join(', ') || '-'}`].join('\n'));
    },
  },
  {
    name: 'users delete',
    args: USER,
    summary: 'delete a user; its access keys stop working at once',
    async run(inv) {
      await inv.http().request('DELETE', userPath(inv));
      const name = arg(inv, 0, USER);
      inv.print({ name, deleted: true }, `deleted user ${name}`);
    },
  },
  {
    name: 'access-keys create',
    args: USER,
    summary: 'a new access key for a user (at most 2); its secret key is shown only now',
    options: { out: { type: 'string', value: 'FILE', description: 'write {access_key, secret_key, project_id} to FILE (new, mode 0600) instead of printing the secret key' } },
    details: 'With --out the file works as --credentials FILE for this command (project: the user\'s first).',
    async run(inv) {
      const http = inv.http();
      const out = typeof inv.values.out === 'string' ? inv.values.out : undefined;
      const user = out ? (await http.request<{ user: User }>('GET', userPath(inv))).user : undefined; // its project, and a clear 404 before the file exists
      const file = out ? secretFile(out) : undefined;
      let created: { credential: AccessKey & { secret_key: string } };
      try {
        created = await http.request('POST', `${userPath(inv)}/access-keys`);
      } catch (e) {
        file?.discard();
        throw e;
      }
      const { secret_key, ...shown } = created.credential;
      if (!file) {
        inv.stderr('edgekms: the secret key is shown only now; keep it (or use --out FILE)');
        return inv.print(created, `access_key  ${shown.access_key}\nsecret_key  ${secret_key}`);
      }
      try {
        file.write(`${JSON.stringify({ access_key: shown.access_key, secret_key, project_id: user!.projects[0] }, null, 2)}\n`);
      } catch (e) {
        // The secret cannot be kept: the key is taken back, so no access key exists whose secret nobody has.
        file.discard();
        await http.request('DELETE', `${userPath(inv)}/access-keys/${seg(shown.access_key)}`).catch(() => {});
        throw new CliError(`cannot write ${out}: ${(e as Error).message}; the access key was deleted again`, EXIT.io);
      }
      inv.print({ credential: shown, file: out }, `access_key  ${shown.access_key}  (secret key written to ${out})`);
    },
  },
  {
    name: 'access-keys list',
    args: USER,
    summary: 'a user\'s access keys and whether each is active (secret keys are never shown again)',
    async run(inv) {
      const a = await inv.http().request<{ credentials: AccessKey[] }>('GET', `${userPath(inv)}/access-keys`);
      inv.print(a, () => a.credentials.map((k) => `${k.access_key}  ${k.status}  created ${when(k.created_at)}`).join('\n') || '(no access keys)');
    },
  },
  ...(['enable', 'disable'] as const).map(
    (action): Command => ({
      name: `access-keys ${action}`,
      args: `${USER} <access-key>`,
      summary: action === 'disable' ? 'disable an access key: requests signed with it get 401 until it is enabled' : 'enable a disabled access key',
      async run(inv) {
        const ak = arg(inv, 1, '<access-key>');
        const status = action === 'enable' ? 'active' : 'disabled';
        await inv.http().request('PUT', `${userPath(inv)}/access-keys/${seg(ak)}`, { status });
        inv.print({ access_key: ak, status }, `${ak} ${status}`);
      },
    }),
  ),
  {
    name: 'access-keys delete',
    args: `${USER} <access-key>`,
    summary: 'delete an access key; it stops working at once',
    async run(inv) {
      const ak = arg(inv, 1, '<access-key>');
      await inv.http().request('DELETE', `${userPath(inv)}/access-keys/${seg(ak)}`);
      inv.print({ access_key: ak, deleted: true }, `deleted ${ak}`);
    },
  },
];
