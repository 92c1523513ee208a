// Acceptance test for the Chinese national algorithms in the KMS: `npm start`'s entry point as a real process on loopback,
// driven by Huawei's official @huaweicloud/huaweicloud-sdk-core client. Creates SM4, SM2 (SIGN_VERIFY and
// ENCRYPT_DECRYPT) and HMAC_SM3 keys, runs a round trip with each (checked outside the KMS with sm-crypto
// and OpenSSL through node:crypto), sees one flipped bit refused for each, and keeps all of it across a
// restart. Also: a missing or broken WASM artifact stops start-up with a clear message.
import { createHash, createHmac, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error sm-crypto ships no types
import smCrypto from 'sm-crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { huaweiClient, type HuaweiClient } from '../helpers/huawei-sdk.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const smSm2 = smCrypto.sm2 as {
  doVerifySignature(msg: number[], sig: string, pub: string, opts: object): boolean;
  doEncrypt(msg: number[], pub: string, mode: number): string;
};

const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-e2e4-'));
const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<HuaweiClient> {
  const s = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir });
  running.push(s);
  const admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
  return huaweiClient(s.url, admin.access_key, admin.secret_key, admin.project_id);
}

const K = '/v1.0/{project_id}/kms';
const b64 = (b: Uint8Array | string) => Buffer.from(b as Uint8Array).toString('base64');
const flipBit = (text: string, encoding: 'base64' | 'hex', byte: number) => {
  const b = Buffer.from(text, encoding);
  b[byte < 0 ? b.length + byte : byte] ^= 0x01;
  return b.toString(encoding);
};
/** The 65-byte point of a PEM SubjectPublicKeyInfo, as OpenSSL re-encodes it. */
const pointOf = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' }).subarray(-65);

