// Acceptance test for the KMS's features: `npm start`'s entry point as a real process on loopback, driven
// by Huawei's official @huaweicloud/huaweicloud-sdk-core client: asymmetric keys (RSA_4096 generated while other
// requests are answered), sign / verify and RSA-OAEP checked with node:crypto, data key pairs, HMAC,
// grants, tags, import of key material, quotas from EDGEKMS_QUOTA_*; a restart on the same data
// directory keeps all of it. Every test makes the keys it uses, and the two that need a data directory
// of their own (the quota test fills its key quota, the restart test stops its server) get one, so any
// test can run alone or in any order.
import { constants, createHash, createPrivateKey, createPublicKey, publicEncrypt, randomBytes, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { huaweiClient, type HuaweiClient } from '../helpers/huawei-sdk.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const dataDirs: string[] = [];
const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

const QUOTA_KEYS = 14;
const QUOTA_GRANTS = 2;

function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgekms-e2e3-'));
  dataDirs.push(dir);
  return dir;
}

async function start(dataDir: string): Promise<{ hc: HuaweiClient; server: RunningServer }> {
  const server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir, EDGEKMS_QUOTA_KEYS: String(QUOTA_KEYS), EDGEKMS_QUOTA_GRANTS_PER_KEY: String(QUOTA_GRANTS) });
  running.push(server);
  const admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
  return { hc: huaweiClient(server.url, admin.access_key, admin.secret_key, admin.project_id), server };
}

const K = '/v1.0/{project_id}/kms';
const b64 = (b: Uint8Array | string) => Buffer.from(b as Uint8Array).toString('base64');

