// The typed KmsClient against the real server over loopback HTTP: every operation the server routes has a
// client method, and each answers with the wire's field names; errors carry code, status and request id.
import { createHash, createPublicKey, createVerify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KMS_ROUTES } from '../../src/kms/routes.ts';
import { ApiError } from '../../src/sdk/errors.ts';
import { KmsClient } from '../../src/sdk/kms/client.ts';
import { KMS_OPERATIONS } from '../../src/sdk/kms/operations.ts';
import { ADMIN, listen, makeRig, rejection, type Rig } from '../helpers/kms.ts';

let rig: Rig;
let server: { url: string; close(): Promise<void> };
let kms: KmsClient;

beforeAll(async () => {
  rig = await makeRig();
  server = await listen(rig.app);
  kms = new KmsClient({ endpoint: server.url, accessKey: ADMIN.accessKey, secretKey: ADMIN.secretKey, projectId: ADMIN.project, now: () => rig.clock.now() });
});
afterAll(() => server.close());

const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64');

describe('coverage', () => {
  it('has an operation, with the same method and path, for every route the server has', () => {
    const known = new Set(Object.values(KMS_OPERATIONS).map((o) => `${o.method} ${o.version ?? 'v1.0'} ${o.path}`));
    const routes = KMS_ROUTES as { method: string; path: string; version?: string }[];
    const missing = routes.map((r) => `${r.method} ${r.version ?? 'v1.0'} ${r.path.replace(/:(\w+)/g, '{$1}')}`).filter((r) => !known.has(r));
    expect(missing).toEqual([]);
  });
});

describe('keys', () => {
  it('creates, describes, lists, renames, disables, enables, schedules and cancels deletion', async () => {
    const { key_info } = await kms.createKey({ key_alias: 'sdk/orders', key_description: 'first' });
    const key_id = key_info.key_id;
    expect((await kms.describeKey({ key_id })).key_info).toMatchObject({ key_alias: 'sdk/orders', key_state: '2', key_spec: 'AES_256' });
    const list = await kms.listKeys({ key_spec: 'ALL', limit: '100' });
    expect(list.keys).toContain(key_id);
    expect(typeof list.total).toBe('number');
    expect(list.truncated).toBe('false');
    expect(await kms.updateKeyAlias({ key_id, key_alias: 'sdk/orders2' })).toEqual({ key_info: { key_id, key_alias: 'sdk/orders2' } });
    expect(await kms.updateKeyDescription({ key_id, key_description: 'second' })).toEqual({ key_info: { key_id, key_description: 'second' } });
    expect(await kms.disableKey({ key_id })).toEqual({ key_info: { key_id, key_state: '3' } });
    expect(await kms.enableKey({ key_id })).toEqual({ key_info: { key_id, key_state: '2' } });
    expect(await kms.scheduleKeyDeletion({ key_id, pending_days: '7' })).toEqual({ key_id, key_state: '4' });
    expect(await kms.cancelKeyDeletion({ key_id })).toEqual({ key_id, key_state: '3' });
  });

  it('reports an error answer as ApiError with code, message, status and request id', async () => {
    const e = await rejection<ApiError>(kms.describeKey({ key_id: '00000000-0000-4000-8000-000000000000' }));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('KMS.0207');
    expect(e.status).toBe(400);
    expect(e.requestId).toMatch(/\S/);
    expect(e.message).toMatch(/^KMS\.0207: /);
    expect(e.detail).not.toMatch(/^KMS/);
    expect(e.attempts).toBe(1);
  });
});

