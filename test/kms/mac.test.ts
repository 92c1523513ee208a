// HMAC keys over signed HTTP (in-process): generate-mac / verify-mac against node:crypto's HMAC, the
// pairing of key specs and mac algorithms, and the refusals (wrong keys, malformed input). HMAC_SM3 keys
// are tested in sm.test.ts.
import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/sdk/errors.ts';
import { makeRig, rejection, type Rig } from '../helpers/kms.ts';

let rig: Rig;
const keys: Record<string, string> = {};
const kms = (action: string, body: unknown) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
const fail = (action: string, body: unknown) => rejection<ApiError>(kms(action, body));
const b64 = (b: Uint8Array | string) => Buffer.from(b as Uint8Array).toString('base64');

const SPECS = [
  ['HMAC_256', 'HMAC_SHA_256', 'sha256', 32],
  ['HMAC_384', 'HMAC_SHA_384', 'sha384', 48],
  ['HMAC_512', 'HMAC_SHA_512', 'sha512', 64],
] as const;

/** The raw material of a key, read the way the KMS reads it (to compute the reference MAC outside). */
async function material(id: string): Promise<Buffer> {
  const r = (await rig.kms.repo.get(rig.client.projectId, id))!;
  return Buffer.from(await rig.kms.material.open(r, r.versions[0]));
}

beforeAll(async () => {
  rig = await makeRig();
  for (const [spec] of SPECS) keys[spec] = (await kms('create-key', { key_alias: `mac-${spec}`, key_spec: spec })).key_info.key_id;
  keys.aes = (await kms('create-key', { key_alias: 'mac-aes' })).key_info.key_id;
});

