// The key checks of src/crypto/asym-keys.ts one by one: each malformed or inconsistent key is refused by the
// check written for it (asserted through its message, so a key refused by a later check for another reason
// does not count), each boundary is exact (1024 / 4096-bit moduli, 256-bit exponents, 32-byte scalars), and
// the keys that must load do load and mean the same to node:crypto (OpenSSL). RSA keys are the fixed test
// keys of test/vectors/rsa-keys.ts; their numbers are read back through node:crypto's JWK export.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { derBitString, derContext, derInteger, derNull, derOctetString, derOid, derSequence, derTlv } from '../../src/crypto/asn1.ts';
import { AsymPublicKey } from '../../src/crypto/asym-handle.ts';
import {
  type AsymKeySpec,
  type EcCurve,
  CURVES,
  MAX_SPKI_BYTES,
  OID,
  SM2_CURVE_OID,
  assertKeyMatchesSpec,
  encodeEcPkcs8,
  encodeRsaSpki,
  encodeSm2Pkcs8,
  encodeSm2Spki,
  encodeSpki,
  keySpecShape,
  parsePkcs8,
  parseSm2Spki,
  parseSpki,
  shapeOf,
} from '../../src/crypto/asym-keys.ts';
import { generateAsymKeyPair } from '../../src/crypto/keypair.ts';
import { modInverse } from '../../src/crypto/rsa-bigint.ts';
import { RSA_TEST_KEYS_PKCS8 } from '../vectors/rsa-keys.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const b64uToBig = (s: string) => BigInt('0x' + Buffer.from(s, 'base64url').toString('hex'));

/** "CODE: message" of what `fn` throws, or "no error". */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
  return 'no error';
}

