// The RSA modules' own checks, called directly: src/crypto/asym.ts checks sizes and algorithms before it
// calls rsa.ts, so its tests never reach the second line of checks in rsa.ts, rsa-emsa.ts and
// rsa-bigint.ts. Each check here is met at its boundary, and each refusal is asserted by its message.
// The reference for the encodings is OpenSSL (node:crypto): its signatures opened with RSA_NO_PADDING give
// the encoded message it built, and node:crypto verifies what the BigInt code signs. Keys are the fixed
// test keys of test/vectors/rsa-keys.ts.
import { constants, createHash, createPrivateKey, createPublicKey, publicDecrypt, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AsymCryptoError } from '../../src/crypto/asym-error.ts';
import { AsymPrivateKey } from '../../src/crypto/asym-handle.ts';
import { type RsaPrivateKeyInfo, encodeEcPkcs8 } from '../../src/crypto/asym-keys.ts';
import type { RsaPrivateOperation } from '../../src/crypto/provider.ts';
import {
  rsaOaepDecrypt,
  rsaOaepEncrypt,
  rsaOaepMaxPlaintext,
  rsaSign,
  rsaSignDigest,
  rsaVerify,
  rsaVerifyDigest,
} from '../../src/crypto/rsa.ts';
import { bigIntToBytes, bytesToBigInt, modInverse, modPow, randomFill, rsaPrivate, rsaPublic } from '../../src/crypto/rsa-bigint.ts';
import { type ShaName, digestInfo, emsaPkcs1v15Encode, emsaPssEncode, emsaPssVerify, hashSpec, mgf1 } from '../../src/crypto/rsa-emsa.ts';
import { RSA_TEST_KEYS_PKCS8 } from '../vectors/rsa-keys.ts';

const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sha = (name: string, ...parts: Uint8Array[]) => new Uint8Array(parts.reduce((h, p) => h.update(p), createHash(name)).digest());

/** "CODE: message" (or "Name: message") of what `fn` throws or rejects with, or "no error". */
async function refusal(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    return `${(e as { code?: string }).code ?? (e as Error).name}: ${(e as Error).message}`;
  }
  return 'no error';
}

type Bits = keyof typeof RSA_TEST_KEYS_PKCS8;
const pkcs8 = (bits: Bits) => Uint8Array.from(Buffer.from(RSA_TEST_KEYS_PKCS8[bits], 'base64'));
const loaded = (bits: Bits, op?: RsaPrivateOperation) => AsymPrivateKey.fromPkcs8(pkcs8(bits), undefined, op);
const infoOf = (bits: Bits) => loaded(bits).info as RsaPrivateKeyInfo;
const nodeKeys = (bits: Bits) => {
  const priv = createPrivateKey({ key: Buffer.from(pkcs8(bits)), format: 'der', type: 'pkcs8' });
  return { priv, pub: createPublicKey(priv) };
};
const ecKey = () => AsymPrivateKey.fromPkcs8(encodeEcPkcs8('P-256', new Uint8Array(32).fill(3)));

afterEach(() => vi.restoreAllMocks());