describe('data, data keys, random', () => {
  it('encrypts and decrypts small data with AAD', async () => {
    const { key_info } = await kms.createKey({ key_alias: 'sdk/data' });
    const key_id = key_info.key_id;
    const enc = await kms.encryptData({ key_id, plain_text: 'card 4111', additional_authenticated_data: 'order-7' });
    expect(enc.key_id).toBe(key_id);
    const dec = await kms.decryptData({ cipher_text: enc.cipher_text, additional_authenticated_data: 'order-7' });
    expect(dec).toEqual({ key_id, plain_text: 'card 4111', plain_text_base64: b64('card 4111') });
    expect((await rejection<ApiError>(kms.decryptData({ cipher_text: enc.cipher_text, additional_authenticated_data: 'order-8' }))).code).toMatch(/^KMS\./);
  });

  it('creates, wraps and unwraps data keys', async () => {
    const { key_info } = await kms.createKey({ key_alias: 'sdk/dk' });
    const key_id = key_info.key_id;
    const dk = await kms.createDatakey({ key_id, datakey_length: '256', additional_authenticated_data: 'ctx' });
    expect(dk.plain_text).toMatch(/^[0-9A-F]{64}$/);
    const back = await kms.decryptDatakey({ key_id, cipher_text: dk.cipher_text, datakey_cipher_length: '32', additional_authenticated_data: 'ctx' });
    expect(back.data_key).toBe(dk.plain_text);
    expect(back.datakey_dgst.toLowerCase()).toBe(createHash('sha256').update(Buffer.from(dk.plain_text, 'hex')).digest('hex'));
    const own = Buffer.alloc(32, 9);
    const wrapped = await kms.encryptDatakey({ key_id, plain_text: Buffer.concat([own, createHash('sha256').update(own).digest()]).toString('hex'), datakey_plain_length: '32' });
    expect(wrapped.datakey_length).toBe('32');
    expect((await kms.decryptDatakey({ key_id, cipher_text: wrapped.cipher_text, datakey_cipher_length: '32' })).data_key).toBe(own.toString('hex').toUpperCase());
    expect((await kms.createDatakeyWithoutPlaintext({ key_id })).cipher_text).toMatch(/^[0-9A-F]+$/);
    expect((await kms.genRandom({ random_data_length: '128' })).random_data).toMatch(/^[0-9A-F]{32}$/);
  });
});

describe('asymmetric keys and MACs', () => {
  it('signs with the KMS and verifies with node:crypto and the KMS', async () => {
    const { key_info } = await kms.createKey({ key_alias: 'sdk/ec', key_spec: 'EC_P256', key_usage: 'SIGN_VERIFY' });
    const key_id = key_info.key_id;
    const digest = createHash('sha256').update('file contents').digest();
    const { signature } = await kms.sign({ key_id, message: b64(digest), signing_algorithm: 'ECDSA_SHA_256' });
    const pem = (await kms.getPublicKey({ key_id })).public_key;
    expect(createVerify('sha256').update('file contents').verify(createPublicKey(pem), Buffer.from(signature, 'base64'))).toBe(true);
    expect((await kms.verify({ key_id, message: b64(digest), signature, signing_algorithm: 'ECDSA_SHA_256' })).signature_valid).toBe('true');
  });

  it('makes data key pairs', async () => {
    const { key_info } = await kms.createKey({ key_alias: 'sdk/wrap' });
    const pair = await kms.createEcDatakeyPair({ key_id: key_info.key_id, key_spec: 'ECC_NIST_P256', with_plain_text: false });
    expect(pair.public_key).toBeTruthy();
    expect(pair.private_key_cipher_text).toBeTruthy();
    expect(pair.private_key_plain_text ?? '').toBe('');
    const rsa = await kms.createRsaDatakeyPair({ key_id: key_info.key_id, key_spec: 'RSA_2048' });
    expect(rsa.key_spec).toBe('RSA_2048');
  });

  it('generates and verifies MACs', async () => {
    const { key_info } = await kms.createKey({ key_alias: 'sdk/mac', key_spec: 'HMAC_256', key_usage: 'GENERATE_VERIFY_MAC' });
    const key_id = key_info.key_id;
    const { mac } = await kms.generateMac({ key_id, mac_algorithm: 'HMAC_SHA_256', message: b64('hello') });
    expect(mac).toMatch(/^[0-9a-fA-F]{64}$/);
    expect((await kms.verifyMac({ key_id, mac_algorithm: 'HMAC_SHA_256', message: b64('hello'), mac })).mac_valid).toBe(true);
    expect((await kms.verifyMac({ key_id, mac_algorithm: 'HMAC_SHA_256', message: b64('hellO'), mac })).mac_valid).toBe(false);
  });
});

