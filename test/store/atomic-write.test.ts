// writeFileAtomic (src/store/fs/atomic-write.ts) on its own, read from the calls it makes
// (test/helpers/faulty-fs.ts records them as "call basename"): the exact sequence of a write; a failure of
// any call before the rename changes nothing and leaves no temp file; a rename that fails, is lost, or
// fails after taking effect is told apart by reading the disk; a failure after the rename is an unknown
// outcome. Every error names the file and the call's own error.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileWriteError, writeFileAtomic } from '../../src/store/fs/atomic-write.ts';
import { nodeFs, type Fs } from '../../src/store/fs/fs.ts';
import { StoreError } from '../../src/store/store.ts';
import { FaultyFs, shortWrites } from '../helpers/faulty-fs.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const te = (s: string) => new TextEncoder().encode(s);

/** A directory holding `a` with "old" in it, the path of `a`, and a recording file system. */
function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'edgekms-atomic-'));
  dirs.push(dir);
  const path = join(dir, 'a');
  writeFileSync(path, 'old');
  const fs = new FaultyFs();
  /** The calls made, with the temp file's random name as <tmp> and the directory's name as <dir>. */
  const calls = () => fs.calls.map((c) => c.replace(/ a\.[^ ]+\.tmp$/, ' <tmp>').replace(` ${basename(dir)}`, ' <dir>'));
  const content = () => readFileSync(path, 'utf8');
  const leftovers = () => readdirSync(dir).filter((f) => f !== 'a');
  return { dir, path, fs, calls, content, leftovers };
}

const WRITE = ['open <tmp>', 'write <tmp>', 'fstat <tmp>', 'fsync <tmp>', 'close <tmp>', 'rename a', 'stat a', 'open <dir>', 'fsync <dir>', 'close <dir>'];

