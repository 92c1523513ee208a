// The real file-system layer (src/store/fs/fs.ts `nodeFs`), below the fault-injecting wrapper: the flags an
// append handle is opened with (O_DSYNC, so each write is durable when it returns), the fdatasync after each
// append where the platform has no O_DSYNC (Deno's node:fs may not; simulated by hiding the constant),
// truncate and close doing what they say. node:fs/promises' open is wrapped to see the flags it is given;
// the FileHandle's datasync is spied on.
import { constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open as realOpen } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { nodeFs, type Fs } from '../../src/store/fs/fs.ts';

const opened = vi.hoisted(() => [] as unknown[][]);
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    open: (...args: Parameters<typeof real.open>) => {
      opened.push(args);
      return real.open(...args);
    },
  };
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
afterEach(() => vi.restoreAllMocks());

function tempFile(name: string): string {
  const d = mkdtempSync(join(tmpdir(), 'edgekms-fs-'));
  dirs.push(d);
  return join(d, name);
}

/** Spies on the FileHandle methods nodeFs calls. */
async function handleSpies() {
  const probe = await realOpen(tempFile('probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
  await probe.close();
  return { datasync: vi.spyOn(proto, 'datasync') };
}

/** nodeFs as loaded on a platform whose node:fs has no O_DSYNC. */
async function nodeFsWithoutDsync(): Promise<Fs> {
  vi.resetModules();
  vi.doMock('node:fs', async (importOriginal) => {
    const real = await importOriginal<typeof import('node:fs')>();
    return { ...real, constants: { ...real.constants, O_DSYNC: undefined } };
  });
  try {
    return (await import('../../src/store/fs/fs.ts')).nodeFs;
  } finally {
    vi.doUnmock('node:fs');
    vi.resetModules();
  }
}

const te = (s: string) => new TextEncoder().encode(s);

/** Writes "ab" then "cd" through a handle opened with `flags`; returns the datasync calls each write made. */
async function syncsPerWrite(fs: Fs, flags: 'wx' | 'a'): Promise<number[]> {
  const { datasync } = await handleSpies();
  const path = tempFile('f');
  const h = await fs.open(path, flags, 0o600);
  const counts: number[] = [];
  for (const part of ['ab', 'cd']) {
    datasync.mockClear();
    expect(await h.write(te(part), 0, 2)).toBe(2);
    counts.push(datasync.mock.calls.length);
  }
  await h.close();
  expect(readFileSync(path, 'utf8')).toBe('abcd');
  return counts;
}

describe('nodeFs', () => {
  it('opens an append handle write-only, appending, creating, with O_DSYNC; other flags go to node:fs as they are', async () => {
    expect(constants.O_DSYNC).toBeTypeOf('number');
    const path = tempFile('log');
    opened.length = 0;
    await (await nodeFs.open(path, 'a', 0o640)).close();
    await (await nodeFs.open(path, 'r')).close();
    await (await nodeFs.open(`${path}.new`, 'wx', 0o600)).close();
    expect(opened).toEqual([
      [path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_DSYNC, 0o640],
      [path, 'r', undefined],
      [`${path}.new`, 'wx', 0o600],
    ]);
  });

  it('with O_DSYNC an append is one write, without an fdatasync; a new file’s writes are not synced one by one', async () => {
    expect(await syncsPerWrite(nodeFs, 'a')).toEqual([0, 0]);
    expect(await syncsPerWrite(nodeFs, 'wx')).toEqual([0, 0]);
  });

  it('without O_DSYNC an append is opened without it and each append write is followed by an fdatasync', async () => {
    const fs = await nodeFsWithoutDsync();
    const path = tempFile('log');
    opened.length = 0;
    await (await fs.open(path, 'a', 0o600)).close();
    expect(opened).toEqual([[path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600]]);
    expect(await syncsPerWrite(fs, 'a')).toEqual([1, 1]);
    expect(await syncsPerWrite(fs, 'wx')).toEqual([0, 0]);
  });

  it('truncate cuts the file and makes that durable; close closes the handle', async () => {
    const { datasync } = await handleSpies();
    const path = tempFile('t');
    const h = await nodeFs.open(path, 'wx', 0o600);
    await h.write(te('abcdefgh'), 0, 8);
    datasync.mockClear();
    await h.truncate(3);
    expect(datasync).toHaveBeenCalledTimes(1);
    expect(readFileSync(path, 'utf8')).toBe('abc');
    expect((await h.stamp()).size).toBe(3);
    await h.close();
    await expect(h.write(te('x'), 0, 1)).rejects.toThrow(/closed|EBADF/);
  });
});
