// Raw keyrings: their EDKs open with independent implementations (node:crypto for RSA-OAEP-SHA-256,
// sm-crypto for SM2, node:crypto for the raw AES layout), they only try EDKs carrying their own name, and
// whole messages round-trip through each of them with both suites.
import { createDecipheriv, createPrivateKey, constants, privateDecrypt } from 'node:crypto';
// @ts-expect-error sm-crypto ships no types
import smCrypto from 'sm-crypto';
import { describe, expect, it } from 'vitest';
import { sm2GenerateKeyPair } from '../../src/crypto/sm2.ts';
import { encodeContext } from '../../src/sdk/format/context.ts';
import { AES256_GCM_HKDF_SHA512, SM4_GCM_HKDF_SM3 } from '../../src/sdk/format/suites.ts';
import { RawRsaKeyring } from '../../src/sdk/keyrings/raw-rsa.ts';
import { RawSm2Keyring } from '../../src/sdk/keyrings/raw-sm2.ts';
import { newDecryptionMaterials, newEncryptionMaterials } from '../../src/sdk/materials/materials.ts';
import type { Keyring } from '../../src/sdk/materials/types.ts';
import { decrypt, encrypt } from '../../src/sdk/stream/one-shot.ts';
import { useWasm } from '../wasm/setup.ts';
import { aesKeyring, random, rejection } from './helpers.ts';

useWasm();

async function rsaPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(
    { name: 'RSA-OAEP', modulusLength: 2048, publicExponent: Uint8Array.of(1, 0, 1), hash: 'SHA-256' },
    true,
    ['encrypt', 'decrypt'],
  );
}

const ctx = { bucket: 'photos', 'object/key': 'a/b/c.jpg' };

