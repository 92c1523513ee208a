// File integrity helpers over loopback HTTP: a stream's digest is signed by the KMS and checked by the KMS
// and by independent verifiers (node:crypto for RSA/ECDSA/Ed25519ph, sm-crypto for SM2), streaming the same
// bytes themselves. One changed byte fails every check.
import { constants, createPublicKey, createVerify, randomBytes, verify as nodeVerify, createHash } from 'node:crypto';
// @ts-expect-error sm-crypto ships no types
import smCrypto from 'sm-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSm2Spki } from '../../src/crypto/asym-keys.ts';
import { pemDecode } from '../../src/crypto/pem.ts';
import { signStream, streamDigest, verifyStream } from '../../src/sdk/integrity.ts';
import { KmsClient } from '../../src/sdk/kms/client.ts';
import { ADMIN, listen, makeRig, type Rig } from '../helpers/kms.ts';

let rig: Rig;
let server: { url: string; close(): Promise<void> };
let kms: KmsClient;
const data = randomBytes(3 * 1024 * 1024 + 17);
const tampered = Buffer.from(data);
tampered[1_234_567] ^= 1;

/** The bytes as a stream of uneven chunks. */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let o = 0;
  return new ReadableStream({
    pull(c) {
      if (o >= bytes.length) return c.close();
      const n = Math.min(bytes.length - o, 65_521);
      c.enqueue(bytes.slice(o, o + n));
      o += n;
    },
  });
}

beforeAll(async () => {
  rig = await makeRig();
  server = await listen(rig.app);
  kms = new KmsClient({ endpoint: server.url, accessKey: ADMIN.accessKey, secretKey: ADMIN.secretKey, projectId: ADMIN.project, now: () => rig.clock.now() });
});
afterAll(() => server.close());

async function signingKey(spec: string) {
  const keyId = (await kms.createKey({ key_alias: `integrity-${spec}-${Math.random().toString(36).slice(2)}`, key_spec: spec, key_usage: 'SIGN_VERIFY' })).key_info.key_id;
  const pem = (await kms.getPublicKey({ key_id: keyId })).public_key;
  return { keyId, pem };
}

describe('sign and verify a stream through the KMS', () => {
  it.each([
    ['RSA_2048', 'RSASSA_PSS_SHA_256', 'sha256'],
    ['RSA_3072', 'RSASSA_PKCS1_V1_5_SHA_384', 'sha384'],
    ['EC_P256', 'ECDSA_SHA_256', 'sha256'],
    ['EC_P384', 'ECDSA_SHA_384', 'sha384'],
  ])('%s with %s: node:crypto verifies the file itself', async (spec, alg, hash) => {
    const { keyId, pem } = await signingKey(spec);
    const target = { kms, keyId, signingAlgorithm: alg };
    const s = await signStream(streamOf(data), target);
    expect(s.keyId).toBe(keyId);
    expect(Buffer.from(s.digest).equals(createHash(hash).update(data).digest())).toBe(true);
    const sig = Buffer.from(s.signature, 'base64');
    const options = alg.startsWith('RSASSA_PSS') ? { key: createPublicKey(pem), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : createPublicKey(pem);
    expect(createVerify(hash).update(data).verify(options, sig)).toBe(true);
    expect(createVerify(hash).update(tampered).verify(options, sig)).toBe(false);
    expect(await verifyStream(streamOf(data), s.signature, target)).toBe(true);
    expect(await verifyStream(streamOf(tampered), s.signature, target)).toBe(false);
  });

  it('SM2DSA_SM3: signs e = SM3(Z ‖ file); sm-crypto verifies the file itself', async () => {
    const { keyId, pem } = await signingKey('SM2');
    const target = { kms, keyId, signingAlgorithm: 'SM2DSA_SM3' };
    const small = data.subarray(0, 200_000); // sm-crypto is slow in pure JS
    const s = await signStream(streamOf(small), target);
    const point = Buffer.from(parseSm2Spki(pemDecode(pem, 'PUBLIC KEY'))).toString('hex');
    const sig = Buffer.from(s.signature, 'base64').toString('hex');
    expect(smCrypto.sm2.doVerifySignature(Array.from(small), sig, point, { hash: true, der: true })).toBe(true);
    const bad = Buffer.from(small);
    bad[100] ^= 0x80;
    expect(smCrypto.sm2.doVerifySignature(Array.from(bad), sig, point, { hash: true, der: true })).toBe(false);
    expect(await verifyStream(streamOf(small), s.signature, target)).toBe(true);
    expect(await verifyStream(streamOf(bad), s.signature, target)).toBe(false);
  });

  it('ED25519_PH_SHA_512 signs the SHA-512 digest; ED25519_SHA_512 (pure) is refused for streams', async () => {
    const { keyId, pem } = await signingKey('ED25519');
    const target = { kms, keyId, signingAlgorithm: 'ED25519_PH_SHA_512' };
    const s = await signStream(streamOf(data), target);
    expect(Buffer.from(s.digest).equals(createHash('sha512').update(data).digest())).toBe(true);
    expect(await verifyStream(streamOf(data), s.signature, target)).toBe(true);
    expect(await verifyStream(streamOf(tampered), s.signature, target)).toBe(false);
    expect(createPublicKey(pem).asymmetricKeyType).toBe('ed25519');
    await expect(streamDigest(streamOf(data), { ...target, signingAlgorithm: 'ED25519_SHA_512' })).rejects.toThrow(/ED25519_PH_SHA_512/);
    expect(typeof nodeVerify).toBe('function');
  });
});
