// Asymmetric CMKs over signed HTTP (in-process): key creation, get-publickey, sign / verify for every
// algorithm and message type, RSA-OAEP encrypt-data / decrypt-data, data key pairs. Every result is checked
// against node:crypto or WebCrypto, never only against the KMS itself.
import { constants, createHash, createPrivateKey, createPublicKey, createSign, createVerify, generateKeyPairSync, publicEncrypt, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/sdk/errors.ts';
import { makeRig, rejection, type Rig } from '../helpers/kms.ts';

let rig: Rig;
const keys: Record<string, string> = {};
const pubs: Record<string, KeyObject> = {};

const kms = (action: string, body: unknown) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
const fail = (action: string, body: unknown) => rejection<ApiError>(kms(action, body));
const b64 = (b: Uint8Array | Buffer | string) => Buffer.from(b as Uint8Array).toString('base64');

beforeAll(async () => {
  rig = await makeRig();
  const specs: [string, string, string][] = [
    ['rsa2048', 'RSA_2048', 'SIGN_VERIFY'],
    ['rsa3072', 'RSA_3072', 'SIGN_VERIFY'],
    ['rsaEnc', 'RSA_2048', 'ENCRYPT_DECRYPT'],
    ['p256', 'EC_P256', 'SIGN_VERIFY'],
    ['p384', 'EC_P384', 'SIGN_VERIFY'],
    ['k256', 'SECP256K1', 'SIGN_VERIFY'],
  ];
  for (const [name, spec, usage] of specs) {
    keys[name] = (await kms('create-key', { key_alias: `asym-${name}`, key_spec: spec, key_usage: usage })).key_info.key_id;
    pubs[name] = createPublicKey((await kms('get-publickey', { key_id: keys[name] })).public_key);
  }
  keys.aes = (await kms('create-key', { key_alias: 'asym-aes' })).key_info.key_id;
});

describe('asymmetric keys and get-publickey', () => {
  it('describes asymmetric keys with their spec, usage and key_type 2; SIGN_VERIFY is the default usage', async () => {
    const d = (await kms('describe-key', { key_id: keys.p256 })).key_info;
    expect(d).toMatchObject({ key_spec: 'EC_P256', key_usage: 'SIGN_VERIFY', key_type: '2', key_state: '2', origin: 'kms' });
    const def = (await kms('create-key', { key_alias: 'asym-default-usage', key_spec: 'EC_P384' })).key_info.key_id;
    expect((await kms('describe-key', { key_id: def })).key_info.key_usage).toBe('SIGN_VERIFY');
    expect((await kms('list-keys', { key_spec: 'RSA_2048' })).total).toBe(2);
  });

  it('returns the PEM SubjectPublicKeyInfo with CRLF line endings, which node:crypto parses', async () => {
    const r = await kms('get-publickey', { key_id: keys.rsa2048 });
    expect(Object.keys(r).sort()).toEqual(['key_id', 'public_key']);
    expect(r.public_key).toMatch(/^-----BEGIN PUBLIC KEY-----\r\n([A-Za-z0-9+/=]{1,64}\r\n)+-----END PUBLIC KEY-----\r\n$/);
    expect(pubs.rsa2048.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(pubs.rsa3072.asymmetricKeyDetails?.modulusLength).toBe(3072);
    expect(pubs.p256.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(pubs.p384.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
    expect(pubs.k256.asymmetricKeyDetails?.namedCurve).toBe('secp256k1');
    // Same DER as node re-encodes it.
    const der = pubs.rsa2048.export({ type: 'spki', format: 'der' });
    expect(r.public_key.replace(/-----[A-Z ]+-----|\r\n/g, '')).toBe(der.toString('base64'));
  });

  it('refuses get-publickey for symmetric keys; unsupported specs and usages are refused at creation', async () => {
    expect((await fail('get-publickey', { key_id: keys.aes })).code).toBe('KMS.0308');
    for (const bad of [
      { key_spec: 'EC_P256', key_usage: 'ENCRYPT_DECRYPT' },
      { key_spec: 'RSA_2048', key_usage: 'GENERATE_VERIFY_MAC' },
      { key_spec: 'SM2', origin: 'external' },
      { key_spec: 'ED25519', key_usage: 'ENCRYPT_DECRYPT' },
      { key_spec: 'ED25519', origin: 'external' },
      { key_spec: 'RSA_2048', origin: 'external' },
    ]) {
      expect((await fail('create-key', { key_alias: 'bad', ...bad })).code, JSON.stringify(bad)).toBe('KMS.0308');
    }
  });
});

const RSA_ALGS: [string, string, 'pss' | 'pkcs1', number][] = [
  ['RSASSA_PSS_SHA_256', 'sha256', 'pss', 32],
  ['RSASSA_PSS_SHA_384', 'sha384', 'pss', 48],
  ['RSASSA_PSS_SHA_512', 'sha512', 'pss', 64],
  ['RSASSA_PKCS1_V1_5_SHA_256', 'sha256', 'pkcs1', 32],
  ['RSASSA_PKCS1_V1_5_SHA_384', 'sha384', 'pkcs1', 48],
  ['RSASSA_PKCS1_V1_5_SHA_512', 'sha512', 'pkcs1', 64],
];

function nodeRsaOptions(key: KeyObject, padding: 'pss' | 'pkcs1', saltLength: number) {
  return padding === 'pss' ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength } : { key, padding: constants.RSA_PKCS1_PADDING };
}

describe('sign / verify', () => {
  const message = Buffer.from('the quick brown fox jumps over the lazy dog');

  for (const [alg, hash, padding, len] of RSA_ALGS) {
    it(`${alg}: KMS signatures verify with node:crypto, node signatures verify in the KMS (DIGEST and RAW)`, async () => {
      for (const keyName of ['rsa2048', 'rsa3072']) {
        const digest = createHash(hash).update(message).digest();
        for (const [type, payload] of [['DIGEST', digest], ['RAW', message]] as const) {
          const body = { key_id: keys[keyName], message: b64(payload), signing_algorithm: alg, message_type: type };
          const { key_id, signature } = await kms('sign', body);
          expect(key_id).toBe(keys[keyName]);
          const sig = Buffer.from(signature, 'base64');
          expect(sig.length).toBe(keyName === 'rsa2048' ? 256 : 384);
          expect(nodeVerify(hash, message, nodeRsaOptions(pubs[keyName], padding, len), sig), `${keyName} ${type}`).toBe(true);
          expect(await kms('verify', { ...body, signature })).toEqual({ key_id: keys[keyName], signature_valid: 'true' });
        }
      }
    });
  }

  it('signatures made by node:crypto verify in the KMS (a CMK holding a key pair the test made)', async () => {
    const injected = [
      ['RSA_2048', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey],
      ['EC_P256', generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey],
      ['EC_P384', generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey],
    ] as const;
    for (const [spec, priv] of injected) {
      const id = await injectKey(spec, priv);
      const algs: [string, string, 'pss' | 'pkcs1' | 'ec', number][] =
        spec === 'RSA_2048' ? RSA_ALGS : [[spec === 'EC_P256' ? 'ECDSA_SHA_256' : 'ECDSA_SHA_384', spec === 'EC_P256' ? 'sha256' : 'sha384', 'ec', 0]];
      for (const [alg, hash, padding, len] of algs) {
        const sig = padding === 'ec' ? nodeSign(hash, message, priv) : nodeSign(hash, message, nodeRsaOptions(priv, padding, len));
        const digest = createHash(hash).update(message).digest();
        for (const [type, payload] of [['DIGEST', digest], ['RAW', message]] as const) {
          const body = { key_id: id, message: b64(payload), signing_algorithm: alg, message_type: type, signature: b64(sig) };
          expect((await kms('verify', body)).signature_valid, `${spec} ${alg} ${type}`).toBe('true');
          // And the KMS signs with the very same key: node verifies it.
          const mine = Buffer.from((await kms('sign', body)).signature, 'base64');
          const pub = createPublicKey(priv);
          expect(padding === 'ec' ? nodeVerify(hash, message, pub, mine) : nodeVerify(hash, message, nodeRsaOptions(pub, padding, len), mine)).toBe(true);
        }
      }
    }
    // A signature by any other key is not valid for the CMK.
    const { privateKey: other } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const sig = nodeSign('sha256', message, nodeRsaOptions(other, 'pss', 32));
    const r = await kms('verify', { key_id: keys.rsa2048, message: b64(message), message_type: 'RAW', signing_algorithm: 'RSASSA_PSS_SHA_256', signature: b64(sig) });
    expect(r.signature_valid).toBe('false');
  });

  it('ECDSA (EC_P256 / EC_P384 / SECP256K1): DER signatures both ways with node:crypto and WebCrypto', async () => {
    const cases: [string, string, string][] = [
      ['p256', 'ECDSA_SHA_256', 'sha256'],
      ['p384', 'ECDSA_SHA_384', 'sha384'],
      ['k256', 'ECDSA_SHA_256', 'sha256'],
    ];
    for (const [name, alg, hash] of cases) {
      const digest = createHash(hash).update(message).digest();
      for (const [type, payload] of [['DIGEST', digest], ['RAW', message]] as const) {
        const body = { key_id: keys[name], message: b64(payload), signing_algorithm: alg, message_type: type };
        const { signature } = await kms('sign', body);
        const sig = Buffer.from(signature, 'base64');
        expect(sig[0]).toBe(0x30); // DER SEQUENCE
        expect(nodeVerify(hash, message, pubs[name], sig), `${name} ${type}`).toBe(true);
        expect((await kms('verify', { ...body, signature })).signature_valid).toBe('true');
      }
    }
    // WebCrypto (r||s) for the NIST curves.
    for (const [name, alg, hash, curve] of [['p256', 'ECDSA_SHA_256', 'SHA-256', 'P-256'], ['p384', 'ECDSA_SHA_384', 'SHA-384', 'P-384']] as const) {
      const { signature } = await kms('sign', { key_id: keys[name], message: b64(message), signing_algorithm: alg, message_type: 'RAW' });
      const p1363 = derToP1363(Buffer.from(signature, 'base64'), curve === 'P-256' ? 32 : 48);
      const key = await crypto.subtle.importKey('spki', pubs[name].export({ type: 'spki', format: 'der' }), { name: 'ECDSA', namedCurve: curve }, false, ['verify']);
      expect(await crypto.subtle.verify({ name: 'ECDSA', hash }, key, new Uint8Array(p1363), new Uint8Array(message))).toBe(true);
    }
  });

  it('answers signature_valid "false" (a string) for altered messages, altered or impossible signatures', async () => {
    const body = { key_id: keys.p256, message: b64(message), signing_algorithm: 'ECDSA_SHA_256', message_type: 'RAW' };
    const { signature } = await kms('sign', body);
    const altered = Buffer.from(message);
    altered[0] ^= 1;
    expect((await kms('verify', { ...body, message: b64(altered), signature })).signature_valid).toBe('false');
    const sig = Buffer.from(signature, 'base64');
    sig[sig.length - 1] ^= 1;
    expect((await kms('verify', { ...body, signature: b64(sig) })).signature_valid).toBe('false');
    expect((await kms('verify', { ...body, signature: b64(Buffer.alloc(3)) })).signature_valid).toBe('false');
    const rsa = { key_id: keys.rsa2048, message: b64(message), signing_algorithm: 'RSASSA_PSS_SHA_256', message_type: 'RAW' };
    expect((await kms('verify', { ...rsa, signature: b64(Buffer.alloc(255, 1)) })).signature_valid).toBe('false');
  });

  it('DIGEST is the default message_type; digests of the wrong length and RAW messages of 4096 bytes are refused', async () => {
    const digest = createHash('sha256').update(message).digest();
    const { signature } = await kms('sign', { key_id: keys.rsa2048, message: b64(digest), signing_algorithm: 'RSASSA_PKCS1_V1_5_SHA_256' });
    expect(createVerify('sha256').update(message).verify(pubs.rsa2048, Buffer.from(signature, 'base64'))).toBe(true);
    for (const len of [31, 33, 48, 0]) {
      const e = await fail('sign', { key_id: keys.rsa2048, message: b64(Buffer.alloc(len, 1)), signing_algorithm: 'RSASSA_PSS_SHA_256' });
      expect([e.status, e.code], `digest of ${len} bytes`).toEqual([400, 'KMS.0308']);
    }
    expect((await fail('verify', { key_id: keys.p384, message: b64(Buffer.alloc(32)), signing_algorithm: 'ECDSA_SHA_384', signature: b64(Buffer.alloc(70)) })).code).toBe('KMS.0308');
    const big = await fail('sign', { key_id: keys.p256, message: b64(Buffer.alloc(4096, 7)), signing_algorithm: 'ECDSA_SHA_256', message_type: 'RAW' });
    expect(big.code).toBe('KMS.0308');
    const max = await kms('sign', { key_id: keys.p256, message: b64(Buffer.alloc(4095, 7)), signing_algorithm: 'ECDSA_SHA_256', message_type: 'RAW' });
    expect(nodeVerify('sha256', Buffer.alloc(4095, 7), pubs.p256, Buffer.from(max.signature, 'base64'))).toBe(true);
  });

  it('refuses unknown or mismatched algorithms, wrong key usages, bad message types and encodings', async () => {
    const digest = b64(createHash('sha256').update(message).digest());
    const cases: [object, string][] = [
      [{ key_id: keys.rsa2048, message: digest, signing_algorithm: 'RSASSA_PSS_SHA_1' }, 'KMS.0308'],
      [{ key_id: keys.rsa2048, message: digest, signing_algorithm: 'ECDSA_SHA_256' }, 'KMS.0308'],
      [{ key_id: keys.p256, message: digest, signing_algorithm: 'ECDSA_SHA_384' }, 'KMS.0308'],
      [{ key_id: keys.p256, message: digest, signing_algorithm: 'ECDSA_SHA_512' }, 'KMS.0308'],
      [{ key_id: keys.p384, message: digest, signing_algorithm: 'ECDSA_SHA_256' }, 'KMS.0308'],
      [{ key_id: keys.p256, message: digest, signing_algorithm: 'SM2DSA_SM3' }, 'KMS.0308'],
      [{ key_id: keys.p256, message: digest, signing_algorithm: 'RSASSA_PSS_SHA_256' }, 'KMS.0308'],
      [{ key_id: keys.rsaEnc, message: digest, signing_algorithm: 'RSASSA_PSS_SHA_256' }, 'KMS.0308'],
      [{ key_id: keys.aes, message: digest, signing_algorithm: 'RSASSA_PSS_SHA_256' }, 'KMS.0308'],
      [{ key_id: keys.p256, message: digest, signing_algorithm: 'ECDSA_SHA_256', message_type: 'HASH' }, 'KMS.0308'],
      [{ key_id: keys.p256, message: 'not base64!', signing_algorithm: 'ECDSA_SHA_256' }, 'KMS.0308'],
      [{ key_id: keys.p256, message: 'QQ', signing_algorithm: 'ECDSA_SHA_256' }, 'KMS.0308'],
      [{ key_id: keys.p256, signing_algorithm: 'ECDSA_SHA_256' }, 'KMS.0204'],
      [{ key_id: keys.p256, message: digest }, 'KMS.0204'],
      [{ message: digest, signing_algorithm: 'ECDSA_SHA_256' }, 'KMS.0204'],
      [{ key_id: '00000000-0000-0000-0000-000000000000', message: digest, signing_algorithm: 'ECDSA_SHA_256' }, 'KMS.0207'],
    ];
    for (const [body, code] of cases) {
      const e = await fail('sign', body);
      expect([e.status, e.code], JSON.stringify(body)).toEqual([400, code]);
    }
    expect((await fail('verify', { key_id: keys.p256, message: digest, signing_algorithm: 'ECDSA_SHA_256' })).code).toBe('KMS.0204');
  });

  it('signs and verifies by alias', async () => {
    await kms('aliases', { key_id: keys.p256, alias: 'signer' });
    const digest = b64(createHash('sha256').update(message).digest());
    const r = await kms('sign', { key_id: 'alias/signer', message: digest, signing_algorithm: 'ECDSA_SHA_256' });
    expect(r.key_id).toBe(keys.p256);
    expect((await kms('verify', { key_id: 'alias/signer', message: digest, signing_algorithm: 'ECDSA_SHA_256', signature: r.signature })).signature_valid).toBe('true');
  });
});

/**
 * A CMK whose key pair the test made with node:crypto: created through the API, then its material replaced
 * in the store (sealed by the root key as the KMS seals material), so signatures can be made outside the
 * KMS with the CMK's own private key.
 */
async function injectKey(spec: string, priv: KeyObject): Promise<string> {
  const id = (await kms('create-key', { key_alias: `injected-${spec}-${Math.random().toString(36).slice(2)}`, key_spec: spec })).key_info.key_id;
  const pkcs8 = new Uint8Array(priv.export({ type: 'pkcs8', format: 'der' }));
  const spki = createPublicKey(priv).export({ type: 'spki', format: 'der' });
  const project = rig.client.projectId;
  const current = (await rig.kms.repo.get(project, id))!;
  const sealed = await rig.kms.material.seal(current, 1, pkcs8);
  await rig.kms.repo.update(project, id, (r) => ({ ...r, versions: [{ v: 1, createdAt: r.createdAt, sealed, publicKey: spki.toString('base64') }] }));
  rig.kms.material.forget(current);
  return id;
}

/** DER ECDSA-Sig-Value to WebCrypto's r||s. */
function derToP1363(der: Buffer, size: number): Buffer {
  let o = 2;
  if (der[1] & 0x80) o = 2 + (der[1] & 0x7f);
  const read = () => {
    const len = der[o + 1];
    const v = der.subarray(o + 2, o + 2 + len);
    o += 2 + len;
    return Buffer.concat([Buffer.alloc(size), v.subarray(v[0] === 0 ? 1 : 0)]).subarray(-size);
  };
  return Buffer.concat([read(), read()]);
}

describe('RSA-OAEP encrypt-data / decrypt-data', () => {
  it('decrypts what node:crypto and WebCrypto encrypt offline with the public key (SHA-256 and SHA-1)', async () => {
    const pub = createPublicKey((await kms('get-publickey', { key_id: keys.rsaEnc })).public_key);
    for (const [alg, hash] of [['RSAES_OAEP_SHA_256', 'sha256'], ['RSAES_OAEP_SHA_1', 'sha1']]) {
      const ct = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, Buffer.from('offline secret'));
      expect(await kms('decrypt-data', { key_id: keys.rsaEnc, encryption_algorithm: alg, cipher_text: b64(ct) })).toEqual({
        key_id: keys.rsaEnc,
        plain_text: 'offline secret',
        plain_text_base64: b64('offline secret'),
      });
    }
    const wk = await crypto.subtle.importKey('spki', pub.export({ type: 'spki', format: 'der' }), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
    const bytes = new Uint8Array([0, 255, 128, 1, 2, 3]);
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, wk, bytes));
    const r = await kms('decrypt-data', { key_id: keys.rsaEnc, encryption_algorithm: 'RSAES_OAEP_SHA_256', cipher_text: b64(ct) });
    expect(r.plain_text_base64).toBe(b64(bytes));
    expect(r.plain_text).toBe(''); // not UTF-8: plain_text_base64 is the answer
  });

  it('encrypt-data with the key gives a raw OAEP ciphertext of modulus length that decrypt-data opens', async () => {
    for (const alg of ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1']) {
      const enc = await kms('encrypt-data', { key_id: keys.rsaEnc, plain_text: 'héllo ✓', encryption_algorithm: alg });
      expect(Buffer.from(enc.cipher_text, 'base64').length).toBe(256);
      const dec = await kms('decrypt-data', { key_id: keys.rsaEnc, cipher_text: enc.cipher_text, encryption_algorithm: alg });
      expect(dec.plain_text).toBe('héllo ✓');
    }
    // The plaintext limit is the OAEP one: 190 bytes for RSA-2048 with SHA-256, 214 with SHA-1.
    await kms('encrypt-data', { key_id: keys.rsaEnc, plain_text: 'x'.repeat(190), encryption_algorithm: 'RSAES_OAEP_SHA_256' });
    expect((await fail('encrypt-data', { key_id: keys.rsaEnc, plain_text: 'x'.repeat(191), encryption_algorithm: 'RSAES_OAEP_SHA_256' })).code).toBe('KMS.0308');
    await kms('encrypt-data', { key_id: keys.rsaEnc, plain_text: 'x'.repeat(214), encryption_algorithm: 'RSAES_OAEP_SHA_1' });
  });

  it('refuses what it must: no key_id, wrong algorithm or key, AAD, altered ciphertexts - one error for every decryption failure', async () => {
    const enc = await kms('encrypt-data', { key_id: keys.rsaEnc, plain_text: 'x', encryption_algorithm: 'RSAES_OAEP_SHA_256' });
    expect((await fail('decrypt-data', { cipher_text: enc.cipher_text, encryption_algorithm: 'RSAES_OAEP_SHA_256' })).code).toBe('KMS.0204');
    const wrongHash = await fail('decrypt-data', { key_id: keys.rsaEnc, cipher_text: enc.cipher_text, encryption_algorithm: 'RSAES_OAEP_SHA_1' });
    const ct = Buffer.from(enc.cipher_text, 'base64');
    ct[100] ^= 4;
    const altered = await fail('decrypt-data', { key_id: keys.rsaEnc, cipher_text: b64(ct), encryption_algorithm: 'RSAES_OAEP_SHA_256' });
    const short = await fail('decrypt-data', { key_id: keys.rsaEnc, cipher_text: b64(ct.subarray(1)), encryption_algorithm: 'RSAES_OAEP_SHA_256' });
    for (const e of [wrongHash, altered, short]) expect([e.status, e.code, e.message]).toEqual([400, 'KMS.0308', wrongHash.message]);
    // Without an algorithm the ciphertext is taken for a symmetric one, which it is not.
    expect((await fail('decrypt-data', { key_id: keys.rsaEnc, cipher_text: enc.cipher_text })).code).toBe('KMS.0308');
    expect((await fail('encrypt-data', { key_id: keys.rsaEnc, plain_text: 'x' })).code).toBe('KMS.0308');
    expect((await fail('encrypt-data', { key_id: keys.rsaEnc, plain_text: 'x', encryption_algorithm: 'SM2_ENCRYPT' })).code).toBe('KMS.0308');
    expect((await fail('encrypt-data', { key_id: keys.rsaEnc, plain_text: 'x', encryption_algorithm: 'RSAES_OAEP_SHA_256', additional_authenticated_data: 'a' })).code).toBe('KMS.0308');
    expect((await fail('encrypt-data', { key_id: keys.rsa2048, plain_text: 'x', encryption_algorithm: 'RSAES_OAEP_SHA_256' })).code).toBe('KMS.0308');
    expect((await fail('encrypt-data', { key_id: keys.p256, plain_text: 'x', encryption_algorithm: 'RSAES_OAEP_SHA_256' })).code).toBe('KMS.0308');
    expect((await fail('encrypt-data', { key_id: keys.aes, plain_text: 'x', encryption_algorithm: 'RSAES_OAEP_SHA_256' })).code).toBe('KMS.0308');
    expect((await fail('decrypt-data', { key_id: keys.aes, cipher_text: enc.cipher_text, encryption_algorithm: 'RSAES_OAEP_SHA_256' })).code).toBe('KMS.0308');
    expect((await fail('create-datakey', { key_id: keys.rsaEnc })).code).toBe('KMS.0308');
  });
});

describe('data key pairs', () => {
  it('create-rsa-datakey-pair: public key, PKCS#8 private key, and its ciphertext under the CMK (with and without plaintext)', async () => {
    const r = await kms('create-rsa-datakey-pair', { key_id: keys.aes, key_spec: 'RSA_2048', additional_authenticated_data: 'pair-ctx' });
    expect(Object.keys(r).sort()).toEqual(['key_id', 'key_spec', 'private_key_cipher_text', 'private_key_plain_text', 'public_key']);
    expect([r.key_id, r.key_spec]).toEqual([keys.aes, 'RSA_2048']);
    const pub = createPublicKey({ key: Buffer.from(r.public_key, 'base64'), format: 'der', type: 'spki' });
    const priv = createPrivateKey({ key: Buffer.from(r.private_key_plain_text, 'base64'), format: 'der', type: 'pkcs8' });
    expect(pub.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(createPublicKey(priv).export({ type: 'spki', format: 'der' }).toString('base64')).toBe(r.public_key);
    // The pair works: node signs with the private key, node verifies with the public one.
    expect(createVerify('sha256').update('m').verify(pub, createSign('sha256').update('m').sign(priv))).toBe(true);
    // The ciphertext is an encrypt-data ciphertext bound to the AAD: decrypt-data gives the PKCS#8 back.
    const dec = await kms('decrypt-data', { cipher_text: r.private_key_cipher_text, additional_authenticated_data: 'pair-ctx' });
    expect(dec.plain_text_base64).toBe(r.private_key_plain_text);
    expect((await fail('decrypt-data', { cipher_text: r.private_key_cipher_text })).code).toBe('KMS.0308');

    const without = await kms('create-rsa-datakey-pair', { key_id: keys.aes, key_spec: 'RSA_3072', with_plain_text: false });
    expect(without.private_key_plain_text).toBeUndefined();
    const pkcs8 = Buffer.from((await kms('decrypt-data', { cipher_text: without.private_key_cipher_text })).plain_text_base64, 'base64');
    expect(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).asymmetricKeyDetails?.modulusLength).toBe(3072);
  });

  it('create-ec-datakey-pair for every NIST curve and secp256k1 (SM2: sm.test.ts); bad inputs are refused', async () => {
    for (const [spec, curve] of [['ECC_NIST_P256', 'prime256v1'], ['ECC_NIST_P384', 'secp384r1'], ['ECC_NIST_P521', 'secp521r1'], ['ECC_SECG_P256K1', 'secp256k1']]) {
      const r = await kms('create-ec-datakey-pair', { key_id: keys.aes, key_spec: spec });
      const priv = createPrivateKey({ key: Buffer.from(r.private_key_plain_text, 'base64'), format: 'der', type: 'pkcs8' });
      expect(priv.asymmetricKeyDetails?.namedCurve, spec).toBe(curve);
      expect(createPublicKey(priv).export({ type: 'spki', format: 'der' }).toString('base64')).toBe(r.public_key);
    }
    expect((await fail('create-ec-datakey-pair', { key_id: keys.aes, key_spec: 'RSA_2048' })).code).toBe('KMS.0308');
    expect((await fail('create-rsa-datakey-pair', { key_id: keys.aes, key_spec: 'RSA_1024' })).code).toBe('KMS.0308');
    expect((await fail('create-rsa-datakey-pair', { key_id: keys.aes })).code).toBe('KMS.0204');
    expect((await fail('create-rsa-datakey-pair', { key_id: keys.aes, key_spec: 'RSA_2048', with_plain_text: 'false' })).code).toBe('KMS.0308');
    expect((await fail('create-rsa-datakey-pair', { key_id: keys.rsaEnc, key_spec: 'RSA_2048' })).code).toBe('KMS.0308');
    expect((await fail('create-ec-datakey-pair', { key_id: keys.p256, key_spec: 'ECC_NIST_P256' })).code).toBe('KMS.0308');
    expect((await fail('create-ec-datakey-pair', { key_id: keys.aes, key_spec: 'ECC_NIST_P256', additional_authenticated_data: 'a'.repeat(129) })).code).toBe('KMS.0208');
  });
});
