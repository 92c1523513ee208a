// ECDSA against node:crypto (OpenSSL, dsaEncoding 'der') for every curve × allowed hash × message type, both
// directions, plus the RFC 6979 A.2.5 P-256 signatures as known-answer verification vectors.
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { ecdsaDerToRaw, ecdsaRawToDer } from '../../src/crypto/asn1.ts';
import { AsymPrivateKey, AsymPublicKey } from '../../src/crypto/asym-handle.ts';
import { type EcKeySpec, CURVES, encodeEcSpki, ASYM_KEY_SHAPES } from '../../src/crypto/asym-keys.ts';
import { allowedSigningAlgorithms, asymSign, asymVerify, checkSignatureSize } from '../../src/crypto/asym.ts';
import { ECDSA_SIGNING_ALGORITHMS, type EcdsaSigningAlgorithm, ecdsaDerLengthBounds } from '../../src/crypto/ecdsa.ts';
import { generateAsymKeyPair } from '../../src/crypto/keypair.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const nodeHash = (alg: EcdsaSigningAlgorithm) => ECDSA_SIGNING_ALGORITHMS[alg].hash.replace('-', '').toLowerCase();
const digestOf = (alg: EcdsaSigningAlgorithm, m: Uint8Array) => new Uint8Array(createHash(nodeHash(alg)).update(m).digest());

const SPECS: EcKeySpec[] = ['EC_P256', 'EC_P384', 'ECC_NIST_P521', 'SECP256K1'];

interface Loaded {
  priv: AsymPrivateKey;
  pub: AsymPublicKey;
  nodePriv: ReturnType<typeof createPrivateKey>;
  nodePub: ReturnType<typeof createPublicKey>;
}
const keys = {} as Record<EcKeySpec, Loaded>;

beforeAll(async () => {
  for (const spec of SPECS) {
    const kp = await generateAsymKeyPair(spec);
    keys[spec] = {
      priv: AsymPrivateKey.fromPkcs8(kp.privateKeyPkcs8, spec),
      pub: AsymPublicKey.fromSpki(kp.publicKeySpki, spec),
      nodePriv: createPrivateKey({ key: Buffer.from(kp.privateKeyPkcs8), format: 'der', type: 'pkcs8' }),
      nodePub: createPublicKey({ key: Buffer.from(kp.publicKeySpki), format: 'der', type: 'spki' }),
    };
  }
});

describe('RFC 6979 A.2.5 (P-256) known-answer verification', () => {
  const Q = hex(
    '04' + '60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6' + '7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299',
  );
  const vectors: { alg: EcdsaSigningAlgorithm; msg: string; r: string; s: string }[] = [
    // s > n/2 here: a verifier that insists on low-s would wrongly reject this standard vector.
    { alg: 'ECDSA_SHA_256', msg: 'sample', r: 'EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716', s: 'F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8' },
    { alg: 'ECDSA_SHA_256', msg: 'test', r: 'F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367', s: '019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083' },
    // SHA-512 on P-256: the digest is truncated to 256 bits.
    { alg: 'ECDSA_SHA_512', msg: 'sample', r: '8496A60B5E9B47C825488827E0495B0E3FA109EC4568FD3F8D1097678EB97F00', s: '2362AB1ADBE2B8ADF9CB9EDAB740EA6049C028114F2460F96554F61FAE3302FE' },
  ];
  const pub = AsymPublicKey.fromSpki(encodeEcSpki('P-256', Q), 'EC_P256');

  it('the RFC key is the one the RFC private scalar gives', () => {
    expect(Buffer.from(p256.getPublicKey(hex('C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721'), false)).toString('hex')).toBe(
      Buffer.from(Q).toString('hex'),
    );
  });

  for (const v of vectors) {
    it(`${v.alg} "${v.msg}" verifies (RAW and DIGEST), and node:crypto agrees`, async () => {
      const der = ecdsaRawToDer(hex(v.r + v.s));
      const msg = new TextEncoder().encode(v.msg);
      expect(await asymVerify(pub, v.alg, msg, 'RAW', der)).toBe(true);
      expect(await asymVerify(pub, v.alg, digestOf(v.alg, msg), 'DIGEST', der)).toBe(true);
      expect(nodeVerify(nodeHash(v.alg), msg, { key: createPublicKey({ key: Buffer.from(pub.spki), format: 'der', type: 'spki' }), dsaEncoding: 'der' }, der)).toBe(true);
      const other = new TextEncoder().encode(v.msg + '!');
      expect(await asymVerify(pub, v.alg, other, 'RAW', der)).toBe(false);
      expect(await asymVerify(pub, v.alg, digestOf(v.alg, other), 'DIGEST', der)).toBe(false);
    });
  }
});

