// npm start and its data directory: root.key and admin.json are complete files, and a root-key mistake on
// an existing deployment is refused before anything is written.
import { existsSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { huaweiClient } from '../helpers/huawei-sdk.ts';
import { startNodeServer } from '../helpers/node-server.ts';
import { readStoreFile, storeKeys, writeStoreFile } from '../helpers/store-files.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';

const tempDir = tempDirs('datadir');

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

  it('a store written before records were sealed is refused until the operator has it sealed, then serves its keys', async () => {
    const dir = tempDir();
    const env = { EDGEKMS_DATA_DIR: dir, EDGEKMS_ADMIN_AK: 'LEGACYADMIN000000001', EDGEKMS_ADMIN_SK: 'LegacyAdminSecret000000000000000000000', EDGEKMS_PROJECT_ID: 'legacy' };
    let s = await startNodeServer(env);
    let client = huaweiClient(s.url, env.EDGEKMS_ADMIN_AK, env.EDGEKMS_ADMIN_SK, 'legacy');
    const id = (await client.call('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'old' })).key_info.key_id;
    const ct = (await client.call('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: id, plain_text: 'from before' })).cipher_text;
    await s.stop();
    // What an edgekms without the barrier wrote: the same records, no seal.
    const keys = storeKeys(dir);
    for (const k of keys) writeStoreFile(dir, k, readStoreFile(dir, k).subarray(36));

    const out = await refusedStart(env);
    expect(out).toContain('did not seal its records yet');
    expect(out).toContain('EDGEKMS_SEAL_EXISTING_STORE=1');
    s = await startNodeServer({ ...env, EDGEKMS_SEAL_EXISTING_STORE: '1' });
    expect(s.output()).toContain(`sealed ${keys.length} record(s)`);
    await s.stop();
    s = await startNodeServer(env);
    client = huaweiClient(s.url, env.EDGEKMS_ADMIN_AK, env.EDGEKMS_ADMIN_SK, 'legacy');
    expect((await client.call('POST', '/v1.0/{project_id}/kms/decrypt-data', { cipher_text: ct })).plain_text).toBe('from before');
    await s.stop();
    for (const k of keys) expect(readStoreFile(dir, k).subarray(0, 4).toString()).toBe('EKB1');
  });
});
