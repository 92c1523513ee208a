// The command table and its dispatch: every command with its help, option parsing (node:util parseArgs),
// the clients it talks through, and the mapping of failures to one line on stderr and an exit code. A group
// of commands lives in its own file and is added to COMMANDS with one line. Exit codes (EXIT in command.ts,
// docs/cli.md): 0 success, 1 the API refused the request, 2 usage error, 3 cannot reach the server or read
// the credential, 4 data did not verify (a signature, an encrypted file), 5 a local file cannot be read or written.
import { parseArgs } from 'node:util';
import { ApiError, BadResponseError, NetworkError, RequestTimeoutError } from '../sdk/errors.ts';
import { Env1Error, InvalidArgumentError } from '../sdk/format/errors.ts';
import { KmsClient } from '../sdk/kms/client.ts';
import { SecretsClient } from '../sdk/secrets/client.ts';
import { MultiRegionWrapError } from '../sdk/keyrings/multi-region.ts';
import type { SignedClient } from '../sdk/client.ts';
import { CliError, COMMON_OPTIONS, EXIT, str, UsageError, type Command, type Invocation, type OptionSpec } from './command.ts';
import { adminCommands } from './admin.ts';
import { auditCommands } from './audit.ts';
import { completionCommand } from './completion.ts';
import { connect } from './connection.ts';
import { dataCommands } from './data.ts';
import { fileCommands } from './files.ts';
import { keysCommands } from './keys.ts';
import { policyCommands } from './iam/policies.ts';
import { roleCommands } from './iam/roles.ts';
import { userCommands } from './iam/users.ts';
import { secretsCommands } from './secrets.ts';
import { serveCommand } from './serve.ts';
import { signCommands } from './sign.ts';

export const COMMANDS: Command[] = [
  serveCommand,
  ...keysCommands,
  ...dataCommands,
  ...signCommands,
  ...fileCommands,
  ...secretsCommands,
  ...userCommands,
  ...policyCommands,
  ...roleCommands,
  ...auditCommands,
  ...adminCommands,
  completionCommand(() => COMMANDS),
];

const EXIT_CODES = `Exit codes: 0 success; 1 the API refused the request (its error code is shown); 2 usage error;
3 the server cannot be reached or the credential cannot be read; 4 the data did not verify (a signature,
an encrypted file, the audit log); 5 a local file cannot be read or written.`;

function optionLines(options: Record<string, OptionSpec>): string {
  const rows = Object.entries(options).map(([n, o]) => [`${o.short ? `-${o.short}, ` : ''}--${n}${o.value ? ` ${o.value}` : ''}${o.multiple ? ' …' : ''}`, o.description]);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, d]) => `  ${l.padEnd(width)}${d}`).join('\n');
}

function mainHelp(): string {
  const rows = COMMANDS.map((c) => [`${c.name}${c.args ? ` ${c.args}` : ''}`, c.summary]);
  const width = Math.min(44, Math.max(...rows.map(([l]) => l.length)) + 2);
  const lines = rows.map(([l, d]) => (l.length + 2 > width ? `  ${l}\n  ${''.padEnd(width)}${d}` : `  ${l.padEnd(width)}${d}`));
  return `edgekms: a self-hostable KMS that speaks Huawei Cloud DEW's API

Usage: edgekms <command> [arguments] [options]     (edgekms <command> --help for its options)

Commands
${lines.join('\n')}

<key> is a key id, a service default name (obs/default), alias/<name> or an alias URN.

Options of every command
${optionLines(COMMON_OPTIONS)}

Credentials: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (+ HUAWEICLOUD_SDK_SECURITY_TOKEN) with --project or
HUAWEICLOUD_SDK_PROJECT_ID, as Huawei's SDK examples use; or EDGEKMS_ADMIN_AK, EDGEKMS_ADMIN_SK and
EDGEKMS_PROJECT_ID; with nothing set, the local server's admin.json.

${EXIT_CODES}
`;
}

function commandHelp(c: Command): string {
  return `Usage: edgekms ${c.name}${c.args ? ` ${c.args}` : ''} [options]

${c.summary}

Options
${optionLines({ ...c.options, ...COMMON_OPTIONS })}
${c.details ? `\n${c.details.trimEnd()}\n` : ''}
${EXIT_CODES}
`;
}

function groupHelp(group: string): string {
  const cmds = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  return `Usage: edgekms ${group} <command> …     (edgekms ${group} <command> --help)\n\n${cmds.map((c) => `  ${c.name}${c.args ? ` ${c.args}` : ''}\n      ${c.summary}`).join('\n')}\n`;
}

