// Reading other formats: Huawei Encryption SDK (Java) messages and file streams, built here byte by byte
// from the documented layout with node:crypto (and the WASM SM4-GCM for the SM4 suite), and files in the
// layout of Huawei's Go envelope example, sealed with node:crypto.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sm4GcmEncrypt } from '../../src/crypto/sm4.ts';
import { sm3 } from '../../src/crypto/sm3.ts';
import { decryptGoEnvelopeStream } from '../../src/sdk/legacy/go-envelope.ts';
import { decryptHuaweiMessage, decryptHuaweiStream, huaweiLocalAesUnwrapper } from '../../src/sdk/legacy/huawei-java.ts';
import { collect, streamOf } from '../../src/sdk/stream/one-shot.ts';
import { decryptGoEnvelopeFile } from '../../src/runtime/sdk-node.ts';
import { useWasm } from '../wasm/setup.ts';

import { huaweiKmsUnwrapper } from '../../src/sdk/legacy/huawei-kms-unwrap.ts';
import { KmsClient } from '../../src/sdk/kms/client.ts';
import { ADMIN, listen, makeRig } from '../helpers/kms.ts';
import { rejection } from './helpers.ts';

useWasm();

const u8 = (n: number) => Buffer.from([n]);
const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

/** GCM with node:crypto, or SM4-GCM with the WASM core: ciphertext ‖ tag. */
function gcm(alg: 1 | 2 | 3, key: Buffer, iv: Buffer, pt: Buffer, aad: Buffer): Buffer {
  if (alg === 3) return Buffer.from(sm4GcmEncrypt(key, iv, pt, aad));
  const c = createCipheriv(alg === 1 ? 'aes-128-gcm' : 'aes-256-gcm', key, iv).setAAD(aad);
  return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
}

/** The Java SDK's context serialization: pairs sorted by value. */
function huaweiContext(ec: Record<string, string>): Buffer {
  const pairs = Object.entries(ec).sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  if (!pairs.length) return Buffer.alloc(0);
  return Buffer.concat([u16(pairs.length), ...pairs.flatMap(([k, v]) => [u16(Buffer.byteLength(k)), Buffer.from(k), u16(Buffer.byteLength(v)), Buffer.from(v)])]);
}

/** A Java SDK message or file stream, per the documented layout. */
function javaMessage(opts: { alg: 1 | 2 | 3 | 4; kek: Buffer; dek: Buffer; ec: Record<string, string>; plaintext: Buffer; stream?: boolean; kmsEdk?: { keyInfo: Buffer; ciphertext: Buffer } }) {
  const { alg, kek, dek, plaintext } = opts;
  const ec = huaweiContext(opts.ec);
  const ivLen = alg === 4 ? 16 : 12;
  const edkIv = randomBytes(12);
  const edk = Buffer.concat([edkIv, gcm(2, kek, edkIv, dek, ec)]);
  const keyInfo = Buffer.from([2]); // discovery flag 2: no discovery info
  const edkEntry = opts.kmsEdk
    ? Buffer.concat([u8(10), Buffer.from('huawei-kms'), u8(opts.kmsEdk.keyInfo.length), opts.kmsEdk.keyInfo, u16(opts.kmsEdk.ciphertext.length), opts.kmsEdk.ciphertext])
    : Buffer.concat([u8(12), Buffer.from('huawei-local'), u8(keyInfo.length), keyInfo, u16(edk.length), edk]);
  const body = Buffer.concat([u8(1), u16(alg), u16(ec.length), ec, u8(1), edkEntry, u8(1), u8(ivLen)]);
  let tag: Buffer;
  if (alg === 4) tag = Buffer.from(sm3(body));
  else {
    const hiv = randomBytes(12);
    tag = Buffer.concat([hiv, gcm(alg, dek, hiv, Buffer.alloc(0), body)]);
  }
  const header = Buffer.concat([body, u16(tag.length), tag]);
  const seal = (pt: Buffer): [Buffer, Buffer, Buffer] => {
    const iv = randomBytes(ivLen);
    if (alg === 4) {
      const c = createCipheriv('sm4-cbc', dek, iv);
      return [iv, Buffer.concat([c.update(pt), c.final()]), Buffer.alloc(0)];
    }
    const s = gcm(alg, dek, iv, pt, ec);
    return [iv, s.subarray(0, s.length - 16), s.subarray(s.length - 16)];
  };
  if (!opts.stream) {
    const [iv, ct, t] = seal(plaintext);
    return Buffer.concat([header, iv, u64(ct.length), ct, t]);
  }
  const chunks: Buffer[] = [];
  for (let o = 0; o < plaintext.length; o += 1024) {
    const [iv, ct, t] = seal(plaintext.subarray(o, o + 1024));
    chunks.push(Buffer.concat([iv, u64(ct.length + t.length), ct, t]));
  }
  return { header: Buffer.concat([u16(header.length), header]), chunks };
}

