// `edgekms policies …`: identity policies (JSON documents of Allow and Deny statements, docs/iam.md) and
// their attachment to users and roles, through the identity API (/edgekms/v1, administrator only).
import { arg, str, UsageError, type Command, type Invocation } from '../command.ts';
import { policyDocument, seg } from './shared.ts';

interface Policy {
  name: string;
  document: { Version: string; Statement: { Effect: string; Action: string[]; Resource?: string[] }[] };
  updated_at: number;
}

const POLICY = '<policy>';
const statements = (p: Policy) => p.document.Statement.map((s) => `  ${s.Effect.padEnd(5)}  ${s.Action.join(',')}  on ${s.Resource?.join(',') ?? '*'}`).join('\n');
const summary = (p: Policy) => `${p.name}  ${p.document.Statement.length} statement(s)  updated ${new Date(p.updated_at).toISOString()}`;

/** The user or role named by --user / --role (exactly one), as the path of its policy attachments. */
function holder(inv: Invocation): { path: string; text: string; json: Record<string, string> } {
  const user = str(inv, 'user');
  const role = str(inv, 'role');
  if ((user === undefined) === (role === undefined)) throw new UsageError('give --user NAME or --role NAME');
  return user !== undefined
    ? { path: `/edgekms/v1/users/${seg(user)}/policies`, text: `user ${user}`, json: { user } }
    : { path: `/edgekms/v1/roles/${seg(role!)}/policies`, text: `role ${role}`, json: { role: role! } };
}

const HOLDER_OPTIONS = {
  user: { type: 'string', value: 'NAME', description: 'the user' },
  role: { type: 'string', value: 'NAME', description: 'instead: the role' },
} as const;

export const policyCommands: Command[] = [
  {
    name: 'policies put',
    args: `${POLICY} <file|-|json>`,
    summary: 'create a policy, or replace its document (users and roles holding it apply it on their next request)',
    details: `The document comes from a file, stdin (-) or the argument itself when it starts with "{", e.g.
{"Version": "1.1", "Statement": [{"Effect": "Allow", "Action": ["kms:cmk:encrypt"], "Resource": ["KMS:*:*:KeyAlias:orders-*"]}]}
Actions, resources and conditions: docs/iam.md. A document that is not JSON is refused before anything is
sent (exit 2); one the server finds invalid is refused with EDGEKMS.0400 (exit 1); either way nothing changes.`,
    async run(inv) {
      const name = arg(inv, 0, POLICY);
      const document = await policyDocument(arg(inv, 1, '<file|-|json>'));
      const a = await inv.http().request<{ policy: Policy }>('PUT', `/edgekms/v1/policies/${seg(name)}`, { document });
      inv.print(a, `${summary(a.policy)}\n${statements(a.policy)}`);
    },
  },
  {
    name: 'policies list',
    summary: 'list policies',
    async run(inv) {
      const a = await inv.http().request<{ policies: Policy[] }>('GET', '/edgekms/v1/policies');
      inv.print(a, () => a.policies.map(summary).join('\n') || '(no policies)');
    },
  },
  {
    name: 'policies get',
    args: POLICY,
    summary: 'show a policy\'s statements (--json: its document)',
    async run(inv) {
      const a = await inv.http().request<{ policy: Policy }>('GET', `/edgekms/v1/policies/${seg(arg(inv, 0, POLICY))}`);
      inv.print(a, `${summary(a.policy)}\n${statements(a.policy)}`);
    },
  },
  {
    name: 'policies delete',
    args: POLICY,
    summary: 'delete a policy; users and roles holding it lose it at once',
    async run(inv) {
      const name = arg(inv, 0, POLICY);
      await inv.http().request('DELETE', `/edgekms/v1/policies/${seg(name)}`);
      inv.print({ name, deleted: true }, `deleted policy ${name}`);
    },
  },
  ...(['attach', 'detach'] as const).map(
    (action): Command => ({
      name: `policies ${action}`,
      args: POLICY,
      summary: `${action} a policy ${action === 'attach' ? 'to' : 'from'} a user (--user) or a role (--role); applies from the next request`,
      options: HOLDER_OPTIONS,
      async run(inv) {
        const name = arg(inv, 0, POLICY);
        const h = holder(inv);
        await inv.http().request(action === 'attach' ? 'PUT' : 'DELETE', `${h.path}/${seg(name)}`);
        inv.print({ policy: name, ...h.json, attached: action === 'attach' }, `${action === 'attach' ? 'attached' : 'detached'} ${name} ${action === 'attach' ? 'to' : 'from'} ${h.text}`);
      },
    }),
  ),
];
