// RSA sign / verify / OAEP against node:crypto (OpenSSL) as the independent implementation, plus published
// vectors for the encodings: RFC 8017 9.2 DigestInfo prefixes and the PKCS#1 v2.1 RSASSA-PSS vectors
// (pss-vect.txt, examples 1 and 10: SHA-1, MGF1-SHA-1, 20-byte salt) for EMSA-PSS with a fixed salt.
// The keys are the fixed test keys of test/vectors/rsa-keys.ts (no key generation per run).
import { constants, createHash, createPrivateKey, createPublicKey, privateDecrypt, publicEncrypt, randomBytes, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { AsymCryptoError } from '../../src/crypto/asym-error.ts';
import { AsymPrivateKey, AsymPublicKey } from '../../src/crypto/asym-handle.ts';
import { type RsaPrivateKeyInfo, type RsaKeySpec, parseSpki } from '../../src/crypto/asym-keys.ts';
import { asymDecrypt, asymEncrypt, asymSign, asymVerify, checkCiphertextSize, checkSignatureSize } from '../../src/crypto/asym.ts';
import { pemToPublicKey } from '../../src/crypto/pem.ts';
import { RSA_SIGNING_ALGORITHMS, type RsaSigningAlgorithm, rsaSignDigest, rsaVerifyDigest } from '../../src/crypto/rsa.ts';
import { bigIntToBytes, bytesToBigInt, modInverse, modPow, rsaPrivate, rsaPublic } from '../../src/crypto/rsa-bigint.ts';
import { digestInfo, emsaPkcs1v15Encode, emsaPssEncode, emsaPssVerify, mgf1 } from '../../src/crypto/rsa-emsa.ts';
import { RSA_TEST_KEYS_PKCS8 } from '../vectors/rsa-keys.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const nodeHash = (alg: RsaSigningAlgorithm) => RSA_SIGNING_ALGORITHMS[alg].hash.replace('-', '').toLowerCase();
const digestOf = (alg: RsaSigningAlgorithm, m: Uint8Array) => new Uint8Array(createHash(nodeHash(alg)).update(m).digest());
const nodeKeyOpts = (alg: RsaSigningAlgorithm) =>
  RSA_SIGNING_ALGORITHMS[alg].padding === 'PSS'
    ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
    : { padding: constants.RSA_PKCS1_PADDING };

const SPECS: RsaKeySpec[] = ['RSA_2048', 'RSA_3072', 'RSA_4096'];
const ALGS = Object.keys(RSA_SIGNING_ALGORITHMS) as RsaSigningAlgorithm[];

interface Loaded {
  priv: AsymPrivateKey;
  pub: AsymPublicKey;
  pkcs8: Uint8Array;
  spki: Uint8Array;
}
const BITS = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 } as const;

const pkcs8Of = (spec: RsaKeySpec) => Uint8Array.from(Buffer.from(RSA_TEST_KEYS_PKCS8[BITS[spec]], 'base64'));

