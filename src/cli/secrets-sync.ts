// `edgekms secrets sync`: delivers secrets to a directory for workloads that read files (in the spirit of
// Huawei's secrets-store CSI provider and its rotation_poll_interval). Each `--secret NAME[@version][:key]`
// becomes one file: the whole value in DIR/NAME, or one JSON key's value in DIR/NAME.KEY. Files are
// written atomically (temp file, fsync, rename, fsync of the directory) with mode 0600, and only when
// their content changed. Every interval it reads again; when the server cannot be reached it keeps the last
// good files, says so on stderr and retries with backoff (never past the interval).
//
// Exit codes: 0 done (--once) or stopped by SIGINT/SIGTERM; 1 the API refused a read or a JSON key is
// missing (--once); 2 usage error; 3 the server cannot be reached or the credential cannot be read (--once).
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { ApiError } from '../sdk/errors.ts';
import { SecretsClient, type Transport } from '../sdk/secrets/client.ts';
import type { Version } from '../sdk/secrets/types.ts';

export const SYNC_HELP = `Usage: edgekms secrets sync --dir DIR --secret NAME[@version][:key] [--secret …] [options]

Writes each secret (or one JSON key of it) to a file in DIR, mode 0600, atomically, and re-reads every
interval, rewriting only what changed. NAME -> DIR/NAME; NAME:key -> DIR/NAME.key. version defaults to latest.

Options
  --interval D   time between reads: 90s, 2m, 1h (default 2m)
  --once         read and write once, then exit (init containers)
  --json         one JSON summary line per round on stdout (file names and states, never values)
  --endpoint URL, --project ID, --credentials FILE   as for the other commands

Exit codes: 0 done, or stopped by a signal; 1 a secret or key could not be read (--once); 2 usage error;
3 server unreachable or credential unreadable (--once).
`;

export class SyncUsageError extends Error {}

export interface Target {
  secret: string;
  version: string;
  key?: string;
  file: string;
}

const NAME = /^[a-zA-Z0-9._-]{1,64}$/;
const VERSION = /^(latest|v[1-9][0-9]{0,9})$/;
const KEY = /^[a-zA-Z0-9_-][a-zA-Z0-9._-]{0,127}$/;

export function parseTarget(spec: string): Target {
  const m = /^([^@:]+)(?:@([^:]+))?(?::(.+))?$/.exec(spec);
  if (!m || !NAME.test(m[1])) throw new SyncUsageError(`--secret ${spec}: expected NAME[@version][:key] with a secret name of letters, digits, . _ -`);
  const [, secret, version = 'latest', key] = m;
  if (!VERSION.test(version)) throw new SyncUsageError(`--secret ${spec}: version must be latest or v<number>`);
  if (key !== undefined && !KEY.test(key)) throw new SyncUsageError(`--secret ${spec}: key must be letters, digits, . _ - (it becomes a file name)`);
  const file = key === undefined ? secret : `${secret}.${key}`;
  if (file === '.' || file === '..') throw new SyncUsageError(`--secret ${spec}: not a usable file name`);
  return { secret, version, ...(key === undefined ? {} : { key }), file };
}

export function parseInterval(text: string): number {
  const m = /^([1-9][0-9]{0,6})(ms|s|m|h)$/.exec(text);
  if (!m) throw new SyncUsageError(`--interval ${text}: expected a duration such as 30s, 2m or 1h`);
  const ms = Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  if (ms < 1000) throw new SyncUsageError('--interval must be at least 1s');
  return ms;
}

