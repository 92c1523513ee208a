// The data directory's lock (src/store/fs/dir-lock.ts) in-process, decision by decision: the owner record
// it writes (read back against /proc and node:os independently), the OS lock and its refusal, the errors
// of a flock that fails otherwise or a LOCK that cannot be opened or written, and the lease, where there
// is no flock command: which owner records it takes over and which it refuses. A platform without /proc
// or without a host name (Deno without --allow-sys) is simulated by making those reads fail.
// lock.test.ts covers the same lock across real processes and PID namespaces.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { lockDir, type LockOwner } from '../../src/store/fs/dir-lock.ts';

const hide = vi.hoisted(() => ({ proc: false, host: false, write: false }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const missing = (p: unknown) => Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
  return {
    ...real,
    readFileSync: ((p: string, ...rest: never[]) => {
      if (hide.proc && String(p).startsWith('/proc/')) throw missing(p);
      return real.readFileSync(p, ...rest);
    }) as typeof real.readFileSync,
    readlinkSync: ((p: string, ...rest: never[]) => {
      if (hide.proc && String(p).startsWith('/proc/')) throw missing(p);
      return real.readlinkSync(p, ...rest);
    }) as typeof real.readlinkSync,
    writeSync: ((...args: Parameters<typeof real.writeSync>) => {
      if (hide.write) throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
      return real.writeSync(...args);
    }) as typeof real.writeSync,
  };
});
vi.mock('node:os', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:os')>();
  return {
    ...real,
    hostname: () => {
      if (hide.host) throw new Error('Requires sys access to "hostname"');
      return real.hostname();
    },
  };
});

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
afterEach(() => {
  hide.proc = hide.host = hide.write = false;
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'edgekms-dirlock-'));
  dirs.push(d);
  return d;
};

const noFlock = { flockCommand: 'edgekms-test-no-such-flock' };
const lockFile = (dir: string) => join(dir, 'LOCK');
const ownerIn = (dir: string) => JSON.parse(readFileSync(lockFile(dir), 'utf8')) as LockOwner;

/** Field 22 of /proc/<pid>/stat (the start time), read independently of the code under test. */
const startTime = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];

/** The record a lease of this process writes now. */
function myRecord(): LockOwner {
  const dir = tempDir();
  lockDir(dir, noFlock).release();
  const l = lockDir(dir, noFlock);
  const mine = ownerIn(dir);
  l.release();
  return mine;
}

/** Tries to lease `dir` whose LOCK holds `owner`: 'taken', or the refusal's message. */
function leaseOver(owner: Partial<LockOwner>, options: { takeOver?: boolean } = {}): string {
  const dir = tempDir();
  writeFileSync(lockFile(dir), JSON.stringify(owner));
  try {
    lockDir(dir, { ...noFlock, ...options }).release();
    return 'taken';
  } catch (e) {
    return (e as Error).message.replace(dir, '<dir>').replace(lockFile(dir), '<lock>');
  }
}

/** The message of what `f` throws. */
function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return expect.unreachable('nothing was thrown');
}

function liveChild(): number {
  const c = spawn('sleep', ['600'], { stdio: 'ignore' });
  children.push(c);
  return c.pid!;
}