describe('rotation, grants, import', () => {
  it('rotates', async () => {
    const { key_info } = await kms.createKey({ key_alias: 'sdk/rot' });
    const key_id = key_info.key_id;
    expect(await kms.enableKeyRotation({ key_id })).toBeUndefined();
    await kms.updateKeyRotationInterval({ key_id, rotation_interval: 90 });
    expect(await kms.rotateOnDemand({ key_id })).toEqual({ key_id });
    const status = await kms.getKeyRotationStatus({ key_id });
    expect(status).toMatchObject({ key_rotation_enabled: true, rotation_interval: 90, number_of_rotations: 1 });
    await kms.disableKeyRotation({ key_id });
    expect((await kms.getKeyRotationStatus({ key_id })).key_rotation_enabled).toBe(false);
  });

  it('grants, lists and revokes', async () => {
    const { key_info } = await kms.createKey({ key_alias: 'sdk/grant' });
    const key_id = key_info.key_id;
    const { grant_id } = await kms.createGrant({ key_id, grantee_principal: 'alice01', operations: ['encrypt-data', 'decrypt-data'], retiring_principal: 'admin' });
    expect(grant_id).toMatch(/^[0-9a-f]{64}$/i);
    const list = await kms.listGrants({ key_id });
    expect(list.grants.map((g) => g.grant_id)).toEqual([grant_id]);
    expect(list.total).toBe(1);
    expect((await kms.listRetirableGrants()).grants.map((g) => g.grant_id)).toContain(grant_id);
    await kms.revokeGrant({ key_id, grant_id });
    expect((await kms.listGrants({ key_id })).grants).toEqual([]);
    const second = await kms.createGrant({ key_id, grantee_principal: 'alice01', operations: ['describe-key'], retiring_principal: 'admin' });
    await kms.retireGrant({ key_id, grant_id: second.grant_id });
    expect((await kms.listGrants({ key_id })).total).toBe(0);
  });

  it('gets import parameters for an external key', async () => {
    const { key_info } = await kms.createKey({ key_alias: 'sdk/byok', origin: 'external' });
    const p = await kms.getParametersForImport({ key_id: key_info.key_id, wrapping_algorithm: 'RSAES_OAEP_SHA_256' });
    expect(typeof p.expiration_time).toBe('number');
    expect(p.import_token).toBeTruthy();
    const e = await rejection<ApiError>(kms.importKeyMaterial({ key_id: key_info.key_id, import_token: p.import_token, encrypted_key_material: b64(new Uint8Array(256)) }));
    expect(e.code).toMatch(/^KMS\./);
    expect((await rejection<ApiError>(kms.deleteImportedKeyMaterial({ key_id: key_info.key_id }))).code).toMatch(/^KMS\./);
  });
});