/** The bytes a target's file holds, from the version read. */
export function contentOf(t: Target, v: Version): Uint8Array {
  if (t.key === undefined) return v.secret_string !== undefined ? new TextEncoder().encode(v.secret_string) : Buffer.from(v.secret_binary ?? '', 'base64');
  let parsed: unknown;
  try {
    parsed = JSON.parse(v.secret_string ?? '');
  } catch {
    throw new MissingKey(`secret ${t.secret} (${t.version}) is not a JSON object, so it has no key ${t.key}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.hasOwn(parsed, t.key)) {
    throw new MissingKey(`secret ${t.secret} (${t.version}) has no key ${t.key}`);
  }
  const value = (parsed as Record<string, unknown>)[t.key];
  return new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
}

export class MissingKey extends Error {}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Writes `content` to DIR/file atomically with mode 0600 unless the file already holds it. Returns whether it wrote. */
export function writeIfChanged(dir: string, file: string, content: Uint8Array): boolean {
  const path = join(dir, file);
  try {
    if (sameBytes(readFileSync(path), content)) return false;
  } catch {
    // absent or unreadable: write it
  }
  const tmp = join(dir, `.${file}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    let off = 0;
    while (off < content.length) off += writeSync(fd, content, off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
  return true;
}

export interface RoundResult {
  time: string;
  written: string[];
  unchanged: string[];
  /** Files kept as they were because their read failed, with why. */
  failed: { file: string; error: string; unreachable: boolean }[];
}

/** One round: read each distinct secret version once, then update every file. */
export async function syncRound(client: SecretsClient, dir: string, targets: Target[]): Promise<RoundResult> {
  const result: RoundResult = { time: new Date().toISOString(), written: [], unchanged: [], failed: [] };
  const reads = new Map<string, Promise<Version>>();
  for (const t of targets) {
    const id = `${t.secret}@${t.version}`;
    if (!reads.has(id)) {
      const read = client.getVersion(t.secret, t.version);
      read.catch(() => {}); // handled below, target by target; a rejection must not count as unhandled meanwhile
      reads.set(id, read);
    }
  }
  for (const t of targets) {
    try {
      const v = await reads.get(`${t.secret}@${t.version}`)!;
      (writeIfChanged(dir, t.file, contentOf(t, v)) ? result.written : result.unchanged).push(t.file);
    } catch (e) {
      const unreachable = !(e instanceof ApiError || e instanceof MissingKey) || (e instanceof ApiError && e.status >= 500);
      result.failed.push({ file: t.file, error: e instanceof Error ? e.message : String(e), unreachable });
    }
  }
  return result;
}

export interface SyncIo {
  /** The signed transport for the connection options given on the command line. */
  transport: (connection: { endpoint?: string; credentials?: string; project?: string }) => Transport;
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  signal: AbortSignal;
}

/** Runs the command; resolves to its exit code. */
export async function runSync(argv: string[], io: SyncIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        dir: { type: 'string' },
        secret: { type: 'string', multiple: true },
        interval: { type: 'string', default: '2m' },
        once: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        endpoint: { type: 'string' },
        credentials: { type: 'string' },
        project: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new SyncUsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout(SYNC_HELP.trimEnd());
    return 0;
  }
  if (!v.dir) throw new SyncUsageError('--dir DIR is required');
  if (!v.secret?.length) throw new SyncUsageError('at least one --secret NAME[@version][:key] is required');
  const targets = v.secret.map(parseTarget);
  const files = new Set<string>();
  for (const t of targets) {
    if (files.has(t.file)) throw new SyncUsageError(`two --secret options write the same file ${t.file}`);
    files.add(t.file);
  }
  const interval = parseInterval(v.interval!);
  mkdirSync(v.dir, { recursive: true, mode: 0o700 });
  const client = new SecretsClient(io.transport({ endpoint: v.endpoint, credentials: v.credentials, project: v.project }));

  let backoff = 1000;
  for (;;) {
    const r = await syncRound(client, v.dir, targets);
    if (v.json) io.stdout(JSON.stringify(r));
    for (const f of r.failed) io.stderr(`edgekms secrets sync: ${f.file}: ${f.error}; ${v.once ? 'not written' : 'keeping the last good file'}`);
    if (v.once) {
      if (r.failed.some((f) => f.unreachable)) return 3;
      return r.failed.length ? 1 : 0;
    }
    let wait = interval;
    if (r.failed.some((f) => f.unreachable)) {
      wait = Math.min(backoff, interval);
      io.stderr(`edgekms secrets sync: server unreachable; retrying in ${Math.round(wait / 1000)}s`);
      backoff = Math.min(backoff * 2, interval);
    } else {
      backoff = 1000;
    }
    await io.sleep(wait, io.signal);
    if (io.signal.aborted) return 0;
  }
}
