// The file store under faults of its own file-system calls (test/helpers/faulty-fs.ts fails, or loses the
// effect of, chosen calls), in seconds: fs-faults.test.ts drives whole KMS operations through the same
// faults, this drives put, delete, open and close directly and checks each outcome exactly:
// - a failure before the commit point changes nothing: memory, version and disk keep the old value;
// - an unknown outcome (a failure after the commit point) makes memory take what is on disk, and the store
//   goes on working; if the disk cannot be read back, the store stops, once, naming the file;
// - start-up failures name the file or directory; close waits for writes in flight and closes what it opened.
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore, fileName } from '../../src/store/file.ts';
import { lockDir } from '../../src/store/fs/dir-lock.ts';
import { nodeFs, type Fs, type FsHandle } from '../../src/store/fs/fs.ts';
import { StoreError } from '../../src/store/store.ts';
import { FaultyFs } from '../helpers/faulty-fs.ts';
import { storeFilePath, writeStoreFile } from '../helpers/store-files.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';

const tempDir = tempDirs('filefault');

const te = (s: string) => new TextEncoder().encode(s);
const td = (b: Uint8Array) => new TextDecoder().decode(b);
const eio = (call: string, path: string) => `EIO: injected i/o error, ${call} '${path}'`;
const unknown = (path: string, why: string) => `writing ${path} may not have completed (${why}): the new content is in place but may not survive a crash`;

/** The calls of a put of key `k` (file `k`) and of its delete, as FaultyFs records them. */
const PUT = ['stat k', 'open <tmp>', 'write <tmp>', 'fstat <tmp>', 'fsync <tmp>', 'close <tmp>', 'rename k', 'stat k', 'open store', 'fsync store', 'close store'];
const DELETE = ['stat k', 'unlink k', 'stat k', 'open store', 'fsync store', 'close store'];

/** A store in a fresh directory holding k = "old", on a recording file system. */
async function storeWithOld(options: { onStop?: (e: StoreError) => void } = {}) {
  const dir = tempDir();
  const fs = new FaultyFs();
  const store = await FileStore.open(dir, { fs, ...options });
  await store.put('k', te('old'));
  const path = storeFilePath(dir, 'k');
  const before = (await store.get('k'))!.version;
  const calls = () => fs.calls.map((c) => c.replace(/ k\.[^ ]+\.tmp$/, ' <tmp>'));
  /** What this process serves for k, and what a restart would. */
  const value = async () => {
    const e = await store.get('k');
    return e && td(e.value);
  };
  const onDisk = async () => {
    await store.close();
    const again = await FileStore.open(dir);
    const e = await again.get('k');
    await again.close();
    return e && td(e.value);
  };
  return { dir, fs, store, path, before, calls, value, onDisk };
}

