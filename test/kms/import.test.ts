// Importing key material (BYOK) over signed HTTP (in-process): the whole flow with material wrapped by
// node:crypto, every refusal of the wire reference (KMS.2601-2606, 0309, 0310, 2701), expiry of material and
// of import parameters, and how the wrapping key is kept (sealed) and destroyed (after use).
import { constants, createCipheriv, createHmac, createPrivateKey, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/kms/clock.ts';
import type { KeyRecord } from '../../src/kms/key-record.ts';
import { runMaintenance } from '../../src/kms/maintenance.ts';
import { ApiError } from '../../src/sdk/errors.ts';
import { listAll } from '../../src/store/store.ts';
import { makeRig, rejection, type Rig } from '../helpers/kms.ts';

let rig: Rig;
const kms = (action: string, body: unknown) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
const fail = (action: string, body: unknown) => rejection<ApiError>(kms(action, body));
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

beforeEach(async () => {
  rig = await makeRig();
});

async function externalKey(alias = `ext-${Math.random().toString(36).slice(2)}`, spec = 'AES_256'): Promise<string> {
  return (await kms('create-key', { key_alias: alias, key_spec: spec, origin: 'external' })).key_info.key_id;
}

interface Params {
  key_id: string;
  import_token: string;
  expiration_time: number;
  public_key: string;
}

const params = (id: string, wrapping_algorithm = 'RSAES_OAEP_SHA_256'): Promise<Params> => kms('get-parameters-for-import', { key_id: id, wrapping_algorithm });

function wrap(p: Params, material: Uint8Array, hash = 'sha256'): string {
  const pub = createPublicKey({ key: Buffer.from(p.public_key, 'base64'), format: 'der', type: 'spki' });
  return b64(publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, material));
}

const record = async (id: string): Promise<KeyRecord> => (await rig.kms.repo.get(rig.client.projectId, id))!;

