// Importing key material (BYOK) over signed HTTP (in-process): the whole flow with material wrapped by
// node:crypto, every refusal of the wire reference (KMS.2601-2606, 0309, 0310, 2701), expiry of material and
// of import parameters, and how the wrapping key is kept (sealed) and destroyed (after use).
import { constants, createCipheriv, createHash, createHmac, createPrivateKey, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
// @ts-expect-error sm-crypto ships no types
import smCrypto from 'sm-crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS, ManualClock } from '../../src/kms/clock.ts';
import { purgeExpiredImportParams } from '../../src/kms/import.ts';
import type { KeyRecord } from '../../src/kms/key-record.ts';
import { runMaintenance } from '../../src/kms/maintenance.ts';
import { ApiError } from '../../src/sdk/errors.ts';
import { observedCrypto } from '../helpers/observed-crypto.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { listAll, type Store } from '../../src/store/store.ts';
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

/** C1 ‖ C3 ‖ C2 under the SM2 wrapping key (sm-crypto, mode 1), as test/kms/sm.test.ts wraps it. */
function sm2Wrap(publicKey: string, material: Uint8Array): string {
  const point = Buffer.from(publicKey, 'base64').subarray(-65).toString('hex');
  return b64(Buffer.from('04' + smCrypto.sm2.doEncrypt(Array.from(material), point, 1), 'hex'));
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

describe('import: field rules and refusals, by their words', () => {
  /** Status, code and the server's error_msg (ApiError's message is "code: error_msg"). */
  const refusal = async (action: string, body: unknown) => {
    const e = await fail(action, body);
    return [e.status, e.code, e.message.slice(e.code.length + 2)];
  };
  const sha256hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  it('token, material and expiration_time fields', async () => {
    const id = await externalKey();
    const p = await params(id);
    const wrapped = wrap(p, randomBytes(32));
    const imp = (extra: object) => refusal('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrapped, ...extra });
    expect(await refusal('import-key-material', { key_id: id, encrypted_key_material: wrapped })).toEqual([400, 'KMS.0204', 'Missing required parameter: import_token.']);
    for (const token of [`!${p.import_token}`, `${p.import_token}!`]) expect(await imp({ import_token: token })).toEqual([400, 'KMS.2601', 'Invalid import_token: has an invalid format.']);
    expect(await imp({ import_token: 'A' })).toEqual([400, 'KMS.0308', 'Invalid import_token: it is not base64.']);
    for (const material of [`!${wrapped}`, `${wrapped}!`]) expect(await imp({ encrypted_key_material: material })).toEqual([400, 'KMS.0308', 'Invalid encrypted_key_material: has an invalid format.']);
    expect(await imp({ encrypted_key_material: 'A' })).toEqual([400, 'KMS.0308', 'Invalid encrypted_key_material: it is not base64.']);
    expect(await imp({ encrypted_privatekey: 'AAAA' })).toEqual([400, 'KMS.0308', 'Invalid encrypted_privatekey: importing asymmetric private keys is not supported by this server.']);
    expect((await imp({ expiration_time: -1 }))[1]).toBe('KMS.0308');
    expect(await imp({ expiration_time: Math.floor(rig.clock.now() / 1000) - 1 })).toEqual([400, 'KMS.2602', 'Invalid expiration_time: it must be in the future (epoch seconds).']);
    expect(await imp({ encrypted_key_material: wrap(p, randomBytes(31)) })).toEqual([400, 'KMS.2604', 'Invalid encrypted_key_material: AES_256 key material is 32 bytes, got 31.']);
    expect(await imp({ encrypted_key_material: b64(randomBytes(256)) })).toEqual([400, 'KMS.0308', 'Invalid encrypted_key_material: it does not unwrap with the wrapping key of this import token.']);
    // An empty encrypted_privatekey is no private key: the import goes ahead.
    expect(await kms('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrapped, encrypted_privatekey: '' })).toBeUndefined();
  });

  it('an expiration_time of exactly now is in the past', async () => {
    rig = await makeRig({ clock: new ManualClock(Math.floor(Date.now() / 1000) * 1000) });
    const id = await externalKey();
    const p = await params(id);
    const e = await fail('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrap(p, randomBytes(32)), expiration_time: rig.clock.now() / 1000 });
    expect(e.code).toBe('KMS.2602');
  });

  it('tokens: each refusal says which, and a token is dead at its expiry instant', async () => {
    const id = await externalKey('ext-t1');
    const other = await externalKey('ext-t2');
    const p = await params(id);
    const material = wrap(p, randomBytes(32));
    const imp = (token: Uint8Array | string) => refusal('import-key-material', { key_id: id, import_token: typeof token === 'string' ? token : b64(token), encrypted_key_material: material });
    const token = Buffer.from(p.import_token, 'base64');
    const notIssued = [400, 'KMS.2601', 'Invalid import_token: it is not a token this server issued.'];
    const edited = (at: number, value: number) => {
      const t = Buffer.from(token);
      t[at] = value;
      return t;
    };
    expect(await imp(edited(0, 0x46))).toEqual(notIssued); // magic
    expect(await imp(edited(4, 2))).toEqual(notIssued); // format
    expect(await imp(edited(5, 0x41))).toEqual(notIssued); // an upper-case letter in the key id
    expect(await imp((await params(other)).import_token)).toEqual([400, 'KMS.2603', `Invalid import_token: it was issued for another key, not ${id}.`]);
    expect(await imp(edited(100, token[100] ^ 1))).toEqual([400, 'KMS.2605', 'Invalid import_token: it was already used or replaced by newer import parameters.']);
    rig.clock.advance(DAY_MS);
    expect(await imp(token)).toEqual([400, 'KMS.2601', 'Invalid import_token: it has expired; get new import parameters.']);
  });

  it('refusals on keys name the key', async () => {
    const native = (await kms('create-key', { key_alias: 'native-words' })).key_info.key_id;
    expect(await refusal('get-parameters-for-import', { key_id: native, wrapping_algorithm: 'RSAES_OAEP_SHA_256' })).toEqual([
      400,
      'KMS.0309',
      `The key ${native} was not created for imported material (origin external).`,
    ]);
    const id = await externalKey();
    const material = randomBytes(32);
    let p = await params(id);
    await kms('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrap(p, material) });
    await kms('disable-key', { key_id: id });
    await kms('delete-imported-key-material', { key_id: id });
    p = await params(id);
    expect(await refusal('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrap(p, randomBytes(32)) })).toEqual([
      400,
      'KMS.2606',
      `The key material differs from the material imported into ${id} before; only the same material can be re-imported.`,
    ]);
  });

  it('an SM2 wrapping whose ciphertext is not C1 ‖ C3 ‖ C2 nor its ASN.1 form does not unwrap', async () => {
    const id = await externalKey('ext-sm2', 'SM4');
    const p = await params(id, 'SM2_ENCRYPT');
    for (const bytes of [Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]), Buffer.alloc(10, 1)]) {
      expect(await refusal('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: b64(bytes) })).toEqual([
        400,
        'KMS.0308',
        'Invalid encrypted_key_material: it does not unwrap with the wrapping key of this import token.',
      ]);
    }
  });

  it('the stored token hash and material fingerprint keep their documented form (records outlive releases)', async () => {
    const id = await externalKey();
    const p = await params(id);
    expect((await record(id)).importParams!.tokenHash).toBe(sha256hex(Buffer.from(p.import_token, 'base64')));
    const material = randomBytes(32);
    await kms('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrap(p, material) });
    const expected = sha256hex(Buffer.concat([Buffer.from('edgekms/imported-material/v1\u0000'), Buffer.from(id), material]));
    expect((await record(id)).importedDigest).toBe(expected);
  });
});

describe('import under concurrent change', () => {
  /** A store that, once, runs `during` just before the next write of `path` lands (another writer got there first). */
  function racingStore() {
    const inner = new MemoryStore();
    let trigger: { path: string; during: () => Promise<void> } | undefined;
    const store: Store = {
      get: (k) => inner.get(k),
      list: (prefix, options) => inner.list(prefix, options),
      delete: (k, options) => inner.delete(k, options),
      put: async (k, value, options) => {
        if (trigger && k === trigger.path) {
          const { during } = trigger;
          trigger = undefined;
          await during();
        }
        return inner.put(k, value, options);
      },
    };
    return { store, race: (path: string, during: () => Promise<void>) => (trigger = { path, during }) };
  }

  it('the token is checked again in the write: spent meanwhile, the import is refused and changes nothing', async () => {
    const { store, race } = racingStore();
    rig = await makeRig({ store });
    const id = await externalKey();
    const p = await params(id);
    race(`kms/${rig.client.projectId}/key/${id}`, async () => {
      await rig.kms.repo.update(rig.client.projectId, id, ({ importParams: _, ...rest }) => rest);
    });
    const e = await fail('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrap(p, randomBytes(32)) });
    expect([e.code, e.message]).toEqual(['KMS.2605', 'KMS.2605: Invalid import_token: it was already used or replaced by newer import parameters.']);
    expect([(await record(id)).state, (await record(id)).versions]).toEqual(['5', []]);
  });

  it('the fingerprint is checked again in the write', async () => {
    const { store, race } = racingStore();
    rig = await makeRig({ store });
    const id = await externalKey();
    const p = await params(id);
    race(`kms/${rig.client.projectId}/key/${id}`, async () => {
      await rig.kms.repo.update(rig.client.projectId, id, (r) => ({ ...r, importedDigest: 'f'.repeat(64) }));
    });
    const e = await fail('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrap(p, randomBytes(32)) });
    expect([e.code, e.message]).toEqual(['KMS.2606', `KMS.2606: The key material differs from the material imported into ${id} before.`]);
    expect((await record(id)).versions).toEqual([]);
  });

  it('maintenance purges parameters at their expiry instant, and not ones renewed since it read the key', async () => {
    const id = await externalKey();
    await params(id);
    const stale = await record(id);
    rig.clock.set(stale.importParams!.expiresAt);
    // Renewed meanwhile: the stale view says expired, the key holds fresh parameters.
    const fresh = await params(id);
    expect(await purgeExpiredImportParams(rig.kms, rig.client.projectId, stale)).toBe(0);
    expect((await record(id)).importParams!.tokenHash).toBe(createHash('sha256').update(Buffer.from(fresh.import_token, 'base64')).digest('hex'));
    // Spent meanwhile: nothing left to purge.
    await kms('import-key-material', { key_id: id, import_token: fresh.import_token, encrypted_key_material: wrap(fresh, randomBytes(32)) });
    expect(await purgeExpiredImportParams(rig.kms, rig.client.projectId, stale)).toBe(0);
    // A key without parameters, and one whose parameters expire exactly now.
    expect(await purgeExpiredImportParams(rig.kms, rig.client.projectId, await record(id))).toBe(0);
    const other = await externalKey();
    await params(other);
    rig.clock.set((await record(other)).importParams!.expiresAt);
    expect(await purgeExpiredImportParams(rig.kms, rig.client.projectId, await record(other))).toBe(1);
    expect((await record(other)).importParams).toBeUndefined();
  });

  it('a purge whose write fails reports the failure', async () => {
    const { FaultyStore } = await import('../helpers/faulty-store.ts');
    const store = new FaultyStore(new MemoryStore());
    rig = await makeRig({ store });
    const id = await externalKey();
    await params(id);
    const r = await record(id);
    rig.clock.advance(DAY_MS + 1);
    store.arm(1);
    const e = await rejection(purgeExpiredImportParams(rig.kms, rig.client.projectId, r));
    expect(e).toBe(store.injected);
    expect(e).toBeDefined();
    store.arm(0);
    expect((await record(id)).importParams).toBeDefined();
  });
});

describe('import: secret hygiene', () => {
  it('the wrapping private key and the imported material are zeroed once each operation has answered', async () => {
    const { crypto, sealed, opened } = observedCrypto();
    rig = await makeRig({ crypto });
    for (const [spec, algorithm, bytes] of [
      ['AES_256', 'RSAES_OAEP_SHA_256', 32],
      ['SM4', 'SM2_ENCRYPT', 16],
    ] as const) {
      sealed.length = 0;
      opened.length = 0;
      const id = await externalKey(`hyg-${spec}`, spec);
      const p = await params(id, algorithm);
      const material = randomBytes(bytes);
      const wrapped = algorithm === 'SM2_ENCRYPT' ? sm2Wrap(p.public_key, material) : wrap(p, material);
      await kms('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrapped });
      // Sealed: the wrapping private key (RSA PKCS#8 or the SM2 scalar), then the material; opened: the wrapping key.
      const privateBytes = algorithm === 'SM2_ENCRYPT' ? 32 : sealed[0].length;
      expect([sealed.map((s) => s.length), opened.map((o) => o.length)], spec).toEqual([[privateBytes, bytes], [privateBytes]]);
      for (const b of [...sealed, ...opened]) expect(b.every((x) => x === 0), `${spec}: ${b.length} bytes`).toBe(true);
    }
  });
});
