// Acceptance for the KMS API of Huawei's current SDKs: every operation edgekms added for them, driven over
// signed loopback HTTP against `npm start` with Huawei's SDK core (its HcClient and signer), each answer
// checked field by field against the SDKs' response models (test/helpers/sdk-models.ts) and its content
// against independent implementations (node:crypto, sm-crypto).
import { constants, createECDH, createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, publicEncrypt, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error sm-crypto ships no types
import smCrypto from 'sm-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { huaweiClient, type HuaweiClient } from '../helpers/huawei-sdk.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';
import { modelProblems } from '../helpers/sdk-models.ts';

const REGION = 'edge-test-7';
const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-api-'));
let server: RunningServer;
let hc: HuaweiClient;

beforeAll(async () => {
  server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir, EDGEKMS_REGION: REGION });
  const admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
  hc = huaweiClient(server.url, admin.access_key, admin.secret_key, admin.project_id);
});
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Calls through the SDK core and checks the answer against the model; returns the body. */
async function call(model: string, method: string, path: string, data?: unknown, query?: Record<string, string>, status = 200) {
  const { httpStatusCode, ...body } = await hc.call(method, path.startsWith('/') ? path : `/v1.0/{project_id}/kms/${path}`, data, query);
  expect(httpStatusCode).toBe(status);
  expect(modelProblems(model, body)).toEqual([]);
  return body as any;
}
const post = (model: string, action: string, data: unknown) => call(model, 'POST', action, data);
async function refused(method: string, path: string, data?: unknown, query?: Record<string, string>) {
  const e = await hc.fail(method, path.startsWith('/') ? path : `/v1.0/{project_id}/kms/${path}`, data, query);
  return [e.httpStatusCode, e.errorCode];
}
const createKey = async (alias: string, key_spec: string, key_usage?: string) =>
  (await post('CreateKeyResponse', 'create-key', { key_alias: alias, key_spec, ...(key_usage ? { key_usage } : {}) })).key_info.key_id as string;
const b64 = (b: Uint8Array | string) => Buffer.from(b as Uint8Array).toString('base64');

describe('deployment information', () => {
  it('show_versions and show_version: v1.0 CURRENT and v2, with self links', async () => {
    const { versions } = await call('ShowVersionsResponse', 'GET', '/');
    expect(versions.map((v: any) => [v.id, v.status])).toEqual([
      ['v1.0', 'CURRENT'],
      ['v2', 'SUPPORTED'],
    ]);
    expect(versions[0].links).toEqual([{ href: `${server.url}/v1.0/`, rel: 'self' }]);
    const { version } = await call('ShowVersionResponse', 'GET', '/v1.0');
    expect(modelProblems('ApiVersionDetail', version)).toEqual([]);
    expect(version).toEqual(versions[0]);
    // Public, as the gateway's version documents are: no signature needed.
    for (const path of ['/', '/v1.0', '/v2']) expect((await fetch(server.url + path)).status, path).toBe(200);
    expect((await fetch(server.url + '/v3')).status).toBe(404);
  });

  it('show_user_instances counts the project\'s keys; list_support_regions is the configured region', async () => {
    const before = (await call('ShowUserInstancesResponse', 'GET', 'user-instances')).instance_num;
    await createKey('instances-1', 'AES_256');
    expect((await call('ShowUserInstancesResponse', 'GET', 'user-instances')).instance_num).toBe(before + 1);
    expect(await call('ListSupportRegionsResponse', 'GET', '/v2/{project_id}/kms/regions', undefined, { limit: '10', offset: '0' })).toEqual({ regions: [REGION] });
    expect(await refused('GET', '/v2/{project_id}/kms/regions', undefined, { offset: '-1' })).toEqual([400, 'KMS.0417']);
  });

  it('key stores: an empty list; every other key-store operation, create-pin and multi-region operations are refused with KMS.0308', async () => {
    expect(await call('ListKeyStoresResponse', 'GET', '/v1.0/{project_id}/keystores', undefined, { limit: '10', offset: '0' })).toEqual({ total: 0, keystores: [] });
    const id = '0d0466b0-e727-4d9c-b35d-f84bb474a37f';
    expect(await refused('POST', '/v1.0/{project_id}/keystores', { keystore_alias: 'hsm' })).toEqual([400, 'KMS.0308']);
    expect(await refused('GET', `/v1.0/{project_id}/keystores/${id}`)).toEqual([400, 'KMS.0308']);
    expect(await refused('POST', `/v1.0/{project_id}/keystores/${id}/enable`, {})).toEqual([400, 'KMS.0308']);
    expect(await refused('POST', `/v1.0/{project_id}/keystores/${id}/disable`, {})).toEqual([400, 'KMS.0308']);
    expect(await refused('DELETE', `/v1.0/{project_id}/keystores/${id}`)).toEqual([400, 'KMS.0308']);
    expect(await refused('POST', 'create-pin', { pin_type: 'CipherText' })).toEqual([400, 'KMS.0308']);
    const key = await createKey('regions-1', 'AES_256');
    expect(await refused('POST', `/v2/{project_id}/kms/keys/${key}/replicate`, { key_id: key, replica_region: 'x', key_alias: 'r', replica_project_id: 'p' })).toEqual([400, 'KMS.0308']);
    expect(await refused('PUT', `/v2/{project_id}/kms/keys/${key}/update-primary-region`, { key_id: key, primary_region: 'x' })).toEqual([400, 'KMS.0308']);
    expect(await refused('POST', `/v2/{project_id}/kms/keys/${id}/replicate`, { key_id: id, replica_region: 'x', key_alias: 'r', replica_project_id: 'p' })).toEqual([400, 'KMS.0207']);
  });
});