async function rejection(p: Promise<unknown>): Promise<StoreError> {
  const e = await p.then(
    () => expect.unreachable('the operation succeeded'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StoreError);
  return e as StoreError;
}

describe('file store put under faults', () => {
  it('the calls of a put and a delete (the numbering the faults below use)', async () => {
    const { fs, store, calls } = await storeWithOld();
    fs.arm(0);
    await store.put('k', te('new'));
    expect(calls()).toEqual(PUT);
    fs.arm(0);
    expect(await store.delete('k')).toBe(true);
    expect(calls()).toEqual(DELETE);
    await store.close();
  });

  it('a failure before the commit point changes nothing, and nothing is read back from the disk', async () => {
    for (let n = 2; n <= 7; n++) {
      const { fs, store, path, before, calls, value, onDisk } = await storeWithOld();
      fs.arm(n);
      const e = await rejection(store.put('k', te('new')));
      expect([n, e.unknownOutcome, e.message.startsWith(`cannot write ${path}: EIO`)]).toEqual([n, false, true]);
      expect(calls().filter((c) => c === 'read k')).toEqual([]);
      expect([n, await value(), (await store.get('k'))!.version]).toEqual([n, 'old', before]);
      expect([n, await onDisk()]).toEqual([n, 'old']);
    }
  });

  it('the stamp check before a write failing refuses the write, names the file, and the store goes on', async () => {
    const { fs, store, path, value, onDisk } = await storeWithOld();
    fs.arm(1);
    const e = await rejection(store.put('k', te('new')));
    expect([e.unknownOutcome, e.message]).toEqual([false, `cannot check ${path} before writing it: ${eio('stat', path)}`]);
    expect(await value()).toBe('old');
    await store.put('k', te('next'));
    expect(await onDisk()).toBe('next');
  });

  for (const [what, arm, mode, why, held] of [
    ['the directory fsync fails', [10], 'fail', (p: string) => `directory fsync failed: ${eio('fsync', join(p, '..'))}`, 'new'],
    ['the rename fails after taking effect', [7], 'fail-after', (p: string) => eio('rename', p), 'new'],
    ['the rename cannot be checked', [8], 'fail', (p: string) => `cannot check the result: ${eio('stat', p)}`, 'new'],
    ['the rename fails and cannot be checked', [7, 8], 'fail', (p: string) => `${eio('rename', p)}; cannot check the result: ${eio('stat', p)}`, 'old'],
  ] as const) {
    it(`an unknown outcome (${what}) makes memory take the disk's value (${held}), and the store goes on`, async () => {
      const { fs, store, path, before, calls, value, onDisk } = await storeWithOld();
      fs.arm([...arm], mode);
      const e = await rejection(store.put('k', te('new')));
      expect([e.unknownOutcome, e.message]).toEqual([true, unknown(path, why(path))]);
      expect(calls().slice(-3)).toEqual(['stat k', 'stat k', 'read k']); // read back: stamp, then the file
      expect(await value()).toBe(held);
      expect((await store.get('k'))!.version).not.toBe(before);
      // Memory took the file's stamp too, so the next write is not mistaken for someone else's file.
      await store.put('k', te('next'));
      expect(await onDisk()).toBe('next');
    });
  }

  it('an unknown outcome for a new key that is not on disk leaves the key absent, and the store goes on', async () => {
    const { fs, store, value, onDisk } = await storeWithOld();
    await store.delete('k');
    fs.arm([7, 8]); // the rename fails, and its check too
    const e = await rejection(store.put('k', te('new')));
    expect(e.unknownOutcome).toBe(true);
    expect(await value()).toBeNull();
    await store.put('k', te('next'));
    expect(await onDisk()).toBe('next');
  });

  it('when the disk cannot be read back after an unknown outcome, the store stops once, naming the file', async () => {
    const stops: StoreError[] = [];
    const { dir, fs, store, path } = await storeWithOld({ onStop: (e) => stops.push(e) });
    fs.arm([10, 12]); // the directory fsync fails; reading the file's stamp back fails too
    const e = await rejection(store.put('k', te('new')));
    expect(e.message).toBe(
      `${unknown(path, `directory fsync failed: ${eio('fsync', join(dir, 'store'))}`)}; reading ${path} back failed too (${eio('stat', path)}), so the store stopped. Restart edgekms.`,
    );
    expect(stops).toEqual([e]);
    for (const later of [store.get('k'), store.put('other', te('x')), store.delete('k'), store.list('')]) expect(await rejection(later)).toBe(e);
    expect(stops).toHaveLength(1);
    await store.close();
  });

  it('a file holding another key where the write went stops the store', async () => {
    const dir = tempDir();
    const other = await FileStore.open(tempDir());
    await other.put('j', te('theirs'));
    await other.close();
    const theirs = storeFilePath(other.dir, 'j');
    const path = storeFilePath(dir, 'k');
    // After the rename (at the directory fsync, which then fails), someone puts key j's record there.
    class Swapping extends FaultyFs {
      override open(p: string, flags: 'wx' | 'r' | 'a', mode?: number): Promise<FsHandle> {
        if (flags === 'r' && p === join(dir, 'store')) copyFileSync(theirs, path);
        return super.open(p, flags, mode);
      }
    }
    const fs = new Swapping();
    const store = await FileStore.open(dir, { fs });
    fs.arm(10);
    const e = await rejection(store.put('k', te('new')));
    expect(e.message).toBe(
      `${unknown(path, `directory fsync failed: ${eio('fsync', join(dir, 'store'))}`)}; reading ${path} back failed too (store file ${path} holds key "j"), so the store stopped. Restart edgekms.`,
    );
    expect(await rejection(store.get('k'))).toBe(e);
    await store.close();
  });

  it('a file system that throws instead of rejecting still gives a StoreError naming the file', async () => {
    const dir = tempDir();
    const throwing: Fs = {
      ...nodeFs,
      rename: () => {
        throw new TypeError('rename is not available');
      },
    };
    const store = await FileStore.open(dir, { fs: throwing });
    const e = await rejection(store.put('k', te('new')));
    expect([e.unknownOutcome, e.message]).toEqual([false, `cannot write ${storeFilePath(dir, 'k')}: rename is not available`]);
    expect(await store.get('k')).toBeNull();
    await store.close();
  });
});

describe('file store delete under faults', () => {
  it('an unlink that fails, or claims success without removing the file, changes nothing', async () => {
    for (const mode of ['fail', 'lose'] as const) {
      const { fs, store, path, before, value, onDisk } = await storeWithOld();
      fs.arm(2, mode);
      const e = await rejection(store.delete('k'));
      const why = mode === 'fail' ? eio('unlink', path) : 'the removal did not take effect';
      expect([mode, e.unknownOutcome, e.message]).toEqual([mode, false, `cannot write ${path}: ${why}`]);
      expect([mode, await value(), (await store.get('k'))!.version]).toEqual([mode, 'old', before]);
      expect([mode, await onDisk()]).toEqual([mode, 'old']);
    }
  });

  it('an unlink that fails after removing the file is an unknown outcome; the key is gone and the directory fsynced', async () => {
    const { fs, store, path, calls, value, onDisk } = await storeWithOld();
    fs.arm(2, 'fail-after');
    const e = await rejection(store.delete('k'));
    expect([e.unknownOutcome, e.message]).toEqual([true, unknown(path, eio('unlink', path))]);
    expect(calls()).toEqual(DELETE);
    expect(await value()).toBeNull();
    expect(await onDisk()).toBeNull();
  });

  it('a removal that cannot be checked is an unknown outcome: memory takes the disk (gone, or still there)', async () => {
    for (const [arm, held] of [
      [[3], null],
      [[2, 3], 'old'],
    ] as const) {
      const { fs, store, path, value, onDisk } = await storeWithOld();
      fs.arm([...arm]);
      const e = await rejection(store.delete('k'));
      expect([e.unknownOutcome, e.message]).toEqual([true, unknown(path, `cannot check the removal: ${eio('stat', path)}`)]);
      expect([arm, await value()]).toEqual([arm, held]);
      await store.put('k', te('next')); // memory took the disk's stamp (or its absence)
      expect(await onDisk()).toBe('next');
    }
  });

  it('a failed directory fsync after the removal is an unknown outcome; the key is gone', async () => {
    const { dir, fs, store, path, value, onDisk } = await storeWithOld();
    fs.arm(5);
    const e = await rejection(store.delete('k'));
    expect([e.unknownOutcome, e.message]).toEqual([true, unknown(path, `removed, but the directory fsync failed: ${eio('fsync', join(dir, 'store'))}`)]);
    expect(await value()).toBeNull();
    expect(await onDisk()).toBeNull();
  });
});

describe('file store start-up under faults', () => {
  it('a directory that cannot be created, or read, stops the start naming it, and releases the lock', async () => {
    for (const [n, call, message] of [
      [1, 'mkdir', (d: string) => `cannot create ${d}/store: ${eio('mkdir', d)}`],
      [2, 'mkdir', (d: string) => `cannot create ${d}/store: ${eio('mkdir', `${d}/store`)}`],
      [3, 'readdir', (d: string) => `cannot read ${d}/store: ${eio('readdir', `${d}/store`)}`],
    ] as const) {
      const dir = tempDir();
      const fs = new FaultyFs();
      fs.arm(n);
      const e = await rejection(FileStore.open(dir, { fs }));
      expect([call, e.message]).toEqual([call, message(dir)]);
      await (await FileStore.open(dir)).close();
    }
  });

  it('a record that cannot be read, or a leftover temp file that cannot be removed, stops the start naming it', async () => {
    const dir = tempDir();
    await (await FileStore.open(dir)).close();
    writeStoreFile(dir, 'k', te('v'));
    const path = storeFilePath(dir, 'k');
    const fs = new FaultyFs();
    fs.arm(5); // mkdir, mkdir, readdir, stat k, read k
    expect((await rejection(FileStore.open(dir, { fs }))).message).toBe(`cannot read ${path}: ${eio('read', path)}`);

    rmSync(path);
    const tmp = `${path}.abc.tmp`;
    writeFileSync(tmp, 'unfinished');
    fs.arm(4); // mkdir, mkdir, readdir, unlink
    expect((await rejection(FileStore.open(dir, { fs }))).message).toBe(`cannot remove the unfinished write ${tmp}: ${eio('unlink', tmp)}`);
  });

  it('loads every record once, however many batches it takes', async () => {
    const dir = tempDir();
    await (await FileStore.open(dir)).close();
    const keys = Array.from({ length: 150 }, (_, i) => `kms/${i}`);
    for (const k of keys) writeStoreFile(dir, k, te(k));
    const fs = new FaultyFs();
    fs.arm(0);
    const store = await FileStore.open(dir, { fs });
    const reads = fs.calls.filter((c) => c.startsWith('read '));
    expect(reads.sort()).toEqual(keys.map((k) => `read ${fileName(k)}`).sort());
    expect((await store.list('kms/', { limit: 1000 })).keys).toHaveLength(150);
    await store.close();
  });

  it('passes the operator’s take-over to the lease (where there is no flock command)', async () => {
    const dir = tempDir();
    const path = process.env.PATH;
    process.env.PATH = ''; // no flock command to be found
    try {
      const lease = lockDir(dir);
      expect(lease.kind).toBe('lease');
      const mine = JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8'));
      lease.release();
      writeFileSync(join(dir, 'LOCK'), JSON.stringify({ ...mine, pidNamespace: 'pid:[1]' }));
      await expect(FileStore.open(dir)).rejects.toThrow(/in another PID namespace \(pid:\[1\]\).*EDGEKMS_TAKE_OVER_LOCK=1/);
      await (await FileStore.open(dir, { takeOverLock: true })).close();
    } finally {
      process.env.PATH = path;
    }
  });
});

describe('file store lifetime', () => {
  it('is its directory’s only writer', async () => {
    const store = await FileStore.open(tempDir());
    expect(store.exclusive).toBe(true);
    await store.close();
  });

  it('close waits for the writes in flight, closes its append logs, refuses everything after, and may be called twice', async () => {
    const dir = tempDir();
    const fs = new FaultyFs();
    const store = await FileStore.open(dir, { fs });
    const log = await store.appendLog('audit');
    await log.append(1, te('entry'));
    let written = false;
    const inFlight = store.put('k', te('v')).then(() => (written = true));
    fs.arm(0);
    await store.close();
    expect(written).toBe(true);
    await inFlight;
    expect(fs.calls).toContain('close 000000000001.seg');
    for (const p of [store.get('k'), store.put('k', te('x')), store.delete('k'), store.list(''), store.appendLog('other')]) {
      expect((await rejection(p)).message).toBe('store is closed');
    }
    await store.close();
    const again = await FileStore.open(dir);
    expect(td((await again.get('k'))!.value)).toBe('v');
    await again.close();
  });

  it('writes to one key run one after another, and the queue is dropped once they settle', async () => {
    const { fs, store, calls, value } = await storeWithOld();
    fs.arm(0);
    const first = store.put('k', te('1'));
    const second = store.put('k', te('2'));
    await first;
    const third = store.put('k', te('3')); // queued behind the second, which is still writing
    await Promise.all([second, third]);
    expect(calls()).toEqual([...PUT, ...PUT, ...PUT]);
    expect(await value()).toBe('3');
    expect((store as unknown as { locks: Map<string, unknown> }).locks.size).toBe(0);
    await store.close();
  });

  it('two writers finding files they did not write stop the store once, with the first reason', async () => {
    const stops: StoreError[] = [];
    const dir = tempDir();
    const store = await FileStore.open(dir, { onStop: (e) => stops.push(e) });
    await store.put('a', te('mine'));
    await store.put('b', te('mine'));
    writeStoreFile(dir, 'a', te('theirs'));
    writeStoreFile(dir, 'b', te('theirs'));
    const [a, b] = await Promise.allSettled([store.put('a', te('x')), store.put('b', te('x'))]);
    expect([a.status, b.status]).toEqual(['rejected', 'rejected']);
    const reasons = [a, b].map((r) => (r as PromiseRejectedResult).reason);
    expect(reasons[1]).toBe(reasons[0]);
    expect(stops).toEqual([reasons[0]]);
    // Which of the two puts finds its foreign file first is the file system's timing: the reason names that one.
    const named = [storeFilePath(dir, 'a'), storeFilePath(dir, 'b')].filter((path) => stops[0].message.includes(`store file ${path} is not the one this process last wrote`));
    expect(named).toHaveLength(1);
    await store.close();
  });
});
