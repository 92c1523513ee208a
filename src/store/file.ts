// A durable store in a directory, for Node and Deno (both provide node:fs). One file per key:
//
//   EKS1 | u32 key length | key | u32 value length | value | SHA-256 of all the preceding bytes
//
// A write goes to a fresh temp file, is fsynced, renamed over the old file, and the directory is fsynced,
// so a crash at any instant leaves either the old or the new value, never a torn one. The checksum
// catches corruption that the rename protocol cannot (bit rot, a truncated copy): a damaged file stops
// the process at start-up with its name rather than silently dropping a key.
//
// The whole store is cached in memory (KMS metadata is small), so reads never touch the disk. That makes
// the directory single-owner: a LOCK file holding the owner's pid keeps a second process out.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { constantTimeEqual } from '../crypto/bytes.ts';
import { OrderedMap } from './ordered-map.ts';
import { StoreError, checkKey } from './store.ts';
import type { DeleteOptions, ListOptions, ListResult, PutOptions, Store, StoredEntry } from './store.ts';

const MAGIC = new Uint8Array([0x45, 0x4b, 0x53, 0x31]); // "EKS1"
const MAX_FILENAME = 200;

/** Injected by tests to simulate a failing disk at a chosen point of the write protocol. */
export interface FileStoreFaults {
  beforeRename?(key: string): void;
}

export class FileStore implements Store {
  private readonly map = new OrderedMap();
  private readonly locks = new Map<string, Promise<unknown>>();
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly objects: string,
    private readonly faults: FileStoreFaults,
  ) {}

  static async open(dir: string, faults: FileStoreFaults = {}): Promise<FileStore> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const objects = join(dir, 'store');
    mkdirSync(objects, { recursive: true, mode: 0o700 });
    acquireLock(dir);
    const store = new FileStore(dir, objects, faults);
    try {
      store.load();
    } catch (e) {
      releaseLock(dir);
      throw e;
    }
    return store;
  }

  private load(): void {
    for (const name of readdirSync(this.objects)) {
      const path = join(this.objects, name);
      if (name.endsWith('.tmp')) {
        unlinkSync(path); // an unfinished write from a crash: the old value (if any) is intact
        continue;
      }
      const { key, value } = decodeFile(readFileSync(path), path);
      if (fileName(key) !== name) throw new StoreError(`store file ${path} holds key ${JSON.stringify(key)} under the wrong name`);
      this.map.set(key, value, this.map.nextVersion());
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
      this.writeFile(key, copy);
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
      try {
        unlinkSync(join(this.objects, fileName(key)));
        fsyncDir(this.objects);
      } catch (e) {
        throw new StoreError(`cannot delete ${key}: ${(e as Error).message}`);
      }
      return this.map.remove(key);
    });
  }

  async list(prefix: string, options?: ListOptions): Promise<ListResult> {
    this.assertOpen();
    return this.map.list(prefix, options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.allSettled([...this.locks.values()]);
    this.closed = true;
    releaseLock(this.dir);
  }

  private writeFile(key: string, value: Uint8Array): void {
    const final = join(this.objects, fileName(key));
    const tmp = `${final}.${Math.random().toString(36).slice(2)}.tmp`;
    let fd = -1;
    try {
      fd = openSync(tmp, 'wx', 0o600);
      const bytes = encodeFile(key, value);
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
      closeSync(fd);
      fd = -1;
      this.faults.beforeRename?.(key);
      renameSync(tmp, final);
      fsyncDir(this.objects);
    } catch (e) {
      if (fd >= 0) closeSync(fd);
      try {
        unlinkSync(tmp);
      } catch {
        // already renamed or never created
      }
      throw new StoreError(`cannot write ${key}: ${(e as Error).message}`);
    }
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

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function acquireLock(dir: string): void {
  const lock = join(dir, 'LOCK');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new StoreError(`cannot lock ${dir}: ${(e as Error).message}`);
      const pid = Number(readFileSync(lock, 'utf8'));
      if (pid && isAlive(pid)) {
        throw new StoreError(`data directory ${dir} is in use by process ${pid}`);
      }
      unlinkSync(lock); // stale: its owner is gone
    }
  }
  throw new StoreError(`cannot lock ${dir}`);
}

function releaseLock(dir: string): void {
  try {
    const lock = join(dir, 'LOCK');
    if (Number(readFileSync(lock, 'utf8')) === process.pid) unlinkSync(lock);
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
