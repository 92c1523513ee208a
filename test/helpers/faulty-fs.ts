// A file system that fails, or loses the effect of, its Nth call (counted from `arm`), like strace's fault
// injection one system call at a time:
//   fail        the call does nothing and throws EIO
//   fail-after  the call takes effect, then throws EIO (an error after the fact, e.g. a directory fsync)
//   lose        the call claims success but does nothing (a lost write, rename, unlink or fsync);
//               calls without an effect to lose (stat, read, open, close) run normally
// `arm` takes one call number or several (each faulted the same way), for a fault that meets another.
import { nodeFs, type FileStamp, type Fs, type FsHandle } from '../../src/store/fs/fs.ts';

export type FsFault = 'fail' | 'fail-after' | 'lose';
export const FS_FAULTS: FsFault[] = ['fail', 'fail-after', 'lose'];

export class FaultyFs implements Fs {
  /** Every call since `arm`, as "name basename". */
  readonly calls: string[] = [];
  private failAt = new Set<number>();
  private mode: FsFault = 'fail';
  /** Set when an armed call was reached (and its fault injected). */
  hit = false;

  constructor(private readonly inner: Fs = nodeFs) {}

  arm(n: number | number[], mode: FsFault = 'fail'): void {
    this.calls.length = 0;
    this.failAt = new Set([n].flat().filter((i) => i > 0));
    this.mode = mode;
    this.hit = false;
  }

  private async step<T>(name: string, path: string, real: () => Promise<T>, lost?: () => T): Promise<T> {
    this.calls.push(`${name} ${path.slice(path.lastIndexOf('/') + 1)}`);
    if (!this.failAt.has(this.calls.length)) return real();
    this.hit = true;
    const eio = () => Object.assign(new Error(`EIO: injected i/o error, ${name} '${path}'`), { code: 'EIO' });
    if (this.mode === 'fail') throw eio();
    if (this.mode === 'fail-after') {
      await real();
      throw eio();
    }
    return lost ? lost() : real();
  }

  async open(path: string, flags: 'wx' | 'r' | 'a', mode?: number): Promise<FsHandle> {
    const h = await this.step('open', path, () => this.inner.open(path, flags, mode));
    return {
      write: (bytes, offset, length) => this.step('write', path, () => h.write(bytes, offset, length), () => length),
      stamp: () => this.step('fstat', path, () => h.stamp()),
      sync: () => this.step('fsync', path, () => h.sync(), () => undefined),
      truncate: (length) => this.step('ftruncate', path, () => h.truncate(length), () => undefined),
      close: () => this.step('close', path, () => h.close()),
    };
  }
  rename(from: string, to: string): Promise<void> {
    return this.step('rename', to, () => this.inner.rename(from, to), () => undefined);
  }
  unlink(path: string): Promise<void> {
    return this.step('unlink', path, () => this.inner.unlink(path), () => undefined);
  }
  stamp(path: string): Promise<FileStamp | null> {
    return this.step('stat', path, () => this.inner.stamp(path));
  }
  readFile(path: string): Promise<Uint8Array> {
    return this.step('read', path, () => this.inner.readFile(path));
  }
  readdir(path: string): Promise<string[]> {
    return this.step('readdir', path, () => this.inner.readdir(path));
  }
  mkdir(path: string, mode: number): Promise<void> {
    return this.step('mkdir', path, () => this.inner.mkdir(path, mode), () => undefined);
  }
}

/**
 * A file system whose writes write at most `max` bytes each (a short write, as write(2) may do); `asked`
 * records the (offset, length) of every write call, so a test sees how the caller continued.
 */
export function shortWrites(max: number, inner: Fs = nodeFs): { fs: Fs; asked: [number, number][] } {
  const asked: [number, number][] = [];
  const fs: Fs = {
    ...inner,
    async open(path, flags, mode) {
      const h = await inner.open(path, flags, mode);
      return {
        ...h,
        write: (bytes, offset, length) => {
          asked.push([offset, length]);
          return h.write(bytes, offset, Math.min(length, max));
        },
      };
    },
  };
  return { fs, asked };
}
