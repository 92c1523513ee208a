// The file-system calls the file store and the Node start-up make, as one small interface, so tests can
// put a fault-injecting layer in between (test/helpers/faulty-fs.ts) and fail, or lose the effect of, any
// single call. `nodeFs` is the real thing (node:fs/promises; Deno provides it too).
import { constants } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';

/** What identifies one version of a file on disk: a rewrite by anyone else changes at least one field. */
export interface FileStamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

export interface FsHandle {
  write(bytes: Uint8Array, offset: number, length: number): Promise<number>;
  stamp(): Promise<FileStamp>;
  sync(): Promise<void>;
  /** Cuts the file to `length` bytes and makes that durable. */
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export interface Fs {
  /**
   * 'wx': create a new file; 'r': read; 'a': append (created if absent), and every write is durable when it
   * returns (O_DSYNC: data and the size that reaches it, one system call instead of write + fdatasync).
   */
  open(path: string, flags: 'wx' | 'r' | 'a', mode?: number): Promise<FsHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** The file's stamp, or null when it does not exist. */
  stamp(path: string): Promise<FileStamp | null>;
  readFile(path: string): Promise<Uint8Array>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string, mode: number): Promise<void>;
}

const stampOf = (s: { ino: number; size: number; mtimeMs: number }): FileStamp => ({ ino: s.ino, size: s.size, mtimeMs: s.mtimeMs });

// Where the platform has no O_DSYNC (Deno's node:fs may not), an append is a write and an fdatasync.
const DSYNC: number | undefined = constants.O_DSYNC;

export const nodeFs: Fs = {
  async open(path, flags, mode) {
    const h = flags === 'a' ? await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (DSYNC ?? 0), mode) : await open(path, flags, mode);
    const dsync = flags === 'a' && DSYNC === undefined;
    return {
      write: async (bytes, offset, length) => {
        const n = (await h.write(bytes, offset, length)).bytesWritten;
        if (dsync) await h.datasync();
        return n;
      },
      stamp: async () => stampOf(await h.stat()),
      sync: () => h.sync(),
      truncate: async (length) => {
        await h.truncate(length);
        await h.datasync();
      },
      close: () => h.close(),
    };
  },
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  async stamp(path) {
    try {
      return stampOf(await stat(path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  },
  readFile: async (path) => new Uint8Array(await readFile(path)),
  readdir: (path) => readdir(path),
  mkdir: async (path, mode) => {
    await mkdir(path, { recursive: true, mode });
  },
};

export function sameStamp(a: FileStamp | null, b: FileStamp | null): boolean {
  if (a === null || b === null) return a === b;
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

export async function fsyncDir(fs: Fs, dir: string): Promise<void> {
  const h = await fs.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}