/** The FileWriteError `p` rejects with. */
async function failure(p: Promise<unknown>): Promise<FileWriteError> {
  const e = await p.then(
    () => expect.unreachable('the write succeeded'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FileWriteError);
  expect(e).toBeInstanceOf(StoreError);
  return e as FileWriteError;
}

const eio = (call: string, path: string) => `EIO: injected i/o error, ${call} '${path}'`;

describe('writeFileAtomic', () => {
  it('writes a temp file beside the target, fsyncs and closes it, renames it over the target, checks it, fsyncs the directory', async () => {
    const { path, fs, calls, content, leftovers } = setup();
    fs.arm(0);
    const stamp = await writeFileAtomic(fs, path, te('new value'));
    expect(calls()).toEqual(WRITE);
    expect(fs.calls[0]).toMatch(/^open a\.[a-z0-9]+\.tmp$/);
    expect(content()).toBe('new value');
    expect(leftovers()).toEqual([]);
    expect(stamp).toEqual(await nodeFs.stamp(path));
  });

  it('a short write is continued from where it stopped until every byte is written', async () => {
    const { path, content } = setup();
    const { fs: short, asked } = shortWrites(3);
    await writeFileAtomic(short, path, te('0123456789'));
    expect(asked).toEqual([
      [0, 10],
      [3, 7],
      [6, 4],
      [9, 1],
    ]);
    expect(content()).toBe('0123456789');
  });

  it('a failure of any call before the rename changes nothing, removes the temp file and still closes it', async () => {
    for (let n = 1; n <= 5; n++) {
      const { path, fs, calls, content, leftovers } = setup();
      fs.arm(n);
      const e = await failure(writeFileAtomic(fs, path, te('new')));
      const call = WRITE[n - 1].split(' ')[0];
      const tmp = fs.calls[0].slice('open '.length);
      expect([n, e.name, e.path, e.unknownOutcome, e.message]).toEqual([n, 'FileWriteError', path, false, `cannot write ${path}: ${eio(call, join(path, '..', tmp))}`]);
      // The temp file is closed once it was opened, whichever call failed, and then removed.
      expect(calls(), `call ${n}`).toEqual([...WRITE.slice(0, n), ...(n === 1 ? [] : n < 5 ? ['close <tmp>'] : []), 'unlink <tmp>']);
      expect([n, content(), leftovers()]).toEqual([n, 'old', []]);
    }
  });

  it('a lost write is caught by the temp file’s size, not trusted', async () => {
    const { path, fs, content, leftovers } = setup();
    fs.arm(2, 'lose');
    const e = await failure(writeFileAtomic(fs, path, te('new value')));
    expect([e.unknownOutcome, e.message]).toEqual([false, `cannot write ${path}: the temp file holds 0 of 9 bytes`]);
    expect([content(), leftovers()]).toEqual(['old', []]);
  });

  it('a failed rename changed nothing: the old content stays and the temp file goes', async () => {
    const { path, fs, calls, content, leftovers } = setup();
    fs.arm(6);
    const e = await failure(writeFileAtomic(fs, path, te('new')));
    expect([e.unknownOutcome, e.message]).toEqual([false, `cannot write ${path}: ${eio('rename', path)}`]);
    expect(calls()).toEqual([...WRITE.slice(0, 7), 'unlink <tmp>']);
    expect([content(), leftovers()]).toEqual(['old', []]);
  });

  it('a rename that claims success without its effect is caught by reading the disk', async () => {
    const { path, fs, content, leftovers } = setup();
    fs.arm(6, 'lose');
    const e = await failure(writeFileAtomic(fs, path, te('new')));
    expect([e.unknownOutcome, e.message]).toEqual([false, `cannot write ${path}: the rename did not take effect`]);
    expect([content(), leftovers()]).toEqual(['old', []]);
  });

  it('a rename that fails after taking effect is an unknown outcome, with the directory still fsynced', async () => {
    const { path, fs, calls, content, leftovers } = setup();
    fs.arm(6, 'fail-after');
    const e = await failure(writeFileAtomic(fs, path, te('new')));
    expect([e.unknownOutcome, e.message]).toEqual([
      true,
      `writing ${path} may not have completed (${eio('rename', path)}): the new content is in place but may not survive a crash`,
    ]);
    expect(calls()).toEqual(WRITE);
    expect([content(), leftovers()]).toEqual(['new', []]);
  });

  it('when the result cannot be read back after the rename, the outcome is unknown; a rename error is kept in the message', async () => {
    const checked = setup();
    checked.fs.arm(7);
    const e = await failure(writeFileAtomic(checked.fs, checked.path, te('new')));
    expect([e.unknownOutcome, e.message]).toEqual([
      true,
      `writing ${checked.path} may not have completed (cannot check the result: ${eio('stat', checked.path)}): the new content is in place but may not survive a crash`,
    ]);
    expect(checked.content()).toBe('new');

    const both = setup();
    both.fs.arm([6, 7]);
    const e2 = await failure(writeFileAtomic(both.fs, both.path, te('new')));
    expect([e2.unknownOutcome, e2.message]).toEqual([
      true,
      `writing ${both.path} may not have completed (${eio('rename', both.path)}; cannot check the result: ${eio('stat', both.path)}): the new content is in place but may not survive a crash`,
    ]);
  });

  it('a failed directory fsync is an unknown outcome: the new content is in place and the directory handle closed', async () => {
    const { dir, path, fs, calls, content, leftovers } = setup();
    fs.arm(9);
    const e = await failure(writeFileAtomic(fs, path, te('new')));
    expect([e.unknownOutcome, e.message]).toEqual([
      true,
      `writing ${path} may not have completed (directory fsync failed: ${eio('fsync', dir)}): the new content is in place but may not survive a crash`,
    ]);
    expect(calls()).toEqual(WRITE);
    expect([content(), leftovers()]).toEqual(['new', []]);
  });

  it('an error that is not an Error object is named by its text', async () => {
    const { path, content } = setup();
    const refusing: Fs = { ...nodeFs, open: () => Promise.reject('no space left') };
    const e = await failure(writeFileAtomic(refusing, path, te('new')));
    expect(e.message).toBe(`cannot write ${path}: no space left`);
    expect(content()).toBe('old');
  });
});
