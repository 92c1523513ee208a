// encrypt-data / decrypt-data and data keys: round trips, encodings, limits, and every way a ciphertext
// can be wrong (another key, project, AAD, purpose, or a single flipped bit).
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/sdk/errors.ts';
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
