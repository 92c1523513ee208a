// The `edgekms` command: run the server, or talk to one with the admin credential (signed requests).
// Output is human-readable by default and JSON with --json; exit codes: 0 ok, 1 API error, 2 usage,
// 3 cannot reach the server or read the credential.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../sdk/errors.ts';
import { SignedClient } from '../sdk/client.ts';
import { fromEnv } from '../sdk/credentials.ts';
import { SYNC_HELP, SyncUsageError, runSync } from './secrets-sync.ts';

const HELP = `edgekms: a self-hostable KMS that speaks Huawei Cloud DEW's API

Usage: edgekms <command> [arguments] [options]

Commands
  serve                               run the server (same as npm start)
  keys create <alias> [--spec S] [--usage U] [--description D]
  keys list [--state 1-5] [--spec S|ALL]
  keys describe|enable|disable|rotate <key>
  keys schedule-deletion <key> --days N
  keys cancel-deletion <key>
  encrypt <key> <text|-> [--aad A]    encrypt-data (reads stdin for -)
  decrypt <ciphertext|-> [--aad A]    decrypt-data
  datakey <key> [--bits N]            create-datakey
  random [--bits N]                   gen-random
  secrets sync --dir DIR --secret NAME[@version][:key] … [--interval 2m] [--once] [--json]
                                      write secrets to files and keep them current
                                      (edgekms secrets sync --help)
  audit verify                        walk the audit log's hash chain to its sealed head: exit 0 when
                                      intact, 4 otherwise (naming the first bad record)
  audit list [--from T] [--to T] [--identity I] [--resource R] [--result success|failure] [--limit N]
  call <METHOD> <path> [json|-]       any signed API call, e.g.
                                      call POST /v1.0/{project_id}/kms/list-keys '{"key_spec":"ALL"}'

<key> is a key id, a service default name (obs/default), alias/<name> or an alias URN.

Options
  --endpoint URL       server (env EDGEKMS_ENDPOINT, default http://127.0.0.1:8787)
  --credentials FILE   admin credential (default $EDGEKMS_DATA_DIR/admin.json, ./.edgekms/admin.json);
                       or set EDGEKMS_ADMIN_AK, EDGEKMS_ADMIN_SK and EDGEKMS_PROJECT_ID,
                       or HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and HUAWEICLOUD_SDK_PROJECT_ID
                       (+ HUAWEICLOUD_SDK_SECURITY_TOKEN), as Huawei's SDK examples use
  --json               print the raw JSON answer
  -h, --help           this help

Server configuration (serve / npm start): HOST, PORT, EDGEKMS_DATA_DIR, EDGEKMS_ADMIN_AK, EDGEKMS_ADMIN_SK,
EDGEKMS_PROJECT_ID, EDGEKMS_ROOT_KEY (base64, 32 bytes), EDGEKMS_REGION, EDGEKMS_LOG (info|silent).

Exit codes: 0 success, 1 the API refused the request, 2 usage error, 3 connection or credential problem,
4 the audit log is not intact (audit verify).
`;

class UsageError extends Error {}

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

function parseArgs(argv: string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const valued = new Set(['endpoint', 'credentials', 'spec', 'usage', 'description', 'state', 'days', 'aad', 'bits', 'from', 'to', 'identity', 'resource', 'result', 'limit']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') flags.set('help', true);
    else if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
      if (valued.has(name)) {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new UsageError(`--${name} needs a value`);
        flags.set(name, v);
      } else if (name === 'json') flags.set('json', true);
      else throw new UsageError(`unknown option --${name}`);
    } else positional.push(a);
  }
  return { positional, flags };
}

function flag(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\n$/, '');
}