describe('the owner record', () => {
  it('names this process as /proc and node:os do, and ends with a newline; release empties it', () => {
    const dir = tempDir();
    const lock = lockDir(dir, noFlock);
    const text = readFileSync(lockFile(dir), 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    const owner = JSON.parse(text) as LockOwner;
    expect({ ...owner, since: '' }).toEqual({
      pid: process.pid,
      host: hostname(),
      bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
      pidNamespace: readlinkSync('/proc/self/ns/pid'),
      startTime: startTime(process.pid),
      since: '',
    });
    expect(new Date(owner.since).toISOString()).toBe(owner.since);
    lock.release();
    expect(readFileSync(lockFile(dir), 'utf8')).toBe('');
  });

  it('where /proc and the host name cannot be read, those fields are empty', () => {
    hide.proc = hide.host = true;
    const dir = tempDir();
    const lock = lockDir(dir, noFlock);
    expect({ ...ownerIn(dir), since: '' }).toEqual({ pid: process.pid, host: '', bootId: '', pidNamespace: '', startTime: '', since: '' });
    lock.release();
  });

  it('a LOCK that cannot be opened or written stops the start, naming it', () => {
    const dir = tempDir();
    expect(messageOf(() => lockDir(join(dir, 'missing'), noFlock))).toBe(
      `cannot open ${join(dir, 'missing', 'LOCK')}: ENOENT: no such file or directory, open '${join(dir, 'missing', 'LOCK')}'`,
    );
    hide.write = true;
    expect(messageOf(() => lockDir(dir, noFlock))).toBe(`cannot write ${lockFile(dir)}: EIO: i/o error, write`);
    hide.write = false;
    lockDir(dir, noFlock).release(); // the failed attempt closed its descriptor and left no lease
  });
});

describe('the OS lock', () => {
  it('is taken with flock; a second taker is refused naming the holder, or "another process" when LOCK says nothing', () => {
    const dir = tempDir();
    const held = lockDir(dir);
    expect(held.kind).toBe('flock');
    const o = ownerIn(dir);
    expect(messageOf(() => lockDir(dir))).toBe(
      `data directory ${dir} is in use by process ${o.pid} on ${o.host} (PID namespace ${o.pidNamespace}, since ${o.since}), which holds an OS lock on it (${lockFile(dir)})`,
    );
    for (const text of ['', '{"from":"an older edgekms"}', 'null']) {
      writeFileSync(lockFile(dir), text);
      expect(messageOf(() => lockDir(dir))).toBe(`data directory ${dir} is in use by another process, which holds an OS lock on it (${lockFile(dir)})`);
    }
    held.release();
    lockDir(dir).release();
  });

  it('a flock command that fails otherwise is an error with what it said, or its exit status', () => {
    const dir = tempDir();
    const script = (text: string) => {
      const path = join(tempDir(), 'flock');
      writeFileSync(path, `#!/bin/sh\n${text}\n`);
      chmodSync(path, 0o755);
      return path;
    };
    const talking = script('echo "flock: bad descriptor" >&2; exit 64');
    expect(messageOf(() => lockDir(dir, { flockCommand: talking }))).toBe(`cannot lock ${lockFile(dir)}: flock failed: flock: bad descriptor`);
    expect(messageOf(() => lockDir(dir, { flockCommand: script('exit 3') }))).toBe(`cannot lock ${lockFile(dir)}: flock failed: exit status 3`);
  });

  it('a runtime that cannot run the command at all (it throws) falls back to the lease', () => {
    const lock = lockDir(tempDir(), { flockCommand: 'no\0such' });
    expect(lock.kind).toBe('lease');
    lock.release();
  });
});

describe('the lease: what it takes over', () => {
  it('takes over a lease whose owner is provably gone, and refuses one that may be alive', () => {
    const me = myRecord();
    const child = liveChild();
    const dead = 2 ** 22 + 1;
    const inUse = (pid: number) => `data directory <dir> is in use by process ${pid} on ${me.host} (PID namespace ${me.pidNamespace}, since ${me.since}), which holds its lease (<lock>)`;
    const rows: [string, Partial<LockOwner>, string][] = [
      ['this process', me, inUse(process.pid)],
      ['this pid, another start time (a restart)', { ...me, startTime: '1' }, 'taken'],
      ['another live process', { ...me, pid: child, startTime: startTime(child) }, inUse(child)],
      ['a live pid with another start time (the pid reused)', { ...me, pid: child, startTime: '1' }, 'taken'],
      ['a dead pid', { ...me, pid: dead, startTime: '1' }, 'taken'],
      ['an owner whose boot id is unknown (this process)', { ...me, bootId: '' }, inUse(process.pid)],
      ['written before this host’s last boot (this process)', { ...me, bootId: 'an-earlier-boot' }, 'taken'],
      [
        'another host (even with another boot id and a dead pid)',
        { ...me, host: 'elsewhere', bootId: 'other', pid: dead },
        `data directory <dir> is leased by process ${dead} on host elsewhere since ${me.since}, which cannot be checked from here. If that process is gone, start once with EDGEKMS_TAKE_OVER_LOCK=1.`,
      ],
      [
        'another PID namespace (even with a dead pid)',
        { ...me, pidNamespace: 'pid:[1]', pid: dead },
        `data directory <dir> is leased by process ${dead} in another PID namespace (pid:[1]) since ${me.since}, which cannot be checked from here. If that process is gone, start once with EDGEKMS_TAKE_OVER_LOCK=1.`,
      ],
    ];
    for (const [what, owner, expected] of rows) expect([what, leaseOver(owner)]).toEqual([what, expected]);
    expect(leaseOver({ ...me, host: 'elsewhere' }, { takeOver: true })).toBe('taken');
  });

  it('where /proc cannot be read, a pid is checked by signalling it, and this pid by its recorded start time', () => {
    hide.proc = true;
    const me = myRecord();
    expect(me.startTime).toBe('');
    const child = liveChild();
    expect(leaseOver({ ...me, pid: child })).toMatch(new RegExp(`in use by process ${child} .*holds its lease`));
    expect(leaseOver({ ...me, pid: 2 ** 22 + 1 })).toBe('taken');
    expect(leaseOver(me)).toMatch(new RegExp(`in use by process ${process.pid} .*holds its lease`));
    expect(leaseOver({ ...me, startTime: '1' })).toBe('taken');
    // A process of another user: signalling it is refused (EPERM), so it is alive.
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => {
      throw Object.assign(new Error('kill EPERM'), { code: 'EPERM' });
    });
    try {
      expect(leaseOver({ ...me, pid: 2 ** 22 + 1 })).toMatch(new RegExp(`in use by process ${2 ** 22 + 1} .*holds its lease`));
      expect(kill).toHaveBeenCalledWith(2 ** 22 + 1, 0);
    } finally {
      kill.mockRestore();
    }
  });
});
