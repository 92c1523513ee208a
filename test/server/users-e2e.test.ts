// npm start with <data dir>/users.json: a user credential can do exactly what grants give it, and learns
// nothing about keys it has no part in.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseUsersFile } from '../../src/iam/users-file.ts';
import { huaweiClient } from '../helpers/huawei-sdk.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-users-'));
const servers: RunningServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('users.json', () => {
  it('says a damaged file is not JSON without quoting any of it (the text holds secret keys)', () => {
    const damaged = '[{"access_key":"APPUSERAK01","secret_key":LeakedSecretKey0001}]';
    expect(() => parseUsersFile(damaged)).toThrow(/^users file is not JSON$/);
  });

  it('npm start refuses a damaged admin.json naming the file, without quoting the secret key in it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgekms-badadmin-'));
    try {
      const first = await startNodeServer({ EDGEKMS_DATA_DIR: dir });
      await first.stop();
      writeFileSync(join(dir, 'admin.json'), '{"access_key":"AK","secret_key":LeakedSecretKey0001,"project_id":"p"}');
      const e = (await startNodeServer({ EDGEKMS_DATA_DIR: dir }).catch((x: Error) => x)) as Error;
      expect(e).toBeInstanceOf(Error);
      expect(e.message).toContain(`${join(dir, 'admin.json')} is not valid JSON`);
      expect(e.message).not.toContain('Leaked');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects malformed entries with their index', () => {
    expect(() => parseUsersFile('{}')).toThrow(/array/);
    expect(() => parseUsersFile('[{"access_key":"short"}]')).toThrow(/entry 0: access_key/);
    const ok = { access_key: 'APPUSERAK01', secret_key: 'x'.repeat(20), principal: 'app1', projects: ['p1'] };
    expect(() => parseUsersFile(JSON.stringify([ok, ok]))).toThrow(/entry 1: access_key APPUSERAK01 is used twice/);
    expect(() => parseUsersFile(JSON.stringify([{ ...ok, principal: 'admin' }]))).toThrow(/administrator/);
    expect(parseUsersFile(JSON.stringify([ok]))[0]).toMatchObject({ principal: 'app1', role: 'user', projects: ['p1'] });
  });

  it('gives a user credential exactly the granted operations on the granted key', async () => {
    servers.push(await startNodeServer({ EDGEKMS_DATA_DIR: dataDir }));
    const admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
    await servers[0].stop();
    const user = { access_key: 'APPUSERAK0000000001', secret_key: 'AppUserSecretKey000000000000000000000000', principal: 'app1', projects: [admin.project_id] };
    writeFileSync(join(dataDir, 'users.json'), JSON.stringify([user]), { mode: 0o600 });
    const s = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir });
    servers.push(s);
    expect(s.output()).toContain('1 user credential(s)');
    const asAdmin = huaweiClient(s.url, admin.access_key, admin.secret_key, admin.project_id);
    const asUser = huaweiClient(s.url, user.access_key, user.secret_key, admin.project_id);
    const post = (c: typeof asAdmin, op: string, body: object) => c.call('POST', `/v1.0/{project_id}/kms/${op}`, body);
    const granted = (await post(asAdmin, 'create-key', { key_alias: 'shared' })).key_info.key_id;
    const other = (await post(asAdmin, 'create-key', { key_alias: 'private' })).key_info.key_id;
    await post(asAdmin, 'create-grant', { key_id: granted, grantee_principal: 'app1', operations: ['encrypt-data', 'decrypt-data'] });

    const enc = await post(asUser, 'encrypt-data', { key_id: granted, plain_text: 'user data' });
    expect((await post(asUser, 'decrypt-data', { cipher_text: enc.cipher_text })).plain_text).toBe('user data');
    const denied = [
      await asUser.fail('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: other, plain_text: 'x' }),
      await asUser.fail('POST', '/v1.0/{project_id}/kms/disable-key', { key_id: granted }),
      await asUser.fail('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'mine' }),
    ];
    expect(denied.map((e) => e.httpStatusCode)).toEqual([403, 403, 403]);
    expect(denied.map((e) => e.errorCode)).toEqual(['KMS.0306', 'KMS.0307', 'KMS.0307']);
    // retire-grant tells a user nothing about keys it has no part in: one 403 for an existing key and a missing one.
    const retire = (key_id: string) => asUser.fail('POST', '/v1.0/{project_id}/kms/retire-grant', { key_id, grant_id: 'a'.repeat(64) });
    const [onExisting, onMissing] = [await retire(other), await retire('00000000-0000-0000-0000-000000000000')];
    expect([onExisting.httpStatusCode, onExisting.errorCode, onExisting.errorMsg]).toEqual([403, 'KMS.0306', onMissing.errorMsg]);
    expect([onMissing.httpStatusCode, onMissing.errorCode]).toEqual([403, 'KMS.0306']);
    // A grantee holding create-grant cannot make a domain grant (it would cover every principal).
    const domain = (await post(asAdmin, 'describe-key', { key_id: granted })).key_info.domain_id;
    await post(asAdmin, 'create-grant', { key_id: granted, grantee_principal: 'app1', operations: ['create-grant', 'describe-key'] });
    const domainGrant = await asUser.fail('POST', '/v1.0/{project_id}/kms/create-grant', { key_id: granted, grantee_principal: domain, grantee_principal_type: 'domain', operations: ['describe-key'] });
    expect([domainGrant.httpStatusCode, domainGrant.errorCode]).toEqual([403, 'KMS.0306']);
    // Another project is out of reach for the user altogether.
    const elsewhere = huaweiClient(s.url, user.access_key, user.secret_key, 'ffffffffffffffffffffffffffffffff');
    expect((await elsewhere.fail('POST', '/v1.0/{project_id}/kms/list-keys', {})).httpStatusCode).toBe(403);
  });
});