describe('Huawei Encryption SDK (Java) messages', () => {
  const kek = randomBytes(32);
  for (const alg of [1, 2, 3] as const) {
    it(`algorithm ${alg}: a message decrypts, its context is read, any flipped bit is refused`, async () => {
      const dek = randomBytes(alg === 2 ? 32 : 16);
      const plaintext = randomBytes(3000);
      const msg = javaMessage({ alg, kek, dek, ec: { b: '1', a: '2', 中: '文' }, plaintext }) as Buffer;
      const unwrap = huaweiLocalAesUnwrapper(kek);
      const { plaintext: out, header } = await decryptHuaweiMessage(msg, { unwrap });
      expect(Buffer.from(out).equals(plaintext)).toBe(true);
      expect({ ...header.encryptionContext }).toEqual({ a: '2', b: '1', 中: '文' });
      for (const at of [3, 30, 80, msg.length - 20, msg.length - 1]) {
        const bad = Buffer.from(msg);
        bad[at] ^= 1;
        expect((await rejection(decryptHuaweiMessage(bad, { unwrap }))).name).toBe('LegacyFormatError');
      }
      expect((await rejection(decryptHuaweiMessage(msg, { unwrap: huaweiLocalAesUnwrapper(randomBytes(32)) }))).code).toBe('LEGACY_NO_DATA_KEY');
    });
  }

  it('SM4-CBC (no integrity) is refused unless the caller opts in', async () => {
    const dek = randomBytes(16);
    const plaintext = randomBytes(100);
    const msg = javaMessage({ alg: 4, kek, dek, ec: {}, plaintext }) as Buffer;
    const unwrap = huaweiLocalAesUnwrapper(kek);
    expect((await rejection(decryptHuaweiMessage(msg, { unwrap }))).code).toBe('LEGACY_UNAUTHENTICATED');
    const { plaintext: out } = await decryptHuaweiMessage(msg, { unwrap, allowUnauthenticated: true });
    expect(Buffer.from(out).equals(plaintext)).toBe(true);
  });

  it('file streams decrypt chunk by chunk; dropped chunks go unnoticed, as documented (the format cannot tell)', async () => {
    const dek = randomBytes(32);
    const plaintext = randomBytes(5000);
    const { header, chunks } = javaMessage({ alg: 2, kek, dek, ec: { file: 'x.bin' }, plaintext, stream: true }) as { header: Buffer; chunks: Buffer[] };
    const unwrap = huaweiLocalAesUnwrapper(kek);
    const out = await collect(decryptHuaweiStream(streamOf(Buffer.concat([header, ...chunks])), { unwrap }));
    expect(Buffer.from(out).equals(plaintext)).toBe(true);
    const dropped = await collect(decryptHuaweiStream(streamOf(Buffer.concat([header, chunks[0], chunks[2], chunks[3], chunks[4]])), { unwrap }));
    expect(dropped.length).toBe(5000 - 1024);
    const bad = Buffer.concat([header, ...chunks]);
    bad[header.length + 40] ^= 1;
    expect((await rejection(collect(decryptHuaweiStream(streamOf(bad), { unwrap })))).code).toBe('LEGACY_AUTH');
  });
});