describe('rsa-bigint', () => {
  it('I2OSP / OS2IP: exact lengths, zero, and integers that do not fit', async () => {
    expect(bytesToBigInt(new Uint8Array(0))).toBe(0n);
    expect(bytesToBigInt(Uint8Array.of(1, 0))).toBe(256n);
    expect(toHex(bigIntToBytes(0n, 4))).toBe('00000000');
    expect(toHex(bigIntToBytes(0xffffffffn, 4))).toBe('ffffffff');
    expect(toHex(bigIntToBytes(0x1234n, 3))).toBe('001234');
    expect(await refusal(() => bigIntToBytes(1n << 32n, 4))).toBe('RangeError: integer too large');
    expect(await refusal(() => bigIntToBytes(-1n, 4))).toBe('RangeError: negative integer');
  });

  it('modPow agrees with square-and-multiply for exponents of every length mod the window, and refuses bad operands', async () => {
    const reference = (b: bigint, e: bigint, m: bigint) => {
      let r = 1n % m;
      let x = ((b % m) + m) % m;
      for (; e > 0n; e >>= 1n, x = (x * x) % m) if (e & 1n) r = (r * x) % m;
      return r;
    };
    const m = (1n << 127n) - 1n; // a Mersenne prime
    for (let bits = 1; bits <= 41; bits++) {
      for (const e of [1n << BigInt(bits - 1), (1n << BigInt(bits)) - 1n, (1n << BigInt(bits - 1)) | 5n]) {
        expect([bits, e, modPow(0x1234567n, e, m)]).toEqual([bits, e, reference(0x1234567n, e, m)]);
      }
    }
    expect(modPow(-2n, 3n, 7n)).toBe(6n);
    expect(modPow(5n, 0n, 7n)).toBe(1n);
    expect(modPow(5n, 0n, 1n)).toBe(0n);
    expect(modPow(5n, 7n, 1n)).toBe(0n);
    expect(await refusal(() => modPow(2n, 3n, 0n))).toBe('RangeError: modulus must be positive');
    expect(await refusal(() => modPow(2n, 3n, -7n))).toBe('RangeError: modulus must be positive');
    expect(await refusal(() => modPow(2n, -1n, 7n))).toBe('RangeError: negative exponent');
  });

  it('modInverse refuses what has no inverse', async () => {
    expect(modInverse(-3n, 11n)).toBe(7n);
    expect(await refusal(() => modInverse(6n, 9n))).toBe('RangeError: not invertible');
    expect(await refusal(() => modInverse(0n, 7n))).toBe('RangeError: not invertible');
  });

  it('randomFill fills buffers over 64 KiB in 64 KiB calls (getRandomValues refuses more), covering every byte', () => {
    const spy = vi.spyOn(crypto, 'getRandomValues');
    const buf = randomFill(new Uint8Array(200_000));
    const chunks = spy.mock.calls.map(([a]) => [(a as Uint8Array).byteOffset, (a as Uint8Array).length]);
    expect(chunks).toEqual([
      [0, 65536],
      [65536, 65536],
      [131072, 65536],
      [196608, 3392],
    ]);
    expect(buf.subarray(196608).some((b) => b !== 0)).toBe(true);
    spy.mockClear();
    randomFill(new Uint8Array(131072)); // a whole number of chunks: no empty call at the end
    expect(spy.mock.calls.map(([a]) => (a as Uint8Array).length)).toEqual([65536, 65536]);
  });

  it('RSAEP / RSADP take exactly the representatives 0 .. n-1', async () => {
    const info = infoOf(2048);
    expect(rsaPublic(0n, info)).toBe(0n);
    expect(rsaPublic(info.n - 1n, info)).toBe(info.n - 1n); // (-1)^e = -1 for odd e
    expect(rsaPrivate(0n, info)).toBe(0n);
    expect(rsaPrivate(info.n - 1n, info)).toBe(info.n - 1n); // d is odd too
    for (const x of [-1n, info.n]) {
      expect(await refusal(() => rsaPublic(x, info))).toBe('INVALID_ARGUMENT: RSA representative out of range');
      expect(await refusal(() => rsaPrivate(x, info))).toBe('INVALID_ARGUMENT: RSA representative out of range');
    }
  });

  it('blinding draws 64 bits more than the modulus, redraws a non-invertible r, and zeroes what it drew', () => {
    const info = infoOf(2048);
    const drawn: Uint8Array[] = [];
    // First the draws a blinding value can fail with: p itself (a factor of n), then 0; then the CSPRNG.
    const scripted = [bigIntToBytes(info.p, 264), new Uint8Array(264)];
    const random = (buf: Uint8Array) => {
      const next = scripted.shift();
      if (next) buf.set(next);
      else randomFill(buf);
      drawn.push(buf);
      return buf;
    };
    const x = 0x1234567890abcdefn;
    expect(rsaPrivate(x, info, random)).toBe(modPow(x, info.d, info.n));
    expect(drawn.map((b) => b.length)).toEqual([264, 264, 264, 16]); // r three times, then the exponent blinding
    expect(drawn.every((b) => b.every((v) => v === 0))).toBe(true);
  });

  it('a faulty CRT half is withheld, saying why', async () => {
    const info = infoOf(2048);
    expect(await refusal(() => rsaPrivate(12345n, { ...info, dq: info.dq ^ 4n }))).toBe('INTERNAL: RSA private operation failed its self-check; result withheld');
  });
});

