// The Store contract, run against every backend, and the file store's durability: crash mid-write,
// corruption detection, single-owner locking.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStore, fileName } from '../../src/store/file.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { ConflictError, StoreError, getJson, listAll, putJson, storeFailureMessage, type Store } from '../../src/store/store.ts';
import { FaultyFs } from '../helpers/faulty-fs.ts';
// @ts-expect-error plain ESM helper without types
import { bundle } from '../../scripts/bundle.mjs';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'edgekms-store-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const te = (s: string) => new TextEncoder().encode(s);
const td = (b: Uint8Array) => new TextDecoder().decode(b);

const backends: [string, () => Promise<Store>][] = [
  ['memory', async () => new MemoryStore()],
  ['file', () => FileStore.open(tempDir())],
];

for (const [name, open] of backends) {
  describe(`Store contract: ${name}`, () => {
    it('gets what it puts, copies values, and deletes', async () => {
      const s = await open();
      expect(await s.get('a')).toBeNull();
      const v = te('hello');
      const ver = await s.put('a', v);
      v[0] = 0; // mutating the caller's buffer must not change the stored value
      const got = await s.get('a');
      expect(td(got!.value)).toBe('hello');
      expect(got!.version).toBe(ver);
      got!.value[0] = 0;
      expect(td((await s.get('a'))!.value)).toBe('hello');
      expect(await s.delete('a')).toBe(true);
      expect(await s.delete('a')).toBe(false);
      expect(await s.get('a')).toBeNull();
      await s.close?.();
    });

    it('compare-and-set: create-only and version match', async () => {
      const s = await open();
      const v1 = await s.put('k', te('1'), { ifVersion: null });
      await expect(s.put('k', te('x'), { ifVersion: null })).rejects.toBeInstanceOf(ConflictError);
      const v2 = await s.put('k', te('2'), { ifVersion: v1 });
      expect(v2).not.toBe(v1);
      await expect(s.put('k', te('x'), { ifVersion: v1 })).rejects.toBeInstanceOf(ConflictError);
      await expect(s.delete('k', { ifVersion: v1 })).rejects.toBeInstanceOf(ConflictError);
      expect(td((await s.get('k'))!.value)).toBe('2');
      await s.delete('k', { ifVersion: v2 });
      expect(await s.get('k')).toBeNull();
      // A version for a key that is not there is a conflict too (not a crash).
      await expect(s.put('k', te('x'), { ifVersion: v2 })).rejects.toBeInstanceOf(ConflictError);
      await expect(s.delete('k', { ifVersion: v2 })).rejects.toBeInstanceOf(ConflictError);
      await s.close?.();
    });

    it('concurrent compare-and-set: exactly one writer wins', async () => {
      const s = await open();
      const v = await s.put('race', te('0'));
      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => s.put('race', te(String(i)), { ifVersion: v })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof ConflictError)).toHaveLength(9);
      await s.close?.();
    });

    it('lists by prefix in byte order with cursors', async () => {
      const s = await open();
      const keys = Array.from({ length: 25 }, (_, i) => `p/${String(i).padStart(3, '0')}`);
      for (const k of [...keys].reverse()) await s.put(k, te(k));
      await s.put('q/other', te('x'));
      await s.put('p', te('exact prefix is not under p/'));
      const page1 = await s.list('p/', { limit: 10 });
      expect(page1.keys).toEqual(keys.slice(0, 10));
      const page2 = await s.list('p/', { limit: 10, cursor: page1.cursor });
      expect(page2.keys).toEqual(keys.slice(10, 20));
      const page3 = await s.list('p/', { limit: 10, cursor: page2.cursor });
      expect(page3.keys).toEqual(keys.slice(20));
      expect(page3.cursor).toBeUndefined();
      expect(await listAll(s, 'p/')).toEqual(keys);
      expect((await s.list('zzz')).keys).toEqual([]);
      // A removal, and a key put back, after the index was built: the listing follows both.
      await s.delete('p/003');
      await s.put('p/003', te('back'));
      await s.delete('p/007');
      expect(await listAll(s, 'p/')).toEqual(keys.filter((k) => k !== 'p/007'));
      await s.close?.();
    });

    it('rejects empty and over-long keys', async () => {
      const s = await open();
      await expect(s.put('', te('x'))).rejects.toBeInstanceOf(StoreError);
      await expect(s.put('k'.repeat(513), te('x'))).rejects.toBeInstanceOf(StoreError);
      await s.close?.();
    });

    it('keys: up to 512 UTF-8 bytes, counted as bytes; refusals say why', async () => {
      const s = await open();
      expect(s.exclusive).toBe(true); // this process is the only writer of both
      await s.put('k'.repeat(512), te('x'));
      await s.put('é'.repeat(256), te('x')); // 512 bytes in 256 characters
      await expect(s.put('é'.repeat(256) + 'a', te('x'))).rejects.toThrow(/^store key longer than 512 bytes$/);
      await expect(s.put('', te('x'))).rejects.toThrow(/^store key must be a non-empty string$/);
      await expect(s.put(42 as unknown as string, te('x'))).rejects.toThrow(/^store key must be a non-empty string$/);
      await s.put('k', te('1'));
      const conflict = await s.put('k', te('2'), { ifVersion: null }).catch((e: unknown) => e);
      expect(conflict).toBeInstanceOf(ConflictError);
      const c = conflict as ConflictError;
      expect([c.name, c.key, c.message]).toEqual(['ConflictError', 'k', 'concurrent modification of k']);
      await s.close?.();
    });
  });
}