/** The command named by the first one or two words of argv, and the rest of argv. */
function find(argv: string[]): { command?: Command; rest: string[]; group?: string } {
  const two = COMMANDS.find((c) => c.name === `${argv[0]} ${argv[1]}`);
  if (two) return { command: two, rest: argv.slice(2) };
  const one = COMMANDS.find((c) => c.name === argv[0]);
  if (one) return { command: one, rest: argv.slice(1) };
  const isGroup = COMMANDS.some((c) => c.name.startsWith(`${argv[0]} `));
  return { rest: argv.slice(1), group: isGroup ? argv[0] : undefined };
}

function invocation(values: Invocation['values'], positionals: string[]): Invocation {
  const json = values.json === true;
  let http: SignedClient | undefined;
  const connection = () => (http ??= connect({ endpoint: str(inv, 'endpoint'), project: str(inv, 'project'), credentials: str(inv, 'credentials') }));
  const inv: Invocation = {
    values,
    positionals,
    json,
    http: connection,
    kms: () => new KmsClient(connection()),
    secrets: () => new SecretsClient(connection()),
    print(answer, text) {
      process.stdout.write(json ? `${JSON.stringify(answer ?? {}, null, 2)}\n` : `${typeof text === 'function' ? text() : text}\n`);
    },
    stderr: (line) => process.stderr.write(`${line}\n`),
  };
  return inv;
}

export async function run(argv: string[]): Promise<number> {
  const wantsHelp = (args: string[]) => args.includes('--help') || args.includes('-h');
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    const target: ReturnType<typeof find> = argv[0] === 'help' ? find(argv.slice(1)) : { rest: [] };
    process.stdout.write(target.command ? commandHelp(target.command) : target.group ? groupHelp(target.group) : mainHelp());
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  const { command, rest, group } = find(argv);
  if (!command) {
    if (group && (rest.length === 0 || wantsHelp(rest))) {
      process.stdout.write(groupHelp(group));
      return rest.length === 0 ? EXIT.usage : EXIT.ok;
    }
    throw new UsageError(group ? `unknown ${group} command ${rest[0]}` : `unknown command ${argv[0]}`, group);
  }
  if (command.rawArgs) {
    if (wantsHelp(rest)) {
      process.stdout.write(command.details ?? commandHelp(command));
      return EXIT.ok;
    }
    return (await command.run(invocation({ json: rest.includes('--json') }, []), rest)) ?? EXIT.ok;
  }
  const options = Object.fromEntries(Object.entries({ ...command.options, ...COMMON_OPTIONS }).map(([n, o]) => [n, { type: o.type, ...(o.short && { short: o.short }), ...(o.multiple && { multiple: true }) }]));
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0], command.name);
  }
  if (parsed.values.help) {
    process.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  try {
    return (await command.run(invocation(parsed.values as Invocation['values'], parsed.positionals), rest)) ?? EXIT.ok;
  } catch (e) {
    if (e instanceof UsageError && !e.command) e.command = command.name;
    throw e;
  }
}

/** One line on stderr for any failure, and its exit code. */
export function report(e: unknown): number {
  const say = (line: string) => process.stderr.write(`edgekms: ${line}\n`);
  if (e instanceof UsageError) {
    say(`${e.message} (see edgekms ${e.command ? `${e.command} ` : ''}--help)`);
    return EXIT.usage;
  }
  if (e instanceof ApiError) {
    say(`${e.code}: ${e.detail} (HTTP ${e.status}${e.requestId ? `, request ${e.requestId}` : ''})`);
    return EXIT.api;
  }
  if (e instanceof CliError) {
    say(e.code ? `${e.code}: ${e.message}` : e.message);
    return e.exitCode;
  }
  if (e instanceof InvalidArgumentError) {
    say(e.message);
    return EXIT.usage;
  }
  if (e instanceof Env1Error) {
    say(`${e.code}: ${e.message}`);
    return EXIT.unverified;
  }
  if (e instanceof MultiRegionWrapError) {
    say(`${e.code}: ${e.message}`);
    return EXIT.api;
  }
  const err = e as Error & { code?: unknown; cause?: { code?: string } };
  if (e instanceof NetworkError || e instanceof RequestTimeoutError || e instanceof BadResponseError) {
    say(`${err.message}${err.cause?.code ? ` (${err.cause.code})` : ''}`);
    return EXIT.connection;
  }
  if (typeof err?.code === 'string' && /^E[A-Z]+$/.test(err.code)) {
    say(`${err.code}: ${err.message.replace(/^E[A-Z]+: /, '')}`);
    return EXIT.io;
  }
  say(err?.message ?? String(e));
  return EXIT.api;
}