describe('ED25519 keys through the SDK', () => {
  it('get-publickey, ED25519_SHA_512 (checked by node:crypto) and ED25519_PH_SHA_512 sign / verify', async () => {
    const key = await createKey('ed-sdk', 'ED25519');
    expect((await post('ListKeyDetailResponse', 'describe-key', { key_id: key })).key_info.key_spec).toBe('ED25519');
    const pub = createPublicKey((await post('ShowPublicKeyResponse', 'get-publickey', { key_id: key })).public_key);
    const message = Buffer.from('signed through the SDK');
    const { signature } = await post('SignResponse', 'sign', { key_id: key, message: b64(message), signing_algorithm: 'ED25519_SHA_512', message_type: 'RAW' });
    expect(nodeVerify(null, message, pub, Buffer.from(signature, 'base64'))).toBe(true);
    const ph = await post('SignResponse', 'sign', { key_id: key, message: b64(message), signing_algorithm: 'ED25519_PH_SHA_512', message_type: 'RAW' });
    const valid = await post('ValidateSignatureResponse', 'verify', { key_id: key, message: b64(message), signature: ph.signature, signing_algorithm: 'ED25519_PH_SHA_512', message_type: 'RAW' });
    expect(valid.signature_valid).toBe('true');
  });
});

describe('re-encrypt', () => {
  const keys: Record<string, string> = {};
  const pubs: Record<string, string> = {};
  const plaintext = 'moved between keys';

  beforeAll(async () => {
    keys.aes = await createKey('re-aes', 'AES_256');
    keys.aes2 = await createKey('re-aes-2', 'AES_256');
    keys.sm4 = await createKey('re-sm4', 'SM4');
    keys.rsa = await createKey('re-rsa', 'RSA_2048', 'ENCRYPT_DECRYPT');
    keys.sm2 = await createKey('re-sm2', 'SM2', 'ENCRYPT_DECRYPT');
    for (const k of ['rsa', 'sm2']) pubs[k] = (await post('ShowPublicKeyResponse', 'get-publickey', { key_id: keys[k] })).public_key;
  });

  const ALGORITHM: Record<string, string> = { aes: 'SYMMETRIC_DEFAULT', aes2: 'SYMMETRIC_DEFAULT', sm4: 'SYMMETRIC_DEFAULT', rsa: 'RSAES_OAEP_SHA_256', sm2: 'SM2_ENCRYPT' };
  const symmetric = (k: string) => ALGORITHM[k] === 'SYMMETRIC_DEFAULT';

  /** A ciphertext under `k`: the KMS for symmetric keys; node:crypto / sm-crypto offline for asymmetric ones. */
  async function encryptUnder(k: string, aad: string): Promise<string> {
    if (symmetric(k)) return (await hc.call('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: keys[k], plain_text: plaintext, additional_authenticated_data: aad })).cipher_text;
    if (k === 'rsa') return b64(publicEncrypt({ key: pubs.rsa, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(plaintext)));
    const point = createPublicKey(pubs.sm2).export({ format: 'der', type: 'spki' }).subarray(-65).toString('hex');
    return b64(Buffer.from('04' + smCrypto.sm2.doEncrypt(Array.from(Buffer.from(plaintext)), point, 1), 'hex'));
  }

  it('moves a ciphertext between every pair of symmetric and asymmetric encryption keys, with AAD on both sides', async () => {
    const pairs: [string, string][] = [];
    for (const from of ['aes', 'sm4', 'rsa', 'sm2']) for (const to of ['aes2', 'sm4', 'rsa', 'sm2']) pairs.push([from, to]);
    for (const [from, to] of pairs) {
      const sourceAad = symmetric(from) ? `src-${from}` : '';
      const destinationAad = symmetric(to) ? `dst-${to}` : '';
      const cipher = await encryptUnder(from, sourceAad);
      const moved = await post('ReEncryptResponse', 're-encrypt', {
        ...(symmetric(from) && from !== 'sm4' ? {} : { source_key_id: keys[from] }),
        source_encryption_algorithm: ALGORITHM[from],
        ...(sourceAad ? { source_additional_authenticated_data: sourceAad } : {}),
        destination_key_id: keys[to],
        destination_encryption_algorithm: ALGORITHM[to],
        ...(destinationAad ? { destination_additional_authenticated_data: destinationAad } : {}),
        cipher_text: cipher,
      });
      expect(moved, `${from} -> ${to}`).toMatchObject({ key_id: keys[to], source_key_id: keys[from], source_encryption_algorithm: ALGORITHM[from], destination_encryption_algorithm: ALGORITHM[to] });
      const back = await hc.call('POST', '/v1.0/{project_id}/kms/decrypt-data', {
        cipher_text: moved.cipher_text,
        ...(symmetric(to) ? { additional_authenticated_data: destinationAad } : { key_id: keys[to], encryption_algorithm: ALGORITHM[to] }),
      });
      expect(back.plain_text, `${from} -> ${to}`).toBe(plaintext);
      if (symmetric(to)) {
        // Bound to the destination AAD: without it the new ciphertext does not open.
        expect(await refused('POST', 'decrypt-data', { cipher_text: moved.cipher_text })).toEqual([400, 'KMS.0308']);
      }
    }
  });

  it('moves data key ciphertexts (hex) when datakey_cipher_length is given', async () => {
    const dk = await hc.call('POST', '/v1.0/{project_id}/kms/create-datakey', { key_id: keys.aes, datakey_length: '256', additional_authenticated_data: 'dk' });
    const moved = await post('ReEncryptResponse', 're-encrypt', { destination_key_id: keys.sm4, cipher_text: dk.cipher_text, datakey_cipher_length: '32', source_additional_authenticated_data: 'dk' });
    expect(moved.cipher_text).toMatch(/^[0-9A-F]+$/);
    const back = await hc.call('POST', '/v1.0/{project_id}/kms/decrypt-datakey', { key_id: keys.sm4, cipher_text: moved.cipher_text, datakey_cipher_length: '32' });
    expect(back.data_key).toBe(dk.plain_text);
  });

  it('follows the source key\'s state and refuses what it must, changing nothing', async () => {
    const cipher = await encryptUnder('aes', 'a');
    const body = { cipher_text: cipher, source_additional_authenticated_data: 'a', destination_key_id: keys.aes2 };
    expect(await refused('POST', 're-encrypt', { ...body, source_additional_authenticated_data: 'b' })).toEqual([400, 'KMS.0308']);
    expect(await refused('POST', 're-encrypt', { ...body, source_key_id: keys.aes2 })).toEqual([400, 'KMS.0308']);
    expect(await refused('POST', 're-encrypt', { ...body, destination_encryption_algorithm: 'RSAES_OAEP_SHA_256' })).toEqual([400, 'KMS.0308']);
    const rsaCipher = await encryptUnder('rsa', '');
    expect(await refused('POST', 're-encrypt', { cipher_text: rsaCipher, source_encryption_algorithm: 'RSAES_OAEP_SHA_256', destination_key_id: keys.aes2 })).toEqual([400, 'KMS.0204']);
    const disposable = await createKey('re-disposable', 'AES_256');
    const c2 = (await hc.call('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: disposable, plain_text: plaintext })).cipher_text;
    await hc.call('POST', '/v1.0/{project_id}/kms/disable-key', { key_id: disposable });
    expect(await refused('POST', 're-encrypt', { cipher_text: c2, destination_key_id: keys.aes2 })).toEqual([400, 'KMS.0209']);
    await hc.call('POST', '/v1.0/{project_id}/kms/schedule-key-deletion', { key_id: disposable, pending_days: '7' });
    expect(await refused('POST', 're-encrypt', { cipher_text: c2, destination_key_id: keys.aes2 })).toEqual([400, 'KMS.0210']);
    expect(await refused('POST', 're-encrypt', { cipher_text: cipher, source_additional_authenticated_data: 'a', destination_key_id: disposable })).toEqual([400, 'KMS.0210']);
    // The source ciphertext still opens as before.
    expect((await hc.call('POST', '/v1.0/{project_id}/kms/decrypt-data', { cipher_text: cipher, additional_authenticated_data: 'a' })).plain_text).toBe(plaintext);
  });
});

describe('derive-shared-secret (ECDH)', () => {
  it('equals node:crypto\'s ECDH on P-256, P-384 and secp256k1; refuses other curves, signing keys and recipients', async () => {
    for (const [spec, curve] of [
      ['EC_P256', 'prime256v1'],
      ['EC_P384', 'secp384r1'],
      ['SECP256K1', 'secp256k1'],
    ]) {
      const key = await createKey(`ecdh-${spec}`, spec, 'KEY_AGREEMENT');
      const kmsPub = createPublicKey((await post('ShowPublicKeyResponse', 'get-publickey', { key_id: key })).public_key);
      const peer = createECDH(curve);
      peer.generateKeys();
      const peerSpki = createPublicKey({ key: { kty: 'EC', crv: spec === 'EC_P256' ? 'P-256' : spec === 'EC_P384' ? 'P-384' : 'secp256k1', x: b64url(peer.getPublicKey().subarray(1, 1 + (peer.getPublicKey().length - 1) / 2)), y: b64url(peer.getPublicKey().subarray(1 + (peer.getPublicKey().length - 1) / 2)) }, format: 'jwk' }).export({ type: 'spki', format: 'der' });
      const r = await post('DeriveSharedSecretResponse', 'derive-shared-secret', { key_id: key, key_agreement_algorithm: 'ECDH', public_key: b64(peerSpki) });
      const jwk = kmsPub.export({ format: 'jwk' });
      const kmsPoint = Buffer.concat([Buffer.of(4), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
      expect(r.key_agreement_algorithm).toBe('ECDH');
      expect(Buffer.from(r.shared_secret, 'base64').equals(peer.computeSecret(kmsPoint)), spec).toBe(true);
    }
    const p256 = await createKey('ecdh-refusals', 'EC_P256', 'KEY_AGREEMENT');
    const other = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'der' });
    expect(await refused('POST', 'derive-shared-secret', { key_id: p256, key_agreement_algorithm: 'ECDH', public_key: b64(other) })).toEqual([400, 'KMS.0308']);
    const signing = await createKey('ecdh-signing', 'EC_P256');
    const mine = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' });
    expect(await refused('POST', 'derive-shared-secret', { key_id: signing, key_agreement_algorithm: 'ECDH', public_key: b64(mine) })).toEqual([400, 'KMS.0308']);
    expect(await refused('POST', 'derive-shared-secret', { key_id: p256, key_agreement_algorithm: 'ECDH', public_key: b64(mine), recipient: { attestation_document: 'x' } })).toEqual([400, 'KMS.0308']);
  });
});

const b64url = (b: Buffer) => b.toString('base64url');

describe('key policies, access points and data key capsules', () => {
  const keyspace = '6f1c2b7e-1d2a-4c3b-9e8f-0a1b2c3d4e5f';
  const policy = { version: '1.0', validity_period: { start_time: '1700000000000', end_time: '1900000000000' }, allowed_access_point: ['ap-1'], allowed_data_security_zone: ['zone-a'] };

  it('create / list / show / update / delete key policies, answered in each model\'s spelling', async () => {
    const { policy_id } = await post('CreateKeyPolicyResponse', 'key-policies', { keyspace_id: keyspace, policy_name: 'p1', policy: JSON.stringify(policy), description: 'first' });
    const list = await call('ListKeyPolicyResponse', 'GET', 'key-policies', undefined, { keyspace_id: keyspace, limit: '10' });
    expect(list.page_info).toEqual({ next_marker: '', current_count: 1 });
    expect(list.keyspace_policies[0]).toMatchObject({ policy_id, policy_name: 'p1', keyspace_id: keyspace, description: 'first' });
    expect(list.keyspace_policies[0].policy).toEqual({ version: '1.0', validityPeriod: policy.validity_period, allowedAccessPoint: ['ap-1'], allowed_data_security_zone: ['zone-a'] });
    const shown = await call('ShowKeyPolicyResponse', 'GET', `key-policies/${policy_id}`);
    expect(shown.policy).toEqual(policy);
    const updated = await call('UpdateKeyPolicyResponse', 'PUT', `key-policies/${policy_id}`, { policy: JSON.stringify({ ...policy, allowed_access_point: ['ap-2'] }) });
    expect(updated).toMatchObject({ policy_id, description: 'first', policy: { ...policy, allowed_access_point: ['ap-2'] } });
    expect(await refused('POST', 'key-policies', { keyspace_id: keyspace, policy_name: 'bad', policy: '{"version":"1.0","surprise":1}' })).toEqual([400, 'KMS.0308']);
    expect(await refused('GET', 'key-policies', undefined, { keyspace_id: 'not-a-uuid' })).toEqual([400, 'KMS.0308']);
    await call('DeleteKeyPolicyResponse', 'DELETE', `key-policies/${policy_id}`);
    expect(await refused('GET', `key-policies/${policy_id}`)).toEqual([400, 'KMS.0308']);
  });

  it('access points: create (Custom ones get a key pair), list, disable / enable, download the private key, delete', async () => {
    const custom = (await post('CreateAccessPointResponse', 'access-points', { keyspace_id: keyspace, access_point_name: 'custom-1', type: 3 })).access_point_id;
    const ecs = (await post('CreateAccessPointResponse', 'access-points', { keyspace_id: keyspace, access_point_name: 'ecs-1', type: 1, identity: 'ecs-0001' })).access_point_id;
    await call('DisableAccessPointResponse', 'POST', `access-points/${ecs}/disable`, {});
    const list = await call('ListAccessPointResponse', 'GET', 'access-points', undefined, { keyspace_id: keyspace, limit: '1' });
    expect(list.page_info.current_count).toBe(1);
    const rest = await call('ListAccessPointResponse', 'GET', 'access-points', undefined, { keyspace_id: keyspace, limit: '10', marker: list.page_info.next_marker });
    const all = [...list.access_points, ...rest.access_points];
    expect(all.map((a: any) => [a.access_point_id, a.type, a.state]).sort()).toEqual([[custom, 3, 1], [ecs, 1, 0]].sort());
    await call('EnableAccessPointResponse', 'POST', `access-points/${ecs}/enable`, {});
    const { private_key } = await post('DownloadAccessPointPrivateKeyResponse', `access-points/${custom}/get-privatekey`, {});
    const priv = createPrivateKey(private_key);
    expect(priv.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(nodeVerify('sha256', Buffer.from('x'), createPublicKey(priv), nodeSign('sha256', Buffer.from('x'), priv))).toBe(true);
    expect(await refused('POST', `access-points/${ecs}/get-privatekey`, {})).toEqual([400, 'KMS.0308']);
    expect(await refused('POST', 'access-points', { keyspace_id: keyspace, access_point_name: 'x', type: 4 })).toEqual([400, 'KMS.0308']);
    await call('DeleteAccessPointResponse', 'DELETE', `access-points/${custom}`);
    expect(await refused('POST', `access-points/${custom}/get-privatekey`, {})).toEqual([400, 'KMS.0308']);
  });

  it('data key capsules: created with a data key in clear or for an RSA public key; opening one is refused (no attestation here)', async () => {
    const key = await createKey('capsules', 'AES_256');
    const { policy_id } = await post('CreateKeyPolicyResponse', 'key-policies', { keyspace_id: keyspace, policy_name: 'caps', policy: JSON.stringify(policy) });
    const clear = await post('CreateDatakeyCapsuleResponse', 'datakey-capsule/create', { key_id: key, datakey_length: '256', policy_id });
    expect(clear.datakey).toMatch(/^[0-9A-F]{64}$/);
    expect(clear.datakey_cipher).toBeUndefined();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const sealed = await post('CreateDatakeyCapsuleResponse', 'datakey-capsule/create', {
      key_id: key,
      datakey_length: '128',
      key_policy: JSON.stringify(policy),
      public_key: b64(rsa.publicKey.export({ type: 'spki', format: 'der' })),
    });
    expect(sealed.datakey).toBeUndefined();
    const dek = privateDecrypt({ key: rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(sealed.datakey_cipher, 'base64'));
    expect(dek.length).toBe(16);
    // A capsule is not a data key ciphertext: decrypt-datakey does not open it.
    const asHex = Buffer.from(clear.datakey_capsule, 'base64').toString('hex');
    expect(await refused('POST', 'decrypt-datakey', { key_id: key, cipher_text: asHex, datakey_cipher_length: '32' })).toEqual([400, 'KMS.2201']);
    expect(await refused('POST', 'datakey-capsule/create', { key_id: key, datakey_length: '256' })).toEqual([400, 'KMS.0308']);
    expect(await refused('POST', 'datakey-capsule/decrypt', { key_id: key, datakey_capsule: clear.datakey_capsule, attestation_document: { custom_signature: 'x' } })).toEqual([400, 'KMS.0308']);
  });
});