describe('generate-mac / verify-mac', () => {
  it('creates HMAC keys with usage GENERATE_VERIFY_MAC and material of the hash length', async () => {
    for (const [spec, , , bytes] of SPECS) {
      const d = (await kms('describe-key', { key_id: keys[spec] })).key_info;
      expect([d.key_spec, d.key_usage, d.key_type]).toEqual([spec, 'GENERATE_VERIFY_MAC', '1']);
      expect((await material(keys[spec])).length).toBe(bytes);
    }
  });

  it('computes the same HMAC as node:crypto (lower-case hex) and verifies it (mac_valid is a JSON boolean)', async () => {
    for (const [spec, alg, hash, bytes] of SPECS) {
      for (const message of [Buffer.from('x'), Buffer.from('hello mac'), Buffer.alloc(4096, 0xa5)]) {
        const r = await kms('generate-mac', { key_id: keys[spec], mac_algorithm: alg, message: b64(message) });
        expect(Object.keys(r).sort()).toEqual(['key_id', 'mac', 'mac_algorithm']);
        expect(r.mac).toMatch(new RegExp(`^[0-9a-f]{${2 * bytes}}$`));
        expect(r.mac).toBe(createHmac(hash, await material(keys[spec])).update(message).digest('hex'));
        expect(await kms('verify-mac', { key_id: keys[spec], mac_algorithm: alg, message: b64(message), mac: r.mac })).toEqual({
          key_id: keys[spec],
          mac_algorithm: alg,
          mac_valid: true,
        });
        // Either hex case is accepted.
        expect((await kms('verify-mac', { key_id: keys[spec], mac_algorithm: alg, message: b64(message), mac: r.mac.toUpperCase() })).mac_valid).toBe(true);
      }
    }
  });

  it('answers mac_valid false for another message, a changed MAC, a truncated MAC', async () => {
    const body = { key_id: keys.HMAC_256, mac_algorithm: 'HMAC_SHA_256', message: b64('m1') };
    const { mac } = await kms('generate-mac', body);
    expect((await kms('verify-mac', { ...body, message: b64('m2'), mac })).mac_valid).toBe(false);
    const changed = (mac[0] === '0' ? '1' : '0') + mac.slice(1);
    expect((await kms('verify-mac', { ...body, mac: changed })).mac_valid).toBe(false);
    expect((await kms('verify-mac', { ...body, mac: mac.slice(0, 32) })).mac_valid).toBe(false);
    expect((await kms('verify-mac', { ...body, mac: mac + '00' })).mac_valid).toBe(false);
  });

  it('refuses HMAC_SM3 on SHA-2 keys, mismatched algorithms, non-HMAC keys, bad messages and MACs', async () => {
    const sm3 = await fail('generate-mac', { key_id: keys.HMAC_256, mac_algorithm: 'HMAC_SM3', message: b64('m') });
    expect([sm3.code, sm3.message]).toEqual(['KMS.0308', expect.stringContaining('HMAC_SM3')]);
    const cases: [string, object, string][] = [
      ['generate-mac', { key_id: keys.HMAC_256, mac_algorithm: 'HMAC_SHA_384', message: b64('m') }, 'KMS.0308'],
      ['generate-mac', { key_id: keys.HMAC_512, mac_algorithm: 'HMAC_SHA_256', message: b64('m') }, 'KMS.0308'],
      ['generate-mac', { key_id: keys.HMAC_256, mac_algorithm: 'HMAC_MD5', message: b64('m') }, 'KMS.0308'],
      ['generate-mac', { key_id: keys.aes, mac_algorithm: 'HMAC_SHA_256', message: b64('m') }, 'KMS.0308'],
      ['generate-mac', { key_id: keys.HMAC_256, mac_algorithm: 'HMAC_SHA_256', message: '' }, 'KMS.0308'],
      ['generate-mac', { key_id: keys.HMAC_256, mac_algorithm: 'HMAC_SHA_256', message: 'bad*' }, 'KMS.0308'],
      ['generate-mac', { key_id: keys.HMAC_256, mac_algorithm: 'HMAC_SHA_256', message: b64(Buffer.alloc(4097)) }, 'KMS.0308'],
      ['generate-mac', { key_id: keys.HMAC_256, message: b64('m') }, 'KMS.0204'],
      ['generate-mac', { key_id: keys.HMAC_256, mac_algorithm: 'HMAC_SHA_256' }, 'KMS.0204'],
      ['verify-mac', { key_id: keys.HMAC_256, mac_algorithm: 'HMAC_SHA_256', message: b64('m') }, 'KMS.0204'],
      ['verify-mac', { key_id: keys.HMAC_256, mac_algorithm: 'HMAC_SHA_256', message: b64('m'), mac: 'xyz' }, 'KMS.0308'],
      ['verify-mac', { key_id: keys.HMAC_256, mac_algorithm: 'HMAC_SHA_256', message: b64('m'), mac: 5 }, 'KMS.0308'],
    ];
    for (const [op, body, code] of cases) {
      const e = await fail(op, body);
      expect([e.status, e.code], `${op} ${JSON.stringify(body)}`).toEqual([400, code]);
    }
    // HMAC keys do not encrypt, and encryption keys do not MAC.
    expect((await fail('encrypt-data', { key_id: keys.HMAC_256, plain_text: 'x' })).code).toBe('KMS.0308');
    expect((await fail('create-key', { key_alias: 'mac-enc', key_spec: 'HMAC_256', key_usage: 'ENCRYPT_DECRYPT' })).code).toBe('KMS.0308');
  });

  it('a disabled HMAC key refuses both operations with KMS.0209', async () => {
    const id = (await kms('create-key', { key_alias: 'mac-disabled', key_spec: 'HMAC_256' })).key_info.key_id;
    const { mac } = await kms('generate-mac', { key_id: id, mac_algorithm: 'HMAC_SHA_256', message: b64('m') });
    await kms('disable-key', { key_id: id });
    expect((await fail('generate-mac', { key_id: id, mac_algorithm: 'HMAC_SHA_256', message: b64('m') })).code).toBe('KMS.0209');
    expect((await fail('verify-mac', { key_id: id, mac_algorithm: 'HMAC_SHA_256', message: b64('m'), mac })).code).toBe('KMS.0209');
  });
});
