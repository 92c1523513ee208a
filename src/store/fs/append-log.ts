// An append-only log of frames in segment files, for records that are only ever added (the audit log):
//
//   <dir>/<12 digits>.seg   frames, each  u32 length (big-endian) | payload; a segment is named by the number
//                           its first append was given (the audit log: the first record's sequence number)
//
// Each append is one write to a file opened O_APPEND|O_DSYNC: durable when it returns, one system call,
// with no temp file, rename or directory fsync (the directory is fsynced once, when a segment is created).
// That is what makes a durable append cheap next to replacing a file: the caller waits for one trip
// through the I/O thread pool, not a dozen.
//
// A crash mid-write can leave an incomplete last frame; it was never acknowledged, so open() cuts it off.
// A write that fails is cut off the same way at once (it may have written part of the frame); if that
// fails too, the log takes no more appends until it is opened again (it fails closed, never writes after
// a torn frame). Writes are the caller's to order: one at a time.
import { join } from 'node:path';
import { StoreError } from '../store.ts';
import { fsyncDir, type Fs, type FsHandle } from './fs.ts';

const SEGMENT = /^[0-9]{12}\.seg$/;
const HEADER = 4;

/** A segment file, named by the number its first frame was appended under. */
export interface Segment {
  name: string;
  first: number;
}

export interface AppendLogOptions {
  /** A segment past this size is closed and the next append starts a new one. */
  maxSegmentBytes?: number;
}

/** Splits a segment's bytes into its complete frames; `rest` is the length of an incomplete frame at its end. */
export function framesOf(bytes: Uint8Array): { frames: Uint8Array[]; complete: number; rest: number } {
  const frames: Uint8Array[] = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 0;
  while (off + HEADER <= bytes.length) {
    const len = dv.getUint32(off);
    if (off + HEADER + len > bytes.length) break;
    frames.push(bytes.subarray(off + HEADER, off + HEADER + len));
    off += HEADER + len;
  }
  return { frames, complete: off, rest: bytes.length - off };
}

export const segmentName = (first: number) => `${String(first).padStart(12, '0')}.seg`;

export class AppendLog {
  private handle: FsHandle | undefined;
  private stopped: StoreError | undefined;

  private constructor(
    readonly dir: string,
    private readonly fs: Fs,
    private readonly names: Segment[],
    /** Files in the directory that are no segment (for whoever checks the log). */
    readonly foreign: string[],
    /** Bytes in the newest segment. */
    private size: number,
    /** The newest complete frame when the log was opened. */
    private readonly lastAtOpen: Uint8Array | undefined,
    private readonly maxSegmentBytes: number,
  ) {}

  static async open(dir: string, fs: Fs, options: AppendLogOptions = {}): Promise<AppendLog> {
    let names: string[];
    try {
      await fs.mkdir(dir, 0o700);
      names = (await fs.readdir(dir)).sort();
    } catch (e) {
      throw new StoreError(`cannot open the log in ${dir}: ${(e as Error).message}`);
    }
    const segments = names.filter((n) => SEGMENT.test(n)).map((name) => ({ name, first: Number(name.slice(0, 12)) }));
    const foreign = names.filter((n) => !SEGMENT.test(n));
    let size = 0;
    let last: Uint8Array | undefined;
    const newest = segments.at(-1);
    if (newest) {
      const path = join(dir, newest.name);
      try {
        const bytes = await fs.readFile(path);
        const { frames, complete, rest } = framesOf(bytes);
        if (rest) {
          // A write cut short by a crash: never acknowledged, so it is not part of the log.
          const h = await fs.open(path, 'a', 0o600);
          try {
            await h.truncate(complete);
          } finally {
            await h.close();
          }
        }
        size = complete;
        last = frames.at(-1)?.slice();
      } catch (e) {
        throw new StoreError(`cannot read ${path}: ${(e as Error).message}`);
      }
    }
    // The newest segment may hold nothing yet (a crash right after it was created): the last frame is then
    // in the one before it.
    for (let i = segments.length - 2; i >= 0 && !last; i--) {
      const path = join(dir, segments[i].name);
      try {
        last = framesOf(await fs.readFile(path)).frames.at(-1)?.slice();
      } catch (e) {
        throw new StoreError(`cannot read ${path}: ${(e as Error).message}`);
      }
    }
    return new AppendLog(dir, fs, segments, foreign, size, last, options.maxSegmentBytes ?? 1 << 20);
  }

  /** The segments, oldest first. */
  segments(): readonly Segment[] {
    return this.names;
  }

  /** The newest frame as it was when the log was opened (undefined: the log was empty). */
  lastFrameAtOpen(): Uint8Array | undefined {
    return this.lastAtOpen;
  }

  /** Appends one frame durably; `first` names a new segment if this append starts one. */
  async append(first: number, payload: Uint8Array): Promise<void> {
    if (this.stopped) throw this.stopped;
    if (!this.handle || this.size >= this.maxSegmentBytes) await this.roll(first);
    const frame = new Uint8Array(HEADER + payload.length);
    new DataView(frame.buffer).setUint32(0, payload.length);
    frame.set(payload, HEADER);
    const handle = this.handle!;
    try {
      let off = 0;
      while (off < frame.length) off += await handle.write(frame, off, frame.length - off);
    } catch (e) {
      const path = join(this.dir, this.names.at(-1)!.name);
      // Part of the frame may be on disk: cut back to the last whole one before anything follows it.
      try {
        await handle.truncate(this.size);
      } catch (t) {
        this.stopped = new StoreError(`cannot append to ${path}, nor cut the failed write off (${(t as Error).message}): the log takes no more appends until edgekms restarts`);
      }
      throw new StoreError(`cannot append to ${path}: ${(e as Error).message}`);
    }
    this.size += frame.length;
  }

  /** The complete frames of a segment, and the length of any incomplete frame at its end. */
  async read(segment: Segment): Promise<{ frames: Uint8Array[]; rest: number }> {
    const path = join(this.dir, segment.name);
    try {
      const { frames, rest } = framesOf(await this.fs.readFile(path));
      return { frames, rest };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { frames: [], rest: 0 };
      throw new StoreError(`cannot read ${path}: ${(e as Error).message}`);
    }
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
  }

  private async roll(first: number): Promise<void> {
    const newest = this.names.at(-1);
    // The newest segment found at open is appended to until it is full; after that each roll starts one.
    const reuse = !this.handle && newest && this.size < this.maxSegmentBytes;
    const segment = reuse ? newest : { name: segmentName(first), first };
    if (!reuse && newest && segment.first <= newest.first) throw new StoreError(`log segment ${segment.name} would not follow ${newest.name}`);
    const path = join(this.dir, segment.name);
    try {
      await this.handle?.close();
      this.handle = undefined;
      const h = await this.fs.open(path, 'a', 0o600);
      if (!reuse) {
        // The new file's name must survive a crash before anything in it is acknowledged.
        try {
          await fsyncDir(this.fs, this.dir);
        } catch (e) {
          await h.close();
          throw e;
        }
        this.names.push(segment);
        this.size = 0;
      }
      this.handle = h;
    } catch (e) {
      throw new StoreError(`cannot open ${path} for appending: ${(e as Error).message}`);
    }
  }
}
