// Someone who can write the data directory but does not hold the root key edits store files while the
// server is down, in every way a review did: an RSA key's public key swapped for theirs, a grant injected
// for an outside user, a disabled key's state set back to enabled, one key's record copied over another's
// name, and a record stripped of its seal. After a restart (npm start, over loopback HTTP) each tampered
// key is refused with an error naming its record; untouched keys keep working.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { huaweiClient } from '../helpers/huawei-sdk.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';
import { editSealedJson, readStoreFile, writeStoreFile } from '../helpers/store-files.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-tamper-'));
const servers: RunningServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const PROJECT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const ADMIN = { ak: 'TAMPERADMIN000000001', sk: 'TamperAdminSecret0000000000000000000000' };
const OUTSIDER = { access_key: 'OUTSIDERAK000000001', secret_key: 'OutsiderSecretKey0000000000000000000000', principal: 'outsider', projects: [PROJECT] };
const env = { EDGEKMS_DATA_DIR: dataDir, EDGEKMS_ADMIN_AK: ADMIN.ak, EDGEKMS_ADMIN_SK: ADMIN.sk, EDGEKMS_PROJECT_ID: PROJECT };
const keyPath = (id: string) => `kms/${PROJECT}/key/${id}`;

describe('store files edited without the root key', () => {
  it('refuses every tampered record with an error naming it, and keeps serving the rest', async () => {
    writeFileSync(join(dataDir, 'users.json'), JSON.stringify([OUTSIDER]), { mode: 0o600 });
    let s = await startNodeServer(env);
    servers.push(s);
    const admin = huaweiClient(s.url, ADMIN.ak, ADMIN.sk, PROJECT);
    const post = (c: typeof admin, op: string, body: object) => c.call('POST', `/v1.0/{project_id}/kms/${op}`, body);
    const create = async (body: object) => (await post(admin, 'create-key', body)).key_info.key_id as string;
    const rsa = await create({ key_alias: 'rsa-enc', key_spec: 'RSA_2048', key_usage: 'ENCRYPT_DECRYPT' });
    const secret = await create({ key_alias: 'secret' });
    const disabled = await create({ key_alias: 'disabled' });
    const victim = await create({ key_alias: 'victim' });
    const donor = await create({ key_alias: 'donor' });
    const stripped = await create({ key_alias: 'stripped' });
    const untouched = await create({ key_alias: 'untouched' });
    await post(admin, 'disable-key', { key_id: disabled });
    const secretCt = (await post(admin, 'encrypt-data', { key_id: secret, plain_text: 'for admins only' })).cipher_text;
    const untouchedCt = (await post(admin, 'encrypt-data', { key_id: untouched, plain_text: 'still fine' })).cipher_text;
    await s.stop();

    // The edits, each with a correct file checksum.
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const edit = (id: string, change: (r: any) => void) => writeStoreFile(dataDir, keyPath(id), editSealedJson(readStoreFile(dataDir, keyPath(id)), change));
    edit(rsa, (r) => (r.versions[0].publicKey = attacker));
    edit(secret, (r) =>
      (r.grants = [{ id: 'a'.repeat(64), grantee: 'outsider', granteeType: 'user', operations: ['decrypt-data'], issuer: 'admin', createdAt: Date.now() }]),
    );
    edit(disabled, (r) => (r.state = '2'));
    writeStoreFile(dataDir, keyPath(victim), readStoreFile(dataDir, keyPath(donor))); // the donor's sealed record under the victim's name
    writeStoreFile(dataDir, keyPath(stripped), readStoreFile(dataDir, keyPath(stripped)).subarray(36)); // the JSON alone, no seal

    s = await startNodeServer(env);
    servers.push(s);
    const admin2 = huaweiClient(s.url, ADMIN.ak, ADMIN.sk, PROJECT);
    const outsider = huaweiClient(s.url, OUTSIDER.access_key, OUTSIDER.secret_key, PROJECT);
    const refused = async (c: typeof admin2, op: string, body: object, id: string) => {
      const e = await c.fail('POST', `/v1.0/{project_id}/kms/${op}`, body);
      expect(e.httpStatusCode).toBe(500);
      expect(e.errorCode).toBe('KMS.0102');
      expect(e.errorMsg).toContain(`store record ${keyPath(id)} failed its integrity check`);
      return e;
    };
    await refused(admin2, 'encrypt-data', { key_id: rsa, plain_text: 'x', encryption_algorithm: 'RSAES_OAEP_SHA_256' }, rsa);
    await refused(admin2, 'get-publickey', { key_id: rsa }, rsa);
    const e = await refused(outsider, 'decrypt-data', { cipher_text: secretCt }, secret);
    expect(JSON.stringify(e)).not.toContain('for admins only');
    await refused(admin2, 'encrypt-data', { key_id: disabled, plain_text: 'x' }, disabled);
    await refused(admin2, 'describe-key', { key_id: victim }, victim);
    await refused(admin2, 'describe-key', { key_id: stripped }, stripped);
    expect(await refused(admin2, 'describe-key', { key_id: stripped }, stripped).then((x) => x.errorMsg)).toContain('carries no seal');

    // The donor itself and the untouched key are fine.
    expect((await post(admin2, 'describe-key', { key_id: donor })).key_info.key_alias).toBe('donor');
    expect((await post(admin2, 'decrypt-data', { cipher_text: untouchedCt })).plain_text).toBe('still fine');
    expect(s.output()).toContain(`store record ${keyPath(rsa)} failed its integrity check`);
  });
});
