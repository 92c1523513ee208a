// What the identity commands share: path segments, policy documents read from a file, stdin or the
// argument, and files that receive a secret shown once (an access key's secret key, a workload token).
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { CliError, EXIT, readStdin, UsageError, type Invocation } from '../command.ts';

/** A name as one path segment of /edgekms/v1 (the server checks what names may hold). */
export const seg = (name: string) => encodeURIComponent(name);

/** Projects from --projects ID,… or else the connection's project. */
export function projectsOf(inv: Invocation): string[] {
  const v = inv.values.projects;
  if (typeof v !== 'string') return [inv.http().projectId];
  const ids = v.split(',').map((p) => p.trim()).filter(Boolean);
  if (!ids.length) throw new UsageError('--projects needs at least one project id');
  return ids;
}

/**
 * A policy document from a file, stdin ("-") or the argument itself when it starts with "{". Invalid JSON
 * is a usage error naming where it came from, raised before anything is sent.
 */
export async function policyDocument(source: string): Promise<unknown> {
  let text: string;
  let where: string;
  if (source === '-') {
    text = (await readStdin()).toString('utf8');
    where = 'stdin';
  } else if (source.trimStart().startsWith('{')) {
    text = source;
    where = 'the argument';
  } else {
    try {
      text = readFileSync(source, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read ${source}: ${(e as Error).message}`, EXIT.io);
    }
    where = source;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`the policy in ${where} is not valid JSON (${(e as Error).message.slice(0, 120)})`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`the policy in ${where} must be a JSON object ({"Version": "1.1", "Statement": […]})`);
  return doc;
}

/**
 * A file that will receive a secret: created now, empty, owner-only, and never over an existing file, so
 * that a secret the server shows once is not created when it could not be kept. `write` fills it;
 * `discard` removes it again.
 */
export function secretFile(path: string): { write(text: string): void; discard(): void } {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CliError(err.code === 'EEXIST' ? `${path} exists already; choose another file (it is never overwritten)` : `cannot create ${path}: ${err.message}`, EXIT.io, err.code);
  }
  let open = true;
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    write(text) {
      try {
        writeSync(fd, text);
      } finally {
        close();
      }
    },
    discard() {
      close();
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