function client(p: Parsed): SignedClient {
  const endpoint = flag(p, 'endpoint') ?? process.env.EDGEKMS_ENDPOINT ?? 'http://127.0.0.1:8787';
  const env = process.env;
  if (env.EDGEKMS_ADMIN_AK && env.EDGEKMS_ADMIN_SK && env.EDGEKMS_PROJECT_ID && !flag(p, 'credentials')) {
    return new SignedClient({ endpoint, accessKey: env.EDGEKMS_ADMIN_AK, secretKey: env.EDGEKMS_ADMIN_SK, projectId: env.EDGEKMS_PROJECT_ID });
  }
  if (env.HUAWEICLOUD_SDK_AK && env.HUAWEICLOUD_SDK_SK && !flag(p, 'credentials')) {
    const fromEnvironment = fromEnv(env);
    if (!fromEnvironment.projectId) throw new UsageError('HUAWEICLOUD_SDK_PROJECT_ID must be set with HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK');
    return new SignedClient({ endpoint, projectId: fromEnvironment.projectId, credentials: fromEnvironment.credentials });
  }
  const file = flag(p, 'credentials') ?? join(env.EDGEKMS_DATA_DIR ?? './.edgekms', 'admin.json');
  let admin: { access_key: string; secret_key: string; project_id: string };
  try {
    admin = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw Object.assign(new Error(`cannot read the credential file ${file}: ${(e as Error).message}`), { exitCode: 3 });
  }
  return new SignedClient({ endpoint, accessKey: admin.access_key, secretKey: admin.secret_key, projectId: admin.project_id });
}

type Printer = (answer: any) => string;

async function kms(p: Parsed, action: string, body: object, print: Printer): Promise<void> {
  const answer = await client(p).request('POST', `/v1.0/{project_id}/kms/${action}`, body);
  console.log(p.flags.has('json') ? JSON.stringify(answer ?? {}, null, 2) : print(answer));
}

function need(p: Parsed, index: number, what: string): string {
  const v = p.positional[index];
  if (v === undefined) throw new UsageError(`missing ${what}`);
  return v;
}

async function secretsCommand(argv: string[]): Promise<number> {
  if (argv[0] !== 'sync') {
    if (argv[0] === undefined || argv[0] === '--help' || argv[0] === '-h') {
      process.stdout.write(SYNC_HELP);
      return argv[0] ? 0 : 2;
    }
    throw new UsageError(`unknown secrets command ${argv[0]}`);
  }
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  try {
    return await runSync(argv.slice(1), {
      transport: () => {
        // --endpoint and --credentials mean what they mean for every other command.
        const flags = new Map<string, string | true>();
        for (const name of ['endpoint', 'credentials']) {
          const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
          if (i >= 0) flags.set(name, argv[i].includes('=') ? argv[i].slice(name.length + 3) : argv[i + 1]);
        }
        return client({ positional: [], flags });
      },
      stdout: (line) => console.log(line),
      stderr: (line) => console.error(line),
      sleep: (ms, signal) =>
        new Promise((resolve) => {
          const t = setTimeout(resolve, ms);
          signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
        }),
      signal: stop.signal,
    });
  } catch (e) {
    if (e instanceof SyncUsageError) throw new UsageError(e.message);
    throw e;
  }
}

