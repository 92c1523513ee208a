// encrypt-data / decrypt-data and data keys: round trips, encodings, limits, and every way a ciphertext
// can be wrong (another key, project, AAD, purpose, or a single flipped bit).
import { constants, createHash, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.ts';
import { sealBlob } from '../../src/kms/data.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { observedCrypto } from '../helpers/observed-crypto.ts';
import { ApiError } from '../../src/sdk/errors.ts';
import type { Store } from '../../src/store/store.ts';
import { OTHER_PROJECT, makeRig, rejection, type Rig } from '../helpers/kms.ts';

let rig: Rig;
let key: string;
beforeEach(async () => {
  rig = await makeRig();
  key = (await kms('create-key', { key_alias: 'data' })).key_info.key_id;
});

const kms = (action: string, body: unknown, client = rig.client) => client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
const fail = (action: string, body: unknown, client = rig.client) => rejection<ApiError>(kms(action, body, client));

describe('encrypt-data / decrypt-data', () => {
  it('round-trips UTF-8 text; decrypt needs no key_id', async () => {
    for (const text of ['hello world', 'ключ 🔑 密钥', 'x', 'a'.repeat(4096), '\u0000\n\t"\\']) {
      const enc = await kms('encrypt-data', { key_id: key, plain_text: text });
      expect(enc.key_id).toBe(key);
      expect(enc.cipher_text).toMatch(/^[A-Za-z0-9+/]+=*$/);
      const dec = await kms('decrypt-data', { cipher_text: enc.cipher_text });
      expect(dec).toEqual({ key_id: key, plain_text: text, plain_text_base64: Buffer.from(text).toString('base64') });
    }
  });

  it('limits plain_text to 4096 UTF-8 bytes and rejects ill-formed Unicode', async () => {
    expect((await fail('encrypt-data', { key_id: key, plain_text: 'é'.repeat(2049) })).code).toBe('KMS.0308');
    expect((await fail('encrypt-data', { key_id: key, plain_text: '' })).code).toBe('KMS.0308');
    expect((await fail('encrypt-data', { key_id: key, plain_text: '\ud800' })).code).toBe('KMS.0308');
    expect((await fail('encrypt-data', { key_id: key })).code).toBe('KMS.0204');
    expect((await fail('encrypt-data', { key_id: key, plain_text: 5 })).code).toBe('KMS.0308');
  });

  it('binds additional_authenticated_data', async () => {
    const enc = await kms('encrypt-data', { key_id: key, plain_text: 'secret', additional_authenticated_data: 'tenant=1' });
    expect((await kms('decrypt-data', { cipher_text: enc.cipher_text, additional_authenticated_data: 'tenant=1' })).plain_text).toBe('secret');
    for (const aad of [undefined, '', 'tenant=2', 'tenant=1 ']) {
      expect((await fail('decrypt-data', { cipher_text: enc.cipher_text, additional_authenticated_data: aad })).code).toBe('KMS.0308');
    }
    expect((await fail('encrypt-data', { key_id: key, plain_text: 'x', additional_authenticated_data: 'a'.repeat(129) })).code).toBe('KMS.0208');
  });

  it('refuses a ciphertext under another key, in another project, or with any bit flipped', async () => {
    const enc = await kms('encrypt-data', { key_id: key, plain_text: 'bits' });
    const other = (await kms('create-key', { key_alias: 'other' })).key_info.key_id;
    const e1 = await fail('decrypt-data', { cipher_text: enc.cipher_text, key_id: other });
    expect([e1.status, e1.code]).toEqual([400, 'KMS.0308']);
    const e2 = await fail('decrypt-data', { cipher_text: enc.cipher_text }, rig.clientFor(OTHER_PROJECT));
    expect([e2.status, e2.code]).toEqual([400, 'KMS.0207']);
    const blob = Buffer.from(enc.cipher_text, 'base64');
    for (let i = 0; i < blob.length; i++) {
      for (const bit of [0, 7]) {
        const bad = Buffer.from(blob);
        bad[i] ^= 1 << bit;
        const e = await fail('decrypt-data', { cipher_text: bad.toString('base64') });
        expect(e.status, `byte ${i} bit ${bit}`).toBe(400);
        expect(e.code, `byte ${i} bit ${bit}`).toMatch(/^KMS\.(0308|0207|0205)$/);
      }
    }
    for (const bad of [blob.subarray(0, blob.length - 1), Buffer.concat([blob, Buffer.from([0])]), Buffer.alloc(0)]) {
      const e = await fail('decrypt-data', { cipher_text: bad.toString('base64') });
      expect(e.status).toBe(400);
    }
    expect((await fail('decrypt-data', { cipher_text: '!!!notbase64' })).code).toBe('KMS.0308');
    expect((await fail('decrypt-data', { cipher_text: 'QUJD' + '=' })).code).toBe('KMS.0308');
  });

  it('keeps the two purposes apart: a data-key blob is not an encrypt-data blob', async () => {
    const dk = await kms('create-datakey', { key_id: key });
    const asBase64 = Buffer.from(dk.cipher_text, 'hex').toString('base64');
    expect((await fail('decrypt-data', { cipher_text: asBase64 })).code).toBe('KMS.0308');
    const enc = await kms('encrypt-data', { key_id: key, plain_text: 'x'.repeat(32) });
    const asHex = Buffer.from(enc.cipher_text, 'base64').toString('hex');
    expect((await fail('decrypt-datakey', { key_id: key, cipher_text: asHex, datakey_cipher_length: '32' })).code).toBe('KMS.2201');
  });
});

describe('data keys', () => {
  it('create-datakey: bits in, upper-case hex out, and decrypt-datakey returns it with its SHA-256', async () => {
    for (const [body, bytes] of [
      [{}, 32],
      [{ key_spec: 'AES_128' }, 16],
      [{ key_spec: 'AES_256' }, 32],
      [{ datakey_length: '512' }, 64],
      [{ key_spec: 'AES_128', datakey_length: '8' }, 1],
      [{ datakey_length: '8192' }, 1024],
    ] as const) {
      const dk = await kms('create-datakey', { key_id: key, ...body });
      expect(dk.plain_text).toMatch(new RegExp(`^[0-9A-F]{${bytes * 2}}$`));
      expect(dk.cipher_text).toMatch(/^[0-9A-F]+$/);
      const back = await kms('decrypt-datakey', { key_id: key, cipher_text: dk.cipher_text.toLowerCase(), datakey_cipher_length: String(bytes) });
      expect(back).toEqual({
        data_key: dk.plain_text,
        datakey_length: String(bytes),
        datakey_dgst: createHash('sha256').update(Buffer.from(dk.plain_text, 'hex')).digest('hex').toUpperCase(),
      });
    }
    for (const bad of ['0', '12', '8200', '256 ']) expect((await fail('create-datakey', { key_id: key, datakey_length: bad })).code).toBe('KMS.1901');
  });

  it('create-datakey-without-plaintext returns only the ciphertext, which decrypts', async () => {
    const dk = await kms('create-datakey-without-plaintext', { key_id: key, datakey_length: '256', additional_authenticated_data: 'ctx' });
    expect(Object.keys(dk).sort()).toEqual(['cipher_text', 'key_id']);
    const back = await kms('decrypt-datakey', { key_id: key, cipher_text: dk.cipher_text, datakey_cipher_length: '32', additional_authenticated_data: 'ctx' });
    expect(back.data_key).toMatch(/^[0-9A-F]{64}$/);
    expect((await fail('decrypt-datakey', { key_id: key, cipher_text: dk.cipher_text, datakey_cipher_length: '32' })).code).toBe('KMS.2201');
  });

  it('encrypt-datakey takes DEK ‖ SHA-256(DEK) in hex and checks the digest and lengths', async () => {
    const dek = Buffer.alloc(64, 0xab);
    const digest = createHash('sha256').update(dek).digest();
    const plain = Buffer.concat([dek, digest]).toString('hex');
    const enc = await kms('encrypt-datakey', { key_id: key, plain_text: plain, datakey_plain_length: '64' });
    expect(enc).toMatchObject({ key_id: key, datakey_length: '64' });
    const back = await kms('decrypt-datakey', { key_id: key, cipher_text: enc.cipher_text, datakey_cipher_length: '64' });
    expect(back.data_key).toBe(dek.toString('hex').toUpperCase());
    const wrongDigest = Buffer.concat([dek, Buffer.alloc(32)]).toString('hex');
    expect((await fail('encrypt-datakey', { key_id: key, plain_text: wrongDigest, datakey_plain_length: '64' })).code).toBe('KMS.2103');
    expect((await fail('encrypt-datakey', { key_id: key, plain_text: plain, datakey_plain_length: '63' })).code).toBe('KMS.2101');
    expect((await fail('encrypt-datakey', { key_id: key, plain_text: plain, datakey_plain_length: '1025' })).code).toBe('KMS.2102');
    expect((await fail('encrypt-datakey', { key_id: key, plain_text: 'zz', datakey_plain_length: '1' })).code).toBe('KMS.2101');
    expect((await fail('decrypt-datakey', { key_id: key, cipher_text: enc.cipher_text, datakey_cipher_length: '32' })).code).toBe('KMS.2202');
    expect((await fail('decrypt-datakey', { key_id: key, cipher_text: 'abc', datakey_cipher_length: '32' })).code).toBe('KMS.2201');
    const other = (await kms('create-key', { key_alias: 'other' })).key_info.key_id;
    expect((await fail('decrypt-datakey', { key_id: other, cipher_text: enc.cipher_text, datakey_cipher_length: '64' })).code).toBe('KMS.2201');
  });
});

describe('rotation', () => {
  it('rotates on demand and automatically; old ciphertexts keep decrypting', async () => {
    const { runMaintenance } = await import('../../src/kms/maintenance.ts');
    const { DAY_MS } = await import('../../src/kms/clock.ts');
    const before = await kms('encrypt-data', { key_id: key, plain_text: 'v1' });
    const s0 = await kms('get-key-rotation-status', { key_id: key });
    expect(s0).toMatchObject({ key_rotation_enabled: false, rotation_interval: 365, last_rotation_time: '', number_of_rotations: 0 });
    expect(await kms('rotate-on-demand', { key_id: key })).toEqual({ key_id: key });
    const after = await kms('encrypt-data', { key_id: key, plain_text: 'v2' });
    // The version is part of the blob header (bytes 40..43).
    expect(Buffer.from(before.cipher_text, 'base64').readUInt32BE(40)).toBe(1);
    expect(Buffer.from(after.cipher_text, 'base64').readUInt32BE(40)).toBe(2);
    expect((await kms('decrypt-data', { cipher_text: before.cipher_text })).plain_text).toBe('v1');
    const s1 = await kms('get-key-rotation-status', { key_id: key });
    expect(s1.number_of_rotations).toBe(1);
    expect(Number(s1.last_rotation_time)).toBe(rig.clock.now());
    expect(s1.key_materials.map((m: { state: number }) => m.state)).toEqual([0, 2]);

    for (const days of [29, 366]) expect((await fail('update-key-rotation-interval', { key_id: key, rotation_interval: days })).code).toBe('KMS.0308');
    expect((await fail('update-key-rotation-interval', { key_id: key, rotation_interval: '30' })).code).toBe('KMS.0308');
    expect(await kms('update-key-rotation-interval', { key_id: key, rotation_interval: 30 })).toBeUndefined();
    expect(await kms('enable-key-rotation', { key_id: key })).toBeUndefined();
    expect((await kms('describe-key', { key_id: key })).key_info.key_rotation_enabled).toBe('true');
    rig.clock.advance(29 * DAY_MS);
    expect((await runMaintenance(rig.kms)).rotated).toBe(0);
    rig.clock.advance(2 * DAY_MS);
    expect((await runMaintenance(rig.kms)).rotated).toBe(1);
    expect((await runMaintenance(rig.kms)).rotated).toBe(0);
    const s2 = await kms('get-key-rotation-status', { key_id: key });
    expect(s2).toMatchObject({ key_rotation_enabled: true, rotation_interval: 30, number_of_rotations: 2 });
    for (const c of [before, after]) expect((await kms('decrypt-data', { cipher_text: c.cipher_text })).key_id).toBe(key);
    await kms('disable-key-rotation', { key_id: key });
    rig.clock.advance(100 * DAY_MS);
    expect((await runMaintenance(rig.kms)).rotated).toBe(0);
    // A disabled key does not rotate on demand.
    await kms('disable-key', { key_id: key });
    expect((await fail('rotate-on-demand', { key_id: key })).code).toBe('KMS.0209');
  });
});

describe('aliases', () => {
  it('create, resolve as alias/<name> and URN, list as an array, associate, delete', async () => {
    const created = await rig.client.request('POST', '/v1.0/{project_id}/kms/aliases', { key_id: key, alias: 'payments' });
    expect(created).toMatchObject({ key_id: key, alias: 'payments' });
    expect(created.alias_urn).toBe(`kms:${rig.kms.region}:${rig.kms.domainId}:alias:payments`);
    expect(created.create_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const enc = await kms('encrypt-data', { key_id: 'alias/payments', plain_text: 'via alias' });
    expect(enc.key_id).toBe(key);
    expect((await kms('describe-key', { key_id: created.alias_urn })).key_info.key_id).toBe(key);
    expect((await rejection<ApiError>(rig.client.request('POST', '/v1.0/{project_id}/kms/aliases', { key_id: key, alias: 'payments' }))).code).toBe('KMS.1104');

    const list = await rig.client.request('GET', '/v1.0/{project_id}/kms/aliases', undefined, { key_id: key });
    expect(Array.isArray(list)).toBe(true);
    expect(list[0].aliases.map((a: { alias: string }) => a.alias)).toEqual(['payments']);
    expect(list[0].page_info).toEqual({ next_marker: '', current_count: 1 });

    const other = (await kms('create-key', { key_alias: 'other' })).key_info.key_id;
    const moved = await rig.client.request('POST', '/v1.0/{project_id}/kms/alias/associate', { alias: 'payments', target_key_id: other });
    expect(moved.key_id).toBe(other);
    expect((await kms('encrypt-data', { key_id: 'alias/payments', plain_text: 'x' })).key_id).toBe(other);
    // Deleting needs the key it points at; a wrong pairing changes nothing.
    expect((await rejection<ApiError>(rig.client.request('DELETE', '/v1.0/{project_id}/kms/aliases', { key_id: key, aliases: ['payments'] }))).code).toBe('KMS.0308');
    expect(await rig.client.request('DELETE', '/v1.0/{project_id}/kms/aliases', { key_id: other, aliases: ['payments'] })).toBeUndefined();
    expect((await fail('encrypt-data', { key_id: 'alias/payments', plain_text: 'x' })).code).toBe('KMS.0207');
  });
});

describe('plaintext hygiene', () => {
  const zeroed = (b: Uint8Array) => b.length > 0 && b.every((x) => x === 0);

  it('every plaintext and data key is zeroed once the operation has answered', async () => {
    const seen = observedCrypto();
    rig = await makeRig({ crypto: seen.crypto });
    const root = seen.sealed.length;
    key = (await kms('create-key', { key_alias: 'hygiene' })).key_info.key_id;
    const enc = await kms('encrypt-data', { key_id: key, plain_text: 'wipe me' });
    expect((await kms('decrypt-data', { cipher_text: enc.cipher_text })).plain_text).toBe('wipe me');
    const dk = await kms('create-datakey', { key_id: key, datakey_length: '128' });
    await kms('create-datakey-without-plaintext', { key_id: key, datakey_length: '128' });
    const dek = Buffer.from(dk.plain_text, 'hex');
    const plain = Buffer.concat([dek, createHash('sha256').update(dek).digest()]).toString('hex');
    await kms('encrypt-datakey', { key_id: key, plain_text: plain, datakey_plain_length: '16' });
    expect((await kms('decrypt-datakey', { key_id: key, cipher_text: dk.cipher_text, datakey_cipher_length: '16' })).data_key).toBe(dk.plain_text);
    // The KMS's own seals (the root key wrapping new material) are not request plaintext.
    const requestSeals = seen.sealed.slice(root).filter((p) => p.length !== 32);
    const requestOpens = seen.opened.filter((p) => p.length !== 32);
    expect([requestSeals.map((p) => p.length), requestOpens.map((p) => p.length)]).toEqual([[7, 16, 16, 16], [7, 16]]);
    for (const p of [...requestSeals, ...requestOpens]) expect(zeroed(p), `${p.length} bytes`).toBe(true);
  });
});

describe('field rules and refusals, by their words', () => {
  const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();
  const datakeyPlain = (dek: Buffer) => Buffer.concat([dek, sha256(dek)]).toString('hex');
  /** Status, code and the server's error_msg (ApiError's message is "code: error_msg"). */
  const refusal = async (action: string, body: unknown) => {
    const e = await fail(action, body);
    return [e.status, e.code, e.message.slice(e.code.length + 2)];
  };
  const usedFor = (id: string, spec: string, usage: string, op: string) => `The key ${id} (${spec}, ${usage}) cannot be used for ${op}.`;

  it('a key that is not a symmetric encryption key is refused by name, for the operation asked', async () => {
    const mac = (await kms('create-key', { key_alias: 'mac', key_spec: 'HMAC_256' })).key_info.key_id;
    const usage = 'GENERATE_VERIFY_MAC';
    expect(await refusal('encrypt-data', { key_id: mac, plain_text: 'x' })).toEqual([400, 'KMS.0308', usedFor(mac, 'HMAC_256', usage, 'encrypt-data')]);
    expect(await refusal('create-datakey', { key_id: mac })).toEqual([400, 'KMS.0308', usedFor(mac, 'HMAC_256', usage, 'data keys')]);
    const dek = Buffer.alloc(16, 1);
    expect(await refusal('encrypt-datakey', { key_id: mac, plain_text: datakeyPlain(dek), datakey_plain_length: '16' })).toEqual([400, 'KMS.0308', usedFor(mac, 'HMAC_256', usage, 'encrypt-datakey')]);
    const dk = await kms('create-datakey', { key_id: key });
    expect(await refusal('decrypt-datakey', { key_id: mac, cipher_text: dk.cipher_text, datakey_cipher_length: '32' })).toEqual([400, 'KMS.0308', usedFor(mac, 'HMAC_256', usage, 'decrypt-datakey')]);
    // A blob whose header names the HMAC key (its tag is for another key, but the key is refused first).
    const blob = Buffer.from((await kms('encrypt-data', { key_id: key, plain_text: 'x' })).cipher_text, 'base64');
    blob.write(mac, 4, 'ascii');
    expect(await refusal('decrypt-data', { cipher_text: blob.toString('base64') })).toEqual([400, 'KMS.0308', usedFor(mac, 'HMAC_256', usage, 'decryption')]);
  });

  it('a key record whose usage is not ENCRYPT_DECRYPT is not used to encrypt, whatever its spec', async () => {
    await rig.kms.repo.update(rig.client.projectId, key, (r) => ({ ...r, usage: 'SIGN_VERIFY' }));
    expect(await refusal('encrypt-data', { key_id: key, plain_text: 'x' })).toEqual([400, 'KMS.0308', usedFor(key, 'AES_256', 'SIGN_VERIFY', 'encrypt-data')]);
  });

  it('sealBlob refuses a key without material, and writes nothing', async () => {
    const r = (await rig.kms.repo.get(rig.client.projectId, key))!;
    const e = await rejection(sealBlob(rig.kms, { ...r, versions: [] }, 'data', new Uint8Array(1), new Uint8Array(0)));
    expect([e.code, e.message]).toEqual(['KMS.0308', `The key ${key} has no key material.`]);
    expect(await rig.kms.repo.get(rig.client.projectId, key)).toEqual(r);
  });

  it('encrypt-data / decrypt-data: algorithm, key_id and cipher_text rules', async () => {
    const enc = await kms('encrypt-data', { key_id: key, plain_text: 'x', encryption_algorithm: '' });
    expect((await kms('decrypt-data', { cipher_text: enc.cipher_text, encryption_algorithm: '', key_id: '' })).plain_text).toBe('x');
    const algorithms = 'must be one of SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1, SM2_ENCRYPT';
    expect(await refusal('encrypt-data', { key_id: key, plain_text: 'x', encryption_algorithm: 'AES_GCM' })).toEqual([400, 'KMS.0308', `Invalid encryption_algorithm: ${algorithms}.`]);
    expect(await refusal('decrypt-data', { cipher_text: enc.cipher_text, encryption_algorithm: 'AES_GCM' })).toEqual([400, 'KMS.0308', `Invalid encryption_algorithm: ${algorithms}.`]);
    expect(await refusal('encrypt-data', { key_id: key, plain_text: 'x', encryption_algorithm: 'RSAES_OAEP_SHA_256' })).toEqual([400, 'KMS.0308', 'Invalid encryption_algorithm: AES_256 keys use SYMMETRIC_DEFAULT.']);
    expect(await refusal('encrypt-data', { key_id: key, plain_text: '\ud800' })).toEqual([400, 'KMS.0308', 'Invalid plain_text: it is not well-formed Unicode.']);
    expect(await refusal('decrypt-data', {})).toEqual([400, 'KMS.0204', 'Missing required parameter: cipher_text.']);
    for (const text of ['QUJD!', '!QUJD']) expect(await refusal('decrypt-data', { cipher_text: text })).toEqual([400, 'KMS.0308', 'Invalid cipher_text: has an invalid format.']);
    const bad = 'Invalid cipher_text: it is malformed, was altered, or belongs to another key, project or additional_authenticated_data.';
    expect(await refusal('decrypt-data', { cipher_text: 'QUJD=' })).toEqual([400, 'KMS.0308', bad]);
    expect(await refusal('decrypt-data', { cipher_text: enc.cipher_text, key_id: `alias/${'a'.repeat(600)}` })).toEqual([400, 'KMS.0205', 'Invalid key_id: must be at most 512 characters.']);
  });

  it('a blob naming a version its key does not have is refused as a bad ciphertext', async () => {
    const blob = Buffer.from((await kms('encrypt-data', { key_id: key, plain_text: 'x' })).cipher_text, 'base64');
    blob.writeUInt32BE(2, 40);
    const e = await fail('decrypt-data', { cipher_text: blob.toString('base64') });
    expect([e.status, e.code]).toEqual([400, 'KMS.0308']);
  });

  it('service default keys are created on first use by every data operation', async () => {
    const enc = await kms('encrypt-data', { key_id: 'app1/default', plain_text: 'x' });
    expect((await kms('describe-key', { key_id: 'app1/default' })).key_info.key_id).toBe(enc.key_id);
    expect((await kms('create-datakey', { key_id: 'app2/default' })).key_id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await kms('create-datakey-without-plaintext', { key_id: 'app3/default' })).key_id).toMatch(/^[0-9a-f-]{36}$/);
    const dek = Buffer.alloc(16, 2);
    expect((await kms('encrypt-datakey', { key_id: 'app4/default', plain_text: datakeyPlain(dek), datakey_plain_length: '16' })).datakey_length).toBe('16');
    // Decrypting with a default key that does not exist yet creates it; the blob of another key is then refused.
    expect((await fail('decrypt-data', { cipher_text: enc.cipher_text, key_id: 'app5/default' })).code).toBe('KMS.0308');
    expect((await fail('decrypt-datakey', { key_id: 'app6/default', cipher_text: (await kms('create-datakey', { key_id: key })).cipher_text, datakey_cipher_length: '32' })).code).toBe('KMS.2201');
    for (const name of ['app5/default', 'app6/default']) expect((await kms('describe-key', { key_id: name })).key_info.default_key_flag).toBe('1');
  });

  it('create-datakey: key_spec and datakey_length rules', async () => {
    for (const [body, bytes] of [
      [{ key_spec: '' }, 32],
      [{ datakey_length: '' }, 32],
      [{ key_spec: 'SM4' }, 16],
      [{ key_spec: 'HMAC_384' }, 48],
      [{ key_spec: 'HMAC_512' }, 64],
      [{ key_spec: 'HMAC_SM3' }, 32],
      [{ key_spec: 'HMAC_256' }, 32],
    ] as const) {
      expect((await kms('create-datakey', { key_id: key, ...body })).plain_text.length / 2, JSON.stringify(body)).toBe(bytes);
    }
    expect((await fail('create-datakey', { key_id: key, key_spec: 'AES_512' })).message).toBe('KMS.0308: Invalid key_spec: must be one of AES_256, AES_128, SM4, HMAC_256, HMAC_384, HMAC_512, HMAC_SM3.');
    expect(await refusal('create-datakey', { key_id: key, datakey_length: '12' })).toEqual([400, 'KMS.1901', 'Invalid datakey_length: must be a multiple of 8 from 8 to 8192 bits.']);
  });

  it('encrypt-datakey: plain_text and datakey_plain_length rules, at their bounds', async () => {
    for (const n of [1, 1024]) {
      const dek = Buffer.alloc(n, 3);
      const enc = await kms('encrypt-datakey', { key_id: key, plain_text: datakeyPlain(dek), datakey_plain_length: String(n) });
      expect((await kms('decrypt-datakey', { key_id: key, cipher_text: enc.cipher_text, datakey_cipher_length: String(n) })).data_key).toBe(dek.toString('hex').toUpperCase());
    }
    // Zero key bytes followed by the digest of nothing is still refused by the length.
    const empty = sha256(new Uint8Array(0)).toString('hex');
    expect(await refusal('encrypt-datakey', { key_id: key, plain_text: empty, datakey_plain_length: '0' })).toEqual([400, 'KMS.2102', 'Invalid datakey_plain_length: must be 1-1024 bytes.']);
    expect(await refusal('encrypt-datakey', { key_id: key, plain_text: empty })).toEqual([400, 'KMS.0204', 'Missing required parameter: datakey_plain_length.']);
    expect(await refusal('encrypt-datakey', { key_id: key, datakey_plain_length: '1' })).toEqual([400, 'KMS.0204', 'Missing required parameter: plain_text.']);
    for (const text of ['zz00', '00zz']) expect(await refusal('encrypt-datakey', { key_id: key, plain_text: text, datakey_plain_length: '1' })).toEqual([400, 'KMS.2101', 'Invalid plain_text: has an invalid format.']);
    expect(await refusal('encrypt-datakey', { key_id: key, plain_text: 'abc', datakey_plain_length: '1' })).toEqual([400, 'KMS.2101', 'Invalid plain_text: it is not hex.']);
    const dek = Buffer.alloc(16, 4);
    expect(await refusal('encrypt-datakey', { key_id: key, plain_text: datakeyPlain(dek), datakey_plain_length: '15' })).toEqual([
      400,
      'KMS.2101',
      'Invalid plain_text: expected 15 key bytes followed by their SHA-256 digest.',
    ]);
  });

  it('decrypt-datakey: cipher_text and datakey_cipher_length rules', async () => {
    const dk = await kms('create-datakey', { key_id: key, datakey_length: '128' });
    const bad = 'Invalid cipher_text: it is malformed, was altered, or belongs to another key, project or additional_authenticated_data.';
    for (const length of ['0', '1025']) {
      expect(await refusal('decrypt-datakey', { key_id: key, cipher_text: dk.cipher_text, datakey_cipher_length: length }), length).toEqual([400, 'KMS.2202', 'Invalid datakey_cipher_length: must be 1-1024 bytes.']);
    }
    expect(await refusal('decrypt-datakey', { key_id: key, cipher_text: dk.cipher_text })).toEqual([400, 'KMS.0204', 'Missing required parameter: datakey_cipher_length.']);
    expect(await refusal('decrypt-datakey', { key_id: key, datakey_cipher_length: '16' })).toEqual([400, 'KMS.0204', 'Missing required parameter: cipher_text.']);
    for (const text of ['zz00', '00zz']) expect(await refusal('decrypt-datakey', { key_id: key, cipher_text: text, datakey_cipher_length: '16' })).toEqual([400, 'KMS.2201', 'Invalid cipher_text: has an invalid format.']);
    expect(await refusal('decrypt-datakey', { key_id: key, cipher_text: 'abc', datakey_cipher_length: '16' })).toEqual([400, 'KMS.2201', bad]);
    expect(await refusal('decrypt-datakey', { key_id: key, cipher_text: dk.cipher_text, datakey_cipher_length: '32' })).toEqual([400, 'KMS.2202', 'Invalid datakey_cipher_length: the data key is 16 bytes.']);
  });

  it('decrypt-data answers a plaintext that is not UTF-8 as an empty plain_text and its base64', async () => {
    const r = (await rig.kms.repo.get(rig.client.projectId, key))!;
    const blob = await sealBlob(rig.kms, r, 'data', new Uint8Array([0xff, 0xfe]), new Uint8Array(0));
    expect(await kms('decrypt-data', { cipher_text: Buffer.from(blob).toString('base64') })).toEqual({ key_id: key, plain_text: '', plain_text_base64: '//4=' });
  });

  it('a ciphertext presented with another key_id is refused even when both keys hold the same material', async () => {
    const material = randomBytes(32);
    const ids: string[] = [];
    for (const alias of ['twin-1', 'twin-2']) {
      const id = (await kms('create-key', { key_alias: alias, origin: 'external' })).key_info.key_id;
      const p = await kms('get-parameters-for-import', { key_id: id, wrapping_algorithm: 'RSAES_OAEP_SHA_256' });
      const pub = createPublicKey({ key: Buffer.from(p.public_key, 'base64'), format: 'der', type: 'spki' });
      const wrapped = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material).toString('base64');
      await kms('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrapped });
      ids.push(id);
    }
    const enc = await kms('encrypt-data', { key_id: ids[0], plain_text: 'twin' });
    expect((await kms('decrypt-data', { cipher_text: enc.cipher_text, key_id: ids[0] })).plain_text).toBe('twin');
    expect((await fail('decrypt-data', { cipher_text: enc.cipher_text, key_id: ids[1] })).code).toBe('KMS.0308');
    const dk = await kms('create-datakey', { key_id: ids[0] });
    expect((await fail('decrypt-datakey', { key_id: ids[1], cipher_text: dk.cipher_text, datakey_cipher_length: '32' })).code).toBe('KMS.2201');
  });
});

describe('rotation at the seal threshold', () => {
  const limits = { sealsBeforeRotation: 1, sealLimit: 100, sealFlushEvery: 50 };
  const failures: [string, string][] = [];

  /** A KMS over the rig's store (another process, like seal-counter.test.ts) that reports rotation failures. */
  async function setup(store: Store) {
    const { Kms } = await import('../../src/kms/kms.ts');
    const { RootKey } = await import('../../src/kms/root-key.ts');
    rig = await makeRig({ store, limits });
    failures.length = 0;
    const make = async (report: boolean) =>
      new Kms({
        store,
        rootKey: await RootKey.fromBytes(new Uint8Array(32).fill(7), nodeCrypto),
        crypto: nodeCrypto,
        domainId: rig.kms.domainId,
        clock: rig.clock,
        limits,
        onSealRotationFailure: report ? (r, e) => failures.push([r.id, (e as Error).message]) : undefined,
      });
    return { reporting: await make(true), silent: await make(false) };
  }

  it('a seal that finds its version already rotated away does not rotate again, and that is no failure', async () => {
    const { MemoryStore } = await import('../../src/store/memory.ts');
    const { reporting } = await setup(new MemoryStore());
    key = (await kms('create-key', { key_alias: 'rot' })).key_info.key_id;
    const stale = (await reporting.repo.get(rig.client.projectId, key))!;
    await sealBlob(reporting, stale, 'data', new Uint8Array(1), new Uint8Array(0));
    expect((await reporting.repo.get(rig.client.projectId, key))!.versions.map((v) => v.v)).toEqual([1, 2]);
    // The same stale record: version 1 is still its primary, but the key has moved on.
    await sealBlob(reporting, stale, 'data', new Uint8Array(1), new Uint8Array(0));
    expect((await reporting.repo.get(rig.client.projectId, key))!.versions.map((v) => v.v)).toEqual([1, 2]);
    expect(failures).toEqual([]);
  });

  it('a rotation that fails is reported to onSealRotationFailure and does not fail the seal', async () => {
    const { FaultyStore } = await import('../helpers/faulty-store.ts');
    const { MemoryStore } = await import('../../src/store/memory.ts');
    const store = new FaultyStore(new MemoryStore());
    const { reporting, silent } = await setup(store);
    key = (await kms('create-key', { key_alias: 'rot-fail' })).key_info.key_id;
    for (const other of [reporting, silent]) {
      const r = (await other.repo.get(rig.client.projectId, key))!;
      store.arm(2); // the count is written, the rotation's write fails
      const blob = await sealBlob(other, r, 'data', utf8('sealed anyway'), new Uint8Array(0));
      expect(Buffer.from(blob).readUInt32BE(40)).toBe(1);
      expect(store.injected).toBeDefined();
    }
    store.arm(0);
    expect(failures).toEqual([[key, 'injected failure at write 2']]);
    expect((await rig.kms.repo.get(rig.client.projectId, key))!.versions.map((v) => v.v)).toEqual([1]);
  });
});