describe('SM algorithms over npm start + Huawei SDK core', () => {
  const saved: Record<string, string> = {};
  let hc: HuaweiClient;
  const post = <T = any>(action: string, body: unknown) => hc.call<T>('POST', `${K}/${action}`, body);
  const fail = (action: string, body: unknown) => hc.fail('POST', `${K}/${action}`, body);

  it('SM4: encrypt-data and data keys (SM3 digests) round-trip; a flipped bit is refused', async () => {
    hc = await start();
    const sm4 = (await post('create-key', { key_alias: 'e4-sm4', key_spec: 'SM4' })).key_info.key_id;
    saved.sm4 = sm4;
    expect((await post('describe-key', { key_id: sm4 })).key_info).toMatchObject({ key_spec: 'SM4', key_usage: 'ENCRYPT_DECRYPT', key_state: '2' });
    const enc = await post('encrypt-data', { key_id: sm4, plain_text: '国密 over loopback', additional_authenticated_data: 'e4' });
    saved.sm4Cipher = enc.cipher_text;
    const dec = await post('decrypt-data', { cipher_text: enc.cipher_text, additional_authenticated_data: 'e4' });
    expect([dec.key_id, dec.plain_text]).toEqual([sm4, '国密 over loopback']);
    const flipped = await fail('decrypt-data', { cipher_text: flipBit(enc.cipher_text, 'base64', -1), additional_authenticated_data: 'e4' });
    expect([flipped.httpStatusCode, flipped.errorCode]).toEqual([400, 'KMS.0308']);

    const dk = await post('create-datakey', { key_id: sm4, key_spec: 'SM4' });
    const dek = Buffer.from(dk.plain_text, 'hex');
    const back = await post('decrypt-datakey', { key_id: sm4, cipher_text: dk.cipher_text, datakey_cipher_length: String(dek.length) });
    expect(back.data_key.toLowerCase()).toBe(dek.toString('hex'));
    expect(back.datakey_dgst.toLowerCase()).toBe(createHash('sm3').update(dek).digest('hex'));
    const wrapped = await post('encrypt-datakey', {
      key_id: sm4,
      plain_text: Buffer.concat([dek, createHash('sm3').update(dek).digest()]).toString('hex'),
      datakey_plain_length: String(dek.length),
    });
    expect((await post('decrypt-datakey', { key_id: sm4, cipher_text: wrapped.cipher_text, datakey_cipher_length: String(dek.length) })).data_key.toLowerCase()).toBe(dek.toString('hex'));
    const badDk = await fail('decrypt-datakey', { key_id: sm4, cipher_text: flipBit(wrapped.cipher_text, 'hex', 60), datakey_cipher_length: String(dek.length) });
    expect([badDk.httpStatusCode, badDk.errorCode]).toEqual([400, 'KMS.2201']);
  });

  it('SM2 SIGN_VERIFY: PEM public key, SM2DSA_SM3 signatures that sm-crypto and OpenSSL verify; a flipped bit is invalid', async () => {
    const sm2 = (await post('create-key', { key_alias: 'e4-sm2-sign', key_spec: 'SM2' })).key_info.key_id;
    saved.sm2sign = sm2;
    const pem = (await post('get-publickey', { key_id: sm2 })).public_key as string;
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\r\n[\s\S]+-----END PUBLIC KEY-----\r\n$/);
    const point = pointOf(pem);
    const message = Buffer.from('signed with SM2 over loopback');
    const raw = await post('sign', { key_id: sm2, message: b64(message), message_type: 'RAW', signing_algorithm: 'SM2DSA_SM3' });
    const sig = Buffer.from(raw.signature, 'base64');
    expect(sig[0]).toBe(0x30);
    expect(smSm2.doVerifySignature(Array.from(message), sig.toString('hex'), point.toString('hex'), { hash: true, der: true })).toBe(true);
    saved.sm2Signature = raw.signature;
    const ok = await post('verify', { key_id: sm2, message: b64(message), message_type: 'RAW', signing_algorithm: 'SM2DSA_SM3', signature: raw.signature });
    expect(ok).toMatchObject({ key_id: sm2, signature_valid: 'true' });
    const bad = await post('verify', { key_id: sm2, message: b64(message), message_type: 'RAW', signing_algorithm: 'SM2DSA_SM3', signature: flipBit(raw.signature, 'base64', 20) });
    expect(bad.signature_valid).toBe('false');

    // DIGEST: the caller hashes e = SM3(Z ‖ M). With the empty ID (the one node:crypto's OpenSSL uses), OpenSSL verifies it.
    const zEmpty = createHash('sm3')
      .update(Buffer.of(0, 0))
      .update(Buffer.from('fffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffc28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e9332c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0', 'hex'))
      .update(point.subarray(1))
      .digest();
    const e = createHash('sm3').update(zEmpty).update(message).digest();
    const digest = await post('sign', { key_id: sm2, message: b64(e), signing_algorithm: 'SM2DSA_SM3' });
    expect(nodeVerify(null, message, createPublicKey(pem), Buffer.from(digest.signature, 'base64'))).toBe(true);
    const wrongLength = await fail('sign', { key_id: sm2, message: b64(e.subarray(1)), signing_algorithm: 'SM2DSA_SM3' });
    expect([wrongLength.httpStatusCode, wrongLength.errorCode]).toEqual([400, 'KMS.0308']);
  });

  it('SM2 ENCRYPT_DECRYPT: SM2_ENCRYPT both ways (sm-crypto encrypts offline); a flipped bit is refused', async () => {
    const sm2 = (await post('create-key', { key_alias: 'e4-sm2-enc', key_spec: 'SM2', key_usage: 'ENCRYPT_DECRYPT' })).key_info.key_id;
    saved.sm2enc = sm2;
    const point = pointOf((await post('get-publickey', { key_id: sm2 })).public_key);
    const enc = await post('encrypt-data', { key_id: sm2, plain_text: 'sealed with SM2', encryption_algorithm: 'SM2_ENCRYPT' });
    const dec = await post('decrypt-data', { key_id: sm2, cipher_text: enc.cipher_text, encryption_algorithm: 'SM2_ENCRYPT' });
    expect([dec.plain_text, dec.plain_text_base64]).toEqual(['sealed with SM2', b64('sealed with SM2')]);
    const offline = Buffer.from('04' + smSm2.doEncrypt(Array.from(Buffer.from('sealed offline')), point.toString('hex'), 1), 'hex');
    saved.sm2Cipher = b64(offline);
    expect((await post('decrypt-data', { key_id: sm2, cipher_text: b64(offline), encryption_algorithm: 'SM2_ENCRYPT' })).plain_text).toBe('sealed offline');
    const flipped = await fail('decrypt-data', { key_id: sm2, cipher_text: flipBit(b64(offline), 'base64', 70), encryption_algorithm: 'SM2_ENCRYPT' });
    expect([flipped.httpStatusCode, flipped.errorCode]).toEqual([400, 'KMS.0308']);
  });

  it('HMAC_SM3: generate-mac equals OpenSSL HMAC-SM3 over the imported key; verify-mac; a flipped bit is invalid', async () => {
    const mac = (await post('create-key', { key_alias: 'e4-hmac', key_spec: 'HMAC_SM3', origin: 'external' })).key_info.key_id;
    saved.mac = mac;
    // Imported material, so the MAC can be checked outside the KMS.
    const p = await post('get-parameters-for-import', { key_id: mac, wrapping_algorithm: 'RSAES_OAEP_SHA_256' });
    const { constants, publicEncrypt, randomBytes } = await import('node:crypto');
    const key = randomBytes(32);
    const wrappingKey = createPublicKey({ key: Buffer.from(p.public_key, 'base64'), format: 'der', type: 'spki' });
    await post('import-key-material', {
      key_id: mac,
      import_token: p.import_token,
      encrypted_key_material: b64(publicEncrypt({ key: wrappingKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, key)),
    });
    const r = await post('generate-mac', { key_id: mac, mac_algorithm: 'HMAC_SM3', message: b64('mac me with SM3') });
    expect(r).toMatchObject({ key_id: mac, mac_algorithm: 'HMAC_SM3', mac: createHmac('sm3', key).update('mac me with SM3').digest('hex') });
    saved.macValue = r.mac;
    expect((await post('verify-mac', { key_id: mac, mac_algorithm: 'HMAC_SM3', message: b64('mac me with SM3'), mac: r.mac })).mac_valid).toBe(true);
    expect((await post('verify-mac', { key_id: mac, mac_algorithm: 'HMAC_SM3', message: b64('mac me with SM3'), mac: flipBit(r.mac, 'hex', 3) })).mac_valid).toBe(false);
  });

  it('keeps SM keys and their results across a restart', async () => {
    expect(await running[0].stop()).toBe(0);
    hc = await start();
    expect((await post('decrypt-data', { cipher_text: saved.sm4Cipher, additional_authenticated_data: 'e4' })).plain_text).toBe('国密 over loopback');
    const message = b64('signed with SM2 over loopback');
    expect((await post('verify', { key_id: saved.sm2sign, message, message_type: 'RAW', signing_algorithm: 'SM2DSA_SM3', signature: saved.sm2Signature })).signature_valid).toBe('true');
    expect((await post('decrypt-data', { key_id: saved.sm2enc, cipher_text: saved.sm2Cipher, encryption_algorithm: 'SM2_ENCRYPT' })).plain_text).toBe('sealed offline');
    expect((await post('verify-mac', { key_id: saved.mac, mac_algorithm: 'HMAC_SM3', message: b64('mac me with SM3'), mac: saved.macValue })).mac_valid).toBe(true);
    expect(await running[1].stop()).toBe(0);
  });
});

