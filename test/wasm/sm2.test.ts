// SM2 against sm-crypto 0.3.13 in both directions (signatures with the default and custom user IDs, DER
// and r‖s, encryption in C1C3C2), plus key handling and refusals. The standards' annex vectors are in
// vectors.ts.
// @ts-expect-error sm-crypto ships no types
import smCrypto from 'sm-crypto';
import { describe, expect, it } from 'vitest';
import {
  SM2P256V1,
  sm2,
  sm2CompressPublicKey,
  sm2Decrypt,
  sm2Encrypt,
  sm2GenerateKeyPair,
  sm2MessageDigest,
  sm2NormalizePublicKey,
  sm2PublicKeyFromPrivate,
  sm2Sign,
  sm2SignatureFromDer,
  sm2SignatureToDer,
  sm2Verify,
  sm2Za,
} from '../../src/crypto/sm2.ts';
import { codeOf, hexOf, randomBytes, useWasm } from './setup.ts';

useWasm();

interface SmSm2 {
  generateKeyPairHex(): { privateKey: string; publicKey: string };
  doSignature(msg: Uint8Array | number[], priv: string, opts: object): string;
  doVerifySignature(msg: Uint8Array | number[], sig: string, pub: string, opts: object): boolean;
  doEncrypt(msg: Uint8Array, pub: string, mode: number): string;
  doDecrypt(ct: string, priv: string, mode: number, opts: object): number[];
}
// sm-crypto wants plain arrays for messages (its hex conversion maps over the input, which breaks on a Uint8Array).
const js = smCrypto.sm2 as SmSm2;
const fromHex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

describe('SM2 signatures vs sm-crypto', () => {
  it('ours verify under sm-crypto (default ID and a custom one, DER and r‖s)', () => {
    for (let i = 0; i < 8; i++) {
      const { privateKey, publicKey } = sm2GenerateKeyPair();
      const msg = randomBytes(1 + i * 37);
      const userId = i % 2 ? 'alice@example.com' : undefined;
      const der = sm2Sign(privateKey, msg, { userId });
      const raw = sm2Sign(privateKey, msg, { userId, format: 'raw' });
      const opts = { hash: true, publicKey: hexOf(publicKey), ...(userId ? { userId } : {}) };
      expect(js.doVerifySignature(Array.from(msg), hexOf(der), hexOf(publicKey), { ...opts, der: true })).toBe(true);
      expect(js.doVerifySignature(Array.from(msg), hexOf(raw), hexOf(publicKey), opts)).toBe(true);
    }
  });

  it("sm-crypto's verify under ours", () => {
    for (let i = 0; i < 8; i++) {
      const kp = js.generateKeyPairHex();
      const msg = randomBytes(1 + i * 41);
      const userId = i % 2 ? 'bob@example.com' : undefined;
      const pub = fromHex(kp.publicKey);
      const opts = { hash: true, publicKey: kp.publicKey, ...(userId ? { userId } : {}) };
      const der = fromHex(js.doSignature(Array.from(msg), kp.privateKey, { ...opts, der: true }));
      const raw = fromHex(js.doSignature(Array.from(msg), kp.privateKey, opts));
      expect(sm2Verify(pub, msg, der, { userId })).toBe(true);
      expect(sm2Verify(pub, msg, raw, { userId, format: 'raw' })).toBe(true);
      expect(sm2Verify(pub, msg, der, { userId: 'someone else' })).toBe(false);
      // Our public key derivation agrees with sm-crypto's.
      expect(hexOf(sm2PublicKeyFromPrivate(fromHex(kp.privateKey)))).toBe(kp.publicKey);
    }
  });

  it('DIGEST mode: e = SM3(Z ‖ M) signed directly, interoperable with RAW', () => {
    const kp = js.generateKeyPairHex();
    const priv = fromHex(kp.privateKey);
    const pub = fromHex(kp.publicKey);
    const msg = randomBytes(100);
    const e = sm2MessageDigest(pub, msg);
    expect(e.length).toBe(32);
    const sig = sm2Sign(priv, e, { digest: true });
    expect(sm2Verify(pub, msg, sig)).toBe(true); // RAW verify of a DIGEST signature
    expect(sm2Verify(pub, e, sig, { digest: true })).toBe(true);
    // sm-crypto with hash: false signs the given value as e.
    const theirs = fromHex(js.doSignature(Array.from(e), kp.privateKey, { der: true }));
    expect(sm2Verify(pub, msg, theirs)).toBe(true);
    expect(codeOf(() => sm2Sign(priv, e.subarray(0, 31), { digest: true }))).toBe('INVALID_ARGUMENT');
    // Z uses the default ID when none is given.
    expect(hexOf(sm2Za(pub))).toBe(hexOf(sm2Za(pub, '1234567812345678')));
  });

  it('tampered signatures and messages fail without throwing', () => {
    const { privateKey, publicKey } = sm2GenerateKeyPair();
    const msg = randomBytes(50);
    const raw = sm2Sign(privateKey, msg, { format: 'raw' });
    const der = sm2SignatureToDer(raw);
    expect(hexOf(sm2SignatureFromDer(der))).toBe(hexOf(raw));
    for (const pos of [0, 31, 32, 63]) {
      const bad = raw.slice();
      bad[pos] ^= 1;
      expect(sm2Verify(publicKey, msg, bad, { format: 'raw' })).toBe(false);
    }
    const otherMsg = msg.slice();
    otherMsg[0] ^= 1;
    expect(sm2Verify(publicKey, otherMsg, der)).toBe(false);
    expect(sm2Verify(publicKey, msg, der.subarray(1))).toBe(false);
    expect(sm2Verify(publicKey, msg, new Uint8Array(64), { format: 'raw' })).toBe(false); // r = s = 0
    const n = SM2P256V1.n.toString(16).padStart(64, '0');
    expect(sm2Verify(publicKey, msg, fromHex(n + n), { format: 'raw' })).toBe(false); // r = s = n
    expect(sm2Verify(publicKey, msg, raw.subarray(0, 63), { format: 'raw' })).toBe(false);
    expect(sm2Verify(publicKey, msg, raw)).toBe(false); // r‖s where DER is expected
  });
});

