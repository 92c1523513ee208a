// One owner per data directory, across PID namespaces, containers and restarts.
//
// The owner holds an OS lock (flock) on an open descriptor of `<dir>/LOCK`. Node has no flock call, so the
// lock is taken by the util-linux `flock` command on a descriptor it inherits from this process: flock
// locks belong to the open file description, which this process keeps open, so the lock lasts exactly as
// long as this process (or until it releases it) and the kernel drops it when the process dies, however
// it dies. Every process on the same kernel sees it, whatever its PID namespace or container; a restart,
// even as the same pid (pid 1 in a container), finds it free.
//
// Without a `flock` command the lock falls back to a lease written into LOCK: host name, boot id, PID
// namespace, pid and the process's start time. A lease is stale only when it is provably dead: written in
// this same boot and PID namespace by a process that no longer runs (a pid now running with another start
// time is another process), or written before the last boot of this host. A lease from another host or
// PID namespace can not be checked from here and is never taken over without `takeOver` (the operator's
// EDGEKMS_TAKE_OVER_LOCK=1).
//
// LOCK itself stays in place between owners (removing a locked file would let two processes lock two
// different files); its content only describes the current or last owner, for messages.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, ftruncateSync, openSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreError } from '../store.ts';

export interface LockOwner {
  pid: number;
  host: string;
  bootId: string;
  pidNamespace: string;
  /** Process start time in clock ticks since boot (Linux), or '' where unknown. */
  startTime: string;
  since: string;
}

export interface DirLock {
  /** How the directory is held: a kernel lock, or a lease (no flock command here). */
  readonly kind: 'flock' | 'lease';
  release(): void;
}

export interface LockOptions {
  /** Take over a lease that cannot be proven dead (another host or PID namespace). */
  takeOver?: boolean;
  /** Test hook: pretend no flock command exists, to exercise the lease. */
  flockCommand?: string;
}

export function lockDir(dir: string, options: LockOptions = {}): DirLock {
  const path = join(dir, 'LOCK');
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  } catch (e) {
    throw new StoreError(`cannot open ${path}: ${(e as Error).message}`);
  }
  try {
    const kind = acquire(fd, path, dir, options);
    writeOwner(fd, path);
    return {
      kind,
      release() {
        try {
          ftruncateSync(fd, 0);
        } finally {
          closeSync(fd);
        }
      },
    };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

function acquire(fd: number, path: string, dir: string, options: LockOptions): 'flock' | 'lease' {
  let r: ReturnType<typeof spawnSync> | null = null;
  try {
    r = spawnSync(options.flockCommand ?? 'flock', ['--exclusive', '--nonblock', '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
  } catch {
    // a runtime that may not run commands (Deno without --allow-run): the lease below
  }
  if (r?.status === 0) return 'flock';
  if (r?.status === 1) throw inUse(dir, path, readOwner(path), 'holds an OS lock on it');
  if (r && !r.error) throw new StoreError(`cannot lock ${path}: flock failed: ${r.stderr?.toString().trim() || `exit status ${r.status}`}`);
  // No flock command: a lease.
  const owner = readOwner(path);
  if (owner && !provablyGone(owner) && !options.takeOver) {
    const me = self();
    const elsewhere = owner.host !== me.host ? `on host ${owner.host}` : owner.pidNamespace !== me.pidNamespace ? `in another PID namespace (${owner.pidNamespace})` : '';
    if (elsewhere) {
      throw new StoreError(
        `data directory ${dir} is leased by process ${owner.pid} ${elsewhere} since ${owner.since}, which cannot be checked from here. ` +
          'If that process is gone, start once with EDGEKMS_TAKE_OVER_LOCK=1.',
      );
    }
    throw inUse(dir, path, owner, 'holds its lease');
  }
  return 'lease';
}

function inUse(dir: string, path: string, owner: LockOwner | null, how: string): StoreError {
  const who = owner ? `process ${owner.pid} on ${owner.host} (PID namespace ${owner.pidNamespace}, since ${owner.since})` : 'another process';
  return new StoreError(`data directory ${dir} is in use by ${who}, which ${how} (${path})`);
}

/** A lease is stale only if its owner certainly no longer runs. */
function provablyGone(owner: LockOwner): boolean {
  const me = self();
  if (owner.host !== me.host) return false;
  if (owner.bootId && me.bootId && owner.bootId !== me.bootId) return true; // written before this host's last boot
  if (owner.pidNamespace !== me.pidNamespace) return false;
  if (owner.pid === process.pid) return owner.startTime !== me.startTime; // this pid, reused by a restart
  const now = startTimeOf(owner.pid);
  if (now === null) return !isAlive(owner.pid);
  return now !== owner.startTime;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function writeOwner(fd: number, path: string): void {
  const text = JSON.stringify(self()) + '\n';
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, text, 0);
  } catch (e) {
    throw new StoreError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return typeof o?.pid === 'number' ? o : null;
  } catch {
    return null; // empty (released) or from an older edgekms
  }
}

function self(): LockOwner {
  return {
    pid: process.pid,
    host: orEmpty(hostname),
    bootId: readOr('/proc/sys/kernel/random/boot_id').trim(),
    pidNamespace: linkOr('/proc/self/ns/pid'),
    startTime: startTimeOf(process.pid) ?? '',
    since: new Date().toISOString(),
  };
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
function startTimeOf(pid: number): string | null {
  const stat = readOr(`/proc/${pid}/stat`);
  if (!stat) return null;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}

function orEmpty(read: () => string): string {
  try {
    return read();
  } catch {
    return ''; // not allowed to ask (Deno without --allow-sys)
  }
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function linkOr(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}
