// The append-only log (src/store/fs/append-log.ts) on its own, below the audit log that
// test/audit/segments.test.ts drives: how a segment's bytes split into frames at every boundary, which
// files are segments, what open() reads back (the newest frame, from an older segment when the newer ones
// are empty) and cuts off, when a segment is full, the order of segment names, short writes, and the
// errors of each file-system call, named by file (test/helpers/faulty-fs.ts).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppendLog, framesOf, segmentName } from '../../src/store/fs/append-log.ts';
import { nodeFs, type Fs } from '../../src/store/fs/fs.ts';
import { StoreError } from '../../src/store/store.ts';
import { FaultyFs, shortWrites } from '../helpers/faulty-fs.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';

const tempDir = tempDirs('appendlog');

const te = (s: string) => new TextEncoder().encode(s);
const td = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));
/** u32 length | payload, for each payload. */
const frames = (...payloads: string[]) =>
  Buffer.concat(
    payloads.map((p) => {
      const head = Buffer.alloc(4);
      head.writeUInt32BE(Buffer.byteLength(p));
      return Buffer.concat([head, Buffer.from(p)]);
    }),
  );
const eio = (call: string, path: string) => `EIO: injected i/o error, ${call} '${path}'`;

async function rejection(p: Promise<unknown>): Promise<StoreError> {
  const e = await p.then(
    () => expect.unreachable('it succeeded'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StoreError);
  return e as StoreError;
}

describe('framesOf', () => {
  it('splits at every boundary: an empty frame, a header alone, a frame one byte short', () => {
    const two = new Uint8Array(frames('ab', ''));
    expect(framesOf(two)).toEqual({ frames: [te('ab'), te('')], complete: 10, rest: 0 });
    expect(framesOf(two.subarray(0, 9))).toEqual({ frames: [te('ab')], complete: 6, rest: 3 });
    const cut = new Uint8Array(frames('abcdefghij')).subarray(0, 13); // the header says 10, 9 follow
    expect(framesOf(cut)).toEqual({ frames: [], complete: 0, rest: 13 });
    expect(framesOf(new Uint8Array(0))).toEqual({ frames: [], complete: 0, rest: 0 });
  });
});

describe('AppendLog.open', () => {
  it('takes only <12 digits>.seg files as segments, oldest first whatever order the directory lists them in', async () => {
    const dir = tempDir();
    for (const name of ['000000000003.seg', '000000000001.seg', 'x000000000002.seg', '000000000004.seg.bak', 'notes']) writeFileSync(join(dir, name), frames('in ' + name));
    const reversed: Fs = { ...nodeFs, readdir: async (p) => (await nodeFs.readdir(p)).sort().reverse() };
    const log = await AppendLog.open(dir, reversed);
    expect(log.segments()).toEqual([
      { name: '000000000001.seg', first: 1 },
      { name: '000000000003.seg', first: 3 },
    ]);
    expect([...log.foreign].sort()).toEqual(['000000000004.seg.bak', 'notes', 'x000000000002.seg']);
    expect(td(log.lastFrameAtOpen())).toBe('in 000000000003.seg');
  });

  it('reads back the newest frame: the last of the newest segment, or of an older one when the newer are empty', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, segmentName(1)), frames('one', 'two', 'three'));
    writeFileSync(join(dir, segmentName(4)), '');
    writeFileSync(join(dir, segmentName(5)), '');
    const fromOlder = (await AppendLog.open(dir, nodeFs)).lastFrameAtOpen()!;
    expect(td(fromOlder)).toBe('three');
    writeFileSync(join(dir, segmentName(5)), frames('four', 'five', 'six'));
    const fromNewest = (await AppendLog.open(dir, nodeFs)).lastFrameAtOpen()!;
    expect(td(fromNewest)).toBe('six');
    // A copy of the frame, not a view that would keep the whole segment's bytes in memory.
    expect([fromOlder.buffer.byteLength, fromNewest.buffer.byteLength]).toEqual([5, 3]);
    expect((await AppendLog.open(tempDir(), nodeFs)).lastFrameAtOpen()).toBeUndefined();
  });

  it('a clean log is opened without writing; a torn last frame is cut off through a handle it closes', async () => {
    const dir = tempDir();
    const path = join(dir, segmentName(1));
    writeFileSync(path, frames('whole'));
    const fs = new FaultyFs();
    fs.arm(0);
    await AppendLog.open(dir, fs);
    expect(fs.calls.map((c) => c.split(' ')[0])).toEqual(['mkdir', 'readdir', 'read']);
    writeFileSync(path, Buffer.concat([frames('whole'), frames('torn').subarray(0, 6)]));
    fs.arm(0);
    const log = await AppendLog.open(dir, fs);
    expect(fs.calls).toEqual(['mkdir ' + dir.slice(dir.lastIndexOf('/') + 1), 'readdir ' + dir.slice(dir.lastIndexOf('/') + 1), `read ${segmentName(1)}`, `open ${segmentName(1)}`, `ftruncate ${segmentName(1)}`, `close ${segmentName(1)}`]);
    expect(readFileSync(path)).toEqual(frames('whole'));
    expect(td(log.lastFrameAtOpen())).toBe('whole');
  });

  it('each failing call is named with its file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, segmentName(1)), frames('old'));
    writeFileSync(join(dir, segmentName(2)), '');
    const fs = new FaultyFs();
    fs.arm(1);
    expect((await rejection(AppendLog.open(dir, fs))).message).toBe(`cannot open the log in ${dir}: ${eio('mkdir', dir)}`);
    fs.arm(3); // mkdir, readdir, read of the newest
    expect((await rejection(AppendLog.open(dir, fs))).message).toBe(`cannot read ${join(dir, segmentName(2))}: ${eio('read', join(dir, segmentName(2)))}`);
    fs.arm(4); // ... and of the one before it
    expect((await rejection(AppendLog.open(dir, fs))).message).toBe(`cannot read ${join(dir, segmentName(1))}: ${eio('read', join(dir, segmentName(1)))}`);
  });
});