describe('tags, aliases, quotas', () => {
  it('tags keys, including a tag key with a space, and finds them', async () => {
    const { key_info } = await kms.createKey({ key_alias: 'sdk/tags' });
    const key_id = key_info.key_id;
    await kms.createKmsTag(key_id, { tag: { key: 'cost center', value: 'ops' } });
    await kms.batchCreateKmsTags(key_id, { action: 'create', tags: [{ key: 'team', value: 'pay' }] });
    expect((await kms.showKmsTags(key_id)).existTagsNum).toBe(2);
    expect((await kms.listKmsTags()).tags.map((t) => t.key).sort()).toEqual(['cost center', 'team']);
    const found = await kms.listKmsByTags({ action: 'filter', tags: [{ key: 'team', values: ['pay'] }] });
    expect(found.resources!.map((r) => r.resource_id)).toEqual([key_id]);
    await kms.deleteTag(key_id, 'cost center');
    expect((await kms.showKmsTags(key_id)).tags).toEqual([{ key: 'team', value: 'pay' }]);
  });

  it('creates, lists, re-points and deletes aliases', async () => {
    const a = (await kms.createKey({ key_alias: 'sdk/alias-a' })).key_info.key_id;
    const b = (await kms.createKey({ key_alias: 'sdk/alias-b' })).key_info.key_id;
    const created = await kms.createAlias({ key_id: a, alias: 'payments' });
    expect(created).toMatchObject({ key_id: a, alias: 'payments' });
    expect((await kms.listAliases({ key_id: a }))[0].aliases.map((x) => x.alias)).toEqual(['payments']);
    expect(await kms.associateAlias({ alias: 'payments', target_key_id: b })).toMatchObject({ key_id: b });
    // The alias names the key wherever a key_id goes.
    expect((await kms.describeKey({ key_id: 'alias/payments' })).key_info.key_id).toBe(b);
    await kms.deleteAlias({ key_id: b, aliases: ['payments'] });
    expect((await kms.listAliases())[0].aliases).toEqual([]);
  });

  it('re-encrypts a ciphertext and a data key to another key', async () => {
    const a = (await kms.createKey({ key_alias: 'sdk/re-a' })).key_info.key_id;
    const b = (await kms.createKey({ key_alias: 'sdk/re-b' })).key_info.key_id;
    const { cipher_text } = await kms.encryptData({ key_id: a, plain_text: 'move me', additional_authenticated_data: 'x' });
    const moved = await kms.reEncrypt({ cipher_text, destination_key_id: b, source_additional_authenticated_data: 'x', destination_additional_authenticated_data: 'y' });
    expect(moved).toMatchObject({ key_id: b, source_key_id: a });
    expect((await kms.decryptData({ cipher_text: moved.cipher_text, additional_authenticated_data: 'y' })).plain_text).toBe('move me');
    const dk = await kms.createDatakey({ key_id: a });
    const dk2 = await kms.reEncrypt({ cipher_text: dk.cipher_text, destination_key_id: b, datakey_cipher_length: '32' });
    expect((await kms.decryptDatakey({ key_id: b, cipher_text: dk2.cipher_text, datakey_cipher_length: '32' })).data_key).toBe(dk.plain_text);
  });

  it('keyspace policies and access points: create, show, list, update, delete', async () => {
    const keyspace_id = crypto.randomUUID();
    const policy = JSON.stringify({ version: '1.0', allowed_access_point: [] });
    const { policy_id } = await kms.createKeyPolicy({ keyspace_id, policy_name: 'p1', policy });
    expect((await kms.showKeyPolicy(policy_id)).policy_name).toBe('p1');
    expect((await kms.listKeyPolicy({ keyspace_id })).keyspace_policies.map((p) => p.policy_id)).toEqual([policy_id]);
    expect((await kms.updateKeyPolicy(policy_id, { policy, description: 'd' })).policy_id).toBe(policy_id);
    await kms.deleteKeyPolicy(policy_id);
    expect((await kms.listKeyPolicy({ keyspace_id })).keyspace_policies).toEqual([]);
    const { access_point_id } = await kms.createAccessPoint({ keyspace_id, access_point_name: 'ap', type: 3 });
    await kms.disableAccessPoint(access_point_id);
    expect((await kms.listAccessPoint({ keyspace_id })).access_points[0]).toMatchObject({ access_point_id, state: 0 });
    await kms.enableAccessPoint(access_point_id);
    expect((await kms.downloadAccessPointPrivateKey(access_point_id)).private_key).toMatch(/BEGIN PRIVATE KEY/);
    await kms.deleteAccessPoint(access_point_id);
    expect((await kms.listAccessPoint({ keyspace_id })).access_points).toEqual([]);
  });

  it('versions, instances, regions, key stores, PINs, capsules answer as documented', async () => {
    expect((await kms.showVersions()).versions.map((v) => v.id)).toContain('v1.0');
    expect((await kms.showVersion('v1.0')).version.status).toBe('CURRENT');
    expect(typeof (await kms.showUserInstances()).instance_num).toBe('number');
    expect((await kms.listSupportRegions()).regions).toHaveLength(1);
    expect(await kms.listKeyStores()).toEqual({ total: 0, keystores: [] });
    expect((await rejection<ApiError>(kms.createPin())).code).toBe('KMS.0308');
    expect((await rejection<ApiError>(kms.showKeyStore('1'))).code).toBe('KMS.0308');
    const key_id = (await kms.createKey({ key_alias: 'sdk/capsule' })).key_info.key_id;
    const policy_id = (await kms.createKeyPolicy({ keyspace_id: crypto.randomUUID(), policy_name: 'c', policy: JSON.stringify({ version: '1.0' }) })).policy_id;
    const capsule = await kms.createDatakeyCapsule({ key_id, datakey_length: '256', policy_id });
    expect(capsule.datakey_capsule).toBeTruthy();
    expect((await rejection<ApiError>(kms.decryptDatakeyCapsule({ key_id, datakey_capsule: capsule.datakey_capsule, attestation_document: {} }))).code).toBe('KMS.0308');
  });

  it('shows quotas', async () => {
    const q = await kms.showUserQuotas();
    expect(q.quotas.resources.map((r) => r.type).sort()).toEqual(['CMK', 'grant_per_CMK']);
  });
});