describe('SM2 encryption vs sm-crypto (C1 ‖ C3 ‖ C2)', () => {
  it('ours decrypt under sm-crypto and theirs under ours', () => {
    for (const len of [1, 16, 31, 32, 33, 100, 1000]) {
      const kp = js.generateKeyPairHex();
      const pub = fromHex(kp.publicKey);
      const priv = fromHex(kp.privateKey);
      const pt = randomBytes(len);
      const ct = sm2Encrypt(pub, pt);
      expect(ct.length).toBe(len + 97);
      expect(ct[0]).toBe(4);
      // sm-crypto writes and reads C1 without its 04 prefix; mode 1 is C1C3C2.
      expect(hexOf(Uint8Array.from(js.doDecrypt(hexOf(ct.subarray(1)), kp.privateKey, 1, { output: 'array' })))).toBe(hexOf(pt));
      const theirs = fromHex('04' + js.doEncrypt(pt, kp.publicKey, 1));
      expect(hexOf(sm2Decrypt(priv, theirs))).toBe(hexOf(pt));
    }
  });

  it('every tampered byte is refused with one error', () => {
    const { privateKey, publicKey } = sm2GenerateKeyPair();
    const ct = sm2Encrypt(publicKey, randomBytes(40));
    for (const pos of [1, 40, 64, 65, 80, 96, 97, 136]) {
      const bad = ct.slice();
      bad[pos] ^= 1;
      expect(codeOf(() => sm2Decrypt(privateKey, bad)), `byte ${pos}`).toBe('DECRYPT_FAILED');
    }
    for (const bad of [new Uint8Array(0), ct.subarray(0, 97), ct.subarray(1), Uint8Array.of(5, ...ct.subarray(1))]) {
      expect(codeOf(() => sm2Decrypt(privateKey, bad))).toBe('DECRYPT_FAILED');
    }
    expect(codeOf(() => sm2Decrypt(sm2GenerateKeyPair().privateKey, ct))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => sm2Encrypt(publicKey, new Uint8Array(0)))).toBe('INVALID_ARGUMENT');
  });

  it('accepts a compressed C1', () => {
    const { privateKey, publicKey } = sm2GenerateKeyPair();
    const pt = randomBytes(20);
    const ct = sm2Encrypt(publicKey, pt);
    const c1 = sm2CompressPublicKey(ct.subarray(0, 65)); // a point like any other
    const compressed = Uint8Array.from([...c1, ...ct.subarray(65)]);
    expect(hexOf(sm2Decrypt(privateKey, compressed))).toBe(hexOf(pt));
  });
});

describe('SM2 keys', () => {
  it('generated keys are valid and consistent; encodings round-trip', () => {
    for (let i = 0; i < 5; i++) {
      const { privateKey, publicKey } = sm2.generateKeyPair();
      expect(privateKey.length).toBe(32);
      expect(publicKey.length).toBe(65);
      expect(hexOf(sm2PublicKeyFromPrivate(privateKey))).toBe(hexOf(publicKey));
      const c = sm2CompressPublicKey(publicKey);
      expect(c.length).toBe(33);
      expect(hexOf(sm2NormalizePublicKey(c))).toBe(hexOf(publicKey));
      expect(hexOf(sm2PublicKeyFromPrivate(privateKey, true))).toBe(hexOf(c));
    }
  });

  it('refuses private keys outside [1, n-2] and points off the curve', () => {
    const n = SM2P256V1.n;
    const be = (x: bigint) => fromHex(x.toString(16).padStart(64, '0'));
    for (const bad of [be(0n), be(n - 1n), be(n), be(n + 5n), new Uint8Array(31), new Uint8Array(33)]) {
      expect(codeOf(() => sm2Sign(bad, new Uint8Array(1)))).toBe('INVALID_KEY');
    }
    expect(sm2PublicKeyFromPrivate(be(n - 2n)).length).toBe(65);
    const { publicKey } = sm2GenerateKeyPair();
    const off = publicKey.slice();
    off[64] ^= 1;
    expect(codeOf(() => sm2Verify(off, new Uint8Array(1), new Uint8Array(64)))).toBe('INVALID_KEY');
    expect(codeOf(() => sm2Encrypt(off, new Uint8Array(1)))).toBe('INVALID_KEY');
    expect(codeOf(() => sm2Encrypt(publicKey.subarray(1), new Uint8Array(1)))).toBe('INVALID_KEY');
    expect(codeOf(() => sm2Za(publicKey, 'x'.repeat(8192)))).toBe('INPUT_TOO_LONG');
    expect(sm2Za(publicKey, 'x'.repeat(8191)).length).toBe(32);
  });
});