describe('AppendLog appends', () => {
  it('a segment is full at exactly its size: the next append starts a new one, also after a reopen', async () => {
    const dir = tempDir();
    const max = frames('12345678').length * 2; // two frames
    let log = await AppendLog.open(dir, nodeFs, { maxSegmentBytes: max });
    for (const [n, payload] of [
      [1, '12345678'],
      [2, 'abcdefgh'],
      [3, 'ABCDEFGH'],
    ] as const)
      await log.append(n, te(payload));
    expect(log.segments().map((s) => s.name)).toEqual([segmentName(1), segmentName(3)]);
    await log.close();
    // The newest segment found at open is appended to while it has room, and not once it is full.
    log = await AppendLog.open(dir, nodeFs, { maxSegmentBytes: max });
    await log.append(4, te('room for'));
    await log.append(5, te('new file'));
    expect(readdirSync(dir).sort()).toEqual([segmentName(1), segmentName(3), segmentName(5)]);
    expect(readFileSync(join(dir, segmentName(3)))).toEqual(frames('ABCDEFGH', 'room for'));
    await log.close();
  });

  it('a new segment must be named after the newest one', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, segmentName(5)), frames('12345678'));
    for (const first of [5, 3]) {
      const log = await AppendLog.open(dir, nodeFs, { maxSegmentBytes: 12 });
      expect((await rejection(log.append(first, te('x')))).message).toBe(`log segment ${segmentName(first)} would not follow ${segmentName(5)}`);
    }
    expect(readdirSync(dir)).toEqual([segmentName(5)]);
  });

  it('a short write is continued from where it stopped', async () => {
    const dir = tempDir();
    const { fs: short, asked } = shortWrites(4);
    const log = await AppendLog.open(dir, short);
    await log.append(1, te('abcdef'));
    expect(asked).toEqual([
      [0, 10],
      [4, 6],
      [8, 2],
    ]);
    expect(readFileSync(join(dir, segmentName(1)))).toEqual(frames('abcdef'));
    await log.close();
  });

  it('read: a segment that is not there is empty; one that cannot be read is an error naming it', async () => {
    const dir = tempDir();
    const fs = new FaultyFs();
    const log = await AppendLog.open(dir, fs);
    await log.append(1, te('x'));
    expect(await log.read({ name: segmentName(9), first: 9 })).toEqual({ frames: [], rest: 0 });
    fs.arm(1);
    const path = join(dir, segmentName(1));
    expect((await rejection(log.read({ name: segmentName(1), first: 1 }))).message).toBe(`cannot read ${path}: ${eio('read', path)}`);
  });

  it('close closes the segment, and is safe before any append and twice', async () => {
    const fs = new FaultyFs();
    const log = await AppendLog.open(tempDir(), fs);
    await log.close();
    await log.close();
    await log.append(1, te('after'));
    fs.arm(0);
    await log.close();
    expect(fs.calls).toEqual([`close ${segmentName(1)}`]);
    await log.close();
    expect((await log.read(log.segments()[0])).frames).toEqual([te('after')]);
  });
});
