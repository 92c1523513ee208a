// The Chinese national algorithms through the KMS service and its HTTP API (in-process, signed): SM4 CMKs
// (encrypt-data, data keys with SM3 digests, import, rotation), SM2 CMKs (get-publickey, SM2DSA_SM3 sign /
// verify, SM2_ENCRYPT), SM2 data key pairs and HMAC_SM3. Every result is checked against an implementation
// outside this project: OpenSSL through node:crypto (SM3, HMAC-SM3, SM4-ECB/CTR, SM2 keys and empty-ID
// SM2 verification), sm-crypto 0.3.13 (SM2 both ways, SM3 HMAC) and, where installed, the openssl command
// (SM2 with the default signer ID, and its ASN.1 SM2 ciphertexts).
import { spawnSync } from 'node:child_process';
import { constants, createCipheriv, createHash, createHmac, createPrivateKey, createPublicKey, publicEncrypt, randomBytes, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GHASH } from '@noble/ciphers/_polyval.js';
// @ts-expect-error sm-crypto ships no types
import smCrypto from 'sm-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobAad } from '../../src/kms/ciphertext.ts';
import { ApiError } from '../../src/sdk/errors.ts';
import { makeRig, rejection, type Rig } from '../helpers/kms.ts';
import { requireTool } from '../helpers/required-tool.ts';

interface SmSm2 {
  generateKeyPairHex(): { privateKey: string; publicKey: string };
  doSignature(msg: number[], priv: string, opts: object): string;
  doVerifySignature(msg: number[], sig: string, pub: string, opts: object): boolean;
  doEncrypt(msg: number[], pub: string, mode: number): string;
  doDecrypt(ct: string, priv: string, mode: number, opts: object): number[];
  getPoint?: unknown;
}
const smSm2 = smCrypto.sm2 as SmSm2;
const smSm3 = smCrypto.sm3 as (input: number[], options?: { key: string }) => string;

let rig: Rig;
const kms = (action: string, body: unknown) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
const fail = (action: string, body: unknown) => rejection<ApiError>(kms(action, body));
const b64 = (b: Uint8Array | string) => Buffer.from(b as Uint8Array).toString('base64');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sm3 = (...parts: Uint8Array[]) => parts.reduce((h, p) => h.update(p), createHash('sm3')).digest();
const create = async (alias: string, body: object) => (await kms('create-key', { key_alias: alias, ...body })).key_info.key_id as string;

/** The raw material of a key version, read the way the KMS reads it (for the reference computations). */
async function material(id: string, v = 1): Promise<Buffer> {
  const r = (await rig.kms.repo.get(rig.client.projectId, id))!;
  return Buffer.from(await rig.kms.material.open(r, r.versions.find((m) => m.v === v)!));
}

