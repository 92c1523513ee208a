// A durable store in a directory, for Node and Deno (both provide node:fs). One file per key:
//
//   EKS1 | u32 key length | key | u32 value length | value | SHA-256 of all the preceding bytes
//
// A write goes to a fresh temp file, is fsynced, renamed over the old file, and the directory is fsynced
// (src/store/fs/atomic-write.ts), so a crash at any instant leaves either the old or the new value, never a
// torn one. The checksum catches corruption that the rename protocol cannot (bit rot, a truncated copy): a
// damaged file stops the process at start-up with its name rather than silently dropping a key. (Edits by
// someone who recomputes the checksum are the store barrier's business: src/store/barrier.ts.)
//
// All I/O is asynchronous, so a write never stalls other requests; writes to one key are queued one after
// another, so a compare-and-set check and its write are atomic.
//
// The whole store is cached in memory (KMS metadata is small), so reads never touch the disk. That makes
// the directory single-owner: an OS lock on LOCK keeps a second process out (src/store/fs/dir-lock.ts).
// As a second line, the store remembers the stamp (inode, size, mtime) of every file it wrote or loaded
// and checks it before replacing or removing the file: a file that is not the one it last wrote means
// someone else writes this directory, and the store stops instead of overwriting their write.
//
// Memory never disagrees with the disk. A write that fails after its commit point (the rename) is an
// unknown outcome: the store re-reads the file, takes what is there as the truth, and reports the unknown
// outcome; if it cannot read the file either, it stops.
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { constantTimeEqual } from '../crypto/bytes.ts';
import { AppendLog } from './fs/append-log.ts';
import { FileWriteError, writeFileAtomic } from './fs/atomic-write.ts';
import { lockDir, type DirLock } from './fs/dir-lock.ts';
import { fsyncDir, nodeFs, sameStamp, type FileStamp, type Fs } from './fs/fs.ts';
import { OrderedMap } from './ordered-map.ts';
import { StoreError, checkKey } from './store.ts';
import type { DeleteOptions, ListOptions, ListResult, PutOptions, Store, StoredEntry } from './store.ts';

const MAGIC = new Uint8Array([0x45, 0x4b, 0x53, 0x31]); // "EKS1"
const MAX_FILENAME = 200;
const LOAD_BATCH = 64;

export interface FileStoreOptions {
  /** The file system (tests put a fault-injecting one here). */
  fs?: Fs;
  /** Take over a LOCK lease that cannot be proven dead (EDGEKMS_TAKE_OVER_LOCK=1; only without flock). */
  takeOverLock?: boolean;
  /** Called once when the store stops itself; every later call fails with `err`. */
  onStop?: (err: StoreError) => void;
}

export class FileStore implements Store {
  private readonly map = new OrderedMap();
  /** The stamp of each file as this process last wrote or read it; null: no file. */
  private readonly stamps = new Map<string, FileStamp | null>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private closed = false;
  /** The directory's lock makes this process the only writer. */
  readonly exclusive = true;
  private stopped: StoreError | null = null;
  private readonly appendLogs: AppendLog[] = [];

  private constructor(
    readonly dir: string,
    private readonly objects: string,
    private readonly fs: Fs,
    private readonly lock: DirLock,
    private readonly onStop: (err: StoreError) => void,
  ) {}

  static async open(dir: string, options: FileStoreOptions = {}): Promise<FileStore> {
    const fs = options.fs ?? nodeFs;
    const objects = join(dir, 'store');
    try {
      await fs.mkdir(dir, 0o700);
      await fs.mkdir(objects, 0o700);
    } catch (e) {
      throw new StoreError(`cannot create ${objects}: ${(e as Error).message}`);
    }
    const lock = lockDir(dir, { takeOver: options.takeOverLock });
    const store = new FileStore(dir, objects, fs, lock, options.onStop ?? (() => {}));
    try {
      await store.load();
    } catch (e) {
      lock.release();
      throw e;
    }
    return store;
  }

