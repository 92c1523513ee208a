// npm start and its data directory: root.key and admin.json are complete files, and a root-key mistake on
// an existing deployment is refused before anything is written.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNodeServer } from '../helpers/node-server.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'edgekms-datadir-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Starting must fail; returns its output. */
async function refusedStart(env: Record<string, string | undefined>): Promise<string> {
  const e = await startNodeServer(env).then(
    async (s) => {
      await s.stop();
      throw new Error('the server started');
    },
    (err: Error) => err,
  );
  return e.message;
}

const listing = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();

describe('data directory at start-up', () => {
  it('creates root.key and admin.json as complete owner-only files, and no temp file', async () => {
    const dir = tempDir();
    const s = await startNodeServer({ EDGEKMS_DATA_DIR: dir });
    await s.stop();
    expect(Buffer.from(readFileSync(join(dir, 'root.key'), 'utf8').trim(), 'base64')).toHaveLength(32);
    expect(JSON.parse(readFileSync(join(dir, 'admin.json'), 'utf8'))).toMatchObject({ access_key: expect.any(String), secret_key: expect.any(String) });
    expect(listing(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    for (const f of ['root.key', 'admin.json']) expect((await import('node:fs')).statSync(join(dir, f)).mode & 0o777).toBe(0o600);
  });

  it('refuses a deleted root.key before writing anything, and says how to recover', async () => {
    const dir = tempDir();
    const s = await startNodeServer({ EDGEKMS_DATA_DIR: dir });
    await s.stop();
    const key = readFileSync(join(dir, 'root.key'));
    unlinkSync(join(dir, 'root.key'));
    rmSync(join(dir, 'LOCK'), { force: true });
    const before = listing(dir);
    const out = await refusedStart({ EDGEKMS_DATA_DIR: dir });
    expect(out).toContain(`the data directory ${dir} holds a deployment but not its root key`);
    expect(out).toContain('Restore root.key from your backup');
    expect(listing(dir)).toEqual(before);
    expect(existsSync(join(dir, 'root.key'))).toBe(false);
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
    // Restored, it starts again.
    (await import('node:fs')).writeFileSync(join(dir, 'root.key'), key, { mode: 0o600 });
    await (await startNodeServer({ EDGEKMS_DATA_DIR: dir })).stop();
  });

  it('refuses a missing EDGEKMS_ROOT_KEY for a deployment made with it, writing nothing', async () => {
    const dir = tempDir();
    const rootKey = Buffer.alloc(32, 5).toString('base64');
    await (await startNodeServer({ EDGEKMS_DATA_DIR: dir, EDGEKMS_ROOT_KEY: rootKey })).stop();
    expect(existsSync(join(dir, 'root.key'))).toBe(false);
    rmSync(join(dir, 'LOCK'), { force: true });
    const before = listing(dir);
    const out = await refusedStart({ EDGEKMS_DATA_DIR: dir, EDGEKMS_ROOT_KEY: '' });
    expect(out).toContain('EDGEKMS_ROOT_KEY is not set');
    expect(listing(dir)).toEqual(before);
  });

  it('refuses an empty root.key, naming the file', async () => {
    const dir = tempDir();
    await (await startNodeServer({ EDGEKMS_DATA_DIR: dir })).stop();
    (await import('node:fs')).writeFileSync(join(dir, 'root.key'), '');
    expect(await refusedStart({ EDGEKMS_DATA_DIR: dir })).toContain(`${join(dir, 'root.key')} does not hold a base64 32-byte key`);
  });
});
