// The file store's on-disk format and its real system calls: a record file that is damaged in any one
// field (with its checksum recomputed, so only the structure check can see it) stops the start-up naming
// the fault; names map to files as documented; leftover temp files are dropped; and the real file system
// (node:fs, not the fault-injecting wrapper of fsync-order.test.ts) fsyncs what the store writes.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FileStore, fileName } from '../../src/store/file.ts';
import { nodeFs, sameStamp } from '../../src/store/fs/fs.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';

const tempDir = tempDirs('format');
afterEach(() => vi.restoreAllMocks());

const te = (s: string) => new TextEncoder().encode(s);

/** A record file: EKS1 | u32 key length | key | u32 value length | value | SHA-256 of the preceding bytes. */
function recordFile(opts: { magic?: string; key: string; keyLength?: number; value: string; valueLength?: number }): Buffer {
  const k = Buffer.from(opts.key);
  const v = Buffer.from(opts.value);
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const body = Buffer.concat([Buffer.from(opts.magic ?? 'EKS1'), u32(opts.keyLength ?? k.length), k, u32(opts.valueLength ?? v.length), v]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

async function openWith(file: string, bytes: Uint8Array): Promise<string> {
  const dir = tempDir();
  await (await FileStore.open(dir)).close();
  writeFileSync(join(dir, 'store', file), bytes);
  try {
    await (await FileStore.open(dir)).close();
    return 'opened';
  } catch (e) {
    return (e as Error).message.replace(dir, '<dir>');
  }
}

describe('record files', () => {
  it('the format is what the store writes (control)', async () => {
    const dir = tempDir();
    const s = await FileStore.open(dir);
    await s.put('kms/a', te('value'));
    await s.close();
    expect(readFileSync(join(dir, 'store', fileName('kms/a'))).equals(recordFile({ key: 'kms/a', value: 'value' }))).toBe(true);
    expect(await openWith(fileName('kms/b'), recordFile({ key: 'kms/b', value: '' }))).toBe('opened');
  });

  it.each([
    ['too short', () => recordFile({ key: '', value: '' }).subarray(1), 'too short'],
    ['bad magic', () => recordFile({ magic: 'EKS2', key: 'kms/a', value: 'v' }), 'bad magic'],
    ['a key length past the end', () => recordFile({ key: 'kms/a', keyLength: 64, value: 'v' }), 'key length'],
    ['a key length one past the room for the value length', () => recordFile({ key: 'kms/a', keyLength: 7, value: 'v' }), 'key length'],
    ['a key length that leaves just the value length (then wrong)', () => recordFile({ key: 'kms/a', keyLength: 6, value: 'v' }), 'value length'],
    ['a value length one short', () => recordFile({ key: 'kms/a', value: 'vv', valueLength: 1 }), 'value length'],
    ['a value length one long', () => recordFile({ key: 'kms/a', value: 'vv', valueLength: 3 }), 'value length'],
  ])('%s stops the start-up, naming the file and the fault', async (_name, bytes, why) => {
    const message = await openWith(fileName('kms/a'), bytes());
    expect(message).toBe(`store file <dir>/store/${fileName('kms/a')} is damaged (${why}); restore it from a backup or remove it`);
  });

  it('the shortest record (empty key and value, 44 bytes) is not too short: its empty key is under the wrong name', async () => {
    const shortest = recordFile({ key: '', value: '' });
    expect(shortest).toHaveLength(44);
    expect(await openWith('x', shortest)).toBe('store file <dir>/store/x holds key "" under the wrong name');
  });

  it('a record under another key’s file name stops the start-up', async () => {
    expect(await openWith(fileName('kms/b'), recordFile({ key: 'kms/a', value: 'v' }))).toBe(
      `store file <dir>/store/${fileName('kms/b')} holds key "kms/a" under the wrong name`,
    );
  });

  it('an unfinished write (a .tmp file) is removed at start-up and the record beside it kept', async () => {
    const dir = tempDir();
    const s = await FileStore.open(dir);
    await s.put('kms/a', te('kept'));
    await s.close();
    writeFileSync(join(dir, 'store', `${fileName('kms/a')}.x1y2.tmp`), 'torn');
    const again = await FileStore.open(dir);
    expect(new TextDecoder().decode((await again.get('kms/a'))!.value)).toBe('kept');
    await again.close();
    expect(readdirSync(join(dir, 'store'))).toEqual([fileName('kms/a')]);
  });
});

describe('file names', () => {
  it('keeps safe characters, escapes the rest, and hashes names over 200 characters or starting with a dot', () => {
    const hashed = (key: string) => '#' + createHash('sha256').update(key).digest('hex');
    expect(fileName('kms/A b.c_d-e')).toBe('kms~2f~41~20b.c_d-e');
    expect(fileName('a'.repeat(200))).toBe('a'.repeat(200));
    expect(fileName('a'.repeat(201))).toBe(hashed('a'.repeat(201)));
    expect(fileName('.hidden')).toBe(hashed('.hidden'));
    expect(fileName('end.')).toBe('end.');
    expect(fileName('a\nb\u00e9')).toBe('a~0ab~c3~a9'); // escapes are two hex digits, even below 0x10
  });

  it('holdsData: a directory without records holds none; temp files are not records', async () => {
    const dir = tempDir();
    expect(await FileStore.holdsData(join(dir, 'missing'))).toBe(false);
    const s = await FileStore.open(dir);
    await s.close();
    expect(await FileStore.holdsData(dir)).toBe(false);
    writeFileSync(join(dir, 'store', 'x.abc.tmp'), '');
    expect(await FileStore.holdsData(dir)).toBe(false);
    writeFileSync(join(dir, 'store', 'x'), '');
    expect(await FileStore.holdsData(dir)).toBe(true);
    writeFileSync(join(dir, 'file'), ''); // not a directory: an error other than "no such file"
    await expect(FileStore.holdsData(join(dir, 'file'))).rejects.toThrow(new RegExp(`^cannot read ${join(dir, 'file', 'store')}: ENOTDIR`));
  });
});

describe('the real file system', () => {
  it('fsyncs the temp file and the directory on put, and the directory on delete', async () => {
    const probe = await open(join(tempDir(), 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { sync(): Promise<void> };
    await probe.close();
    const sync = vi.spyOn(proto, 'sync');
    const dir = tempDir();
    const s = await FileStore.open(dir);
    sync.mockClear();
    await s.put('kms/a', te('v'));
    expect(sync).toHaveBeenCalledTimes(2);
    await s.delete('kms/a');
    expect(sync).toHaveBeenCalledTimes(3);
    await s.close();
    expect(existsSync(join(dir, 'store', fileName('kms/a')))).toBe(false);
  });

  it('stamps: a missing file has none; a stamp differs when any of inode, size or mtime does', async () => {
    expect(await nodeFs.stamp(join(tempDir(), 'missing'))).toBeNull();
    await expect(nodeFs.stamp(join(tempDir(), 'missing', 'deeper\0'))).rejects.toThrow();
    const a = { ino: 1, size: 2, mtimeMs: 3 };
    expect(sameStamp(a, { ...a })).toBe(true);
    expect(sameStamp(null, null)).toBe(true);
    expect(sameStamp(a, null)).toBe(false);
    expect(sameStamp(null, a)).toBe(false);
    for (const f of ['ino', 'size', 'mtimeMs'] as const) expect([f, sameStamp(a, { ...a, [f]: 9 })]).toEqual([f, false]);
  });
});
