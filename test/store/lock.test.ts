// One owner per data directory: an OS lock that holds across PID namespaces (a second server in a new
// namespace, as another container on the same volume would be, refuses to start) and that a restart finds
// free even as the same pid; the lease used where there is no flock command; and a writer that finds a
// file it did not write stops instead of overwriting it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../src/store/file.ts';
import { lockDir } from '../../src/store/fs/dir-lock.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';
import { writeStoreFile } from '../helpers/store-files.ts';

const dirs: string[] = [];
const servers: RunningServer[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'edgekms-lock-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const s of servers) await stop(s);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// A new PID namespace (with a user namespace, so no privilege is needed) and a fresh /proc.
const NEW_PID_NS = ['unshare', '--user', '--map-root-user', '--pid', '--fork', '--mount-proc', '--kill-child'];
const probe = spawnSync(NEW_PID_NS[0], [...NEW_PID_NS.slice(1), 'sh', '-c', 'echo $$']);
const namespaces = probe.status === 0 && probe.stdout.toString().trim() === '1';
const why = namespaces ? '' : `unshare cannot create a PID namespace here: ${probe.error?.message ?? probe.stderr?.toString().trim()}`;

/**
 * unshare does not pass SIGTERM on to the server it runs; SIGKILL on unshare takes the server with it
 * (--kill-child). Either way, the directory is free once this returns.
 */
async function stop(s: RunningServer): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  if (s.child.spawnfile !== 'unshare') await s.stop();
  else {
    const exited = new Promise((r) => s.child.once('exit', r));
    s.child.kill('SIGKILL');
    await exited;
  }
}

async function start(dir: string, wrap: string[] = []): Promise<RunningServer> {
  const s = await startNodeServer({ EDGEKMS_DATA_DIR: dir }, 20_000, wrap);
  servers.push(s);
  return s;
}

async function refused(dir: string, wrap: string[] = []): Promise<string> {
  return startNodeServer({ EDGEKMS_DATA_DIR: dir }, 20_000, wrap).then(
    async (s) => {
      servers.push(s);
      throw new Error('the second server started');
    },
    (e: Error) => e.message,
  );
}

const lockFree = (dir: string) => spawnSync('flock', ['--nonblock', join(dir, 'LOCK'), 'true']).status === 0;
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
}

describe('data directory ownership', () => {
  it.skipIf(!namespaces)(`a second server in another PID namespace refuses to start ${why}`, async () => {
    const dir = tempDir();
    const a = await start(dir);
    const message = await refused(dir, NEW_PID_NS);
    expect(message).toMatch(new RegExp(`data directory ${dir} is in use by process ${a.child.pid} .*which holds an OS lock`));
    // And the other way round: the first owner in a namespace, a plain second one refused.
    await stop(a);
    const b = await start(dir, NEW_PID_NS);
    expect(JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')).pid).toBe(1);
    expect(await refused(dir)).toContain('is in use by process 1 ');
    await stop(b);
  });

  it.skipIf(!namespaces)(`a server killed as pid 1 restarts as pid 1 over its own LOCK ${why}`, async () => {
    const dir = tempDir();
    const first = await start(dir, NEW_PID_NS);
    expect(JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')).pid).toBe(1);
    first.child.kill('SIGKILL'); // --kill-child takes the server (pid 1 inside) with it
    await until(() => lockFree(dir));
    expect(JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')).pid).toBe(1); // the dead owner's record is still there
    const again = await start(dir, NEW_PID_NS);
    expect(again.output()).toContain('edgekms listening');
    await stop(again);
  });

  it('the same process restarted with its pid recorded in LOCK starts (plain, no namespaces)', async () => {
    const dir = tempDir();
    const s = await start(dir);
    const pid = s.child.pid;
    s.child.kill('SIGKILL');
    await until(() => lockFree(dir));
    expect(JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')).pid).toBe(pid);
    await (await start(dir)).stop();
  });
});

describe('the lease, where there is no flock command', () => {
  const noFlock = { flockCommand: 'edgekms-test-no-such-flock' };
  const record = (over: object) => {
    const mine = JSON.parse(readFileSync(join(leaseDir, 'LOCK'), 'utf8'));
    return JSON.stringify({ ...mine, ...over });
  };
  let leaseDir = '';

  it('takes over its own pid from an earlier process, refuses a live one and another namespace', () => {
    leaseDir = tempDir();
    const first = lockDir(leaseDir, noFlock);
    expect(first.kind).toBe('lease');
    expect(() => lockDir(leaseDir, noFlock)).toThrow(new RegExp(`in use by process ${process.pid} .*holds its lease`));
    const mine = record({});
    first.release();
    expect(readFileSync(join(leaseDir, 'LOCK'), 'utf8')).toBe('');

    // This pid, but another process start time: a restart reusing the pid. Taken.
    writeFileSync(join(leaseDir, 'LOCK'), JSON.stringify({ ...JSON.parse(mine), startTime: '1' }));
    lockDir(leaseDir, noFlock).release();

    // A dead pid in this namespace: taken.
    writeFileSync(join(leaseDir, 'LOCK'), JSON.stringify({ ...JSON.parse(mine), pid: 2 ** 22 + 1, startTime: '1' }));
    lockDir(leaseDir, noFlock).release();

    // Another PID namespace: cannot be checked, refused unless the operator says so.
    writeFileSync(join(leaseDir, 'LOCK'), JSON.stringify({ ...JSON.parse(mine), pidNamespace: 'pid:[1]' }));
    expect(() => lockDir(leaseDir, noFlock)).toThrow(/in another PID namespace \(pid:\[1\]\).*EDGEKMS_TAKE_OVER_LOCK=1/);
    lockDir(leaseDir, { ...noFlock, takeOver: true }).release();

    // Written before this host's last boot: taken.
    writeFileSync(join(leaseDir, 'LOCK'), JSON.stringify({ ...JSON.parse(mine), bootId: 'an-earlier-boot' }));
    lockDir(leaseDir, noFlock).release();
  });
});

describe('a writer that finds a file it did not write', () => {
  it('stops instead of overwriting it, and says why', async () => {
    const dir = tempDir();
    const stops: Error[] = [];
    const s = await FileStore.open(dir, { onStop: (e) => stops.push(e) });
    await s.put('k', new TextEncoder().encode('mine'));
    writeStoreFile(dir, 'k', new TextEncoder().encode('someone else’s'));
    await expect(s.put('k', new TextEncoder().encode('stale'))).rejects.toThrow(/store file .* is not the one this process last wrote.*stopped/);
    await expect(s.get('k')).rejects.toThrow(/not the one this process last wrote/);
    expect(stops).toHaveLength(1);
    await s.close();
    const after = await FileStore.open(dir);
    expect(new TextDecoder().decode((await after.get('k'))!.value)).toBe('someone else’s');
    await after.close();
  });

  it('also when the file was removed behind its back', async () => {
    const dir = tempDir();
    const s = await FileStore.open(dir);
    await s.put('k', new TextEncoder().encode('mine'));
    rmSync(join(dir, 'store', 'k'));
    await expect(s.delete('k')).rejects.toThrow(/not the one this process last wrote/);
    await s.close();
  });
});