describe('raw keyrings', () => {
  it('raw AES: the EDK is IV ‖ AES-GCM(data key) with the documented AAD (checked with node:crypto)', async () => {
    const wrappingKey = random(32);
    const kr = aesKeyring('k1', wrappingKey, 'ns');
    const m = await kr.onEncrypt(newEncryptionMaterials(AES256_GCM_HKDF_SHA512, ctx));
    const edk = m.encryptedDataKeys[0];
    expect(edk.providerId).toBe('ns');
    expect(Buffer.from(edk.providerInfo).toString()).toBe('k1');
    const c = edk.ciphertext;
    const aad = Buffer.concat([Buffer.from('ENV1 raw AES'), Buffer.from([0, 2]), Buffer.from('ns'), Buffer.from([0, 2]), Buffer.from('k1'), encodeContext(ctx)]);
    const d = createDecipheriv('aes-256-gcm', wrappingKey, c.subarray(0, 12)).setAAD(aad).setAuthTag(c.subarray(44));
    const key = Buffer.concat([d.update(c.subarray(12, 44)), d.final()]);
    expect(key.equals(Buffer.from(m.plaintextDataKey!))).toBe(true);
    expect(m.trace.map((t) => t.action)).toEqual(['generated', 'encrypted']);
  });

  it('raw AES: an EDK opens only with its own context and only for its own name', async () => {
    const key = random(32);
    const kr = aesKeyring('k1', key);
    const m = await kr.onEncrypt(newEncryptionMaterials(AES256_GCM_HKDF_SHA512, ctx));
    const ok = await kr.onDecrypt(newDecryptionMaterials(AES256_GCM_HKDF_SHA512, ctx), m.encryptedDataKeys);
    expect(ok.plaintextDataKey).toEqual(m.plaintextDataKey);
    const wrongCtx = await kr.onDecrypt(newDecryptionMaterials(AES256_GCM_HKDF_SHA512, { ...ctx, bucket: 'x' }), m.encryptedDataKeys);
    expect(wrongCtx.plaintextDataKey).toBeUndefined();
    const otherName = await aesKeyring('k2', key).onDecrypt(newDecryptionMaterials(AES256_GCM_HKDF_SHA512, ctx), m.encryptedDataKeys);
    expect(otherName.plaintextDataKey).toBeUndefined();
  });

  it('raw RSA: OAEP with SHA-256 and MGF1-SHA-256 (node:crypto opens the EDK); public-only keyrings encrypt but cannot decrypt', async () => {
    const pair = await rsaPair();
    const kr = new RawRsaKeyring({ keyNamespace: 'hsm', keyName: 'rsa-1', publicKey: pair.publicKey, privateKey: pair.privateKey });
    const m = await kr.onEncrypt(newEncryptionMaterials(AES256_GCM_HKDF_SHA512, ctx));
    const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
    const node = privateDecrypt(
      { key: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      m.encryptedDataKeys[0].ciphertext,
    );
    expect(node.equals(Buffer.from(m.plaintextDataKey!))).toBe(true);

    const publicOnly = new RawRsaKeyring({ keyNamespace: 'hsm', keyName: 'rsa-1', publicKey: pair.publicKey });
    const data = random(5000);
    const { ciphertext } = await encrypt(data, { keyring: publicOnly, segmentSize: 4096 });
    expect((await rejection(decrypt(ciphertext, { keyring: publicOnly }))).code).toBe('ENV1_NO_DATA_KEY');
    expect(Buffer.from((await decrypt(ciphertext, { keyring: kr })).plaintext).equals(Buffer.from(data))).toBe(true);
  });

  it('raw RSA refuses keys of the wrong algorithm or usage', async () => {
    const pss = await crypto.subtle.generateKey(
      { name: 'RSA-PSS', modulusLength: 2048, publicExponent: Uint8Array.of(1, 0, 1), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    );
    expect(() => new RawRsaKeyring({ keyNamespace: 'n', keyName: 'k', publicKey: pss.publicKey })).toThrow(/RSA-OAEP/);
    expect(() => new RawRsaKeyring({ keyNamespace: 'n', keyName: 'k' })).toThrow(/required/);
  });

  it('raw SM2: the EDK is C1C3C2 that sm-crypto decrypts', async () => {
    const kp = sm2GenerateKeyPair();
    const kr = new RawSm2Keyring({ keyNamespace: 'gm', keyName: 'sm2-1', publicKey: kp.publicKey, privateKey: kp.privateKey });
    const m = await kr.onEncrypt(newEncryptionMaterials(SM4_GCM_HKDF_SM3, ctx));
    const c = m.encryptedDataKeys[0].ciphertext;
    const js = Uint8Array.from(smCrypto.sm2.doDecrypt(Buffer.from(c.subarray(1)).toString('hex'), Buffer.from(kp.privateKey).toString('hex'), 1, { output: 'array' }));
    expect(Buffer.from(js).equals(Buffer.from(m.plaintextDataKey!))).toBe(true);
  });

  it('refuses a namespace reserved for KMS keyrings', () => {
    expect(() => aesKeyring('k', random(32), 'huawei-kms')).toThrow(/reserved/);
  });
});

describe('round trips across keyrings, suites and contexts', () => {
  const makers: Record<string, () => Promise<Keyring>> = {
    'raw AES-256': async () => aesKeyring(),
    'raw AES-128': async () => aesKeyring('k128', random(16)),
    'raw RSA': async () => {
      const p = await rsaPair();
      return new RawRsaKeyring({ keyNamespace: 'hsm', keyName: 'r', publicKey: p.publicKey, privateKey: p.privateKey });
    },
    'raw SM2': async () => {
      const kp = sm2GenerateKeyPair();
      return new RawSm2Keyring({ keyNamespace: 'gm', keyName: 's', ...kp });
    },
  };
  const contexts: Record<string, string>[] = [{}, ctx, { '键': '值', e: '' }];
  for (const [name, make] of Object.entries(makers)) {
    for (const suite of [AES256_GCM_HKDF_SHA512, SM4_GCM_HKDF_SM3]) {
      it(`${name} with ${suite.name}: sizes 0, 1, S-1, S, S+1 and three contexts`, async () => {
        const keyring = await make();
        const S = 4096;
        for (const [i, n] of [0, 1, S - 1, S, S + 1].entries()) {
          const data = random(n);
          const encryptionContext = contexts[i % contexts.length];
          const { ciphertext } = await encrypt(data, { keyring, suite, encryptionContext, segmentSize: S });
          const { plaintext, info } = await decrypt(ciphertext, { keyring, requiredContext: encryptionContext });
          expect(info.suite.id).toBe(suite.id);
          expect(Buffer.from(plaintext).equals(Buffer.from(data))).toBe(true);
        }
      });
    }
  }
});