/** SM4-GCM per NIST SP 800-38D from OpenSSL's SM4 (ECB for H and E(J0), CTR for the data) and noble's GHASH. */
function referenceSm4GcmDecrypt(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer | undefined {
  const ecb = (b: Uint8Array) => createCipheriv('sm4-ecb', key, null).setAutoPadding(false).update(b);
  const ct = sealed.subarray(0, sealed.length - 16);
  const lens = new Uint8Array(16);
  new DataView(lens.buffer).setBigUint64(0, BigInt(aad.length) * 8n);
  new DataView(lens.buffer).setBigUint64(8, BigInt(ct.length) * 8n);
  const s = new GHASH(ecb(new Uint8Array(16))).update(aad).update(ct).update(lens).digest();
  const ej0 = ecb(Buffer.concat([iv, Buffer.of(0, 0, 0, 1)]));
  const tag = s.map((x, i) => x ^ ej0[i]);
  if (!Buffer.from(tag).equals(Buffer.from(sealed.subarray(sealed.length - 16)))) return undefined;
  return createCipheriv('sm4-ctr', key, Buffer.concat([iv, Buffer.of(0, 0, 0, 2)])).update(ct);
}

/** Opens an encrypt-data / data key blob with the reference SM4-GCM and the key's material. */
async function openWithReference(id: string, blob: Buffer, purpose: 'data' | 'datakey', aad = ''): Promise<Buffer | undefined> {
  const version = blob.readUInt32BE(40);
  const header = blob.subarray(0, 56);
  return referenceSm4GcmDecrypt(await material(id, version), blob.subarray(44, 56), blob.subarray(56), blobAad(header, rig.client.projectId, purpose, Buffer.from(aad)));
}

// The SM2 curve constants of GB/T 32918.5-2017, written out here so Z_A is computed independently of src/.
const SM2_A = 'fffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffc';
const SM2_B = '28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93';
const SM2_GX = '32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7';
const SM2_GY = 'bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0';

/** e = SM3(Z_A ‖ M) with Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) (GB/T 32918.2 5.5). */
function sm2E(point: Uint8Array, message: Uint8Array, id = '1234567812345678'): Buffer {
  const idBytes = Buffer.from(id);
  const entl = Buffer.alloc(2);
  entl.writeUInt16BE(idBytes.length * 8);
  const z = sm3(entl, idBytes, Buffer.from(SM2_A + SM2_B + SM2_GX + SM2_GY, 'hex'), point.subarray(1));
  return sm3(z, message);
}

/** The 65-byte point in a PEM public key, as node:crypto (OpenSSL) re-encodes it. */
function pointOfPem(pem: string): Uint8Array {
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  expect(der.subarray(0, 26).toString('hex')).toBe('3059301306072a8648ce3d020106082a811ccf5501822d034200');
  return der.subarray(26);
}

const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' });
const hasOpenssl = requireTool('openssl 3 command', openssl.status === 0 && /^OpenSSL 3\./.test(openssl.stdout), 'the SM2/SM3/SM4 cross-checks against OpenSSL');
const work = mkdtempSync(join(tmpdir(), 'edgekms-sm-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the openssl command with files in a scratch directory; returns its status and output. */
function runOpenssl(args: string[], files: Record<string, Uint8Array | string>): { status: number | null; out: string } {
  for (const [name, data] of Object.entries(files)) writeFileSync(join(work, name), data);
  const r = spawnSync('openssl', args, { cwd: work, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

const keys: Record<string, string> = {};
const pems: Record<string, string> = {};

beforeAll(async () => {
  rig = await makeRig();
  keys.sm4 = await create('sm-sm4', { key_spec: 'SM4' });
  keys.sm2sign = await create('sm-sm2-sign', { key_spec: 'SM2' });
  keys.sm2enc = await create('sm-sm2-enc', { key_spec: 'SM2', key_usage: 'ENCRYPT_DECRYPT' });
  keys.hmac = await create('sm-hmac', { key_spec: 'HMAC_SM3' });
  keys.aes = await create('sm-aes', {});
  keys.p256 = await create('sm-p256', { key_spec: 'EC_P256' });
  for (const k of ['sm2sign', 'sm2enc']) pems[k] = (await kms('get-publickey', { key_id: keys[k] })).public_key;
});

describe('SM4 CMKs', () => {
  it('are created as symmetric ENCRYPT_DECRYPT keys with 16 bytes of material', async () => {
    const d = (await kms('describe-key', { key_id: keys.sm4 })).key_info;
    expect([d.key_spec, d.key_usage, d.key_type, d.key_state, d.origin]).toEqual(['SM4', 'ENCRYPT_DECRYPT', '1', '2', 'kms']);
    expect((await material(keys.sm4)).length).toBe(16);
    expect((await kms('list-keys', { key_spec: 'SM4' })).keys).toEqual([keys.sm4]);
    expect((await fail('create-key', { key_alias: 'sm4-sign', key_spec: 'SM4', key_usage: 'SIGN_VERIFY' })).code).toBe('KMS.0308');
  });

  it('encrypt-data seals with SM4-GCM (blob algorithm 2), which OpenSSL SM4 + GHASH opens; decrypt-data round-trips', async () => {
    for (const text of ['hello sm4', 'x', '国密 SM4 🔑', 'a'.repeat(4096)]) {
      const enc = await kms('encrypt-data', { key_id: keys.sm4, plain_text: text, additional_authenticated_data: 'ctx' });
      const blob = Buffer.from(enc.cipher_text, 'base64');
      expect([blob.subarray(0, 3).toString('latin1'), blob[3], blob.subarray(4, 40).toString()]).toEqual(['EK\u0001', 2, keys.sm4]);
      expect((await openWithReference(keys.sm4, blob, 'data', 'ctx'))?.toString()).toBe(text);
      const dec = await kms('decrypt-data', { cipher_text: enc.cipher_text, additional_authenticated_data: 'ctx' });
      expect(dec).toEqual({ key_id: keys.sm4, plain_text: text, plain_text_base64: b64(text) });
    }
  });

  it('refuses an SM4 ciphertext with any one bit flipped, under other AAD, or relabelled as AES', async () => {
    const enc = await kms('encrypt-data', { key_id: keys.sm4, plain_text: 'bits' });
    const blob = Buffer.from(enc.cipher_text, 'base64');
    for (let bit = 0; bit < blob.length * 8; bit += 7) {
      const t = Buffer.from(blob);
      t[bit >> 3] ^= 1 << (bit & 7);
      const e = await fail('decrypt-data', { cipher_text: b64(t) });
      // A bit in the key id names another (missing) key: not found, as for AES blobs.
      expect(e.status, `bit ${bit}`).toBe(400);
      expect(e.code, `bit ${bit}`).toMatch(bit >= 32 && bit < 320 ? /^KMS\.(0308|0207|0205)$/ : /^KMS\.0308$/);
    }
    expect((await fail('decrypt-data', { cipher_text: enc.cipher_text, additional_authenticated_data: 'x' })).code).toBe('KMS.0308');
    const asAes = Buffer.from(blob);
    asAes[3] = 1;
    expect((await fail('decrypt-data', { cipher_text: b64(asAes) })).code).toBe('KMS.0308');
    expect((await fail('encrypt-data', { key_id: keys.sm4, plain_text: 'x', encryption_algorithm: 'SM2_ENCRYPT' })).code).toBe('KMS.0308');
  });

  it('data keys: create-datakey / decrypt-datakey report SM3(DEK) as datakey_dgst; encrypt-datakey takes DEK ‖ SM3(DEK)', async () => {
    const dk = await kms('create-datakey', { key_id: keys.sm4, key_spec: 'SM4' });
    const dek = Buffer.from(dk.plain_text, 'hex');
    expect(dek.length).toBe(16);
    const blob = Buffer.from(dk.cipher_text, 'hex');
    expect(blob[3]).toBe(2);
    expect((await openWithReference(keys.sm4, blob, 'datakey'))?.equals(dek)).toBe(true);
    const back = await kms('decrypt-datakey', { key_id: keys.sm4, cipher_text: dk.cipher_text, datakey_cipher_length: '16' });
    expect(back.data_key.toLowerCase()).toBe(dek.toString('hex'));
    expect(back.datakey_dgst.toLowerCase()).toBe(sm3(dek).toString('hex'));

    const mine = randomBytes(64);
    const wrapped = await kms('encrypt-datakey', { key_id: keys.sm4, plain_text: Buffer.concat([mine, sm3(mine)]).toString('hex'), datakey_plain_length: '64', additional_authenticated_data: 'dk' });
    expect(wrapped.datakey_length).toBe('64');
    const unwrapped = await kms('decrypt-datakey', { key_id: keys.sm4, cipher_text: wrapped.cipher_text, datakey_cipher_length: '64', additional_authenticated_data: 'dk' });
    expect([unwrapped.data_key.toLowerCase(), unwrapped.datakey_dgst.toLowerCase()]).toEqual([mine.toString('hex'), sm3(mine).toString('hex')]);
    // A SHA-256 digest is what AES keys take, not SM4 keys.
    const sha = await fail('encrypt-datakey', { key_id: keys.sm4, plain_text: Buffer.concat([mine, createHash('sha256').update(mine).digest()]).toString('hex'), datakey_plain_length: '64' });
    expect([sha.code, sha.message]).toEqual(['KMS.2103', expect.stringContaining('SM3')]);
    // And the other way round.
    const aesWithSm3 = await fail('encrypt-datakey', { key_id: keys.aes, plain_text: Buffer.concat([mine, sm3(mine)]).toString('hex'), datakey_plain_length: '64' });
    expect(aesWithSm3.code).toBe('KMS.2103');
    const flipped = Buffer.from(wrapped.cipher_text, 'hex');
    flipped[flipped.length - 1] ^= 0x80;
    expect((await fail('decrypt-datakey', { key_id: keys.sm4, cipher_text: flipped.toString('hex'), datakey_cipher_length: '64', additional_authenticated_data: 'dk' })).code).toBe('KMS.2201');
    const none = await kms('create-datakey-without-plaintext', { key_id: keys.sm4 });
    expect((await kms('decrypt-datakey', { key_id: keys.sm4, cipher_text: none.cipher_text, datakey_cipher_length: '32' })).data_key).toMatch(/^[0-9A-Fa-f]{64}$/);
  });

  it('rotates like AES: new ciphertexts use version 2, old ones still decrypt', async () => {
    const id = await create('sm4-rotate', { key_spec: 'SM4' });
    const before = await kms('encrypt-data', { key_id: id, plain_text: 'v1' });
    await kms('rotate-on-demand', { key_id: id });
    await kms('enable-key-rotation', { key_id: id });
    const status = await kms('get-key-rotation-status', { key_id: id });
    expect([status.key_rotation_enabled, status.number_of_rotations]).toEqual([true, 1]);
    const after = await kms('encrypt-data', { key_id: id, plain_text: 'v2' });
    const blob = Buffer.from(after.cipher_text, 'base64');
    expect(blob.readUInt32BE(40)).toBe(2);
    expect((await material(id, 2)).equals(await material(id, 1))).toBe(false);
    expect((await openWithReference(id, blob, 'data'))?.toString()).toBe('v2');
    expect((await kms('decrypt-data', { cipher_text: before.cipher_text })).plain_text).toBe('v1');
    expect((await kms('decrypt-data', { cipher_text: after.cipher_text })).plain_text).toBe('v2');
  });

  it('imports 16 bytes of material (origin external, wrapped with RSAES_OAEP_SHA_256) and refuses other lengths', async () => {
    const id = await create('sm4-byok', { key_spec: 'SM4', origin: 'external' });
    expect((await kms('describe-key', { key_id: id })).key_info.key_state).toBe('5');
    const wrap = async (bytes: Buffer) => {
      const p = await kms('get-parameters-for-import', { key_id: id, wrapping_algorithm: 'RSAES_OAEP_SHA_256' });
      const pub = createPublicKey({ key: Buffer.from(p.public_key, 'base64'), format: 'der', type: 'spki' });
      return { key_id: id, import_token: p.import_token, encrypted_key_material: b64(publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, bytes)) };
    };
    expect((await fail('import-key-material', await wrap(randomBytes(32)))).code).toBe('KMS.2604');
    const key = randomBytes(16);
    await kms('import-key-material', await wrap(key));
    expect((await kms('describe-key', { key_id: id })).key_info.key_state).toBe('2');
    const enc = await kms('encrypt-data', { key_id: id, plain_text: 'imported sm4' });
    const blob = Buffer.from(enc.cipher_text, 'base64');
    const header = blob.subarray(0, 56);
    // Opened with the bytes we imported, outside the KMS.
    expect(referenceSm4GcmDecrypt(key, blob.subarray(44, 56), blob.subarray(56), blobAad(header, rig.client.projectId, 'data', new Uint8Array()))?.toString()).toBe('imported sm4');
    expect((await kms('decrypt-data', { cipher_text: enc.cipher_text })).plain_text).toBe('imported sm4');
    expect((await fail('rotate-on-demand', { key_id: id })).code).toBe('KMS.0308');
  });

  it('imports material wrapped with SM2_ENCRYPT (an SM2 wrapping key; sm-crypto C1C3C2, or OpenSSL ASN.1 when installed)', async () => {
    const id = await create('sm4-byok-sm2', { key_spec: 'SM4', origin: 'external' });
    const params = async () => {
      const p = await kms('get-parameters-for-import', { key_id: id, wrapping_algorithm: 'SM2_ENCRYPT' });
      const spki = Buffer.from(p.public_key, 'base64');
      // The wrapping key is an SM2 SubjectPublicKeyInfo that OpenSSL parses.
      const point = createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'der' }).subarray(-65);
      expect(spki.subarray(0, 26).toString('hex')).toBe('3059301306072a8648ce3d020106082a811ccf5501822d034200');
      return { p, point, pem: createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }) as string };
    };
    const key = randomBytes(16);
    const first = await params();
    // A flipped bit in the wrapped bytes does not unwrap, 32 bytes are the wrong length; neither spends the token.
    const wrapped = Buffer.from('04' + smSm2.doEncrypt(Array.from(key), hex(first.point), 1), 'hex');
    const bad = Buffer.from(wrapped);
    bad[bad.length - 1] ^= 1;
    expect((await fail('import-key-material', { key_id: id, import_token: first.p.import_token, encrypted_key_material: b64(bad) })).code).toBe('KMS.0308');
    expect((await fail('import-key-material', { key_id: id, import_token: first.p.import_token, encrypted_key_material: b64(Buffer.from('04' + smSm2.doEncrypt(Array.from(randomBytes(32)), hex(first.point), 1), 'hex')) })).code).toBe('KMS.2604');
    await kms('import-key-material', { key_id: id, import_token: first.p.import_token, encrypted_key_material: b64(wrapped) });
    const enc = await kms('encrypt-data', { key_id: id, plain_text: 'wrapped with SM2' });
    const blob = Buffer.from(enc.cipher_text, 'base64');
    expect(referenceSm4GcmDecrypt(key, blob.subarray(44, 56), blob.subarray(56), blobAad(blob.subarray(0, 56), rig.client.projectId, 'data', new Uint8Array()))?.toString()).toBe('wrapped with SM2');
    if (hasOpenssl) {
      // Re-import the same material after deleting it, wrapped by OpenSSL this time (GM/T 0009 ASN.1).
      await kms('delete-imported-key-material', { key_id: id });
      const second = await params();
      const r = runOpenssl(['pkeyutl', '-encrypt', '-pubin', '-inkey', 'wrap.pem', '-in', 'key.bin', '-out', 'wrapped.bin'], { 'wrap.pem': second.pem, 'key.bin': key });
      expect(r.status, r.out).toBe(0);
      await kms('import-key-material', { key_id: id, import_token: second.p.import_token, encrypted_key_material: b64(readFileSync(join(work, 'wrapped.bin'))) });
      expect((await kms('decrypt-data', { cipher_text: enc.cipher_text })).plain_text).toBe('wrapped with SM2');
    }
  });
});

describe('SM2 CMKs', () => {
  it('are asymmetric keys (SIGN_VERIFY by default, or ENCRYPT_DECRYPT) whose material is the 32-byte scalar', async () => {
    const d = (await kms('describe-key', { key_id: keys.sm2sign })).key_info;
    expect([d.key_spec, d.key_usage, d.key_type]).toEqual(['SM2', 'SIGN_VERIFY', '2']);
    expect((await kms('describe-key', { key_id: keys.sm2enc })).key_info.key_usage).toBe('ENCRYPT_DECRYPT');
    const d1 = await material(keys.sm2sign);
    expect(d1.length).toBe(32);
    // sm-crypto derives the same public key from the scalar.
    const fromSmCrypto = (smCrypto.sm2 as { getPublicKeyFromPrivateKey(k: string): string }).getPublicKeyFromPrivateKey(d1.toString('hex'));
    expect(fromSmCrypto).toBe(hex(pointOfPem(pems.sm2sign)));
    for (const bad of [{ key_spec: 'SM2', origin: 'external' }, { key_spec: 'SM2', key_usage: 'GENERATE_VERIFY_MAC' }]) {
      expect((await fail('create-key', { key_alias: 'sm2-bad', ...bad })).code, JSON.stringify(bad)).toBe('KMS.0308');
    }
  });

  it('get-publickey returns a CRLF PEM SubjectPublicKeyInfo (id-ecPublicKey, curve 1.2.156.10197.1.301) that OpenSSL parses', async () => {
    for (const k of ['sm2sign', 'sm2enc']) {
      expect(pems[k]).toMatch(/^-----BEGIN PUBLIC KEY-----\r\n([A-Za-z0-9+/=]{1,64}\r\n)+-----END PUBLIC KEY-----\r\n$/);
      const der = Buffer.from(pems[k].replace(/-----[A-Z ]+-----|\r\n/g, ''), 'base64');
      // Byte for byte what OpenSSL writes back.
      expect(createPublicKey(pems[k]).export({ type: 'spki', format: 'der' }).equals(der)).toBe(true);
      expect(pointOfPem(pems[k])[0]).toBe(0x04);
    }
    if (hasOpenssl) {
      const r = runOpenssl(['pkey', '-pubin', '-in', 'pub.pem', '-noout', '-text'], { 'pub.pem': pems.sm2sign });
      expect(r.status, r.out).toBe(0);
      expect(r.out).toMatch(/ASN1 OID: SM2/);
    }
  });

  it('RAW signatures (SM3 with Z over the default ID) are DER and verify in sm-crypto, and in OpenSSL when installed', async () => {
    const point = pointOfPem(pems.sm2sign);
    for (const message of [Buffer.from('abc'), randomBytes(1), randomBytes(4095)]) {
      const s = await kms('sign', { key_id: keys.sm2sign, message: b64(message), message_type: 'RAW', signing_algorithm: 'SM2DSA_SM3' });
      const sig = Buffer.from(s.signature, 'base64');
      expect(sig[0]).toBe(0x30);
      expect(sig.length).toBeLessThanOrEqual(72);
      expect(sig.length).toBeGreaterThanOrEqual(8);
      expect(smSm2.doVerifySignature(Array.from(message), sig.toString('hex'), hex(point), { hash: true, der: true })).toBe(true);
      expect(smSm2.doVerifySignature(Array.from(Buffer.concat([message, Buffer.of(0)])), sig.toString('hex'), hex(point), { hash: true, der: true })).toBe(false);
      if (hasOpenssl && message.length === 3) {
        const r = runOpenssl(
          ['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-digest', 'sm3', '-pkeyopt', 'distid:1234567812345678', '-in', 'msg.bin', '-sigfile', 'sig.bin'],
          { 'pub.pem': pems.sm2sign, 'msg.bin': message, 'sig.bin': sig },
        );
        expect(r.out).toMatch(/Signature Verified Successfully/);
      }
    }
  });

  it('DIGEST signatures sign the caller-computed e = SM3(Z ‖ M); node:crypto (OpenSSL, empty ID) checks one', async () => {
    const point = pointOfPem(pems.sm2sign);
    const message = Buffer.from('digest mode');
    const e = sm2E(point, message);
    const s = await kms('sign', { key_id: keys.sm2sign, message: b64(e), signing_algorithm: 'SM2DSA_SM3' });
    // The same signature over the same e, checked as a RAW message by sm-crypto and as DIGEST and RAW by the KMS.
    expect(smSm2.doVerifySignature(Array.from(message), Buffer.from(s.signature, 'base64').toString('hex'), hex(point), { hash: true, der: true })).toBe(true);
    expect((await kms('verify', { key_id: keys.sm2sign, message: b64(e), signing_algorithm: 'SM2DSA_SM3', signature: s.signature })).signature_valid).toBe('true');
    expect((await kms('verify', { key_id: keys.sm2sign, message: b64(message), message_type: 'RAW', signing_algorithm: 'SM2DSA_SM3', signature: s.signature })).signature_valid).toBe('true');
    // node:crypto cannot set the SM2 ID and uses the empty one: sign that e and let OpenSSL verify the message.
    const e0 = sm2E(point, message, '');
    const s0 = await kms('sign', { key_id: keys.sm2sign, message: b64(e0), signing_algorithm: 'SM2DSA_SM3' });
    expect(nodeVerify(null, message, createPublicKey(pems.sm2sign), Buffer.from(s0.signature, 'base64'))).toBe(true);
    expect(nodeVerify(null, Buffer.from('other'), createPublicKey(pems.sm2sign), Buffer.from(s0.signature, 'base64'))).toBe(false);
  });

  it('verifies sm-crypto signatures (RAW and DIGEST); refuses a flipped bit, r‖s, other keys and algorithms', async () => {
    const point = pointOfPem(pems.sm2sign);
    const d = (await material(keys.sm2sign)).toString('hex');
    const message = Buffer.from('signed by sm-crypto');
    const theirs = smSm2.doSignature(Array.from(message), d, { hash: true, der: true, publicKey: hex(point) });
    const body = { key_id: keys.sm2sign, message: b64(message), message_type: 'RAW', signing_algorithm: 'SM2DSA_SM3' };
    expect((await kms('verify', { ...body, signature: b64(Buffer.from(theirs, 'hex')) })).signature_valid).toBe('true');
    expect((await kms('verify', { ...body, message: b64(sm2E(point, message)), message_type: 'DIGEST', signature: b64(Buffer.from(theirs, 'hex')) })).signature_valid).toBe('true');
    const sig = Buffer.from(theirs, 'hex');
    for (let bit = 0; bit < sig.length * 8; bit += 13) {
      const t = Buffer.from(sig);
      t[bit >> 3] ^= 1 << (bit & 7);
      expect((await kms('verify', { ...body, signature: b64(t) })).signature_valid, `bit ${bit}`).toBe('false');
    }
    const flippedMessage = Buffer.from(message);
    flippedMessage[0] ^= 1;
    expect((await kms('verify', { ...body, message: b64(flippedMessage), signature: b64(sig) })).signature_valid).toBe('false');
    // r ‖ s is not the wire form.
    const raw = smSm2.doSignature(Array.from(message), d, { hash: true, publicKey: hex(point) });
    expect((await kms('verify', { ...body, signature: b64(Buffer.from(raw, 'hex')) })).signature_valid).toBe('false');
    const other = await kms('sign', { ...body, key_id: keys.sm2enc }).catch((e: ApiError) => e);
    expect((other as ApiError).code).toBe('KMS.0308');
    const cases: [object, string][] = [
      [{ ...body, message_type: 'DIGEST', message: b64(Buffer.alloc(31)) }, 'KMS.0308'],
      [{ ...body, message_type: 'DIGEST', message: b64(Buffer.alloc(48)) }, 'KMS.0308'],
      [{ ...body, signing_algorithm: 'ECDSA_SHA_256' }, 'KMS.0308'],
      [{ ...body, key_id: keys.p256 }, 'KMS.0308'],
      [{ ...body, key_id: keys.aes }, 'KMS.0308'],
      [{ ...body, message: b64(Buffer.alloc(4096)) }, 'KMS.0308'],
    ];
    for (const [b, code] of cases) {
      const e = await fail('sign', b);
      expect([e.status, e.code], JSON.stringify(b).slice(0, 120)).toEqual([400, code]);
    }
    expect((await fail('get-publickey', { key_id: keys.sm4 })).code).toBe('KMS.0308');
  });

  it('SM2_ENCRYPT: encrypt-data gives C1 ‖ C3 ‖ C2 that sm-crypto decrypts; decrypt-data opens sm-crypto ciphertexts', async () => {
    const point = pointOfPem(pems.sm2enc);
    const d = (await material(keys.sm2enc)).toString('hex');
    for (const text of ['hello sm2', 'x', '国密', 'b'.repeat(4096)]) {
      const enc = await kms('encrypt-data', { key_id: keys.sm2enc, plain_text: text, encryption_algorithm: 'SM2_ENCRYPT' });
      const ct = Buffer.from(enc.cipher_text, 'base64');
      expect([ct[0], ct.length]).toEqual([0x04, Buffer.byteLength(text) + 97]);
      expect(Buffer.from(smSm2.doDecrypt(ct.subarray(1).toString('hex'), d, 1, { output: 'array' })).toString()).toBe(text);
      expect(await kms('decrypt-data', { key_id: keys.sm2enc, cipher_text: enc.cipher_text, encryption_algorithm: 'SM2_ENCRYPT' })).toEqual({
        key_id: keys.sm2enc,
        plain_text: text,
        plain_text_base64: b64(text),
      });
    }
    const bytes = randomBytes(100);
    const theirs = Buffer.from('04' + smSm2.doEncrypt(Array.from(bytes), hex(point), 1), 'hex');
    const dec = await kms('decrypt-data', { key_id: keys.sm2enc, cipher_text: b64(theirs), encryption_algorithm: 'SM2_ENCRYPT' });
    expect(Buffer.from(dec.plain_text_base64, 'base64').equals(bytes)).toBe(true);
  });

  it('decrypt-data also takes the GM/T 0009 ASN.1 form (re-encoded here, and from OpenSSL when installed)', async () => {
    const point = pointOfPem(pems.sm2enc);
    const ct = Buffer.from('04' + smSm2.doEncrypt(Array.from(Buffer.from('asn1 form')), hex(point), 1), 'hex');
    const int = (b: Buffer) => {
      let i = 0;
      while (i < b.length - 1 && b[i] === 0) i++;
      const v = b[i] & 0x80 ? Buffer.concat([Buffer.of(0), b.subarray(i)]) : b.subarray(i);
      return Buffer.concat([Buffer.of(0x02, v.length), v]);
    };
    const body = Buffer.concat([int(ct.subarray(1, 33)), int(ct.subarray(33, 65)), Buffer.of(0x04, 32), ct.subarray(65, 97), Buffer.of(0x04, ct.length - 97), ct.subarray(97)]);
    const asn1 = Buffer.concat([Buffer.of(0x30, body.length), body]);
    expect((await kms('decrypt-data', { key_id: keys.sm2enc, cipher_text: b64(asn1), encryption_algorithm: 'SM2_ENCRYPT' })).plain_text).toBe('asn1 form');
    if (hasOpenssl) {
      const r = runOpenssl(['pkeyutl', '-encrypt', '-pubin', '-inkey', 'enc.pem', '-in', 'pt.bin', '-out', 'ct.bin'], { 'enc.pem': pems.sm2enc, 'pt.bin': 'from openssl' });
      expect(r.status, r.out).toBe(0);
      const fromOpenssl = readFileSync(join(work, 'ct.bin'));
      expect(fromOpenssl[0]).toBe(0x30);
      expect((await kms('decrypt-data', { key_id: keys.sm2enc, cipher_text: b64(fromOpenssl), encryption_algorithm: 'SM2_ENCRYPT' })).plain_text).toBe('from openssl');
    }
  });

  it('SM2_ENCRYPT refuses a flipped bit (one error), AAD, other algorithms and SIGN_VERIFY keys', async () => {
    const enc = await kms('encrypt-data', { key_id: keys.sm2enc, plain_text: 'flip me', encryption_algorithm: 'SM2_ENCRYPT' });
    const ct = Buffer.from(enc.cipher_text, 'base64');
    const messages = new Set<string>();
    for (let bit = 0; bit < ct.length * 8; bit += 11) {
      const t = Buffer.from(ct);
      t[bit >> 3] ^= 1 << (bit & 7);
      const e = await fail('decrypt-data', { key_id: keys.sm2enc, cipher_text: b64(t), encryption_algorithm: 'SM2_ENCRYPT' });
      expect([e.status, e.code], `bit ${bit}`).toEqual([400, 'KMS.0308']);
      messages.add(e.message);
    }
    expect(messages.size).toBe(1);
    const body = { key_id: keys.sm2enc, plain_text: 'x', encryption_algorithm: 'SM2_ENCRYPT' };
    const cases: [string, object, string][] = [
      ['encrypt-data', { ...body, additional_authenticated_data: 'aad' }, 'KMS.0308'],
      ['encrypt-data', { ...body, encryption_algorithm: 'RSAES_OAEP_SHA_256' }, 'KMS.0308'],
      ['encrypt-data', { ...body, encryption_algorithm: undefined }, 'KMS.0308'],
      ['encrypt-data', { ...body, key_id: keys.sm2sign }, 'KMS.0308'],
      ['decrypt-data', { key_id: keys.sm2enc, cipher_text: enc.cipher_text, encryption_algorithm: 'RSAES_OAEP_SHA_256' }, 'KMS.0308'],
      ['decrypt-data', { key_id: keys.sm2enc, cipher_text: enc.cipher_text }, 'KMS.0308'],
      ['decrypt-data', { cipher_text: enc.cipher_text, encryption_algorithm: 'SM2_ENCRYPT' }, 'KMS.0204'],
      ['decrypt-data', { key_id: keys.sm2sign, cipher_text: enc.cipher_text, encryption_algorithm: 'SM2_ENCRYPT' }, 'KMS.0308'],
    ];
    for (const [op, b, code] of cases) {
      const e = await fail(op, b);
      expect([e.status, e.code], `${op} ${JSON.stringify(b).slice(0, 100)}`).toEqual([400, code]);
    }
  });
});

describe('SM2 data key pairs', () => {
  it('create-ec-datakey-pair with key_spec SM2 under AES and SM4 CMKs: SPKI + PKCS#8 that OpenSSL parses, private key sealed', async () => {
    for (const cmk of [keys.aes, keys.sm4]) {
      const pair = await kms('create-ec-datakey-pair', { key_id: cmk, key_spec: 'SM2', additional_authenticated_data: 'pair' });
      expect(pair.key_spec).toBe('SM2');
      const pkcs8 = Buffer.from(pair.private_key_plain_text, 'base64');
      const priv = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
      // OpenSSL derives the same public key from the private key.
      expect(createPublicKey(priv).export({ type: 'spki', format: 'der' }).toString('base64')).toBe(pair.public_key);
      expect(Buffer.from(pair.private_key_cipher_text, 'base64')[3]).toBe(cmk === keys.sm4 ? 2 : 1);
      expect((await kms('decrypt-data', { cipher_text: pair.private_key_cipher_text, additional_authenticated_data: 'pair' })).plain_text_base64).toBe(pair.private_key_plain_text);
      // The pair signs with sm-crypto: d is the OCTET STRING after ECPrivateKey's version (OpenSSL's layout:
      // 30 81 87 | 02 01 00 | 30 13 (algorithm) | 04 6d | 30 6b 02 01 01 04 20 <d>).
      expect(pkcs8.subarray(0, 36).toString('hex')).toBe('308187020100301306072a8648ce3d020106082a811ccf5501822d046d306b0201010420');
      const d = pkcs8.subarray(36, 68).toString('hex');
      const point = Buffer.from(pair.public_key, 'base64').subarray(-65);
      const sig = smSm2.doSignature([1, 2, 3], d, { hash: true, der: true, publicKey: hex(point) });
      expect(smSm2.doVerifySignature([1, 2, 3], sig, hex(point), { hash: true, der: true })).toBe(true);
      // and OpenSSL signs with it (empty ID), which sm-crypto accepts with that ID.
      const nodeSig = (await import('node:crypto')).sign(null, Buffer.from('pair'), priv);
      expect(smSm2.doVerifySignature(Array.from(Buffer.from('pair')), nodeSig.toString('hex'), hex(point), { hash: true, der: true, userId: '' })).toBe(true);
    }
    const none = await kms('create-ec-datakey-pair', { key_id: keys.sm4, key_spec: 'SM2', with_plain_text: false });
    expect(none.private_key_plain_text).toBeUndefined();
    expect((await fail('create-ec-datakey-pair', { key_id: keys.sm2enc, key_spec: 'SM2' })).code).toBe('KMS.0308');
  });
});

describe('HMAC_SM3 keys', () => {
  it('are GENERATE_VERIFY_MAC keys with 32 bytes of material', async () => {
    const d = (await kms('describe-key', { key_id: keys.hmac })).key_info;
    expect([d.key_spec, d.key_usage, d.key_type]).toEqual(['HMAC_SM3', 'GENERATE_VERIFY_MAC', '1']);
    expect((await material(keys.hmac)).length).toBe(32);
  });

  it('generate-mac equals OpenSSL HMAC-SM3 and sm-crypto; verify-mac checks it', async () => {
    const key = await material(keys.hmac);
    for (const message of [Buffer.from('x'), Buffer.from('hello hmac-sm3'), randomBytes(4096)]) {
      const r = await kms('generate-mac', { key_id: keys.hmac, mac_algorithm: 'HMAC_SM3', message: b64(message) });
      expect(r).toEqual({ key_id: keys.hmac, mac_algorithm: 'HMAC_SM3', mac: createHmac('sm3', key).update(message).digest('hex') });
      expect(r.mac).toBe(smSm3(Array.from(message), { key: key.toString('hex') }));
      const body = { key_id: keys.hmac, mac_algorithm: 'HMAC_SM3', message: b64(message) };
      expect((await kms('verify-mac', { ...body, mac: r.mac })).mac_valid).toBe(true);
      expect((await kms('verify-mac', { ...body, mac: r.mac.toUpperCase() })).mac_valid).toBe(true);
      const flipped = Buffer.from(r.mac, 'hex');
      flipped[5] ^= 0x10;
      expect((await kms('verify-mac', { ...body, mac: flipped.toString('hex') })).mac_valid).toBe(false);
      expect((await kms('verify-mac', { ...body, mac: r.mac.slice(0, 62) })).mac_valid).toBe(false);
    }
  });

  it('pairs HMAC_SM3 only with HMAC_SM3 keys, and imports 32 bytes of material', async () => {
    const hmac256 = await create('sm-hmac256', { key_spec: 'HMAC_256' });
    expect((await fail('generate-mac', { key_id: hmac256, mac_algorithm: 'HMAC_SM3', message: b64('m') })).code).toBe('KMS.0308');
    expect((await fail('generate-mac', { key_id: keys.hmac, mac_algorithm: 'HMAC_SHA_256', message: b64('m') })).code).toBe('KMS.0308');
    expect((await fail('generate-mac', { key_id: keys.sm4, mac_algorithm: 'HMAC_SM3', message: b64('m') })).code).toBe('KMS.0308');
    expect((await fail('encrypt-data', { key_id: keys.hmac, plain_text: 'x' })).code).toBe('KMS.0308');

    const id = await create('sm-hmac-byok', { key_spec: 'HMAC_SM3', origin: 'external' });
    const p = await kms('get-parameters-for-import', { key_id: id, wrapping_algorithm: 'RSAES_OAEP_SHA_256' });
    const pub = createPublicKey({ key: Buffer.from(p.public_key, 'base64'), format: 'der', type: 'spki' });
    const key = randomBytes(32);
    await kms('import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: b64(publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, key)) });
    const r = await kms('generate-mac', { key_id: id, mac_algorithm: 'HMAC_SM3', message: b64('imported') });
    expect(r.mac).toBe(createHmac('sm3', key).update('imported').digest('hex'));
  });
});