async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'secrets') return secretsCommand(argv.slice(1));
  const p = parseArgs(argv);
  const [cmd, sub] = p.positional;
  if (p.flags.has('help') || !cmd) {
    process.stdout.write(HELP);
    return cmd || p.flags.has('help') ? 0 : 2;
  }
  switch (cmd) {
    case 'serve':
      await import('../runtime/node.ts');
      return -1; // keeps running
    case 'keys': {
      const key = () => need(p, 2, '<key>');
      const details = (a: any) => {
        const k = a.key_info;
        return `${k.key_id}  ${k.key_alias}  ${k.key_spec}  state ${k.key_state}${k.key_description ? `  "${k.key_description}"` : ''}`;
      };
      switch (sub) {
        case 'create':
          await kms(p, 'create-key', { key_alias: need(p, 2, '<alias>'), key_spec: flag(p, 'spec'), key_usage: flag(p, 'usage'), key_description: flag(p, 'description') }, (a) => a.key_info.key_id);
          return 0;
        case 'list':
          await kms(p, 'list-keys', { key_state: flag(p, 'state'), key_spec: flag(p, 'spec') ?? 'ALL' }, (a) =>
            a.key_details.map((k: any) => `${k.key_id}  ${k.key_alias}  ${k.key_spec}  state ${k.key_state}`).join('\n') || '(no keys)',
          );
          return 0;
        case 'describe':
          await kms(p, 'describe-key', { key_id: key() }, details);
          return 0;
        case 'enable':
        case 'disable':
          await kms(p, `${sub}-key`, { key_id: key() }, (a) => `${a.key_info.key_id} state ${a.key_info.key_state}`);
          return 0;
        case 'rotate':
          await kms(p, 'rotate-on-demand', { key_id: key() }, (a) => `rotated ${a.key_id}`);
          return 0;
        case 'schedule-deletion': {
          const days = flag(p, 'days');
          if (!days) throw new UsageError('--days N is required (7-1096)');
          await kms(p, 'schedule-key-deletion', { key_id: key(), pending_days: days }, (a) => `${a.key_id} state ${a.key_state}`);
          return 0;
        }
        case 'cancel-deletion':
          await kms(p, 'cancel-key-deletion', { key_id: key() }, (a) => `${a.key_id} state ${a.key_state}`);
          return 0;
        default:
          throw new UsageError(`unknown keys command ${sub ?? ''}`);
      }
    }
    case 'encrypt': {
      const keyRef = need(p, 1, '<key>');
      let text = need(p, 2, '<text|->');
      if (text === '-') text = await readStdin();
      await kms(p, 'encrypt-data', { key_id: keyRef, plain_text: text, additional_authenticated_data: flag(p, 'aad') }, (a) => a.cipher_text);
      return 0;
    }
    case 'decrypt': {
      let c = need(p, 1, '<ciphertext|->');
      if (c === '-') c = (await readStdin()).trim();
      await kms(p, 'decrypt-data', { cipher_text: c, additional_authenticated_data: flag(p, 'aad') }, (a) => a.plain_text);
      return 0;
    }
    case 'datakey':
      await kms(p, 'create-datakey', { key_id: need(p, 1, '<key>'), datakey_length: flag(p, 'bits') }, (a) => `plain_text  ${a.plain_text}\ncipher_text ${a.cipher_text}`);
      return 0;
    case 'random':
      await kms(p, 'gen-random', { random_data_length: flag(p, 'bits') ?? '256' }, (a) => a.random_data);
      return 0;
    case 'audit': {
      const sub = need(p, 1, 'verify|list');
      if (sub === 'verify') {
        const v = await client(p).request('GET', '/edgekms/v1/audit/verify');
        if (p.flags.has('json')) console.log(JSON.stringify(v, null, 2));
        else if (v.intact) console.log(`audit log intact: ${v.records} record(s), chain verified up to its sealed head`);
        else console.log(`audit log NOT intact: first bad record ${v.first_bad.seq}: ${v.first_bad.reason}`);
        return v.intact ? 0 : 4;
      }
      if (sub !== 'list') throw new UsageError(`unknown audit command ${sub}`);
      const query: Record<string, string> = {};
      for (const name of ['from', 'to', 'identity', 'resource', 'result', 'limit']) if (flag(p, name)) query[name] = flag(p, name)!;
      const answer = await client(p).request('GET', '/edgekms/v1/audit', undefined, query);
      if (p.flags.has('json')) console.log(JSON.stringify(answer, null, 2));
      else for (const r of answer.records) console.log(`${r.seq}  ${r.time}  ${r.principal ?? r.access_key ?? '-'}  ${r.project ?? '-'}  ${r.operation ?? r.method}  ${r.resource ?? '-'}  ${r.status}${r.error_code ? ` ${r.error_code}` : ''}`);
      return 0;
    }
    case 'call': {
      const method = need(p, 1, '<METHOD>').toUpperCase();
      const path = need(p, 2, '<path>');
      let body: unknown;
      const raw = p.positional[3];
      if (raw !== undefined) {
        const text = raw === '-' ? await readStdin() : raw;
        try {
          body = JSON.parse(text);
        } catch {
          throw new UsageError('the request body is not valid JSON');
        }
      }
      const answer = await client(p).request(method, path, body);
      console.log(JSON.stringify(answer ?? {}, null, 2));
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${cmd}`);
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e) => {
    if (e instanceof UsageError) {
      console.error(`edgekms: ${e.message}\nRun edgekms --help for usage.`);
      process.exitCode = 2;
    } else if (e instanceof ApiError) {
      console.error(`edgekms: ${e.status} ${e.code}: ${e.message.replace(`${e.code}: `, '')}`);
      process.exitCode = 1;
    } else {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      console.error(`edgekms: ${(e as Error).message}${cause ? ` (${cause})` : ''}`);
      process.exitCode = (e as { exitCode?: number }).exitCode ?? 3;
    }
  },
);