describe('npm start without a usable WASM core', () => {
  it('stops before serving, with a message naming the artifact, when it is missing or broken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgekms-nowasm-'));
    try {
      const missing = join(dir, 'missing.wasm');
      const e1 = (await startNodeServer({ EDGEKMS_DATA_DIR: join(dir, 'data'), EDGEKMS_WASM_PATH: missing }).catch((e: Error) => e)) as Error;
      expect(e1).toBeInstanceOf(Error);
      expect(e1.message).toMatch(/exited with 1 before it was ready/);
      expect(e1.message).toContain('cannot load the WASM crypto core');
      expect(e1.message).toContain(missing);
      const broken = join(dir, 'broken.wasm');
      writeFileSync(broken, 'not a wasm module');
      const e2 = (await startNodeServer({ EDGEKMS_DATA_DIR: join(dir, 'data'), EDGEKMS_WASM_PATH: broken }).catch((e: Error) => e)) as Error;
      expect(e2.message).toMatch(/exited with 1 before it was ready/);
      expect(e2.message).toContain('cannot load the WASM crypto core');
      // One changed byte of the real artifact: refused by the manifest's SHA-256 before it is instantiated.
      const committed = readFileSync(new URL('../../wasm/pkg/edgekms_core.wasm', import.meta.url));
      const changed = join(dir, 'changed.wasm');
      const bytes = Buffer.from(committed);
      bytes[bytes.length - 100] ^= 0x01;
      writeFileSync(changed, bytes);
      const e3 = (await startNodeServer({ EDGEKMS_DATA_DIR: join(dir, 'data'), EDGEKMS_WASM_PATH: changed }).catch((e: Error) => e)) as Error;
      expect(e3.message).toMatch(/exited with 1 before it was ready/);
      expect(e3.message).toContain('is not the committed build');
      expect(e3.message).toContain('wasm/pkg/manifest.json');
      // An unchanged copy elsewhere is accepted.
      const copy = join(dir, 'copy.wasm');
      writeFileSync(copy, committed);
      const ok = await startNodeServer({ EDGEKMS_DATA_DIR: join(dir, 'data'), EDGEKMS_WASM_PATH: copy });
      expect(await ok.stop()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
