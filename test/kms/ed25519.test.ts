// ED25519 CMKs: RFC 8032 vectors through the family itself (Ed25519 and Ed25519ph are deterministic, so a
// known seed must give the published signature), then over signed HTTP: get-publickey read by node:crypto,
// ED25519_SHA_512 signatures checked by node:crypto, ED25519_PH_SHA_512 (RAW and DIGEST) checked by
// @noble/curves' own Ed25519ph, and every refusal.
import { ed25519ph } from '@noble/curves/ed25519.js';
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeEd25519Spki, ed25519PublicKey, parseEd25519Spki } from '../../src/crypto/ed25519.ts';
import { ED25519 } from '../../src/kms/asymmetric/ed25519.ts';
import { ApiError } from '../../src/sdk/errors.ts';
import { makeRig, rejection, type Rig } from '../helpers/kms.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const b64 = (b: Uint8Array | Buffer) => Buffer.from(b).toString('base64');

// RFC 8032 7.1 TEST 1 (empty message) and TEST 3 (two bytes), and 7.3 TEST abc (Ed25519ph).
const PURE_VECTORS = [
  {
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    pub: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    msg: '',
    sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    pub: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    msg: 'af82',
    sig: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];
const PH_VECTOR = {
  seed: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
  pub: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
  msg: '616263',
  sig: '98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406',
};

async function familyKey(seedHex: string) {
  const seed = hex(seedHex);
  const pub = ED25519.parsePublic(encodeEd25519Spki(ed25519PublicKey(seed)), 'ED25519');
  return { pub, priv: await ED25519.preparePrivate(seed, 'ED25519', pub) };
}

describe('ED25519 family against RFC 8032', () => {
  it('derives the published public keys and signatures (ED25519_SHA_512, RAW)', async () => {
    for (const v of PURE_VECTORS) {
      const { pub, priv } = await familyKey(v.seed);
      expect(Buffer.from(pub).toString('hex')).toBe(v.pub);
      const sig = await ED25519.sign(priv, pub, 'ED25519_SHA_512', hex(v.msg), 'RAW');
      expect(Buffer.from(sig).toString('hex')).toBe(v.sig);
      expect(await ED25519.verify(pub, 'ED25519_SHA_512', hex(v.msg), 'RAW', sig)).toBe(true);
    }
  });

  it('gives the published Ed25519ph signature for the message (RAW) and for its SHA-512 (DIGEST)', async () => {
    const { pub, priv } = await familyKey(PH_VECTOR.seed);
    expect(Buffer.from(pub).toString('hex')).toBe(PH_VECTOR.pub);
    const raw = await ED25519.sign(priv, pub, 'ED25519_PH_SHA_512', hex(PH_VECTOR.msg), 'RAW');
    const digest = await ED25519.sign(priv, pub, 'ED25519_PH_SHA_512', createHash('sha512').update(hex(PH_VECTOR.msg)).digest(), 'DIGEST');
    expect(Buffer.from(raw).toString('hex')).toBe(PH_VECTOR.sig);
    expect(Buffer.from(digest).toString('hex')).toBe(PH_VECTOR.sig);
  });

  it('refuses material that does not match its public key, and SPKIs of other algorithms', async () => {
    const { pub } = await familyKey(PURE_VECTORS[0].seed);
    await expect(ED25519.preparePrivate(hex(PURE_VECTORS[1].seed), 'ED25519', pub)).rejects.toMatchObject({ status: 500 });
    const p256 = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: 'MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4', y: '4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM' }, format: 'jwk' });
    expect(() => parseEd25519Spki(p256.export({ type: 'spki', format: 'der' }))).toThrow();
  });
});