type RsaBits = keyof typeof RSA_TEST_KEYS_PKCS8;
const rsaPkcs8 = (bits: RsaBits) => Uint8Array.from(Buffer.from(RSA_TEST_KEYS_PKCS8[bits], 'base64'));
const rsaSpki = (bits: RsaBits) =>
  new Uint8Array(createPublicKey(createPrivateKey({ key: Buffer.from(rsaPkcs8(bits)), format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' }));

/** The numbers of a fixed test key, as node:crypto reads them. */
function rsaNumbers(bits: RsaBits) {
  const jwk = createPrivateKey({ key: Buffer.from(rsaPkcs8(bits)), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
  const [n, e, d, p, q, dp, dq, qi] = (['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const).map((f) => b64uToBig(jwk[f]!));
  return { n, e, d, p, q, dp, dq, qi };
}
type RsaNumbers = ReturnType<typeof rsaNumbers>;

const rsaAlg = () => derSequence(derOid(OID.rsaEncryption), derNull());
const rsaP8 = (k: RsaNumbers) =>
  derSequence(derInteger(0), rsaAlg(), derOctetString(derSequence(derInteger(0), ...[k.n, k.e, k.d, k.p, k.q, k.dp, k.dq, k.qi].map((x) => derInteger(x)))));
const rsaSpkiOf = (n: bigint, e: bigint) => derSequence(rsaAlg(), derBitString(derSequence(derInteger(n), derInteger(e))));
const ecAlg = (curve: EcCurve) => derSequence(derOid(OID.ecPublicKey), derOid(CURVES[curve].oid));
const ecP8 = (curve: EcCurve, ecPrivateKey: Uint8Array) => derSequence(derInteger(0), ecAlg(curve), derOctetString(ecPrivateKey));

describe('RSA private keys: every consistency check refuses the key it is written for', () => {
  /** A key whose d is replaced, with dp and dq recomputed so that the CRT exponents still match d. */
  const withD = (k: RsaNumbers, d: bigint): RsaNumbers => ({ ...k, d, dp: d % (k.p - 1n), dq: d % (k.q - 1n) });

  it('the fixed key and its reconstruction parse to node:crypto’s numbers (control)', () => {
    const k = rsaNumbers(2048);
    expect(toHex(rsaP8(k))).toBe(toHex(rsaPkcs8(2048)));
    expect(parsePkcs8(rsaP8(k))).toMatchObject({ kind: 'rsa', ...k, bits: 2048, byteLength: 256 });
  });

  const cases: [string, (k: RsaNumbers) => RsaNumbers, string][] = [
    ['n off by two', (k) => ({ ...k, n: k.n + 2n }), 'RSA key: n != p*q'],
    ['p = 1 and q = n', (k) => ({ ...k, p: 1n, q: k.n }), 'RSA key: n != p*q'],
    ['q = 1 and p = n', (k) => ({ ...k, p: k.n, q: 1n }), 'RSA key: n != p*q'],
    [
      // n = p² with d, dp, dq consistent: only p = q (and then the CRT coefficient) is wrong.
      'p = q',
      (k) => {
        const d = modInverse(k.e, k.p - 1n);
        return { ...k, n: k.p * k.p, q: k.p, d, dp: d, dq: d, qi: 1n };
      },
      'RSA key: n != p*q',
    ],
    ['d = 1', (k) => withD(k, 1n), 'RSA key: d out of range'],
    ['d = 0', (k) => withD(k, 0n), 'RSA key: d out of range'],
    ['d = n', (k) => withD(k, k.n), 'RSA key: d out of range'],
    ['d + (p-1)(q-1) >= n', (k) => withD(k, k.d + (k.p - 1n) * (k.q - 1n)), 'RSA key: d out of range'],
    ['dp off by two', (k) => ({ ...k, dp: k.dp + 2n }), 'RSA key: CRT exponents do not match d'],
    ['dq off by two', (k) => ({ ...k, dq: k.dq - 2n }), 'RSA key: CRT exponents do not match d'],
    // d changed by a multiple of p-1 keeps the p half an inverse of e; only the q half is wrong, and vice versa.
    ['d inverts e modulo p-1 only', (k) => withD(k, k.d + (k.p - 1n)), 'RSA key: d is not the inverse of e'],
    ['d inverts e modulo q-1 only', (k) => withD(k, k.d + (k.q - 1n)), 'RSA key: d is not the inverse of e'],
    ['qi off by one', (k) => ({ ...k, qi: k.qi + 1n }), 'RSA key: CRT coefficient is wrong'],
    ['qi + p (right residue, out of range)', (k) => ({ ...k, qi: k.qi + k.p }), 'RSA key: CRT coefficient is wrong'],
    ['qi = 0', (k) => ({ ...k, qi: 0n }), 'RSA key: CRT coefficient is wrong'],
    ['e = 3', (k) => ({ ...k, e: 3n }), 'RSA public exponent out of range'],
    ['even e', (k) => ({ ...k, e: 65538n }), 'RSA public exponent out of range'],
  ];
  it.each(cases)('%s', (_name, change, message) => {
    const k = change(rsaNumbers(2048));
    expect(k.d < k.n || message === 'RSA key: d out of range').toBe(true); // the case reaches its check
    expect(refusal(() => parsePkcs8(rsaP8(k)))).toBe(`INVALID_KEY: ${message}`);
  });

  it('multi-prime keys (RSAPrivateKey version 1) are refused as unsupported', () => {
    const k = rsaNumbers(2048);
    const v1 = derSequence(derInteger(0), rsaAlg(), derOctetString(derSequence(derInteger(1), ...Object.values(k).map((x) => derInteger(x)))));
    expect(refusal(() => parsePkcs8(v1))).toBe('UNSUPPORTED: multi-prime RSA keys are not supported');
  });

  it('OneAsymmetricKey: a public key field that differs in n or in e is refused', () => {
    const k = rsaNumbers(2048);
    const inner = derOctetString(derSequence(derInteger(0), ...[k.n, k.e, k.d, k.p, k.q, k.dp, k.dq, k.qi].map((x) => derInteger(x))));
    const v2 = (n: bigint, e: bigint) => derSequence(derInteger(1), rsaAlg(), inner, derTlv(0x81, Uint8Array.from([0, ...derSequence(derInteger(n), derInteger(e))])));
    expect(parsePkcs8(v2(k.n, k.e))).toMatchObject({ kind: 'rsa', n: k.n, e: k.e });
    expect(refusal(() => parsePkcs8(v2(k.n, k.e + 2n)))).toBe('INVALID_KEY: PKCS#8 public key does not match the private key');
    expect(refusal(() => parsePkcs8(v2(k.n + 2n, k.e)))).toBe('INVALID_KEY: PKCS#8 public key does not match the private key');
    expect(refusal(() => parsePkcs8(derSequence(derInteger(2), rsaAlg(), inner)))).toBe('INVALID_KEY: unsupported PKCS#8 version 2');
  });

  it.each([2049, 3072, 4096] as const)('the %i-bit test key parses to node:crypto’s numbers', (bits) => {
    const k = rsaNumbers(bits);
    expect(parsePkcs8(rsaPkcs8(bits))).toMatchObject({ kind: 'rsa', ...k, bits, byteLength: Math.ceil(bits / 8) });
    expect(toHex(encodeRsaSpki(k.n, k.e))).toBe(toHex(rsaSpki(bits)));
  });
});

describe('RSA public keys: bounds of FIPS 186-5 and of the key specs, exactly', () => {
  const e = 65537n;
  /** An odd number of exactly `bits` bits (a modulus shape; public-key parsing cannot see factors). */
  const odd = (bits: number) => (1n << BigInt(bits - 1)) + 1n;
  const nodeReads = (der: Uint8Array) => createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }).export({ format: 'jwk' });

  it.each([1024, 2048, 4096])('a %i-bit modulus is accepted, and node:crypto reads the same numbers', (bits) => {
    const der = rsaSpkiOf(odd(bits), e);
    expect(parseSpki(der)).toEqual({ kind: 'rsa', n: odd(bits), e, bits, byteLength: bits / 8 });
    expect(b64uToBig(nodeReads(der).n!)).toBe(odd(bits));
    expect(toHex(encodeRsaSpki(odd(bits), e))).toBe(toHex(der));
  });

  it.each([
    ['a 1023-bit modulus', odd(1023), e, 'RSA modulus of 1023 bits is out of range'],
    ['a 4097-bit modulus', odd(4097), e, 'RSA modulus of 4097 bits is out of range'],
    ['a zero modulus', 0n, e, 'RSA modulus of 0 bits is out of range'],
    ['an even modulus', odd(2048) + 1n, e, 'RSA modulus is even'],
    ['e = 65535', odd(2048), 65535n, 'RSA public exponent out of range'],
    ['even e = 65538', odd(2048), 65538n, 'RSA public exponent out of range'],
    ['a 257-bit e', odd(2048), (1n << 256n) + 1n, 'RSA public exponent out of range'],
  ])('%s is refused', (_name, n, exp, message) => {
    expect(refusal(() => parseSpki(rsaSpkiOf(n, exp)))).toBe(`INVALID_KEY: ${message}`);
    expect(refusal(() => encodeRsaSpki(n, exp))).toBe(`INVALID_KEY: ${message}`);
  });

  it('a 256-bit odd e is the largest accepted', () => {
    const big = (1n << 255n) + 1n;
    expect(parseSpki(rsaSpkiOf(odd(2048), big))).toMatchObject({ e: big, bits: 2048 });
    expect(b64uToBig(nodeReads(rsaSpkiOf(odd(2048), big)).e!)).toBe(big);
  });
});

describe('EC private keys: every check refuses the key it is written for', () => {
  const c = CURVES['P-384'];
  const d = hex('a2'.repeat(48));
  const point = c.noble.getPublicKey(d, false);

  it('the optional [0] curve parameters and [1] public key are read when they match (OpenSSL reads the same key)', () => {
    const full = ecP8('P-384', derSequence(derInteger(1), derOctetString(d), derContext(0, derOid(c.oid)), derContext(1, derBitString(point))));
    expect(parsePkcs8(full)).toMatchObject({ kind: 'ec', curve: 'P-384', d, point });
    const jwk = createPrivateKey({ key: Buffer.from(full), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
    expect(Buffer.from(jwk.d!, 'base64url').toString('hex')).toBe(toHex(d));
    expect(parsePkcs8(ecP8('P-384', derSequence(derInteger(1), derOctetString(d), derContext(0, derOid(c.oid)))))).toMatchObject({ point });
  });

  it.each([
    ['version 0', derSequence(derInteger(0), derOctetString(d)), 'ECPrivateKey version must be 1'],
    ['[0] names another curve', derSequence(derInteger(1), derOctetString(d), derContext(0, derOid(CURVES['P-256'].oid))), 'ECPrivateKey curve differs from the algorithm curve'],
    ['[1] holds another point', derSequence(derInteger(1), derOctetString(d), derContext(1, derBitString(c.noble.getPublicKey(hex('b3'.repeat(48)), false)))), 'ECPrivateKey public key does not match d'],
    ['an empty scalar', derSequence(derInteger(1), derOctetString(new Uint8Array(0))), 'EC private scalar has the wrong length'],
    ['a 49-byte scalar', derSequence(derInteger(1), derOctetString(new Uint8Array(49).fill(1))), 'EC private scalar has the wrong length'],
    ['a zero scalar', derSequence(derInteger(1), derOctetString(new Uint8Array(48))), 'EC private scalar out of range'],
    ['the group order as scalar', derSequence(derInteger(1), derOctetString(hex(c.noble.Point.Fn.ORDER.toString(16)))), 'EC private scalar out of range'],
  ])('%s', (_name, inner, message) => {
    expect(refusal(() => parsePkcs8(ecP8('P-384', inner)))).toBe(`INVALID_KEY: ${message}`);
  });

  it('OneAsymmetricKey: an EC public key field that differs is refused', () => {
    const other = c.noble.getPublicKey(hex('b3'.repeat(48)), false);
    const v2 = (pub: Uint8Array) => derSequence(derInteger(1), ecAlg('P-384'), derOctetString(derSequence(derInteger(1), derOctetString(d))), derTlv(0x81, Uint8Array.from([0, ...pub])));
    expect(parsePkcs8(v2(point))).toMatchObject({ point });
    expect(refusal(() => parsePkcs8(v2(other)))).toBe('INVALID_KEY: PKCS#8 public key does not match the private key');
  });

  it('encodeEcPkcs8 takes exactly the curve’s scalar length', () => {
    for (const [curve, size] of [['P-256', 32], ['P-521', 66]] as const) {
      const ok = new Uint8Array(size).fill(1);
      expect(parsePkcs8(encodeEcPkcs8(curve, ok))).toMatchObject({ curve, d: ok });
      for (const len of [size - 1, size + 1]) {
        expect(refusal(() => encodeEcPkcs8(curve, new Uint8Array(len).fill(1)))).toBe('INVALID_KEY: EC private scalar out of range');
      }
    }
  });
});

describe('SubjectPublicKeyInfo and PKCS#8 framing: what is refused, and why', () => {
  const pt = CURVES['P-256'].noble.getPublicKey(hex('11'.repeat(32)), false);
  const ecSpki = (alg: Uint8Array, point = pt) => derSequence(alg, derBitString(point));

  it.each([
    ['an EC key without curve', () => parseSpki(ecSpki(derSequence(derOid(OID.ecPublicKey)))), 'INVALID_KEY: EC key without curve parameters'],
    ['explicit curve parameters', () => parseSpki(ecSpki(derSequence(derOid(OID.ecPublicKey), derSequence(derInteger(1))))), 'UNSUPPORTED: explicit EC curve parameters are not supported'],
    ['P-224', () => parseSpki(ecSpki(derSequence(derOid(OID.ecPublicKey), derOid('1.3.132.0.33')))), 'UNSUPPORTED: unsupported EC curve OID 1.3.132.0.33'],
    ['Ed25519', () => parseSpki(new Uint8Array(generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }))), 'UNSUPPORTED: unsupported public key algorithm 1.3.101.112'],
    ['a string for SPKI', () => parseSpki('MFkw' as never), 'INVALID_ARGUMENT: public key must be bytes'],
    ['a string for PKCS#8', () => parsePkcs8('MIGH' as never), 'INVALID_ARGUMENT: private key must be bytes'],
    ['an unknown key spec', () => keySpecShape('RSA_1024'), 'UNSUPPORTED: unsupported asymmetric key spec RSA_1024'],
  ])('%s', (_name, fn, expected) => {
    expect(refusal(fn)).toBe(expected);
  });

  it('malformed input names the structure and the DER fault', () => {
    expect(refusal(() => parseSpki(hex('3000')))).toMatch(/^INVALID_KEY: malformed SubjectPublicKeyInfo: \S/);
    expect(refusal(() => parsePkcs8(hex('3000')))).toMatch(/^INVALID_KEY: malformed PKCS#8 private key: \S/);
    const off = pt.slice();
    off[64] ^= 1;
    expect(refusal(() => parseSpki(ecSpki(ecAlg('P-256'), off)))).toMatch(/^INVALID_KEY: malformed EC public point: \S/);
  });

  it('encodeSpki re-encodes parsed RSA and EC keys byte for byte', () => {
    const rsa = rsaSpki(3072);
    expect(toHex(encodeSpki(parseSpki(rsa)))).toBe(toHex(rsa));
    const ec = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ format: 'der', type: 'spki' }));
    expect(toHex(encodeSpki(parseSpki(ec)))).toBe(toHex(ec));
  });
});

describe('key specs', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    [3072, 'RSA_3072'],
    [4096, 'RSA_4096'],
    [2048, 'RSA_2048'],
  ] as const)('the %i-bit key is exactly %s', (bits, spec) => {
    const info = parseSpki(rsaSpki(bits));
    expect(shapeOf(info)).toEqual({ kind: 'rsa', bits });
    expect(keySpecShape(spec)).toEqual({ kind: 'rsa', bits });
    expect(AsymPublicKey.fromSpki(rsaSpki(bits), spec).info).toMatchObject({ bits });
    for (const other of ['RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_P256'] as AsymKeySpec[]) {
      if (other !== spec) expect(refusal(() => assertKeyMatchesSpec(info, other))).toBe(`INVALID_KEY: key does not match key spec ${other}`);
    }
  });

  it('moduli of other lengths have no key spec and match none', () => {
    for (const info of [parseSpki(rsaSpki(2049)), parseSpki(rsaSpkiOf((1n << 1023n) + 1n, 65537n))]) {
      expect(shapeOf(info)).toBeUndefined();
      expect(refusal(() => assertKeyMatchesSpec(info, 'RSA_2048'))).toBe('INVALID_KEY: key does not match key spec RSA_2048');
    }
  });

  it('P-256, P-384 and P-521 keys come from WebCrypto (the platform’s constant-time code), secp256k1 from noble', async () => {
    const spy = vi.spyOn(crypto.subtle, 'generateKey');
    const curves: [AsymKeySpec, string | undefined][] = [
      ['EC_P256', 'P-256'],
      ['EC_P384', 'P-384'],
      ['ECC_NIST_P521', 'P-521'],
      ['SECP256K1', undefined],
    ];
    for (const [spec, namedCurve] of curves) {
      spy.mockClear();
      const kp = await generateAsymKeyPair(spec);
      const calls = spy.mock.calls.map(([alg]) => (alg as EcKeyGenParams).namedCurve);
      expect([spec, calls]).toEqual([spec, namedCurve ? [namedCurve] : []]);
      expect(createPublicKey({ key: Buffer.from(kp.publicKeySpki), format: 'der', type: 'spki' }).asymmetricKeyType).toBe('ec');
    }
  });
});

describe('SM2 keys (GM/T 0003.5 example key, cross-checked with node:crypto)', () => {
  // GM/T 0003.5-2012 appendix: the sm2p256v1 signing example's private key and public point.
  const d = hex('3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8');
  const point = hex(
    '04' + '09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020' + 'CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13',
  );

  it('our PKCS#8 loads in OpenSSL and gives our SPKI; OpenSSL’s SPKI round-trips; compressed points are accepted', () => {
    const spki = encodeSm2Spki(point);
    const p8 = encodeSm2Pkcs8(d);
    const priv = createPrivateKey({ key: Buffer.from(p8), format: 'der', type: 'pkcs8' });
    // OpenSSL computes the public key from our d: it is the GM/T point, in our SPKI encoding.
    expect(toHex(new Uint8Array(createPublicKey(priv).export({ format: 'der', type: 'spki' })))).toBe(toHex(spki));
    // And an SPKI that OpenSSL writes for its own SM2 key reads back to the same bytes.
    const theirs = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'SM2' }).publicKey.export({ format: 'der', type: 'spki' }));
    expect(toHex(encodeSm2Spki(parseSm2Spki(theirs)))).toBe(toHex(theirs));
    expect(toHex(parseSm2Spki(spki))).toBe(toHex(point));
    const compressed = Uint8Array.from([2 + (point[64] & 1), ...point.subarray(1, 33)]);
    expect(toHex(encodeSm2Spki(compressed))).toBe(toHex(spki));
    expect(toHex(parseSm2Spki(derSequence(derSequence(derOid(OID.ecPublicKey), derOid(SM2_CURVE_OID)), derBitString(compressed))))).toBe(toHex(point));
  });

  it('refuses other algorithms and curves, bad points, over-long input and bad scalars', () => {
    const spki = (alg: Uint8Array, p: Uint8Array = point) => derSequence(alg, derBitString(p));
    const off = point.slice();
    off[64] ^= 1;
    const rsa = rsaSpkiOf((1n << 2047n) + 1n, 65537n);
    expect(refusal(() => parseSm2Spki(rsa))).toBe('INVALID_KEY: not an EC public key');
    expect(refusal(() => parseSm2Spki(spki(ecAlg('P-256'))))).toBe('INVALID_KEY: not a key on the SM2 curve');
    expect(refusal(() => parseSm2Spki(spki(derSequence(derOid(OID.ecPublicKey), derOid(SM2_CURVE_OID)), off)))).toMatch(/^INVALID_KEY: invalid SM2 public point: \S/);
    expect(refusal(() => parseSm2Spki(hex('3000')))).toMatch(/^INVALID_KEY: malformed SM2 SubjectPublicKeyInfo: \S/);
    expect(refusal(() => parseSm2Spki('MFkw' as never))).toBe('INVALID_ARGUMENT: public key must be bytes');
    expect(refusal(() => parseSm2Spki(new Uint8Array(MAX_SPKI_BYTES + 1)))).toBe('INVALID_KEY: public key too long');
    expect(refusal(() => parseSm2Spki(new Uint8Array(MAX_SPKI_BYTES)))).toMatch(/^INVALID_KEY: malformed SM2 SubjectPublicKeyInfo/);
    expect(refusal(() => encodeSm2Spki(off))).toMatch(/^INVALID_KEY: invalid SM2 public point: \S/);
    expect(refusal(() => encodeSm2Pkcs8(d.subarray(1)))).toBe('INVALID_KEY: SM2 private key must be 32 bytes');
    expect(refusal(() => encodeSm2Pkcs8(Array.from(d) as never))).toBe('INVALID_KEY: SM2 private key must be 32 bytes');
    expect(refusal(() => encodeSm2Pkcs8(new Uint8Array(32)))).toMatch(/^INVALID_KEY: invalid SM2 private key: \S/);
  });
});