describe('rsa-emsa', () => {
  it('refuses unknown hashes and digests of the wrong length', async () => {
    expect(await refusal(() => hashSpec('MD5' as ShaName))).toBe('UNSUPPORTED: unsupported hash MD5');
    expect(await refusal(() => emsaPssEncode(new Uint8Array(31), 2047, 'SHA-256', new Uint8Array(32)))).toBe('INVALID_DIGEST_LENGTH: SHA-256 digest must be 32 bytes');
    expect(await refusal(() => emsaPssVerify(new Uint8Array(49), new Uint8Array(256), 2047, 'SHA-384', 48))).toBe('INVALID_DIGEST_LENGTH: SHA-384 digest must be 48 bytes');
    expect(await refusal(() => digestInfo('SHA-512', new Uint8Array(32)))).toBe('INVALID_DIGEST_LENGTH: SHA-512 digest must be 64 bytes');
  });

  it('MGF1 is Hash(seed ‖ counter) block after block, cut to any length, past 256 blocks', () => {
    const reference = (seed: Uint8Array, len: number, name: string) => {
      const out: number[] = [];
      for (let c = 0; out.length < len; c++) out.push(...sha(name, seed, Uint8Array.of(c >>> 24, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff)));
      return toHex(Uint8Array.from(out.slice(0, len)));
    };
    const seed = Uint8Array.of(1, 2, 3);
    for (const [hash, name] of [['SHA-1', 'sha1'], ['SHA-256', 'sha256'], ['SHA-384', 'sha384'], ['SHA-512', 'sha512']] as const) {
      for (const len of [0, 1, 31, 32, 33, 64, 223, 511]) expect([hash, len, toHex(mgf1(seed, len, hash))]).toEqual([hash, len, reference(seed, len, name)]);
    }
    expect(toHex(mgf1(seed, 20 * 300 + 7, 'SHA-1'))).toBe(reference(seed, 20 * 300 + 7, 'sha1'));
  });

  /** EMSA-PSS with every field under the test's control (RFC 8017 9.1.1 steps 5-12). */
  function pssEm(mHash: Uint8Array, salt: Uint8Array, emBits: number, opts: { psByte?: number; separator?: number; trailer?: number } = {}) {
    const hLen = 32;
    const emLen = Math.ceil(emBits / 8);
    const H = sha('sha256', new Uint8Array(8), mHash, salt);
    const db = new Uint8Array(emLen - hLen - 1);
    if (opts.psByte !== undefined) db[0] = opts.psByte;
    db[db.length - salt.length - 1] = opts.separator ?? 1;
    db.set(salt, db.length - salt.length);
    const mask = mgf1(H, db.length, 'SHA-256');
    for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
    db[0] &= 0xff >>> (8 * emLen - emBits);
    return Uint8Array.from([...db, ...H, opts.trailer ?? 0xbc]);
  }

  it('PSS verification refuses each malformed field of an otherwise valid encoding', () => {
    const mHash = sha('sha256', new TextEncoder().encode('pss'));
    const salt = new Uint8Array(32).fill(9);
    const emBits = 2047;
    const good = pssEm(mHash, salt, emBits);
    expect(toHex(good)).toBe(toHex(emsaPssEncode(mHash, emBits, 'SHA-256', salt)));
    const verify = (em: Uint8Array, bits = emBits, sLen = 32) => emsaPssVerify(mHash, em, bits, 'SHA-256', sLen);
    expect(verify(good)).toBe(true);
    expect(verify(good.subarray(1))).toBe(false);
    expect(verify(Uint8Array.from([0, ...good]))).toBe(false);
    expect(verify(Uint8Array.from([...good, 0xbc]))).toBe(false); // every field read from the right place, one byte too many
    expect(verify(pssEm(mHash, salt, emBits, { trailer: 0xbd }))).toBe(false);
    expect(verify(pssEm(mHash, salt, emBits, { psByte: 1 }))).toBe(false);
    expect(verify(pssEm(mHash, salt, emBits, { separator: 2 }))).toBe(false);
    const topBit = good.slice();
    topBit[0] |= 0x80; // the bit above emBits
    expect(verify(topBit)).toBe(false);
    expect(verify(good, emBits, 31)).toBe(false);
    // The encoding with no padding string at all (emLen = hLen + sLen + 2) and one byte shorter.
    const tight = 8 * 66 - 1;
    expect(verify(pssEm(mHash, salt, tight), tight)).toBe(true);
    expect(verify(pssEm(mHash, salt.subarray(1), tight - 8), tight - 8)).toBe(false);
    expect(emsaPssVerify(mHash, new Uint8Array(65), 8 * 65, 'SHA-256', 32)).toBe(false);
  });

  it('PSS encoding needs emLen >= hLen + sLen + 2, and encodes exactly at that bound', async () => {
    const mHash = new Uint8Array(32).fill(7);
    const salt = new Uint8Array(32).fill(1);
    expect(toHex(emsaPssEncode(mHash, 8 * 66 - 1, 'SHA-256', salt))).toBe(toHex(pssEm(mHash, salt, 8 * 66 - 1)));
    expect(await refusal(() => emsaPssEncode(mHash, 8 * 65, 'SHA-256', salt))).toBe('INVALID_ARGUMENT: PSS encoding error: key too short');
    expect(await refusal(() => emsaPssEncode(mHash, 8 * 65 - 1, 'SHA-256', new Uint8Array(31)))).toBe('no error');
  });

  it.each([
    ['SHA-1', 'sha1'],
    ['SHA-256', 'sha256'],
    ['SHA-384', 'sha384'],
    ['SHA-512', 'sha512'],
  ] as const)('EMSA-PKCS1-v1_5 with %s is the block inside OpenSSL’s signature; the shortest block is 11 bytes over DigestInfo', async (hash, name) => {
    const { priv, pub } = nodeKeys(2048);
    const msg = new TextEncoder().encode(`pkcs1 ${hash}`);
    const theirs = nodeSign(name, msg, priv);
    const em = new Uint8Array(publicDecrypt({ key: pub, padding: constants.RSA_NO_PADDING }, theirs));
    expect(toHex(emsaPkcs1v15Encode(hash, sha(name, msg), 256))).toBe(toHex(em));
    const t = digestInfo(hash, sha(name, msg));
    expect(toHex(emsaPkcs1v15Encode(hash, sha(name, msg), t.length + 11))).toBe('0001' + 'ff'.repeat(8) + '00' + toHex(t));
    expect(await refusal(() => emsaPkcs1v15Encode(hash, sha(name, msg), t.length + 10))).toBe('INVALID_ARGUMENT: intended encoded message length too short');
  });
});

