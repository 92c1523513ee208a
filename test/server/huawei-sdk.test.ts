// The foundation's acceptance test: `npm start`'s entry point as a real process on loopback, driven by
// Huawei's official @huaweicloud/huaweicloud-sdk-core client with the credentials from admin.json; then a
// restart on the same data directory.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { huaweiClient, type HuaweiClient } from '../helpers/huawei-sdk.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-e2e-'));
const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}) {
  const s = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir, ...env });
  running.push(s);
  return s;
}

function client(url: string): HuaweiClient {
  const admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
  return huaweiClient(url, admin.access_key, admin.secret_key, admin.project_id);
}

describe('npm start + Huawei SDK core over loopback', () => {
  const saved: { keyId?: string; disabled?: string; cipher?: string; cipherV1?: string; datakey?: { plain: string; cipher: string } } = {};

  it('starts with a fresh data directory: root key and admin credential, owner-only', async () => {
    // How fast it starts is measured by the benchmarks, not asserted here (timing is not a test on a shared machine).
    const s = await start();
    expect(s.output()).toContain(`created admin credential in ${join(dataDir, 'admin.json')}`);
    const admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
    expect(Object.keys(admin).sort()).toEqual(['access_key', 'project_id', 'secret_key']);
    for (const f of ['admin.json', 'root.key']) expect(statSync(join(dataDir, f)).mode & 0o077).toBe(0);
    const health = await fetch(`${s.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    // The tests' rig (test/helpers/kms.ts) runs on this same provider.
    expect((await health.json()).crypto).toBe('node');
  });

  it('creates a key, round-trips encrypt-data and data keys, and refuses what it must', async () => {
    const s = running[0];
    const hc = client(s.url);
    const created = await hc.call('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'e2e', key_spec: 'AES_256' });
    const keyId = created.key_info.key_id;
    saved.keyId = keyId;
    const enc = await hc.call('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: keyId, plain_text: 'hello world', additional_authenticated_data: 'ctx' });
    saved.cipherV1 = enc.cipher_text;
    const dec = await hc.call('POST', '/v1.0/{project_id}/kms/decrypt-data', { cipher_text: enc.cipher_text, additional_authenticated_data: 'ctx' });
    expect(dec.plain_text).toBe('hello world');
    expect(dec.plain_text_base64).toBe('aGVsbG8gd29ybGQ=');

    const dk = await hc.call('POST', '/v1.0/{project_id}/kms/create-datakey', { key_id: keyId, datakey_length: '512' });
    expect(dk.plain_text).toMatch(/^[0-9A-F]{128}$/);
    const back = await hc.call('POST', '/v1.0/{project_id}/kms/decrypt-datakey', { key_id: keyId, cipher_text: dk.cipher_text, datakey_cipher_length: '64' });
    expect(back.data_key).toBe(dk.plain_text);
    saved.datakey = { plain: dk.plain_text, cipher: dk.cipher_text };

    // One flipped bit: 400 with a KMS code that the Node SDK can read.
    const bytes = Buffer.from(enc.cipher_text, 'base64');
    bytes[bytes.length - 5] ^= 0x10;
    const flipped = await hc.fail('POST', '/v1.0/{project_id}/kms/decrypt-data', { cipher_text: bytes.toString('base64'), additional_authenticated_data: 'ctx' });
    expect(flipped.httpStatusCode).toBe(400);
    expect(flipped.errorCode).toMatch(/^KMS\.\d{4}$/);

    // Unsigned: 401 APIGW.0301.
    const unsigned = await fetch(`${s.url}/v1.0/${'0'.repeat(32)}/kms/list-keys`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ error_code: 'APIGW.0301' });
    expect(unsigned.headers.get('x-request-id')).toBeTruthy();

    // A disabled key refuses to encrypt with KMS.0209.
    const other = (await hc.call('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'e2e-disabled' })).key_info.key_id;
    saved.disabled = other;
    await hc.call('POST', '/v1.0/{project_id}/kms/disable-key', { key_id: other });
    const refused = await hc.fail('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: other, plain_text: 'x' });
    expect([refused.httpStatusCode, refused.errorCode]).toEqual([400, 'KMS.0209']);

    // Rotate, then encrypt under version 2 too.
    await hc.call('POST', '/v1.0/{project_id}/kms/rotate-on-demand', { key_id: keyId });
    saved.cipher = (await hc.call('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: keyId, plain_text: 'after rotation' })).cipher_text;
    await hc.call('POST', '/v1.0/{project_id}/kms/aliases', { key_id: keyId, alias: 'e2e-alias' });
  });

  it('keeps every key, state, version and alias across a restart', async () => {
    expect(await running[0].stop()).toBe(0);
    const s = await start();
    expect(s.output()).not.toContain('created admin credential');
    const hc = client(s.url);
    expect((await hc.call('POST', '/v1.0/{project_id}/kms/decrypt-data', { cipher_text: saved.cipherV1, additional_authenticated_data: 'ctx' })).plain_text).toBe('hello world');
    expect((await hc.call('POST', '/v1.0/{project_id}/kms/decrypt-data', { cipher_text: saved.cipher })).plain_text).toBe('after rotation');
    const back = await hc.call('POST', '/v1.0/{project_id}/kms/decrypt-datakey', { key_id: saved.keyId, cipher_text: saved.datakey!.cipher, datakey_cipher_length: '64' });
    expect(back.data_key).toBe(saved.datakey!.plain);
    expect((await hc.call('POST', '/v1.0/{project_id}/kms/describe-key', { key_id: saved.disabled })).key_info.key_state).toBe('3');
    const rot = await hc.call('POST', '/v1.0/{project_id}/kms/get-key-rotation-status', { key_id: saved.keyId });
    expect(rot.number_of_rotations).toBe(1);
    expect((await hc.call('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: 'alias/e2e-alias', plain_text: 'x' })).key_id).toBe(saved.keyId);
    expect(await s.stop()).toBe(0);
  });

  it('says so and exits 1 when its port is taken', async () => {
    const other = mkdtempSync(join(tmpdir(), 'edgekms-port-'));
    const first = await startNodeServer({ EDGEKMS_DATA_DIR: other });
    const port = new URL(first.url).port;
    try {
      const e = (await startNodeServer({ EDGEKMS_DATA_DIR: join(other, 'second'), PORT: port }).catch((x: Error) => x)) as Error;
      expect(e.message).toMatch(/exited with 1[\s\S]*cannot listen on 127\.0\.0\.1:\d+: the address is in use/);
    } finally {
      await first.stop();
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('refuses to start with a root key that does not protect the data directory, and a second owner', async () => {
    const wrong = Buffer.alloc(32, 9).toString('base64');
    await expect(start({ EDGEKMS_ROOT_KEY: wrong })).rejects.toThrow(/root key .* is not the one that protects this store/);
    await start();
    await expect(startNodeServer({ EDGEKMS_DATA_DIR: dataDir })).rejects.toThrow(/in use by process/);
  });
});