describe('ED25519 CMKs over signed HTTP', () => {
  let rig: Rig;
  let keyId: string;
  const kms = (action: string, body: unknown) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
  const fail = (action: string, body: unknown) => rejection<ApiError>(kms(action, body));
  const message = Buffer.from('edgekms ed25519 message');

  beforeAll(async () => {
    rig = await makeRig();
    keyId = (await kms('create-key', { key_alias: 'ed', key_spec: 'ED25519' })).key_info.key_id;
  });

  it('creates SIGN_VERIFY keys whose PEM node:crypto reads as ed25519', async () => {
    expect((await kms('describe-key', { key_id: keyId })).key_info).toMatchObject({ key_spec: 'ED25519', key_usage: 'SIGN_VERIFY', key_type: '2' });
    const { public_key } = await kms('get-publickey', { key_id: keyId });
    expect(public_key).toMatch(/^-----BEGIN PUBLIC KEY-----\r\n[A-Za-z0-9+/=]+\r\n-----END PUBLIC KEY-----\r\n$/);
    expect(createPublicKey(public_key).asymmetricKeyType).toBe('ed25519');
  });

  it('ED25519_SHA_512 signatures verify with node:crypto; an altered message or signature is "false"', async () => {
    const pub = createPublicKey((await kms('get-publickey', { key_id: keyId })).public_key);
    const { signature } = await kms('sign', { key_id: keyId, signing_algorithm: 'ED25519_SHA_512', message_type: 'RAW', message: b64(message) });
    const sig = Buffer.from(signature, 'base64');
    expect(sig.length).toBe(64);
    expect(nodeVerify(null, message, pub, sig)).toBe(true);
    const check = (msg: Buffer, s: Buffer) =>
      kms('verify', { key_id: keyId, signing_algorithm: 'ED25519_SHA_512', message_type: 'RAW', message: b64(msg), signature: b64(s) });
    expect((await check(message, sig)).signature_valid).toBe('true');
    expect((await check(Buffer.from('edgekms ed25519 messagf'), sig)).signature_valid).toBe('false');
    const flipped = Buffer.from(sig);
    flipped[10] ^= 1;
    expect((await check(message, flipped)).signature_valid).toBe('false');
    expect((await check(message, sig.subarray(0, 63))).signature_valid).toBe('false');
  });

  it('ED25519_PH_SHA_512 over RAW and DIGEST gives one signature, which @noble/curves Ed25519ph verifies', async () => {
    const pub = createPublicKey((await kms('get-publickey', { key_id: keyId })).public_key).export({ format: 'jwk' });
    const raw = (await kms('sign', { key_id: keyId, signing_algorithm: 'ED25519_PH_SHA_512', message_type: 'RAW', message: b64(message) })).signature;
    const digest = createHash('sha512').update(message).digest();
    const dig = (await kms('sign', { key_id: keyId, signing_algorithm: 'ED25519_PH_SHA_512', message: b64(digest) })).signature;
    expect(dig).toBe(raw);
    expect(ed25519ph.verify(Buffer.from(raw, 'base64'), message, Buffer.from(pub.x!, 'base64url'), { zip215: false })).toBe(true);
    expect((await kms('verify', { key_id: keyId, signing_algorithm: 'ED25519_PH_SHA_512', message: b64(digest), signature: raw })).signature_valid).toBe('true');
  });

  it('refuses a pure signature of a digest, short digests, other algorithms, and encryption', async () => {
    const bad = [
      ['sign', { signing_algorithm: 'ED25519_SHA_512', message_type: 'DIGEST', message: b64(createHash('sha512').update(message).digest()) }],
      ['sign', { signing_algorithm: 'ED25519_PH_SHA_512', message_type: 'DIGEST', message: b64(createHash('sha256').update(message).digest()) }],
      ['sign', { signing_algorithm: 'ECDSA_SHA_256', message_type: 'RAW', message: b64(message) }],
      ['sign', { signing_algorithm: 'ED25519_SHA_512', message_type: 'RAW', message: b64(Buffer.alloc(4096)) }],
      ['encrypt-data', { plain_text: 'x', encryption_algorithm: 'RSAES_OAEP_SHA_256' }],
    ] as const;
    for (const [op, body] of bad) expect((await fail(op, { key_id: keyId, ...body })).code, JSON.stringify(body)).toBe('KMS.0308');
  });
});