  /** Whether `dir` holds stored records (a deployment), read without writing anything. */
  static async holdsData(dir: string, fs: Fs = nodeFs): Promise<boolean> {
    try {
      return (await fs.readdir(join(dir, 'store'))).some((name) => !name.endsWith('.tmp'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new StoreError(`cannot read ${join(dir, 'store')}: ${(e as Error).message}`);
    }
  }

  private async load(): Promise<void> {
    const names = await this.fs.readdir(this.objects).catch((e) => {
      throw new StoreError(`cannot read ${this.objects}: ${(e as Error).message}`);
    });
    for (let i = 0; i < names.length; i += LOAD_BATCH) {
      await Promise.all(names.slice(i, i + LOAD_BATCH).map((name) => this.loadFile(name)));
    }
  }

  private async loadFile(name: string): Promise<void> {
    const path = join(this.objects, name);
    if (name.endsWith('.tmp')) {
      // An unfinished write from a crash: the old value (if any) is intact.
      await this.fs.unlink(path).catch((e) => {
        throw new StoreError(`cannot remove the unfinished write ${path}: ${(e as Error).message}`);
      });
      return;
    }
    const { key, value, stamp } = await this.readFile(path);
    if (fileName(key) !== name) throw new StoreError(`store file ${path} holds key ${JSON.stringify(key)} under the wrong name`);
    this.map.set(key, value, this.map.nextVersion());
    this.stamps.set(key, stamp);
  }

  private async readFile(path: string): Promise<{ key: string; value: Uint8Array; stamp: FileStamp | null }> {
    try {
      const stamp = await this.fs.stamp(path);
      const bytes = await this.fs.readFile(path);
      return { ...decodeFile(bytes, path), stamp };
    } catch (e) {
      if (e instanceof StoreError) throw e;
      throw new StoreError(`cannot read ${path}: ${(e as Error).message}`);
    }
  }

  async get(key: string): Promise<StoredEntry | null> {
    this.assertOpen();
    const e = this.map.get(key);
    return e ? { value: e.value.slice(), version: e.version } : null;
  }

  async put(key: string, value: Uint8Array, options: PutOptions = {}): Promise<string> {
    checkKey(key);
    return this.serialize(key, async () => {
      this.assertOpen();
      this.map.check(key, options.ifVersion);
      const copy = value.slice();
      const path = this.pathOf(key);
      await this.assertUnchanged(key, path);
      let stamp: FileStamp;
      try {
        stamp = await writeFileAtomic(this.fs, path, encodeFile(key, copy));
      } catch (e) {
        const err = e instanceof StoreError ? e : new StoreError(`cannot write ${path}: ${(e as Error).message}`);
        if (err.unknownOutcome) await this.adoptDisk(key, path, err);
        throw err;
      }
      this.stamps.set(key, stamp);
      const version = this.map.nextVersion();
      this.map.set(key, copy, version);
      return version;
    });
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    checkKey(key);
    return this.serialize(key, async () => {
      this.assertOpen();
      this.map.check(key, options.ifVersion);
      if (!this.map.get(key)) return false;
      const path = this.pathOf(key);
      await this.assertUnchanged(key, path);
      let unlinkError: unknown;
      await this.fs.unlink(path).catch((e) => (unlinkError = e));
      // Whether the file is gone is read from the disk, not from what the call said.
      let left: FileStamp | null;
      try {
        left = await this.fs.stamp(path);
      } catch (e) {
        const err = new FileWriteError(path, `cannot check the removal: ${(e as Error).message}`, true);
        await this.adoptDisk(key, path, err);
        throw err;
      }
      if (left !== null) throw new FileWriteError(path, unlinkError ? (unlinkError as Error).message : 'the removal did not take effect', false);
      this.map.remove(key);
      this.stamps.set(key, null);
      try {
        await fsyncDir(this.fs, this.objects);
      } catch (e) {
        throw new FileWriteError(path, `removed, but the directory fsync failed: ${(e as Error).message}`, true);
      }
      if (unlinkError) throw new FileWriteError(path, (unlinkError as Error).message, true);
      return true;
    });
  }

  async list(prefix: string, options?: ListOptions): Promise<ListResult> {
    this.assertOpen();
    return this.map.list(prefix, options);
  }

  /**
   * An append-only log in `<data dir>/<name>` (src/store/fs/append-log.ts), beside the store and under the
   * same lock: for records that are only ever added (the audit log), which it makes durable with one write.
   */
  async appendLog(name: string): Promise<AppendLog> {
    this.assertOpen();
    const log = await AppendLog.open(join(this.dir, name), this.fs);
    this.appendLogs.push(log);
    return log;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.allSettled([...this.locks.values()]);
    await Promise.allSettled(this.appendLogs.map((l) => l.close()));
    this.closed = true;
    this.lock.release();
  }

  private pathOf(key: string): string {
    return join(this.objects, fileName(key));
  }

  /** The file must still be the one this process last wrote (or absent, if it removed it). */
  private async assertUnchanged(key: string, path: string): Promise<void> {
    let now: FileStamp | null;
    try {
      now = await this.fs.stamp(path);
    } catch (e) {
      throw new StoreError(`cannot check ${path} before writing it: ${(e as Error).message}`);
    }
    if (!sameStamp(now, this.stamps.get(key) ?? null)) {
      this.stop(
        new StoreError(
          `store file ${path} is not the one this process last wrote: another process (or a person) writes ${this.dir}. ` +
            'The store stopped rather than overwrite it; make sure one edgekms owns the directory, then restart.',
        ),
      );
    }
  }

  /**
   * After an unknown outcome, what is on disk is the truth: memory takes it (the new value, the old one,
   * or none). If it cannot be read, memory can no longer be trusted to match the disk, and the store stops.
   */
  private async adoptDisk(key: string, path: string, cause: StoreError): Promise<void> {
    try {
      const stamp = await this.fs.stamp(path);
      if (stamp === null) {
        this.map.remove(key);
        this.stamps.set(key, null);
        return;
      }
      const file = await this.readFile(path);
      if (file.key !== key) throw new StoreError(`store file ${path} holds key ${JSON.stringify(file.key)}`);
      this.map.set(key, file.value, this.map.nextVersion());
      this.stamps.set(key, file.stamp);
    } catch (e) {
      this.stop(new StoreError(`${cause.message}; reading ${path} back failed too (${(e as Error).message}), so the store stopped. Restart edgekms.`));
    }
  }

  private stop(err: StoreError): never {
    if (!this.stopped) {
      this.stopped = err;
      this.onStop(err);
    }
    throw this.stopped;
  }

  /** Runs operations on one key one after another, so a compare-and-set check and its write are atomic. */
  private serialize<T>(key: string, op: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(op, op);
    const settled = next.catch(() => undefined);
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return next;
  }

  private assertOpen(): void {
    if (this.stopped) throw this.stopped;
    if (this.closed) throw new StoreError('store is closed');
  }
}

/** Keys become portable file names: safe characters kept, everything else (and upper case, for
 * case-insensitive file systems) escaped as ~XX; over-long names become a hash of the key. */
export function fileName(key: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(key)) {
    const c = String.fromCharCode(byte);
    out += /[a-z0-9._-]/.test(c) ? c : '~' + byte.toString(16).padStart(2, '0');
  }
  if (out.length > MAX_FILENAME || out.startsWith('.')) {
    out = '#' + Array.from(sha256(new TextEncoder().encode(key)), (b) => b.toString(16).padStart(2, '0')).join('');
  }
  return out;
}

function encodeFile(key: string, value: Uint8Array): Uint8Array {
  const k = new TextEncoder().encode(key);
  const body = new Uint8Array(4 + 4 + k.length + 4 + value.length);
  const dv = new DataView(body.buffer);
  body.set(MAGIC, 0);
  dv.setUint32(4, k.length);
  body.set(k, 8);
  dv.setUint32(8 + k.length, value.length);
  body.set(value, 12 + k.length);
  const out = new Uint8Array(body.length + 32);
  out.set(body);
  out.set(sha256(body), body.length);
  return out;
}

function decodeFile(bytes: Uint8Array, path: string): { key: string; value: Uint8Array } {
  const bad = (why: string) => new StoreError(`store file ${path} is damaged (${why}); restore it from a backup or remove it`);
  if (bytes.length < 12 + 32) throw bad('too short');
  if (!constantTimeEqual(bytes.subarray(0, 4), MAGIC)) throw bad('bad magic');
  const body = bytes.subarray(0, bytes.length - 32);
  if (!constantTimeEqual(sha256(body), bytes.subarray(bytes.length - 32))) throw bad('checksum mismatch');
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const kLen = dv.getUint32(4);
  if (8 + kLen + 4 > body.length) throw bad('key length');
  const key = new TextDecoder().decode(body.subarray(8, 8 + kLen));
  const vLen = dv.getUint32(8 + kLen);
  if (12 + kLen + vLen !== body.length) throw bad('value length');
  return { key, value: body.slice(12 + kLen) };
}