describe('import of key material', () => {
  it('imports AES_256 material that then encrypts exactly like that key would outside the KMS', async () => {
    const id = await externalKey();
    expect((await kms('describe-key', { key_id: id })).key_info).toMatchObject({ key_state: '5', origin: 'external' });
    expect((await fail('encrypt-data', { key_id: id, plain_text: 'x' })).code).toBe('KMS.0308');

    const p = await params(id);
    expect(Object.keys(p).sort()).toEqual(['expiration_time', 'import_token', 'key_id', 'public_key']);
    expect(p.key_id).toBe(id);
    expect(Number.isInteger(p.expiration_time)).toBe(true);
    expect(p.expiration_time).toBe(Math.floor((rig.clock.now() + DAY_MS) / 1000)); // epoch seconds, 24 h
    expect(p.import_token.length).toBeGreaterThanOrEqual(200);
    const wrappingKey = createPublicKey({ key: Buffer.from(p.public_key, 'base64'), format: 'der', type: 'spki' });
    expect(wrappingKey.asymmetricKeyDetails?.modulusLength).toBe(2048);

    const material = randomBytes(32);
    const wrapped = wrap(p, material);
    expect(wrapped.length).toBe(344); // inside the documented 344-360 characters
    expect(await kms('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrapped })).toBeUndefined();
    expect((await kms('describe-key', { key_id: id })).key_info).toMatchObject({ key_state: '2', expiration_time: '' });

    // The key now is that material: decrypt the blob with node:crypto and the material we hold.
    const enc = await kms('encrypt-data', { key_id: id, plain_text: 'imported!' });
    const blob = Buffer.from(enc.cipher_text, 'base64');
    expect((await kms('decrypt-data', { cipher_text: enc.cipher_text })).plain_text).toBe('imported!');
    // Independently: AES-256-GCM under the material with the blob's IV gives the same ciphertext body.
    const iv = blob.subarray(44, 56);
    const body = blob.subarray(56, blob.length - 16);
    const c = createCipheriv('aes-256-gcm', material, iv);
    expect(Buffer.concat([c.update('imported!'), c.final()]).equals(body)).toBe(true);

    // The parameters were spent: the wrapping key is gone from the record.
    expect((await record(id)).importParams).toBeUndefined();
  });

  it('imports HMAC material (and RSAES_OAEP_SHA_1 wrapping when asked for)', async () => {
    const id = await externalKey('ext-hmac', 'HMAC_384');
    const p = await params(id, 'RSAES_OAEP_SHA_1');
    const material = randomBytes(48);
    await kms('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrap(p, material, 'sha1') });
    const r = await kms('generate-mac', { key_id: id, mac_algorithm: 'HMAC_SHA_384', message: b64(Buffer.from('m')) });
    expect(r.mac).toBe(createHmac('sha384', material).update('m').digest('hex'));
  });

  it('refuses bad tokens: malformed or expired (2601), for another key (2603), used or replaced (2605)', async () => {
    const id = await externalKey('ext-a');
    const other = await externalKey('ext-b');
    const material = randomBytes(32);
    const pOther = await params(other);
    const p1 = await params(id);
    const imp = (p: Params, token = p.import_token) => fail('import-key-material', { key_id: id, import_token: token, encrypted_key_material: wrap(p, material) });
    expect((await imp(p1, b64(randomBytes(192)))).code).toBe('KMS.2601');
    expect((await imp(p1, 'not base64!')).code).toBe('KMS.2601');
    expect((await imp(p1, b64(Buffer.from(p1.import_token, 'base64').subarray(0, 100)))).code).toBe('KMS.2601');
    expect((await imp(pOther)).code).toBe('KMS.2603');
    // A token that parses but was never issued for this key's current parameters.
    const forged = Buffer.from(p1.import_token, 'base64');
    forged[100] ^= 1;
    expect((await imp(p1, b64(forged))).code).toBe('KMS.2605');
    // New parameters replace the old ones: the first token is dead.
    const p2 = await params(id);
    expect((await imp(p1)).code).toBe('KMS.2605');
    await kms('import-key-material', { key_id: id, import_token: p2.import_token, encrypted_key_material: wrap(p2, material) });
    // Reusing a spent token: the key is no longer pending import (KMS.0310) ...
    expect((await imp(p2)).code).toBe('KMS.0310');
    // ... and after the material is deleted the spent token is still refused.
    await kms('delete-imported-key-material', { key_id: id });
    expect((await imp(p2)).code).toBe('KMS.2605');
    // Expired: 24 hours later.
    const p3 = await params(id);
    rig.clock.advance(DAY_MS + 1000);
    expect((await imp(p3)).code).toBe('KMS.2601');
  });

  it('refuses wrong material lengths (2604), past expiration times (2602), material that does not unwrap', async () => {
    const id = await externalKey();
    const p = await params(id);
    const imp = (extra: object) => fail('import-key-material', { key_id: id, import_token: p.import_token, ...extra });
    expect((await imp({ encrypted_key_material: wrap(p, randomBytes(16)) })).code).toBe('KMS.2604');
    expect((await imp({ encrypted_key_material: wrap(p, randomBytes(33)) })).code).toBe('KMS.2604');
    expect((await imp({ encrypted_key_material: wrap(p, randomBytes(32)), expiration_time: Math.floor(rig.clock.now() / 1000) - 1 })).code).toBe('KMS.2602');
    expect((await imp({ encrypted_key_material: wrap(p, randomBytes(32)), expiration_time: '1999999999' })).code).toBe('KMS.0308');
    expect((await imp({ encrypted_key_material: b64(randomBytes(256)) })).code).toBe('KMS.0308');
    expect((await imp({ encrypted_key_material: wrap(p, randomBytes(32), 'sha1') })).code).toBe('KMS.0308');
    expect((await imp({ encrypted_key_material: wrap(p, randomBytes(32)), encrypted_privatekey: b64(randomBytes(300)) })).code).toBe('KMS.0308');
    expect((await imp({})).code).toBe('KMS.0204');
    // None of that spent the token.
    await kms('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrap(p, randomBytes(32)) });
  });

  it('refuses import operations on keys that are not external (0309) or not pending import (0310)', async () => {
    const kmsKey = (await kms('create-key', { key_alias: 'native' })).key_info.key_id;
    expect((await fail('get-parameters-for-import', { key_id: kmsKey, wrapping_algorithm: 'RSAES_OAEP_SHA_256' })).code).toBe('KMS.0309');
    expect((await fail('delete-imported-key-material', { key_id: kmsKey })).code).toBe('KMS.0309');
    expect((await fail('import-key-material', { key_id: kmsKey, import_token: 'A'.repeat(256), encrypted_key_material: 'A'.repeat(344) })).code).toBe('KMS.0309');
    const id = await externalKey();
    expect((await fail('get-parameters-for-import', { key_id: id, wrapping_algorithm: 'RSAES_PKCS1_V1_5' })).code).toBe('KMS.0308');
    expect((await fail('get-parameters-for-import', { key_id: id })).code).toBe('KMS.0204');
    expect((await fail('delete-imported-key-material', { key_id: id })).code).toBe('KMS.2701');
    const p = await params(id);
    await kms('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrap(p, randomBytes(32)) });
    expect((await fail('get-parameters-for-import', { key_id: id, wrapping_algorithm: 'RSAES_OAEP_SHA_256' })).code).toBe('KMS.0310');
    // Keys with imported material do not rotate.
    expect((await fail('rotate-on-demand', { key_id: id })).code).toBe('KMS.0308');
  });

  it('delete-imported-key-material returns the key to pending import; only the same material comes back (2606)', async () => {
    const id = await externalKey();
    const material = randomBytes(32);
    let p = await params(id);
    await kms('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrap(p, material) });
    const enc = await kms('encrypt-data', { key_id: id, plain_text: 'kept' });
    await kms('disable-key', { key_id: id });
    await kms('delete-imported-key-material', { key_id: id });
    expect((await kms('describe-key', { key_id: id })).key_info.key_state).toBe('5');
    expect((await fail('decrypt-data', { cipher_text: enc.cipher_text })).code).toBe('KMS.0308');
    expect((await record(id)).versions).toEqual([]);

    p = await params(id);
    const e = await fail('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrap(p, randomBytes(32)) });
    expect(e.code).toBe('KMS.2606');
    await kms('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrap(p, material) });
    expect((await kms('decrypt-data', { cipher_text: enc.cipher_text })).plain_text).toBe('kept');
  });

  it('material with an expiration_time expires: the key goes back to pending import and maintenance writes it down', async () => {
    const id = await externalKey();
    const p = await params(id);
    const expires = Math.floor(rig.clock.now() / 1000) + 3600;
    await kms('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrap(p, randomBytes(32)), expiration_time: expires });
    expect((await kms('describe-key', { key_id: id })).key_info.expiration_time).toBe(String(expires * 1000));
    const enc = await kms('encrypt-data', { key_id: id, plain_text: 'x' });
    const stored = async () => JSON.parse(new TextDecoder().decode((await rig.store.get(`kms/${rig.client.projectId}/key/${id}`))!.value));
    rig.clock.advance(3600 * 1000);
    // Nothing has read the key since it expired: the stored record still holds the material...
    expect([(await stored()).state, (await stored()).versions.length]).toEqual(['2', 1]);
    // ...until maintenance writes the expiry down, with no API call involved.
    await runMaintenance(rig.kms);
    const after = await stored();
    expect([after.state, after.versions.length, after.materialExpiresAt]).toEqual(['5', 0, undefined]);
    expect((await fail('decrypt-data', { cipher_text: enc.cipher_text })).code).toBe('KMS.0308');
    expect((await kms('describe-key', { key_id: id })).key_info).toMatchObject({ key_state: '5', expiration_time: '' });
  });

  it('maintenance destroys expired import parameters; the wrapping key is sealed at rest, never stored in the clear', async () => {
    const id = await externalKey();
    const p = await params(id);
    const r = await record(id);
    expect(r.importParams).toBeDefined();
    const sealed = Buffer.from(r.importParams!.sealedPrivateKey, 'base64');
    // Sealed by the root key, bound to this key and token: opening it gives the private half of the public
    // key handed out, which appears nowhere in the store in the clear.
    const pkcs8 = await rig.kms.openSecret(sealed, ['import-wrapping-key', rig.client.projectId, id, r.importParams!.tokenHash]);
    const priv = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
    expect(createPublicKey(priv).export({ type: 'spki', format: 'der' }).toString('base64')).toBe(p.public_key);
    await expect(rig.kms.openSecret(sealed, ['import-wrapping-key', rig.client.projectId, 'another-key', r.importParams!.tokenHash])).rejects.toThrow();
    for (const path of await listAll(rig.store, '')) {
      const text = new TextDecoder().decode((await rig.store.get(path))!.value);
      expect(text.includes(Buffer.from(pkcs8).toString('base64').slice(0, 64))).toBe(false);
    }
    // The token itself is not stored either, only its hash.
    expect(JSON.stringify(r)).not.toContain(p.import_token.slice(0, 40));
    expect((await runMaintenance(rig.kms)).importsPurged).toBe(0);
    rig.clock.advance(DAY_MS + 1);
    expect((await runMaintenance(rig.kms)).importsPurged).toBe(1);
    expect((await record(id)).importParams).toBeUndefined();
  });

  it('a key scheduled for deletion in pending import goes back to pending import when cancelled', async () => {
    const id = await externalKey();
    await kms('schedule-key-deletion', { key_id: id, pending_days: '7' });
    expect((await fail('get-parameters-for-import', { key_id: id, wrapping_algorithm: 'RSAES_OAEP_SHA_256' })).code).toBe('KMS.0210');
    await kms('cancel-key-deletion', { key_id: id });
    expect((await kms('describe-key', { key_id: id })).key_info.key_state).toBe('5');
  });
});