describe('rsa.ts', () => {
  const digest = sha('sha256', new TextEncoder().encode('rsa.ts'));

  it('refuses algorithms it does not know, and keys that are not RSA', async () => {
    const info = infoOf(2048);
    expect(await refusal(() => rsaSignDigest(info, 'RSASSA_PSS_SHA_1' as never, new Uint8Array(20)))).toBe('UNSUPPORTED: unsupported RSA signing algorithm RSASSA_PSS_SHA_1');
    expect(await refusal(() => rsaOaepMaxPlaintext(256, 'RSAES_OAEP_SHA_512' as never))).toBe('UNSUPPORTED: unsupported RSA encryption algorithm RSAES_OAEP_SHA_512');
    const ec = ecKey();
    const notRsa = 'UNSUPPORTED: RSA algorithm used with a non-RSA key';
    expect(await refusal(() => rsaSign(ec, 'RSASSA_PSS_SHA_256', digest, 'DIGEST'))).toBe(notRsa);
    expect(await refusal(() => rsaVerify(ec.publicKey, 'RSASSA_PSS_SHA_256', digest, 'DIGEST', new Uint8Array(64)))).toBe(notRsa);
    expect(await refusal(() => rsaOaepEncrypt(ec.publicKey, 'RSAES_OAEP_SHA_256', new Uint8Array(1)))).toBe(notRsa);
    expect(await refusal(() => rsaOaepDecrypt(ec, 'RSAES_OAEP_SHA_256', new Uint8Array(256)))).toBe(notRsa);
  });

  it('checks digest, salt, signature and message-type arguments itself', async () => {
    const key = loaded(2048);
    const info = key.info as RsaPrivateKeyInfo;
    expect(await refusal(() => rsaSignDigest(info, 'RSASSA_PSS_SHA_256', digest.subarray(1)))).toBe('INVALID_DIGEST_LENGTH: SHA-256 digest must be 32 bytes, got 31');
    expect(await refusal(() => rsaVerifyDigest(info, 'RSASSA_PKCS1_V1_5_SHA_384', digest, new Uint8Array(256)))).toBe('INVALID_DIGEST_LENGTH: SHA-384 digest must be 48 bytes, got 32');
    expect(await refusal(() => rsaSignDigest(info, 'RSASSA_PSS_SHA_256', digest, { salt: new Uint8Array(20) }))).toBe('INVALID_ARGUMENT: PSS salt must be 32 bytes');
    expect(await refusal(() => rsaVerifyDigest(info, 'RSASSA_PSS_SHA_256', digest, new Uint8Array(255)))).toBe('INVALID_SIGNATURE_SIZE: RSA signature must be 256 bytes, got 255');
    expect(await refusal(() => rsaVerify(key.publicKey, 'RSASSA_PSS_SHA_256', digest, 'RAW', new Uint8Array(257)))).toBe('INVALID_SIGNATURE_SIZE: RSA signature must be 256 bytes, got 257');
    expect(await refusal(() => rsaSign(key, 'RSASSA_PSS_SHA_256', digest, 'HASH' as never))).toBe('INVALID_ARGUMENT: unknown message type HASH');
    expect(await refusal(() => rsaVerify(key.publicKey, 'RSASSA_PSS_SHA_256', digest, 'HASH' as never, new Uint8Array(256)))).toBe('INVALID_ARGUMENT: unknown message type HASH');
  });

  it('DIGEST verification: a signature value of n or more, or over 2^(8·emLen) for a 2049-bit key, is false (not an error)', () => {
    const info = infoOf(2048);
    expect(rsaVerifyDigest(info, 'RSASSA_PKCS1_V1_5_SHA_256', digest, bigIntToBytes(info.n, 256))).toBe(false);
    const odd = infoOf(2049);
    expect(odd.byteLength).toBe(257);
    // s = n - 1 gives m = n - 1 >= 2^2048: its top byte, which PSS must leave zero, is 1.
    expect(rsaVerifyDigest(odd, 'RSASSA_PSS_SHA_256', digest, bigIntToBytes(odd.n - 1n, 257))).toBe(false);
    const sig = rsaSignDigest(odd, 'RSASSA_PSS_SHA_256', digest);
    expect(rsaVerifyDigest(odd, 'RSASSA_PSS_SHA_256', digest, sig)).toBe(true);
    const { pub } = nodeKeys(2049);
    expect(nodeVerify('sha256', new TextEncoder().encode('rsa.ts'), { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig)).toBe(true);
  });

  it('a native private operation that answers wrongly or fails is withheld; our own errors pass through; the encoded message is zeroed', async () => {
    const ems: Uint8Array[] = [];
    const withOp = (answer: (em: Uint8Array) => Promise<Uint8Array>) =>
      loaded(2048, (_der, em) => {
        ems.push(em);
        return answer(em);
      });
    const short = withOp(async () => new Uint8Array(255));
    expect(await refusal(() => rsaSign(short, 'RSASSA_PKCS1_V1_5_SHA_256', digest, 'DIGEST'))).toBe('INTERNAL: RSA signature has the wrong length; result withheld');
    const failing = withOp(async () => {
      throw new Error('RSA_private_encrypt: bad key');
    });
    expect(await refusal(() => rsaSign(failing, 'RSASSA_PSS_SHA_256', digest, 'DIGEST'))).toBe('INTERNAL: RSA private operation failed its self-check; result withheld');
    const ours = withOp(async () => {
      throw new AsymCryptoError('INVALID_ARGUMENT', 'private key handle was disposed');
    });
    expect(await refusal(() => rsaSign(ours, 'RSASSA_PSS_SHA_256', digest, 'DIGEST'))).toBe('INVALID_ARGUMENT: private key handle was disposed');
    expect(ems.length).toBe(3);
    expect(ems.every((em) => em.length === 256 && em.every((b) => b === 0))).toBe(true);
  });

  it('a RAW signature that fails its check against the public key is withheld', async () => {
    const key = loaded(2048);
    const msg = new TextEncoder().encode('raw');
    const real = crypto.subtle.sign.bind(crypto.subtle);
    vi.spyOn(crypto.subtle, 'sign').mockImplementationOnce(async () => new ArrayBuffer(255));
    expect(await refusal(() => rsaSign(key, 'RSASSA_PKCS1_V1_5_SHA_256', msg, 'RAW'))).toBe('INTERNAL: RSA signature failed its self-check; result withheld');
    vi.spyOn(crypto.subtle, 'sign').mockImplementationOnce(async (...args: Parameters<typeof real>) => {
      const sig = new Uint8Array(await real(...args));
      sig[100] ^= 1; // a fault in the signer
      return sig.buffer;
    });
    expect(await refusal(() => rsaSign(key, 'RSASSA_PKCS1_V1_5_SHA_256', msg, 'RAW'))).toBe('INTERNAL: RSA signature failed its self-check; result withheld');
    const good = await rsaSign(key, 'RSASSA_PKCS1_V1_5_SHA_256', msg, 'RAW');
    expect(nodeVerify('sha256', msg, nodeKeys(2048).pub, good)).toBe(true);
  });

  it('OAEP: the plaintext limit is k - 2·hLen - 2 exactly, and ciphertexts must be k bytes', async () => {
    const key = loaded(2048);
    expect(rsaOaepMaxPlaintext(256, 'RSAES_OAEP_SHA_256')).toBe(190);
    expect(rsaOaepMaxPlaintext(256, 'RSAES_OAEP_SHA_1')).toBe(214);
    const ct = await rsaOaepEncrypt(key.publicKey, 'RSAES_OAEP_SHA_256', new Uint8Array(190).fill(5));
    expect(toHex(await rsaOaepDecrypt(key, 'RSAES_OAEP_SHA_256', ct))).toBe('05'.repeat(190));
    expect(await refusal(() => rsaOaepEncrypt(key.publicKey, 'RSAES_OAEP_SHA_256', new Uint8Array(191)))).toBe('MESSAGE_TOO_LONG: OAEP plaintext is limited to 190 bytes for this key');
    expect(await refusal(() => rsaOaepDecrypt(key, 'RSAES_OAEP_SHA_256', ct.subarray(1)))).toBe('INVALID_CIPHERTEXT_SIZE: RSA ciphertext must be 256 bytes, got 255');
  });
});