describe('KMS features over npm start + Huawei SDK core', () => {
  // The keys of the shared server, made before any test: each test adds only keys of its own.
  const saved: Record<string, string> = {};
  let hc: HuaweiClient;
  const post = <T = any>(action: string, body: unknown) => hc.call<T>('POST', `${K}/${action}`, body);
  const fail = (action: string, body: unknown) => hc.fail('POST', `${K}/${action}`, body);

  beforeAll(async () => {
    ({ hc } = await start(newDataDir()));
    saved.aes = (await post('create-key', { key_alias: 'e3-aes' })).key_info.key_id;
    saved.ec = (await post('create-key', { key_alias: 'e3-ec', key_spec: 'EC_P384' })).key_info.key_id;
  });

  it('generates an RSA_4096 key while other requests are answered', async () => {
    // That generation leaves the event loop free is checked in-process (test/crypto/keypair.test.ts),
    // without timing; here the requests made meanwhile must all be answered correctly.
    const big = post('create-key', { key_alias: 'e3-rsa4096', key_spec: 'RSA_4096' });
    for (let i = 0; i < 6; i++) {
      const enc = await post('encrypt-data', { key_id: saved.aes, plain_text: `while generating ${i}` });
      expect((await post('decrypt-data', { cipher_text: enc.cipher_text })).plain_text).toBe(`while generating ${i}`);
    }
    const created = await big;
    saved.rsa4096 = created.key_info.key_id;
    const pub = createPublicKey((await post('get-publickey', { key_id: saved.rsa4096 })).public_key);
    expect(pub.asymmetricKeyDetails?.modulusLength).toBe(4096);
  });

  it('signs and verifies (RSA PSS / PKCS#1, ECDSA), checked by node:crypto; refuses bad digests and disabled keys', async () => {
    const rsa = (await post('create-key', { key_alias: 'e3-rsa', key_spec: 'RSA_2048', key_usage: 'SIGN_VERIFY' })).key_info.key_id;
    const ec = saved.ec;
    const message = Buffer.from('signed over loopback');
    const rsaPub = createPublicKey((await post('get-publickey', { key_id: rsa })).public_key);
    const ecPub = createPublicKey((await post('get-publickey', { key_id: ec })).public_key);

    const pss = await post('sign', { key_id: rsa, message: b64(createHash('sha256').update(message).digest()), signing_algorithm: 'RSASSA_PSS_SHA_256' });
    expect(nodeVerify('sha256', message, { key: rsaPub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, Buffer.from(pss.signature, 'base64'))).toBe(true);
    const pkcs1 = await post('sign', { key_id: rsa, message: b64(message), message_type: 'RAW', signing_algorithm: 'RSASSA_PKCS1_V1_5_SHA_512' });
    expect(nodeVerify('sha512', message, rsaPub, Buffer.from(pkcs1.signature, 'base64'))).toBe(true);
    const ecdsa = await post('sign', { key_id: ec, message: b64(createHash('sha384').update(message).digest()), signing_algorithm: 'ECDSA_SHA_384' });
    expect(nodeVerify('sha384', message, ecPub, Buffer.from(ecdsa.signature, 'base64'))).toBe(true);
    const ok = await post('verify', { key_id: ec, message: b64(createHash('sha384').update(message).digest()), signing_algorithm: 'ECDSA_SHA_384', signature: ecdsa.signature });
    expect(ok).toMatchObject({ key_id: ec, signature_valid: 'true' });
    const bad = await post('verify', { key_id: ec, message: b64(createHash('sha384').update('other').digest()), signing_algorithm: 'ECDSA_SHA_384', signature: ecdsa.signature });
    expect(bad.signature_valid).toBe('false');

    const short = await fail('sign', { key_id: rsa, message: b64(Buffer.alloc(20)), signing_algorithm: 'RSASSA_PSS_SHA_256' });
    expect([short.httpStatusCode, short.errorCode]).toEqual([400, 'KMS.0308']);
    const unknown = await fail('sign', { key_id: rsa, message: b64(Buffer.alloc(32)), signing_algorithm: 'RSASSA_PSS_SHA_224' });
    expect([unknown.httpStatusCode, unknown.errorCode]).toEqual([400, 'KMS.0308']);
    await post('disable-key', { key_id: rsa });
    const disabled = await fail('sign', { key_id: rsa, message: b64(Buffer.alloc(32)), signing_algorithm: 'RSASSA_PSS_SHA_256' });
    expect([disabled.httpStatusCode, disabled.errorCode]).toEqual([400, 'KMS.0209']);
  });

  it('decrypts RSA-OAEP ciphertexts made offline; creates data key pairs', async () => {
    const enc = (await post('create-key', { key_alias: 'e3-oaep', key_spec: 'RSA_3072', key_usage: 'ENCRYPT_DECRYPT' })).key_info.key_id;
    const pub = createPublicKey((await post('get-publickey', { key_id: enc })).public_key);
    const ct = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from('sealed offline'));
    const dec = await post('decrypt-data', { key_id: enc, cipher_text: b64(ct), encryption_algorithm: 'RSAES_OAEP_SHA_256' });
    expect([dec.plain_text, dec.plain_text_base64]).toEqual(['sealed offline', b64('sealed offline')]);
    await post('schedule-key-deletion', { key_id: enc, pending_days: '7' });
    const pending = await fail('decrypt-data', { key_id: enc, cipher_text: b64(ct), encryption_algorithm: 'RSAES_OAEP_SHA_256' });
    expect([pending.httpStatusCode, pending.errorCode]).toEqual([400, 'KMS.0210']);

    const pair = await post('create-ec-datakey-pair', { key_id: saved.aes, key_spec: 'ECC_NIST_P256', additional_authenticated_data: 'pair' });
    const priv = createPrivateKey({ key: Buffer.from(pair.private_key_plain_text, 'base64'), format: 'der', type: 'pkcs8' });
    expect(createPublicKey(priv).export({ type: 'spki', format: 'der' }).toString('base64')).toBe(pair.public_key);
    const unwrapped = await post('decrypt-data', { cipher_text: pair.private_key_cipher_text, additional_authenticated_data: 'pair' });
    expect(unwrapped.plain_text_base64).toBe(pair.private_key_plain_text);
    const noPlain = await post('create-rsa-datakey-pair', { key_id: saved.aes, key_spec: 'RSA_2048', with_plain_text: false });
    expect(noPlain.private_key_plain_text).toBeUndefined();
    expect(noPlain.private_key_cipher_text).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('HMAC keys: generate-mac and verify-mac (mac_valid is a JSON boolean); an HMAC_SM3 algorithm on an HMAC_256 key is refused', async () => {
    const mac = (await post('create-key', { key_alias: 'e3-mac', key_spec: 'HMAC_256' })).key_info.key_id;
    const r = await post('generate-mac', { key_id: mac, mac_algorithm: 'HMAC_SHA_256', message: b64('mac me') });
    expect(r.mac).toMatch(/^[0-9a-f]{64}$/);
    expect((await post('verify-mac', { key_id: mac, mac_algorithm: 'HMAC_SHA_256', message: b64('mac me'), mac: r.mac })).mac_valid).toBe(true);
    expect((await post('verify-mac', { key_id: mac, mac_algorithm: 'HMAC_SHA_256', message: b64('mac me!'), mac: r.mac })).mac_valid).toBe(false);
    const sm3 = await fail('generate-mac', { key_id: mac, mac_algorithm: 'HMAC_SM3', message: b64('m') });
    expect([sm3.httpStatusCode, sm3.errorCode]).toEqual([400, 'KMS.0308']);
  });

  it('grants: create, list, list-retirable, retire, revoke, with the per-key limit from EDGEKMS_QUOTA_GRANTS_PER_KEY', async () => {
    const g1 = await post('create-grant', { key_id: saved.aes, grantee_principal: 'appuser1', operations: ['encrypt-data', 'decrypt-data'], retiring_principal: 'admin', name: 'app' });
    expect(g1.grant_id).toMatch(/^[0-9a-f]{64}$/);
    const g2 = await post('create-grant', { key_id: saved.aes, grantee_principal: 'appuser2', operations: ['describe-key'] });
    const over = await fail('create-grant', { key_id: saved.aes, grantee_principal: 'appuser3', operations: ['describe-key'] });
    expect([over.httpStatusCode, over.errorCode]).toEqual([400, 'KMS.2404']);
    const alone = await fail('create-grant', { key_id: saved.ec, grantee_principal: 'appuser1', operations: ['create-grant'] });
    expect(alone.errorCode).toBe('KMS.2401');
    const list = await post('list-grants', { key_id: saved.aes });
    expect([list.total, list.truncated, list.grants.map((g: { grant_id: string }) => g.grant_id)]).toEqual([2, 'false', [g1.grant_id, g2.grant_id]]);
    expect((await post('list-retirable-grants', {})).grants.map((g: { grant_id: string }) => g.grant_id)).toEqual([g1.grant_id]);
    const retired = await post('retire-grant', { key_id: saved.aes, grant_id: g1.grant_id });
    expect(retired.httpStatusCode).toBe(200);
    const mismatch = await fail('revoke-grant', { key_id: saved.ec, grant_id: g2.grant_id });
    expect(mismatch.errorCode).toBe('KMS.2502');
  });

  it('tags: 204s with empty bodies, show with existTagsNum, project tags, filter and count', async () => {
    const created = await hc.call('POST', `${K}/${saved.aes}/tags`, { tag: { key: 'env', value: 'prod' } });
    expect(created.httpStatusCode).toBe(204);
    const batch = await hc.call('POST', `${K}/${saved.aes}/tags/action`, { action: 'create', tags: [{ key: 'team', value: 'kms' }, { key: 'tmp', value: 'x' }] });
    expect(batch.httpStatusCode).toBe(204);
    expect((await hc.call('DELETE', `${K}/${saved.aes}/tags/tmp`)).httpStatusCode).toBe(204);
    await hc.call('POST', `${K}/${saved.ec}/tags`, { tag: { key: 'env', value: 'dev' } });
    const shown = await hc.call('GET', `${K}/${saved.aes}/tags`);
    expect([shown.tags, shown.existTagsNum]).toEqual([[{ key: 'env', value: 'prod' }, { key: 'team', value: 'kms' }], 2]);
    expect((await hc.call('GET', `${K}/tags`)).tags).toEqual([{ key: 'env', values: ['dev', 'prod'] }, { key: 'team', values: ['kms'] }]);
    const found = await hc.call('POST', `${K}/resource_instances/action`, { action: 'filter', tags: [{ key: 'env', values: ['prod'] }] });
    expect([found.total_count, found.resources[0].resource_id, found.resources[0].resource_name]).toEqual([1, saved.aes, 'e3-aes']);
    expect((await hc.call('POST', `${K}/resource_instances/action`, { action: 'count', tags: [{ key: 'env', values: [] }] })).total_count).toBe(2);
    const badTag = await hc.fail('POST', `${K}/${saved.aes}/tags`, { tag: { key: 'a=b', value: 'v' } });
    expect([badTag.httpStatusCode, badTag.errorCode]).toEqual([400, 'KMS.0406']);
  });

  it('imports key material wrapped with RSAES_OAEP_SHA_256 and refuses a reused token', async () => {
    const ext = (await post('create-key', { key_alias: 'e3-byok', origin: 'external' })).key_info.key_id;
    const p = await post('get-parameters-for-import', { key_id: ext, wrapping_algorithm: 'RSAES_OAEP_SHA_256' });
    expect(typeof p.expiration_time).toBe('number');
    const wrappingKey = createPublicKey({ key: Buffer.from(p.public_key, 'base64'), format: 'der', type: 'spki' });
    const material = randomBytes(32);
    const wrapped = publicEncrypt({ key: wrappingKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material);
    const done = await post('import-key-material', { key_id: ext, import_token: p.import_token, encrypted_key_material: b64(wrapped) });
    expect(done.httpStatusCode).toBe(200);
    expect((await post('describe-key', { key_id: ext })).key_info.key_state).toBe('2');
    const cipher = (await post('encrypt-data', { key_id: ext, plain_text: 'byok' })).cipher_text;
    await post('disable-key', { key_id: ext });
    await post('delete-imported-key-material', { key_id: ext });
    const reused = await fail('import-key-material', { key_id: ext, import_token: p.import_token, encrypted_key_material: b64(wrapped) });
    expect([reused.httpStatusCode, reused.errorCode]).toEqual([400, 'KMS.2605']);
    const p2 = await post('get-parameters-for-import', { key_id: ext, wrapping_algorithm: 'RSAES_OAEP_SHA_256' });
    const rewrap = publicEncrypt({ key: createPublicKey({ key: Buffer.from(p2.public_key, 'base64'), format: 'der', type: 'spki' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material);
    await post('import-key-material', { key_id: ext, import_token: p2.import_token, encrypted_key_material: b64(rewrap) });
    expect((await post('decrypt-data', { cipher_text: cipher })).plain_text).toBe('byok');
  });

});

describe('KMS features on a data directory of its own', () => {
  const client = (hc: HuaweiClient) => ({
    post: <T = any>(action: string, body: unknown) => hc.call<T>('POST', `${K}/${action}`, body),
    fail: (action: string, body: unknown) => hc.fail('POST', `${K}/${action}`, body),
  });

  it('reports quotas from EDGEKMS_QUOTA_* and refuses keys beyond the CMK quota with KMS.1105', async () => {
    const { hc } = await start(newDataDir());
    const { post, fail } = client(hc);
    const key = (await post('create-key', { key_alias: 'e3-quota' })).key_info.key_id;
    await post('create-grant', { key_id: key, grantee_principal: 'appuser1', operations: ['describe-key'] });
    const q = await hc.call('GET', `${K}/user-quotas`);
    const [cmk, grants] = q.quotas.resources;
    expect([cmk.type, cmk.quota, cmk.used, grants.type, grants.quota, grants.used]).toEqual(['CMK', QUOTA_KEYS, 1, 'grant_per_CMK', QUOTA_GRANTS, 1]);
    for (let i = cmk.used; i < QUOTA_KEYS; i++) await post('create-key', { key_alias: `e3-fill-${i}` });
    const full = await fail('create-key', { key_alias: 'e3-one-too-many' });
    expect([full.httpStatusCode, full.errorCode]).toEqual([400, 'KMS.1105']);
  });

  it('keeps keys, grants, tags and imported material across a restart', async () => {
    const dataDir = newDataDir();
    const first = await start(dataDir);
    let { post } = client(first.hc);
    const message = b64(createHash('sha384').update('signed over loopback').digest());
    const ec = (await post('create-key', { key_alias: 'e3-ec', key_spec: 'EC_P384' })).key_info.key_id;
    const signature = (await post('sign', { key_id: ec, message, signing_algorithm: 'ECDSA_SHA_384' })).signature;
    const mac = (await post('create-key', { key_alias: 'e3-mac', key_spec: 'HMAC_256' })).key_info.key_id;
    const macValue = (await post('generate-mac', { key_id: mac, mac_algorithm: 'HMAC_SHA_256', message: b64('mac me') })).mac;
    const aes = (await post('create-key', { key_alias: 'e3-aes' })).key_info.key_id;
    const grant = (await post('create-grant', { key_id: aes, grantee_principal: 'appuser2', operations: ['describe-key'] })).grant_id;
    await first.hc.call('POST', `${K}/${aes}/tags/action`, { action: 'create', tags: [{ key: 'env', value: 'prod' }, { key: 'team', value: 'kms' }] });
    const ext = (await post('create-key', { key_alias: 'e3-byok', origin: 'external' })).key_info.key_id;
    const p = await post('get-parameters-for-import', { key_id: ext, wrapping_algorithm: 'RSAES_OAEP_SHA_256' });
    const wrappingKey = createPublicKey({ key: Buffer.from(p.public_key, 'base64'), format: 'der', type: 'spki' });
    const wrapped = publicEncrypt({ key: wrappingKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, randomBytes(32));
    await post('import-key-material', { key_id: ext, import_token: p.import_token, encrypted_key_material: b64(wrapped) });
    const extCipher = (await post('encrypt-data', { key_id: ext, plain_text: 'byok' })).cipher_text;

    expect(await first.server.stop()).toBe(0);
    const second = await start(dataDir);
    ({ post } = client(second.hc));
    expect((await post('verify', { key_id: ec, message, signing_algorithm: 'ECDSA_SHA_384', signature })).signature_valid).toBe('true');
    expect((await post('verify-mac', { key_id: mac, mac_algorithm: 'HMAC_SHA_256', message: b64('mac me'), mac: macValue })).mac_valid).toBe(true);
    expect((await post('list-grants', { key_id: aes })).grants.map((g: { grant_id: string }) => g.grant_id)).toEqual([grant]);
    expect((await second.hc.call('GET', `${K}/${aes}/tags`)).tags).toEqual([{ key: 'env', value: 'prod' }, { key: 'team', value: 'kms' }]);
    expect((await post('decrypt-data', { cipher_text: extCipher })).plain_text).toBe('byok');
    expect(await second.server.stop()).toBe(0);
  });
});