/** The fixed test key of a size (test/vectors/rsa-keys.ts), loaded afresh inside the test that uses it. */
function keys(spec: RsaKeySpec): Loaded {
  const pkcs8 = pkcs8Of(spec);
  // The public half as OpenSSL derives it, not as our parser does.
  const spki = new Uint8Array(createPublicKey(createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' }));
  return { priv: AsymPrivateKey.fromPkcs8(pkcs8, spec), pub: AsymPublicKey.fromSpki(spki, spec), pkcs8, spki };
}

describe('RFC 8017 encodings (published values)', () => {
  it('DigestInfo prefixes are those of RFC 8017 9.2 note 1', () => {
    expect(toHex(digestInfo('SHA-256', new Uint8Array(32))).slice(0, 38)).toBe('3031300d060960864801650304020105000420');
    expect(toHex(digestInfo('SHA-384', new Uint8Array(48))).slice(0, 38)).toBe('3041300d060960864801650304020205000430');
    expect(toHex(digestInfo('SHA-512', new Uint8Array(64))).slice(0, 38)).toBe('3051300d060960864801650304020305000440');
  });

  // PKCS#1 v2.1 test vectors (pss-vect.txt): the public key and, per example, message, salt and signature.
  // EM = s^e mod n must equal EMSA-PSS-ENCODE(SHA-1(M), salt), which checks MGF1, the masking and emBits.
  const PSS_VECTORS = [
    {
      name: 'example 1.1 (1024-bit)',
      spki:
        'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQClbkoOcBAXWJpRh9x+qEHRVvLsDjatUqRN/rHmH3rZkdjFEFb/7bFitMDyg6EqiKOU3/Umq3KRy7MHzqv84LHf1c2VCAltWyuLbfXWce9jd8CSHLI8Jwpw4lmOb/idGfEFrMLT8Ms18pKA4Thrb2TE7yLh4fINDOjP+yJJvZohNwIDAQAB',
      message:
        'cdc87da223d786df3b45e0bbbc721326d1ee2af806cc315475cc6f0d9c66e1b62371d45ce2392e1ac92844c310102f156a0d8d52c1f4c40ba3aa65095786cb769757a6563ba958fed0bcc984e8b517a3d5f515b23b8a41e74aa867693f90dfb061a6e86dfaaee64472c00e5f20945729cbebe77f06ce78e08f4098fba41f9d6193c0317e8b60d4b6084acb42d29e3808a3bc372d85e331170fcbf7cc72d0b71c296648b3a4d10f416295d0807aa625cab2744fd9ea8fd223c42537029828bd16be02546f130fd2e33b936d2676e08aed1b73318b750a0167d0',
      salt: 'dee959c7e06411361420ff80185ed57f3e6776af',
      signature:
        '9074308fb598e9701b2294388e52f971faac2b60a5145af185df5287b5ed2887e57ce7fd44dc8634e407c8e0e4360bc226f3ec227f9d9e54638e8d31f5051215df6ebb9c2f9579aa77598a38f914b5b9c1bd83c4e2f9f382a0d0aa3542ffee65984a601bc69eb28deb27dca12c82c2d4c3f66cd500f1ff2b994d8a4e30cbb33c',
    },
    {
      name: 'example 10.1 (2048-bit)',
      spki:
        'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApd2GesTLAvkLlFfUjBSncO+ZHFbDnA7GX9Ea+ok3zqV7m+esc7RcABdhW4LWIuMYdTtgJ8D9FXvhL4CQ/uKnrc0O73WfiLpJl8ekLVjJqhLLma4AH+UhwTu1QxRFqNWuT15MfpSKwifTYEBx8g5XfpBfvrFd+vBtHeWuYlPWOmohILMaXaXavJVQYA4g8n03OeJieSX+o8xQnyHf8E5u6kVJxUDWgJ/5MH7t6R//WHM9g4WiN9bTcFoz45GQCZIHDfet8TV89+NwDONmfeg/F7jfF3jbOB3OCctK0FilEQAac4GY7ifPVaE7dUU5kGWC7IsXS9WNXR89dnxhNyGuBQIDAQAB',
      message: '883177e5126b9be2d9a9680327d5370c6f26861f5820c43da67a3ad609',
      salt: '04e215ee6ff934b9da70d7730c8734abfcecde89',
      signature:
        '82c2b160093b8aa3c0f7522b19f87354066c77847abf2a9fce542d0e84e920c5afb49ffdfdace16560ee94a1369601148ebad7a0e151cf16331791a5727d05f21e74e7eb811440206935d744765a15e79f015cb66c532c87a6a05961c8bfad741a9a6657022894393e7223739796c02a77455d0f555b0ec01ddf259b6207fd0fd57614cef1a5573baaff4ec00069951659b85f24300a25160ca8522dc6e6727e57d019d7e63629b8fe5e89e25cc15beb3a647577559299280b9b28f79b0409000be25bbd96408ba3b43cc486184dd1c8e62553fa1af4040f60663de7f5e49c04388e257f1ce89c95dab48a315d9b66b1b7628233876ff2385230d070d07e1666',
    },
  ];

  for (const v of PSS_VECTORS) {
    it(`EMSA-PSS encode/verify reproduce pss-vect.txt ${v.name}`, () => {
      const key = parseSpki(Uint8Array.from(Buffer.from(v.spki, 'base64')));
      if (key.kind !== 'rsa') throw new Error('expected RSA');
      const s = bytesToBigInt(hex(v.signature));
      const emLen = Math.ceil((key.bits - 1) / 8);
      const em = bigIntToBytes(rsaPublic(s, key), emLen);
      const mHash = new Uint8Array(createHash('sha1').update(hex(v.message)).digest());
      expect(toHex(emsaPssEncode(mHash, key.bits - 1, 'SHA-1', hex(v.salt)))).toBe(toHex(em));
      expect(emsaPssVerify(mHash, em, key.bits - 1, 'SHA-1', 20)).toBe(true);
      expect(emsaPssVerify(mHash, em, key.bits - 1, 'SHA-1', 19)).toBe(false);
      const wrong = mHash.slice();
      wrong[0] ^= 1;
      expect(emsaPssVerify(wrong, em, key.bits - 1, 'SHA-1', 20)).toBe(false);
      // And OpenSSL agrees the vector is a valid PSS signature under that key.
      const nodeKey = { key: createPublicKey({ key: Buffer.from(v.spki, 'base64'), format: 'der', type: 'spki' }), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 };
      expect(nodeVerify('sha1', hex(v.message), nodeKey, hex(v.signature))).toBe(true);
    });
  }

  it('MGF1 output matches a hand-computed block structure', () => {
    const seed = hex('0102');
    const out = mgf1(seed, 40, 'SHA-256');
    const b0 = createHash('sha256').update(Buffer.from('010200000000', 'hex')).digest();
    const b1 = createHash('sha256').update(Buffer.from('010200000001', 'hex')).digest();
    expect(toHex(out)).toBe(Buffer.concat([b0, b1]).subarray(0, 40).toString('hex'));
  });

  it('EMSA-PKCS1-v1_5 block layout', () => {
    const em = emsaPkcs1v15Encode('SHA-256', new Uint8Array(32).fill(0xab), 256);
    expect(em[0]).toBe(0);
    expect(em[1]).toBe(1);
    expect(em.subarray(2, 256 - 51 - 1).every((b) => b === 0xff)).toBe(true);
    expect(em[256 - 52]).toBe(0);
  });
});

describe('BigInt RSA core', () => {
  it('modPow / modInverse agree with small known values and with each other', () => {
    expect(modPow(4n, 13n, 497n)).toBe(445n);
    expect(modPow(2n, 0n, 7n)).toBe(1n);
    expect(modInverse(3n, 11n)).toBe(4n);
    expect(() => modInverse(6n, 9n)).toThrow();
    const m = (1n << 521n) - 1n;
    const a = 0x1234567890abcdefn;
    expect((a * modInverse(a, m)) % m).toBe(1n);
    expect(modPow(a, m - 1n, m)).toBe(1n); // Fermat: 2^521 - 1 is prime
  });

  it('private op inverts the public op (blinded CRT) and is stable across random blinding', () => {
    const info = keys('RSA_2048').priv.info as RsaPrivateKeyInfo;
    const x = bytesToBigInt(randomBytes(200));
    const y = rsaPrivate(x, info);
    expect(rsaPublic(y, info)).toBe(x);
    expect(rsaPrivate(x, info)).toBe(y);
    expect(modPow(x, info.d, info.n)).toBe(y);
  });

  it('a faulty CRT half is caught by the self-check and no signature is released', () => {
    const info = keys('RSA_2048').priv.info as RsaPrivateKeyInfo;
    const faulty = { ...info, dp: info.dp ^ 2n };
    expect(() => rsaPrivate(12345n, faulty)).toThrowError(expect.objectContaining({ code: 'INTERNAL' }));
  });
});

describe.each(SPECS)('%s sign/verify against node:crypto', (spec) => {
  let nodePriv: ReturnType<typeof createPrivateKey>;
  let nodePub: ReturnType<typeof createPublicKey>;
  beforeAll(() => {
    nodePriv = createPrivateKey({ key: Buffer.from(pkcs8Of(spec)), format: 'der', type: 'pkcs8' });
    nodePub = createPublicKey(nodePriv);
  });

  it('public key parses in node:crypto and matches the private key', () => {
    expect(nodePub.asymmetricKeyType).toBe('rsa');
    expect(nodePub.asymmetricKeyDetails?.modulusLength).toBe(Number(spec.slice(4)));
    expect(nodePub.export({ format: 'der', type: 'spki' }).equals(createPublicKey(nodePriv).export({ format: 'der', type: 'spki' }))).toBe(true);
    const pem = keys(spec).pub.toPem();
    expect(createPublicKey(pem).export({ format: 'der', type: 'spki' }).equals(Buffer.from(keys(spec).spki))).toBe(true);
    expect(pemToPublicKey(pem)).toEqual(keys(spec).spki);
  });

  it.each(ALGS)('%s: ours -> node and node -> ours, RAW and DIGEST', async (alg) => {
    const { priv, pub } = keys(spec);
    const msg = new Uint8Array(randomBytes(1 + (randomBytes(1)[0] % 200)));
    const dig = digestOf(alg, msg);
    const opts = { key: nodePub, ...nodeKeyOpts(alg) };

    const raw = await asymSign(priv, alg, msg, 'RAW');
    const fromDigest = await asymSign(priv, alg, dig, 'DIGEST');
    expect(raw.length).toBe(Number(spec.slice(4)) / 8);
    expect(nodeVerify(nodeHash(alg), msg, opts, raw)).toBe(true);
    expect(nodeVerify(nodeHash(alg), msg, opts, fromDigest)).toBe(true);
    if (RSA_SIGNING_ALGORITHMS[alg].padding === 'PKCS1') {
      // Deterministic scheme: all three implementations must produce the same bytes.
      const theirs = nodeSign(nodeHash(alg), msg, { key: nodePriv, ...nodeKeyOpts(alg) });
      expect(toHex(raw)).toBe(theirs.toString('hex'));
      expect(toHex(fromDigest)).toBe(theirs.toString('hex'));
    }

    const theirs = new Uint8Array(nodeSign(nodeHash(alg), msg, { key: nodePriv, ...nodeKeyOpts(alg) }));
    expect(await asymVerify(pub, alg, msg, 'RAW', theirs)).toBe(true);
    expect(await asymVerify(pub, alg, dig, 'DIGEST', theirs)).toBe(true);
    expect(await asymVerify(priv, alg, dig, 'DIGEST', raw)).toBe(true);

    // Tampering is detected on both paths.
    const bad = theirs.slice();
    bad[bad.length - 1] ^= 1;
    expect(await asymVerify(pub, alg, msg, 'RAW', bad)).toBe(false);
    expect(await asymVerify(pub, alg, dig, 'DIGEST', bad)).toBe(false);
    const otherMsg = msg.slice();
    otherMsg[0] ^= 0x80;
    expect(await asymVerify(pub, alg, otherMsg, 'RAW', theirs)).toBe(false);
    expect(await asymVerify(pub, alg, digestOf(alg, otherMsg), 'DIGEST', theirs)).toBe(false);
  });
});

describe('RSA signature parameters and input checks', () => {
  it('PSS uses salt = hash length: a node signature with a different salt length does not verify', async () => {
    const { pkcs8, pub } = keys('RSA_2048');
    const nodePriv = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
    const msg = new TextEncoder().encode('salt length matters');
    const sig20 = new Uint8Array(nodeSign('sha256', msg, { key: nodePriv, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 }));
    expect(await asymVerify(pub, 'RSASSA_PSS_SHA_256', msg, 'RAW', sig20)).toBe(false);
    expect(await asymVerify(pub, 'RSASSA_PSS_SHA_256', digestOf('RSASSA_PSS_SHA_256', msg), 'DIGEST', sig20)).toBe(false);
  });

  it('PSS DIGEST signing with a fixed salt is reproducible and verifies in node with that salt length', () => {
    const { priv, spki } = keys('RSA_3072');
    const info = priv.info as RsaPrivateKeyInfo;
    const msg = new TextEncoder().encode('fixed salt');
    const dig = digestOf('RSASSA_PSS_SHA_384', msg);
    const salt = new Uint8Array(48).fill(7);
    const a = rsaSignDigest(info, 'RSASSA_PSS_SHA_384', dig, { salt });
    const b = rsaSignDigest(info, 'RSASSA_PSS_SHA_384', dig, { salt });
    expect(toHex(a)).toBe(toHex(b));
    expect(rsaVerifyDigest(info, 'RSASSA_PSS_SHA_384', dig, a)).toBe(true);
    const nodePub = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    expect(nodeVerify('sha384', msg, { key: nodePub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 }, a)).toBe(true);
    expect(() => rsaSignDigest(info, 'RSASSA_PSS_SHA_384', dig, { salt: new Uint8Array(20) })).toThrow(AsymCryptoError);
  });

  it.each(ALGS)('%s rejects DIGEST messages of the wrong length', async (alg) => {
    const { priv, pub } = keys('RSA_2048');
    const len = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 }[RSA_SIGNING_ALGORITHMS[alg].hash];
    for (const n of [0, 20, len - 1, len + 1, 128]) {
      await expect(asymSign(priv, alg, new Uint8Array(n), 'DIGEST')).rejects.toMatchObject({ code: 'INVALID_DIGEST_LENGTH' });
      await expect(asymVerify(pub, alg, new Uint8Array(n), 'DIGEST', new Uint8Array(256))).rejects.toMatchObject({ code: 'INVALID_DIGEST_LENGTH' });
    }
  });

  it('rejects signatures that are not exactly the modulus length, before any work', async () => {
    const { pub } = keys('RSA_2048');
    for (const n of [0, 1, 255, 257, 512]) {
      expect(() => checkSignatureSize(pub.info, 'RSASSA_PSS_SHA_256', new Uint8Array(n))).toThrowError(expect.objectContaining({ code: 'INVALID_SIGNATURE_SIZE' }));
      await expect(asymVerify(pub, 'RSASSA_PKCS1_V1_5_SHA_256', new Uint8Array(32), 'DIGEST', new Uint8Array(n))).rejects.toMatchObject({ code: 'INVALID_SIGNATURE_SIZE' });
    }
    // A signature value >= n is invalid, not an exception.
    expect(await asymVerify(pub, 'RSASSA_PKCS1_V1_5_SHA_256', new Uint8Array(32), 'DIGEST', new Uint8Array(256).fill(0xff))).toBe(false);
  });

  it('rejects algorithms that do not belong to RSA, unknown message types and oversize RAW messages', async () => {
    const { priv } = keys('RSA_2048');
    await expect(asymSign(priv, 'ECDSA_SHA_256', new Uint8Array(32), 'DIGEST')).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(asymSign(priv, 'RSASSA_PSS_SHA_1' as never, new Uint8Array(20), 'DIGEST')).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(asymSign(priv, 'RSASSA_PSS_SHA_256', new Uint8Array(32), 'HASH' as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(asymSign(priv, 'RSASSA_PSS_SHA_256', new Uint8Array(4096), 'RAW')).rejects.toMatchObject({ code: 'MESSAGE_TOO_LONG' });
    expect((await asymSign(priv, 'RSASSA_PSS_SHA_256', new Uint8Array(4095), 'RAW')).length).toBe(256);
  });
});

describe.each(SPECS)('%s RSA-OAEP against node:crypto', (spec) => {
  for (const [alg, oaepHash] of [
    ['RSAES_OAEP_SHA_256', 'sha256'],
    ['RSAES_OAEP_SHA_1', 'sha1'],
  ] as const) {
    it(`${alg}: node encrypts -> we decrypt, we encrypt -> node decrypts`, async () => {
      const { priv, pub, pkcs8, spki } = keys(spec);
      const k = Number(spec.slice(4)) / 8;
      const hLen = oaepHash === 'sha256' ? 32 : 20;
      const nodePriv = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
      const nodePub = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
      for (const len of [0, 1, 32, k - 2 * hLen - 2]) {
        const pt = new Uint8Array(randomBytes(len));
        const ct = new Uint8Array(publicEncrypt({ key: nodePub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, pt));
        expect(toHex(await asymDecrypt(priv, alg, ct))).toBe(toHex(pt));
        const ours = await asymEncrypt(pub, alg, pt);
        expect(ours.length).toBe(k);
        expect(toHex(privateDecrypt({ key: nodePriv, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, ours))).toBe(toHex(pt));
      }
      await expect(asymEncrypt(pub, alg, new Uint8Array(k - 2 * hLen - 1))).rejects.toMatchObject({ code: 'MESSAGE_TOO_LONG' });
    });
  }

  it('decryption failures are uniform and sizes are checked first', async () => {
    const { priv, pub } = keys(spec);
    const k = Number(spec.slice(4)) / 8;
    const ct = await asymEncrypt(pub, 'RSAES_OAEP_SHA_256', new TextEncoder().encode('hello'));
    // Wrong hash, tampered ciphertext: the same DECRYPT_FAILED.
    await expect(asymDecrypt(priv, 'RSAES_OAEP_SHA_1', ct)).rejects.toMatchObject({ code: 'DECRYPT_FAILED', message: 'decryption failed' });
    const bad = ct.slice();
    bad[10] ^= 1;
    await expect(asymDecrypt(priv, 'RSAES_OAEP_SHA_256', bad)).rejects.toMatchObject({ code: 'DECRYPT_FAILED', message: 'decryption failed' });
    for (const n of [0, k - 1, k + 1]) {
      expect(() => checkCiphertextSize(pub.info, 'RSAES_OAEP_SHA_256', new Uint8Array(n))).toThrowError(expect.objectContaining({ code: 'INVALID_CIPHERTEXT_SIZE' }));
      await expect(asymDecrypt(priv, 'RSAES_OAEP_SHA_256', new Uint8Array(n))).rejects.toMatchObject({ code: 'INVALID_CIPHERTEXT_SIZE' });
    }
  });
});