describe.each(SPECS)('%s against node:crypto', (spec) => {
  it('public key parses in node:crypto with the right curve', () => {
    const want = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1', secp256k1: 'secp256k1' }[
      (ASYM_KEY_SHAPES[spec] as { curve: keyof typeof CURVES }).curve
    ];
    expect(keys[spec].nodePub.asymmetricKeyDetails?.namedCurve).toBe(want);
    expect(createPublicKey(keys[spec].pub.toPem()).export({ format: 'der', type: 'spki' }).equals(Buffer.from(keys[spec].pub.spki))).toBe(true);
  });

  const algs = allowedSigningAlgorithms(spec) as EcdsaSigningAlgorithm[];
  it.each(algs)('%s: ours -> node and node -> ours, RAW and DIGEST', async (alg) => {
    const { priv, pub, nodePriv, nodePub } = keys[spec];
    const curve = (ASYM_KEY_SHAPES[spec] as { curve: keyof typeof CURVES }).curve;
    const n = CURVES[curve].noble.Point.Fn.ORDER;
    for (let i = 0; i < 3; i++) {
      const msg = new Uint8Array(randomBytes(1 + (randomBytes(1)[0] % 100)));
      const dig = digestOf(alg, msg);
      const raw = await asymSign(priv, alg, msg, 'RAW');
      const fromDigest = await asymSign(priv, alg, dig, 'DIGEST');
      for (const sig of [raw, fromDigest]) {
        expect(sig[0]).toBe(0x30); // DER, not r‖s
        expect(nodeVerify(nodeHash(alg), msg, { key: nodePub, dsaEncoding: 'der' }, sig)).toBe(true);
        expect(await asymVerify(pub, alg, dig, 'DIGEST', sig)).toBe(true);
        expect(await asymVerify(pub, alg, msg, 'RAW', sig)).toBe(true);
      }
      // The noble path normalises to low-s.
      const s = BigInt('0x' + Buffer.from(ecdsaDerToRaw(fromDigest, CURVES[curve].size).subarray(CURVES[curve].size)).toString('hex'));
      expect(s <= n / 2n).toBe(true);

      const theirs = new Uint8Array(nodeSign(nodeHash(alg), msg, { key: nodePriv, dsaEncoding: 'der' }));
      expect(await asymVerify(pub, alg, msg, 'RAW', theirs)).toBe(true);
      expect(await asymVerify(pub, alg, dig, 'DIGEST', theirs)).toBe(true);
      const other = msg.slice();
      other[0] ^= 1;
      expect(await asymVerify(pub, alg, other, 'RAW', theirs)).toBe(false);
      expect(await asymVerify(pub, alg, digestOf(alg, other), 'DIGEST', theirs)).toBe(false);
    }
  });

  it('wrong digest lengths are rejected for sign and verify', async () => {
    const { priv, pub } = keys[spec];
    for (const alg of algs) {
      const len = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 }[ECDSA_SIGNING_ALGORITHMS[alg].hash];
      for (const bad of [0, 1, len - 1, len + 1, 2 * len]) {
        await expect(asymSign(priv, alg, new Uint8Array(bad), 'DIGEST')).rejects.toMatchObject({ code: 'INVALID_DIGEST_LENGTH' });
        await expect(asymVerify(pub, alg, new Uint8Array(bad), 'DIGEST', new Uint8Array(70))).rejects.toMatchObject({ code: 'INVALID_DIGEST_LENGTH' });
      }
    }
  });
});

