// Durability of the file store, read from the file-system calls it makes (test/helpers/faulty-fs.ts records
// them as "call basename"): a put writes a temp file and fsyncs it before renaming it over the record, then
// fsyncs the directory; a delete fsyncs the directory after the unlink. Without these a crash can lose an
// acknowledged write or leave an empty file, which no in-process read would notice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStore, fileName } from '../../src/store/file.ts';
import { FaultyFs } from '../helpers/faulty-fs.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function recorded() {
  const dir = mkdtempSync(join(tmpdir(), 'edgekms-fsync-'));
  dirs.push(dir);
  const fs = new FaultyFs();
  const store = await FileStore.open(dir, { fs });
  return { fs, store };
}

/** fsync calls on something that is neither a record nor a temp file: the records' directory. */
const isDirSync = (c: string, file: string) => c.startsWith('fsync ') && !c.includes(file);

describe('file store durability order', () => {
  it('put: the temp file is fsynced after its last write and before the rename; the directory after the rename', async () => {
    const { fs, store } = await recorded();
    await store.put('kms/a', new TextEncoder().encode('old'));
    fs.arm(0);
    await store.put('kms/a', new TextEncoder().encode('new'));
    const file = fileName('kms/a');
    const calls = [...fs.calls];
    const log = calls.join(', ');
    const rename = calls.indexOf(`rename ${file}`);
    expect(rename, log).toBeGreaterThan(0);
    const tmp = calls.find((c) => c.startsWith(`open ${file}.`) && c.endsWith('.tmp'))?.slice('open '.length);
    expect(tmp, log).toBeDefined();
    const syncTmp = calls.indexOf(`fsync ${tmp}`);
    expect(syncTmp, `temp file fsynced: ${log}`).toBeGreaterThan(calls.lastIndexOf(`write ${tmp}`));
    expect(syncTmp, `before the rename: ${log}`).toBeLessThan(rename);
    expect(calls.slice(rename + 1).some((c) => isDirSync(c, file)), `directory fsynced after the rename: ${log}`).toBe(true);
    await store.close();
  });

  it('delete: the directory is fsynced after the unlink', async () => {
    const { fs, store } = await recorded();
    await store.put('kms/b', new TextEncoder().encode('x'));
    fs.arm(0);
    await store.delete('kms/b');
    const file = fileName('kms/b');
    const calls = [...fs.calls];
    const unlink = calls.indexOf(`unlink ${file}`);
    expect(unlink, calls.join(', ')).toBeGreaterThanOrEqual(0);
    expect(calls.slice(unlink + 1).some((c) => isDirSync(c, file)), `directory fsynced after the unlink: ${calls.join(', ')}`).toBe(true);
    await store.close();
  });
});