describe("Huawei's Go envelope files", () => {
  const seal = (key: Buffer, nonce: Buffer, pt: Buffer, aad: Buffer) => {
    const c = createCipheriv('aes-256-gcm', key, nonce).setAAD(aad);
    return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
  };

  it('the file helper decrypts 8 MiB into place through a temporary file; a tampered file leaves nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'go-envelope-'));
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const aad = Buffer.from('bucket/object-1');
    const plaintext = randomBytes(8 << 20);
    writeFileSync(join(dir, 'in.enc'), Buffer.concat([nonce, seal(key, nonce, plaintext, aad)]));
    await decryptGoEnvelopeFile(join(dir, 'in.enc'), join(dir, 'out.bin'), { dataKey: key.toString('hex').toUpperCase(), aad });
    expect(createHash('sha256').update(readFileSync(join(dir, 'out.bin'))).digest('hex')).toBe(createHash('sha256').update(plaintext).digest('hex'));

    const bad = readFileSync(join(dir, 'in.enc'));
    bad[bad.length - 1] ^= 1;
    writeFileSync(join(dir, 'bad.enc'), bad);
    expect((await rejection(decryptGoEnvelopeFile(join(dir, 'bad.enc'), join(dir, 'bad.bin'), { dataKey: key, aad }))).code).toBe('LEGACY_AUTH');
    expect(existsSync(join(dir, 'bad.bin'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
    expect((await rejection(decryptGoEnvelopeFile(join(dir, 'in.enc'), join(dir, 'bad.bin'), { dataKey: key, aad: Buffer.from('other') }))).code).toBe('LEGACY_AUTH');
    expect(existsSync(join(dir, 'bad.bin'))).toBe(false);
  });

  it('the stream holds plaintext back until the tag verifies, up to a limit; releasing early needs an opt-in', async () => {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const plaintext = randomBytes(300_000);
    const sealed = seal(key, nonce, plaintext, Buffer.alloc(0));
    const file = Buffer.concat([nonce, sealed]);
    expect(Buffer.from(await collect(decryptGoEnvelopeStream(streamOf(file), { dataKey: key }))).equals(plaintext)).toBe(true);
    // nonce kept apart from the file
    expect(Buffer.from(await collect(decryptGoEnvelopeStream(streamOf(sealed), { dataKey: key, nonce }))).equals(plaintext)).toBe(true);
    expect((await rejection(collect(decryptGoEnvelopeStream(streamOf(file), { dataKey: key, maxBufferedBytes: 100_000 })))).code).toBe('LEGACY_LIMIT');

    // Without the opt-in nothing comes out of a tampered file; with it, bytes come out and then the error.
    const bad = Buffer.from(file);
    bad[5000] ^= 1;
    const held = decryptGoEnvelopeStream(streamOf(bad), { dataKey: key }).getReader();
    expect((await rejection(held.read())).code).toBe('LEGACY_AUTH');
    const early = decryptGoEnvelopeStream(streamOf(bad), { dataKey: key, releaseUnverified: true }).getReader();
    let released = 0;
    const err = await rejection(
      (async () => {
        for (;;) {
          const { done, value } = await early.read();
          if (done) return;
          released += value.length;
        }
      })(),
    );
    expect(err.code).toBe('LEGACY_AUTH');
    expect(released).toBeGreaterThan(0);
  });
});

describe('Huawei Encryption SDK (Java) messages with a KMS-wrapped data key, against edgekms over loopback', () => {
  let server: { url: string; close(): Promise<void> };
  let kms: KmsClient;
  beforeAll(async () => {
    const rig = await makeRig();
    server = await listen(rig.app);
    kms = new KmsClient({ endpoint: server.url, accessKey: ADMIN.accessKey, secretKey: ADMIN.secretKey, projectId: ADMIN.project, now: () => rig.clock.now() });
  });
  afterAll(() => server.close());

  it('decrypt-datakey opens the EDK (the Java KMS keyring layout); the discovery endpoint in the message is never called', async () => {
    const keyId = (await kms.createKey({ key_alias: `java-${Math.random().toString(36).slice(2)}` })).key_info.key_id;
    const dek = randomBytes(32);
    const wrapped = await kms.encryptDatakey({
      key_id: keyId,
      plain_text: dek.toString('hex') + createHash('sha256').update(dek).digest('hex'),
      datakey_plain_length: '32',
    });
    // discovery flag 1: key id, region, project id and an endpoint an attacker chose
    const field = (v: string) => Buffer.concat([u8(Buffer.byteLength(v)), Buffer.from(v)]);
    const keyInfo = Buffer.concat([u8(1), field(keyId), field('cn-north-4'), field(ADMIN.project), field('https://attacker.invalid')]);
    const plaintext = randomBytes(2000);
    const msg = javaMessage({ alg: 2, kek: randomBytes(32), dek, ec: { app: 'billing' }, plaintext, kmsEdk: { keyInfo, ciphertext: Buffer.from(wrapped.cipher_text, 'hex') } }) as Buffer;
    const { plaintext: out } = await decryptHuaweiMessage(msg, { unwrap: huaweiKmsUnwrapper({ client: kms, keyIds: [keyId] }) });
    expect(Buffer.from(out).equals(plaintext)).toBe(true);
    // a CMK the caller did not allow is never used, whatever the message names
    expect((await rejection(decryptHuaweiMessage(msg, { unwrap: huaweiKmsUnwrapper({ client: kms, keyIds: [] }) }))).code).toBe('LEGACY_NO_DATA_KEY');
  });
});