describe('ECDSA signature encoding strictness', () => {
  it('rejects non-DER encodings of a valid signature (returns false, does not throw)', async () => {
    const { priv, pub } = keys.EC_P256;
    const msg = new TextEncoder().encode('strict');
    const dig = digestOf('ECDSA_SHA_256', msg);
    const good = await asymSign(priv, 'ECDSA_SHA_256', dig, 'DIGEST');
    const raw = ecdsaDerToRaw(good, 32);
    const r = raw.subarray(0, 32);
    const s = raw.subarray(32);
    const int = (b: Uint8Array, pad = false) => {
      let i = 0;
      while (i < b.length - 1 && b[i] === 0) i++;
      let v = b.subarray(i);
      if (v[0] & 0x80) v = Uint8Array.from([0, ...v]);
      if (pad) v = Uint8Array.from([0, ...v]); // one zero more than DER allows
      return Uint8Array.from([0x02, v.length, ...v]);
    };
    const seq = (...parts: Uint8Array[]) => {
      const body = parts.flatMap((p) => [...p]);
      return Uint8Array.from([0x30, body.length, ...body]);
    };
    expect(Buffer.from(seq(int(r), int(s))).equals(Buffer.from(good))).toBe(true);
    const variants: [string, Uint8Array][] = [
      ['raw r‖s', raw],
      ['padded r', seq(int(r, true), int(s))],
      ['trailing byte', Uint8Array.from([...good, 0])],
      ['long-form length', Uint8Array.from([0x30, 0x81, good[1], ...good.subarray(2)])],
      ['third integer', seq(int(r), int(s), int(Uint8Array.of(1)))],
      ['wrong outer tag', Uint8Array.from([0x31, ...good.subarray(1)])],
      ['r = 0', seq(int(Uint8Array.of(0)), int(s))],
      ['r = n', seq(int(hexToBytes(p256.Point.Fn.ORDER.toString(16))), int(s))],
      ['negative s', seq(int(r), Uint8Array.from([0x02, 0x01, 0x80]))],
    ];
    // Rejected = verify answers false, or (for a length this curve can never produce) refuses the size.
    const rejected = async (sig: Uint8Array, type: 'RAW' | 'DIGEST') => {
      try {
        return !(await asymVerify(pub, 'ECDSA_SHA_256', type === 'RAW' ? msg : dig, type, sig));
      } catch (e) {
        return (e as { code?: string }).code === 'INVALID_SIGNATURE_SIZE';
      }
    };
    for (const [name, sig] of variants) {
      expect([name, await rejected(sig, 'DIGEST')]).toEqual([name, true]);
      expect([name, await rejected(sig, 'RAW')]).toEqual([name, true]);
    }
  });

  it('size bounds are checked before parsing', () => {
    for (const curve of ['P-256', 'P-384', 'P-521', 'secp256k1'] as const) {
      const { min, max } = ecdsaDerLengthBounds(curve);
      const info = { kind: 'ec', curve, point: new Uint8Array(0) } as const;
      const alg = allowedSigningAlgorithms(info)[0];
      expect(() => checkSignatureSize(info, alg, new Uint8Array(min - 1))).toThrowError(expect.objectContaining({ code: 'INVALID_SIGNATURE_SIZE' }));
      expect(() => checkSignatureSize(info, alg, new Uint8Array(max + 1))).toThrowError(expect.objectContaining({ code: 'INVALID_SIGNATURE_SIZE' }));
      expect(() => checkSignatureSize(info, alg, new Uint8Array(max))).not.toThrow();
    }
    expect(ecdsaDerLengthBounds('P-256').max).toBe(72);
    expect(ecdsaDerLengthBounds('P-384').max).toBe(104);
    expect(ecdsaDerLengthBounds('P-521').max).toBe(139);
  });

  it('only hashes at least as strong as the curve are allowed', async () => {
    expect(allowedSigningAlgorithms('EC_P384')).toEqual(['ECDSA_SHA_384', 'ECDSA_SHA_512']);
    expect(allowedSigningAlgorithms('ECC_NIST_P521')).toEqual(['ECDSA_SHA_512']);
    await expect(asymSign(keys.EC_P384.priv, 'ECDSA_SHA_256', new Uint8Array(32), 'DIGEST')).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(asymSign(keys.EC_P256.priv, 'RSASSA_PSS_SHA_256', new Uint8Array(32), 'DIGEST')).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });
});

function hexToBytes(h: string): Uint8Array {
  return hex(h.length % 2 ? '0' + h : h);
}
