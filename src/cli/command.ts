// What one `edgekms` command is: its words, arguments, options and a run function. main.ts holds the table
// of every command; each group (keys, data, secrets, ...) lives in its own file and exports its commands.
// Options are parsed with node:util's parseArgs; the ones every command takes are added here.
import type { KmsClient } from '../sdk/kms/client.ts';
import type { SecretsClient } from '../sdk/secrets/client.ts';
import type { SignedClient } from '../sdk/client.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's placeholder in help, e.g. N or FILE. */
  value?: string;
  description: string;
}

export interface Invocation {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  json: boolean;
  /** Clients built from --endpoint/--project and the credential sources (connection.ts), made on first use. */
  http(): SignedClient;
  kms(): KmsClient;
  secrets(): SecretsClient;
  /** Prints the answer: JSON with --json, else the text. */
  print(answer: unknown, text: string | (() => string)): void;
  stderr(line: string): void;
}

export interface Command {
  /** Its words, e.g. "keys create". */
  name: string;
  /** The positional arguments in help, e.g. "<key> <text|->". */
  args?: string;
  summary: string;
  /** More help text after the options (formats, examples). */
  details?: string;
  options?: Record<string, OptionSpec>;
  /** Commands that parse their own arguments (secrets sync) get argv untouched. */
  rawArgs?: boolean;
  /** Returns the exit code (default 0). */
  run(inv: Invocation, argv: string[]): Promise<number | void>;
}

/** Wrong arguments: exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose --help explains (filled in by main.ts). */
    public command?: string,
  ) {
    super(message);
  }
}

/** A failure with its own exit code and, where one applies, a code to show (as the API's codes are). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export const EXIT = { ok: 0, api: 1, usage: 2, connection: 3, unverified: 4, io: 5 } as const;

export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  endpoint: { type: 'string', value: 'URL', description: 'the server (env EDGEKMS_ENDPOINT, default http://127.0.0.1:8787)' },
  project: { type: 'string', value: 'ID', description: 'project id (env HUAWEICLOUD_SDK_PROJECT_ID; admin.json has its own)' },
  credentials: { type: 'string', value: 'FILE', description: 'admin credential file (default $EDGEKMS_DATA_DIR/admin.json or ./.edgekms/admin.json)' },
  json: { type: 'boolean', description: 'print the answer as JSON' },
  help: { type: 'boolean', short: 'h', description: 'help for this command' },
};

/** The positional argument at `index`, or a usage error naming it. */
export function arg(inv: Invocation, index: number, name: string): string {
  const v = inv.positionals[index];
  if (v === undefined) throw new UsageError(`missing ${name}`);
  return v;
}

export function str(inv: Invocation, name: string): string | undefined {
  const v = inv.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function list(inv: Invocation, name: string): string[] {
  const v = inv.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** A whole number option within bounds, or a usage error. */
export function int(inv: Invocation, name: string, min: number, max: number): number | undefined {
  const v = str(inv, name);
  if (v === undefined) return undefined;
  if (!/^\d{1,10}$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return Number(v);
}

/** `k=v` pairs (repeatable options such as --context and --tag). */
export function pairs(values: string[], option: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of values) {
    const i = p.indexOf('=');
    if (i <= 0) throw new UsageError(`--${option} ${p}: expected key=value`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A text argument, or stdin for "-" (one trailing newline dropped). */
export async function textArg(inv: Invocation, index: number, name: string): Promise<string> {
  const v = arg(inv, index, name);
  return v === '-' ? (await readStdin()).toString('utf8').replace(/\r?\n$/, '') : v;
}