describe('store helpers', () => {
  it('a StoreError is not an unknown outcome nor shown to callers unless it says so; callers are told which', () => {
    const plain = new StoreError('disk on fire /data/store/x');
    expect([plain.name, plain.unknownOutcome, plain.shownToCaller]).toEqual(['StoreError', false, false]);
    expect(storeFailureMessage(plain)).toBe('The key store failed; the operation did not complete. Try again.');
    expect(storeFailureMessage(new StoreError('after the rename', true))).toBe(
      'The key store failed after the change was written; it may or may not have taken effect. Check before retrying.',
    );
    expect(storeFailureMessage(new StoreError('record kms/x failed its check', true, true))).toBe('record kms/x failed its check');
  });

  it('getJson and putJson carry a JSON value and its version; listAll follows cursors past one page', async () => {
    const s = new MemoryStore();
    expect(await getJson(s, 'j')).toBeNull();
    const version = await putJson(s, 'j', { a: [1, 'é'] });
    expect(await getJson(s, 'j')).toEqual({ value: { a: [1, 'é'] }, version });
    await expect(putJson(s, 'j', {}, { ifVersion: null })).rejects.toBeInstanceOf(ConflictError);
    const keys = Array.from({ length: 1001 }, (_, i) => `p/${String(i).padStart(4, '0')}`);
    for (const k of keys) await s.put(k, te(''));
    expect(await listAll(s, 'p/')).toEqual(keys);
  });
});

describe('FileStore durability', () => {
  it('keeps everything across close and reopen, including odd keys', async () => {
    const dir = tempDir();
    const a = await FileStore.open(dir);
    const odd = ['kms/p/name/Mixed:Case/x_y-z', 'unicode/ключ', 'long/' + 'x'.repeat(400), '.hidden'];
    for (const k of odd) await a.put(k, te(k));
    await a.close();
    const b = await FileStore.open(dir);
    for (const k of odd) expect(td((await b.get(k))!.value)).toBe(k);
    await b.close();
  });

  it('allows one owner per directory', async () => {
    const dir = tempDir();
    const a = await FileStore.open(dir);
    await expect(FileStore.open(dir)).rejects.toThrow(/in use by process/);
    await a.close();
    const b = await FileStore.open(dir);
    await b.close();
  });

  it('refuses to start on a damaged file, naming it', async () => {
    const dir = tempDir();
    const a = await FileStore.open(dir);
    await a.put('kms/x', te('precious'));
    await a.close();
    const path = join(dir, 'store', fileName('kms/x'));
    const bytes = readFileSync(path);
    bytes[bytes.length - 40] ^= 1;
    writeFileSync(path, bytes);
    await expect(FileStore.open(dir)).rejects.toThrow(/damaged.*checksum/);
  });

  it('a failure between write and rename leaves the old value and no temp file', async () => {
    const dir = tempDir();
    const fs = new FaultyFs();
    const s = await FileStore.open(dir, { fs });
    await s.put('k', te('old'));
    fs.arm(0);
    await s.put('k', te('x'));
    const rename = fs.calls.findIndex((c) => c.startsWith('rename')) + 1;
    fs.arm(rename, 'fail');
    await expect(s.put('k', te('new'))).rejects.toBeInstanceOf(StoreError);
    expect(fs.hit).toBe(true);
    expect(td((await s.get('k'))!.value)).toBe('x');
    expect(readdirSync(join(dir, 'store')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await s.close();
    const again = await FileStore.open(dir);
    expect(td((await again.get('k'))!.value)).toBe('x');
    await again.close();
  });

  it('survives SIGKILL in the middle of writing: every acknowledged write is there, nothing is torn', async () => {
    const dir = tempDir();
    const script = await bundle('test/helpers/file-store-writer.ts', 'file-store-writer.mjs');
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      let acked = 0;
      let buffered = '';
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (d: Buffer) => {
          buffered += d.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop()!;
          for (const l of lines) acked = Math.max(acked, Number(l));
          if (acked >= 40 + round * 13) {
            child.kill('SIGKILL');
          }
        });
        child.on('exit', () => resolve());
      });
      expect(acked).toBeGreaterThan(0);
      // The dead writer's OS lock went with it: opening takes the directory and drops unfinished temp files.
      const s = await FileStore.open(dir);
      const counter = await s.get('crash/counter');
      const n = new DataView(counter!.value.buffer, counter!.value.byteOffset).getFloat64(0);
      expect(n).toBeGreaterThanOrEqual(acked);
      expect(counter!.value.length).toBe(8 + 32 * 1024);
      for (const k of await listAll(s, 'crash/item/')) {
        const v = (await s.get(k))!.value;
        expect(v.length).toBe(8 + 32 * 1024);
        expect(v.subarray(8).every((b) => b === 0x61)).toBe(true);
      }
      expect(readdirSync(join(dir, 'store')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      await s.close();
    }
    // LOCK stays (removing a locked file would let two owners lock two files); a clean close empties it.
    expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toBe('');
  });
});
