// DER reader/writer, PEM and the SPKI / PKCS#8 key formats: positive cases against node:crypto's own
// encodings, negative cases for every leniency the parsers refuse.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DerError,
  DerReader,
  TAG,
  derBitString,
  derContext,
  derInteger,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derTlv,
  ecdsaDerToRaw,
  ecdsaRawToDer,
  parseDer,
  readBitStringOctets,
  readOid,
  readUnsignedInteger,
} from '../../src/crypto/asn1.ts';
import { AsymPrivateKey, AsymPublicKey } from '../../src/crypto/asym-handle.ts';
import {
  type AsymKeySpec,
  CURVES,
  MAX_PKCS8_BYTES,
  MAX_SPKI_BYTES,
  OID,
  encodeEcPkcs8,
  encodeEcSpki,
  encodeRsaSpki,
  parsePkcs8,
  parseSpki,
  spkiFromPrivateKey,
} from '../../src/crypto/asym-keys.ts';
import { checkPublicKey } from '../../src/crypto/asym.ts';
import { generateAsymKeyPair } from '../../src/crypto/keypair.ts';
import { pemDecode, pemEncode, publicKeyToPem } from '../../src/crypto/pem.ts';
import { fromBase64, toBase64 } from '../../src/crypto/encoding.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const b64uToBig = (s: string) => BigInt('0x' + Buffer.from(s, 'base64url').toString('hex'));
const der = (k: ReturnType<typeof createPublicKey>) => new Uint8Array(k.export({ format: 'der', type: 'spki' }));
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string; name?: string }).code ?? (e as Error).name;
  }
  return 'no error';
};

describe('DER reader', () => {
  it('reads short and long lengths exactly', () => {
    const long = new Uint8Array(300).fill(7);
    const el = parseDer(derOctetString(long));
    expect(el.value.length).toBe(300);
    expect(toHex(derOctetString(long).subarray(0, 4))).toBe('0482012c');
    expect(toHex(derOctetString(new Uint8Array(200)).subarray(0, 3))).toBe('0481c8');
  });

  it.each([
    ['indefinite length', '3080020101 0000'],
    ['long form for a short length', '048105 0102030405'],
    ['leading zero in long-form length', '04820005 0102030405'],
    ['length runs past the end', '0405 01020304'],
    ['missing length', '04'],
    ['empty input', ''],
    ['high tag number form', '1f2101 00'],
    ['trailing byte', '0500 00'],
    ['too-long length field', '0484 01000000'],
  ])('rejects %s', (_name, h) => {
    expect(() => parseDer(hex(h))).toThrow(DerError);
  });

  it('INTEGER: minimal, non-negative only', () => {
    expect(readUnsignedInteger(parseDer(hex('020100')))).toBe(0n);
    expect(readUnsignedInteger(parseDer(hex('02020080')))).toBe(128n);
    expect(readUnsignedInteger(parseDer(hex('02017f')))).toBe(127n);
    for (const bad of ['0200', '02020001', '020180', '0202ff80', '0203000080']) {
      expect([bad, code(() => readUnsignedInteger(parseDer(hex(bad))))]).toEqual([bad, 'DerError']);
    }
  });

  it('INTEGER writer is minimal', () => {
    expect(toHex(derInteger(0n))).toBe('020100');
    expect(toHex(derInteger(127))).toBe('02017f');
    expect(toHex(derInteger(128))).toBe('02020080');
    expect(toHex(derInteger(65537n))).toBe('0203010001');
    expect(toHex(derInteger(hex('000000ff')))).toBe('020200ff');
    expect(toHex(derInteger(hex('0000')))).toBe('020100');
    expect(() => derInteger(-1n)).toThrow(DerError);
  });

  it('OBJECT IDENTIFIER round trips and rejects non-minimal arcs', () => {
    expect(toHex(derOid(OID.rsaEncryption))).toBe('06092a864886f70d010101');
    expect(toHex(derOid('1.2.840.10045.3.1.7'))).toBe('06082a8648ce3d030107');
    for (const oid of [OID.rsaEncryption, OID.ecPublicKey, CURVES['P-384'].oid, CURVES.secp256k1.oid, '2.999.1', '0.39']) {
      expect(readOid(parseDer(derOid(oid)))).toBe(oid);
    }
    expect(() => readOid(parseDer(hex('0602 8001')))).toThrow(DerError);
    expect(() => readOid(parseDer(hex('0602 2a86')))).toThrow(DerError);
    expect(() => derOid('1.40')).toThrow(DerError);
    expect(() => derOid('1.02.3')).toThrow(DerError);
  });

  it('BIT STRING of octets must have zero unused bits; NULL must be empty', () => {
    expect(toHex(readBitStringOctets(parseDer(derBitString(hex('abcd')))))).toBe('abcd');
    expect(() => readBitStringOctets(parseDer(hex('030201ab')))).toThrow(DerError);
    expect(() => readBitStringOctets(parseDer(hex('0300')))).toThrow(DerError);
    expect(toHex(derNull())).toBe('0500');
  });

  it('SEQUENCE reader: wrong tags, missing and extra fields', () => {
    const seq = parseDer(derSequence(derInteger(1), derNull()));
    const rd = new DerReader(seq);
    expect(readUnsignedInteger(rd.next(TAG.INTEGER))).toBe(1n);
    expect(rd.optional(TAG.OCTET_STRING)).toBeUndefined();
    rd.next(TAG.NULL);
    rd.end();
    const rd2 = new DerReader(parseDer(derSequence(derInteger(1), derNull())));
    rd2.next(TAG.INTEGER);
    expect(() => rd2.end()).toThrow(DerError);
    expect(() => new DerReader(parseDer(derSequence(derNull()))).next(TAG.INTEGER)).toThrow(DerError);
    expect(() => new DerReader(parseDer(derSequence())).next(TAG.INTEGER)).toThrow(DerError);
    expect(() => new DerReader(parseDer(derOctetString(hex('00'))))).toThrow(DerError);
    expect(toHex(derContext(1, hex('0500')))).toBe('a1020500');
    expect(toHex(derContext(0, hex('01'), false))).toBe('800101');
    expect(() => derTlv(0x1f, new Uint8Array(0))).toThrow(DerError);
  });
});

describe('ECDSA-Sig-Value', () => {
  it('r‖s <-> DER with sign bytes and leading-zero stripping', () => {
    const raw = hex('00' + 'ff'.repeat(31) + '7f' + '00'.repeat(31));
    const d = ecdsaRawToDer(raw);
    expect(toHex(d)).toBe('3044' + '0220' + '00' + 'ff'.repeat(31) + '0220' + '7f' + '00'.repeat(31));
    expect(toHex(ecdsaDerToRaw(d, 32))).toBe(toHex(raw));
    const r = hex('80' + '11'.repeat(31));
    const s = hex('01');
    const d2 = ecdsaRawToDer(Uint8Array.from([...r, ...new Uint8Array(31), ...s]));
    expect(toHex(d2)).toBe('3026' + '022100' + toHex(r) + '020101');
    expect(toHex(ecdsaDerToRaw(d2, 32))).toBe(toHex(r) + '00'.repeat(31) + '01');
  });

  it('rejects zero, oversize and odd inputs', () => {
    expect(() => ecdsaDerToRaw(hex('3006 020100 020101'), 32)).toThrow(DerError);
    expect(() => ecdsaDerToRaw(derSequence(derInteger(new Uint8Array(33).fill(1)), derInteger(1)), 32)).toThrow(DerError);
    expect(() => ecdsaRawToDer(new Uint8Array(63))).toThrow(DerError);
  });
});

describe('PEM', () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = der(publicKey);

  it('encodes exactly like get-publickey: CRLF, 64-char lines, terminated END line', () => {
    const pem = publicKeyToPem(spki);
    expect(pem.startsWith('-----BEGIN PUBLIC KEY-----\r\n')).toBe(true);
    expect(pem.endsWith('\r\n-----END PUBLIC KEY-----\r\n')).toBe(true);
    const lines = pem.split('\r\n');
    expect(lines.slice(1, -3).every((l) => l.length === 64)).toBe(true);
    expect(lines.at(-1)).toBe('');
    expect(pem.replace(/\r\n/g, '')).not.toContain('\n');
    // OpenSSL writes the same PEM with LF endings.
    const nodePem = publicKey.export({ format: 'pem', type: 'spki' }) as string;
    expect(pem).toBe(nodePem.replace(/\n/g, '\r\n'));
    expect(publicKeyToPem(spki, { eol: '\n' })).toBe(nodePem);
  });

  it('decodes LF, CRLF and odd line lengths; rejects anything that changes meaning', () => {
    const pem = publicKeyToPem(spki);
    expect(pemDecode(pem, 'PUBLIC KEY')).toEqual(spki);
    expect(pemDecode(pem.replace(/\r\n/g, '\n'), 'PUBLIC KEY')).toEqual(spki);
    const body = toBase64(spki);
    expect(pemDecode(`\n  -----BEGIN PUBLIC KEY-----\n${body.slice(0, 10)}\n${body.slice(10)}\n-----END PUBLIC KEY-----`, 'PUBLIC KEY')).toEqual(spki);
    const bad: [string, string][] = [
      ['wrong label', pem.replace(/PUBLIC KEY/g, 'RSA PUBLIC KEY')],
      ['mismatched END', pem.replace('END PUBLIC KEY', 'END PRIVATE KEY')],
      ['two blocks', pem + pem],
      ['header', pem.replace('-----\r\n', '-----\r\nProc-Type: 4,ENCRYPTED\r\n\r\n')],
      ['bad character', pem.replace(/\r\n(.)/, '\r\n*')],
      ['non-canonical padding bits', '-----BEGIN PUBLIC KEY-----\nQR==\n-----END PUBLIC KEY-----\n'],
      ['missing padding', '-----BEGIN PUBLIC KEY-----\nQQ\n-----END PUBLIC KEY-----\n'],
      ['empty body', '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n'],
      ['no PEM', 'hello'],
    ];
    for (const [name, text] of bad) expect([name, code(() => pemDecode(text, 'PUBLIC KEY'))]).toEqual([name, 'PemError']);
    expect(toHex(pemDecode('-----BEGIN PUBLIC KEY-----\nQQ==\n-----END PUBLIC KEY-----\n', 'PUBLIC KEY'))).toBe('41');
    expect(toHex(fromBase64(toBase64(spki)))).toBe(toHex(spki));
    expect(() => pemEncode('bad\nlabel', spki)).toThrow();
  });
});

describe('SPKI / PKCS#8 against node:crypto', () => {
  it('RSA: parses node keys to the same numbers and re-encodes byte-identically', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = privateKey.export({ format: 'jwk' });
    const priv = parsePkcs8(new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })));
    if (priv.kind !== 'rsa') throw new Error('expected RSA');
    for (const f of ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const) expect(priv[f]).toBe(b64uToBig(jwk[f]!));
    expect(priv.bits).toBe(2048);
    expect(priv.byteLength).toBe(256);
    expect(spkiFromPrivateKey(priv)).toEqual(der(publicKey));
    expect(encodeRsaSpki(priv.n, priv.e)).toEqual(der(publicKey));
    const pub = parseSpki(der(publicKey));
    expect(pub).toMatchObject({ kind: 'rsa', n: priv.n, e: 65537n, bits: 2048 });
  });

  it.each(['P-256', 'P-384', 'P-521', 'secp256k1'] as const)('%s: parses node keys; our PKCS#8 / SPKI load in node', (curve) => {
    const nodeCurve = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1', secp256k1: 'secp256k1' }[curve];
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: nodeCurve });
    const jwk = privateKey.export({ format: 'jwk' });
    const priv = parsePkcs8(new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })));
    if (priv.kind !== 'ec') throw new Error('expected EC');
    expect(priv.curve).toBe(curve);
    expect(toHex(priv.d)).toBe(Buffer.from(jwk.d!, 'base64url').toString('hex'));
    expect(toHex(priv.point)).toBe('04' + Buffer.from(jwk.x!, 'base64url').toString('hex') + Buffer.from(jwk.y!, 'base64url').toString('hex'));
    expect(spkiFromPrivateKey(priv)).toEqual(der(publicKey));
    // Compressed points are accepted on input and normalised to uncompressed.
    const compressed = CURVES[curve].noble.Point.fromBytes(priv.point).toBytes(true);
    expect(parseSpki(derSequence(derSequence(derOid(OID.ecPublicKey), derOid(CURVES[curve].oid)), derBitString(compressed)))).toMatchObject({ point: priv.point });
    // Our PKCS#8 encoding loads in OpenSSL and means the same key.
    const ours = encodeEcPkcs8(curve, priv.d);
    const reloaded = createPrivateKey({ key: Buffer.from(ours), format: 'der', type: 'pkcs8' });
    expect(reloaded.export({ format: 'jwk' }).d).toBe(jwk.d);
    expect(createPublicKey({ key: Buffer.from(encodeEcSpki(curve, priv.point)), format: 'der', type: 'spki' }).export({ format: 'jwk' }).x).toBe(jwk.x);
  });

  it('the secp256k1 scalar from Huawei DEW FAQ dew_01_0472 becomes a PKCS#8 key OpenSSL accepts', () => {
    const d = hex('DC23DA6E913444ABADCE2F42A3B7DC3958569948633EE80AEC46ACCA02523495');
    const p8 = encodeEcPkcs8('secp256k1', d);
    const k = createPrivateKey({ key: Buffer.from(p8), format: 'der', type: 'pkcs8' });
    expect(k.asymmetricKeyDetails?.namedCurve).toBe('secp256k1');
    expect(Buffer.from(k.export({ format: 'jwk' }).d!, 'base64url').toString('hex')).toBe(toHex(d).toLowerCase());
  });

  it('OneAsymmetricKey (v2) with a public key field: matching accepted, mismatching refused', () => {
    const d = CURVES['P-256'].noble.utils.randomSecretKey();
    const point = CURVES['P-256'].noble.getPublicKey(d, false);
    const other = CURVES['P-256'].noble.getPublicKey(CURVES['P-256'].noble.utils.randomSecretKey(), false);
    const alg = derSequence(derOid(OID.ecPublicKey), derOid(CURVES['P-256'].oid));
    const inner = derOctetString(derSequence(derInteger(1), derOctetString(d)));
    const v2 = (pub: Uint8Array) => derSequence(derInteger(1), alg, inner, derTlv(0x81, Uint8Array.from([0, ...pub])));
    expect(parsePkcs8(v2(point))).toMatchObject({ kind: 'ec', curve: 'P-256', point });
    expect(code(() => parsePkcs8(v2(other)))).toBe('INVALID_KEY');
    // Version 0 must not carry the v2-only field.
    expect(code(() => parsePkcs8(derSequence(derInteger(0), alg, inner, derTlv(0x81, Uint8Array.from([0, ...point])))))).toBe('INVALID_KEY');
  });
});

describe('key parsing refuses bad keys', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaP8 = new Uint8Array(rsa.privateKey.export({ format: 'der', type: 'pkcs8' }));
  const rsaJwk = rsa.privateKey.export({ format: 'jwk' });
  const big = (f: string) => b64uToBig(f);
  const rsaAlg = derSequence(derOid(OID.rsaEncryption), derNull());
  const rsaP8From = (fields: bigint[], version = 0) =>
    derSequence(derInteger(0), rsaAlg, derOctetString(derSequence(derInteger(version), ...fields.map((f) => derInteger(f)))));
  const fields = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'].map((f) => big((rsaJwk as Record<string, string>)[f]));

  it('the unmodified reconstruction parses (control)', () => {
    expect(parsePkcs8(rsaP8From(fields))).toMatchObject({ kind: 'rsa', bits: 2048 });
    expect(toHex(rsaP8From(fields))).toBe(toHex(rsaP8));
  });

  it.each([
    ['n != p*q', 0, (x: bigint) => x + 2n],
    ['wrong d', 2, (x: bigint) => x + 2n],
    ['wrong dp', 5, (x: bigint) => x + 2n],
    ['wrong dq', 6, (x: bigint) => x - 2n],
    ['wrong qi', 7, (x: bigint) => x + 1n],
    ['e = 3', 1, () => 3n],
    ['even e', 1, () => 65538n],
  ] as const)('RSA: %s', (_name, idx, f) => {
    const bad = fields.slice();
    bad[idx] = f(bad[idx]);
    expect(code(() => parsePkcs8(rsaP8From(bad)))).toBe('INVALID_KEY');
  });

  it('RSA: OneAsymmetricKey public key field must match', () => {
    const inner = parseDer(rsaP8).value;
    const rd = new DerReader(parseDer(rsaP8));
    rd.next(TAG.INTEGER);
    rd.next(TAG.SEQUENCE);
    const rsaPrivateKey = rd.next(TAG.OCTET_STRING).raw;
    expect(inner.length).toBeGreaterThan(rsaPrivateKey.length);
    const v2 = (n: bigint) => derSequence(derInteger(1), rsaAlg, rsaPrivateKey, derTlv(0x81, Uint8Array.from([0, ...derSequence(derInteger(n), derInteger(65537))])));
    expect(parsePkcs8(v2(fields[0]))).toMatchObject({ kind: 'rsa', n: fields[0] });
    expect(code(() => parsePkcs8(v2(fields[0] + 2n)))).toBe('INVALID_KEY');
  });

  it('RSA: multi-prime, trailing bytes, missing NULL (PKCS#8 and SPKI), wrong version', () => {
    expect(code(() => parsePkcs8(rsaP8From(fields, 1)))).toBe('UNSUPPORTED');
    expect(code(() => parsePkcs8(Uint8Array.from([...rsaP8, 0])))).toBe('INVALID_KEY');
    // The same key with and without the NULL after rsaEncryption: only the NULL differs.
    const inner = derSequence(derInteger(0), ...fields.map((f) => derInteger(f)));
    expect(parsePkcs8(derSequence(derInteger(0), rsaAlg, derOctetString(inner)))).toMatchObject({ kind: 'rsa', bits: 2048 });
    const noNull = derSequence(derInteger(0), derSequence(derOid(OID.rsaEncryption)), derOctetString(inner));
    expect(code(() => parsePkcs8(noNull))).toBe('INVALID_KEY');
    const spkiBody = derBitString(derSequence(derInteger(fields[0]), derInteger(fields[1])));
    expect(parseSpki(derSequence(rsaAlg, spkiBody))).toMatchObject({ kind: 'rsa', bits: 2048 });
    expect(code(() => parseSpki(derSequence(derSequence(derOid(OID.rsaEncryption)), spkiBody)))).toBe('INVALID_KEY');
    const v2 = rsaP8.slice();
    v2[6] = 2; // PrivateKeyInfo version 2
    expect(code(() => parsePkcs8(v2))).toBe('INVALID_KEY');
  });

  it('refuses keys over the size limits before parsing them, and only those', () => {
    const message = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return `${(e as { code?: string }).code}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    // A well-formed PKCS#8 key that the parser would accept but for its length: a 2048-bit key with an
    // attributes field ([0], ignored by the parser) padding it past the limit.
    const inner = derOctetString(derSequence(derInteger(0), ...fields.map((f) => derInteger(f))));
    const padded = (total: number) => {
      const head = derSequence(derInteger(0), rsaAlg, inner, derContext(0, new Uint8Array(0)));
      const pad = total - head.length - 2; // the [0] length takes 2 more bytes once past 255
      return derSequence(derInteger(0), rsaAlg, inner, derContext(0, new Uint8Array(pad)));
    };
    expect(padded(MAX_PKCS8_BYTES).length).toBe(MAX_PKCS8_BYTES);
    expect(parsePkcs8(padded(MAX_PKCS8_BYTES))).toMatchObject({ kind: 'rsa', bits: 2048 });
    expect(padded(MAX_PKCS8_BYTES + 1).length).toBe(MAX_PKCS8_BYTES + 1);
    expect(message(() => parsePkcs8(padded(MAX_PKCS8_BYTES + 1)))).toBe('INVALID_KEY: private key too long');
    // No valid SPKI reaches 1 KiB, so the limit is seen by what is refused: too long, not malformed.
    expect(message(() => parseSpki(new Uint8Array(MAX_SPKI_BYTES + 1)))).toBe('INVALID_KEY: public key too long');
    expect(message(() => parseSpki(new Uint8Array(MAX_SPKI_BYTES)))).not.toMatch(/too long/);
    expect(message(() => parsePkcs8(new Uint8Array(MAX_PKCS8_BYTES)))).not.toMatch(/too long/);
  });

  it('RSA public keys: size and exponent bounds', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 768 }).publicKey;
    expect(code(() => parseSpki(der(small)))).toBe('INVALID_KEY');
    const e3 = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }).publicKey;
    expect(code(() => parseSpki(der(e3)))).toBe('INVALID_KEY');
    const n = big(rsaJwk.n!);
    expect(code(() => encodeRsaSpki(n, 3n))).toBe('INVALID_KEY');
    expect(code(() => encodeRsaSpki(n + 1n, 65537n))).toBe('INVALID_KEY'); // even modulus
  });

  it('EC: explicit parameters, unknown curve, off-curve point, identity, scalar out of range', () => {
    const ecPub = (param: Uint8Array, point: Uint8Array) => derSequence(derSequence(derOid(OID.ecPublicKey), param), derBitString(point));
    const pt = CURVES['P-256'].noble.getPublicKey(CURVES['P-256'].noble.utils.randomSecretKey(), false);
    expect(code(() => parseSpki(ecPub(derSequence(derInteger(1)), pt)))).toBe('UNSUPPORTED');
    expect(code(() => parseSpki(ecPub(derOid('1.3.132.0.33'), pt)))).toBe('UNSUPPORTED'); // P-224
    const off = pt.slice();
    off[64] ^= 1;
    expect(code(() => parseSpki(ecPub(derOid(CURVES['P-256'].oid), off)))).toBe('INVALID_KEY');
    expect(code(() => parseSpki(ecPub(derOid(CURVES['P-256'].oid), Uint8Array.of(0))))).toBe('INVALID_KEY');
    expect(code(() => parseSpki(ecPub(derOid(CURVES['P-384'].oid), pt)))).toBe('INVALID_KEY'); // P-256 point, P-384 OID
    const n = CURVES['P-256'].noble.Point.Fn.ORDER;
    expect(code(() => encodeEcPkcs8('P-256', hex(n.toString(16))))).toBe('INVALID_KEY');
    expect(code(() => encodeEcPkcs8('P-256', new Uint8Array(32)))).toBe('INVALID_KEY');
    const ed = generateKeyPairSync('ed25519').publicKey;
    expect(code(() => parseSpki(der(ed)))).toBe('UNSUPPORTED');
  });

  it('EC: ECPrivateKey whose embedded public key or curve does not match', () => {
    const c = CURVES['P-384'];
    const d = c.noble.utils.randomSecretKey();
    const other = c.noble.getPublicKey(c.noble.utils.randomSecretKey(), false);
    const alg = derSequence(derOid(OID.ecPublicKey), derOid(c.oid));
    const wrap = (inner: Uint8Array) => derSequence(derInteger(0), alg, derOctetString(inner));
    expect(code(() => parsePkcs8(wrap(derSequence(derInteger(1), derOctetString(d), derContext(1, derBitString(other))))))).toBe('INVALID_KEY');
    expect(code(() => parsePkcs8(wrap(derSequence(derInteger(1), derOctetString(d), derContext(0, derOid(CURVES['P-256'].oid))))))).toBe('INVALID_KEY');
    expect(code(() => parsePkcs8(wrap(derSequence(derInteger(0), derOctetString(d)))))).toBe('INVALID_KEY');
    expect(code(() => parsePkcs8(wrap(derSequence(derInteger(1), derOctetString(new Uint8Array(49).fill(1))))))).toBe('INVALID_KEY');
    // A scalar with its leading zero dropped is padded back, not refused.
    const short = d.slice();
    short[0] = 0;
    const info = parsePkcs8(wrap(derSequence(derInteger(1), derOctetString(short.subarray(1)))));
    expect(info).toMatchObject({ kind: 'ec', curve: 'P-384', d: short });
  });

  it('spec matching: keys must be exactly the requested spec', async () => {
    const kp = await generateAsymKeyPair('EC_P256');
    expect(code(() => AsymPrivateKey.fromPkcs8(kp.privateKeyPkcs8, 'EC_P384'))).toBe('INVALID_KEY');
    expect(code(() => AsymPublicKey.fromSpki(kp.publicKeySpki, 'RSA_2048'))).toBe('INVALID_KEY');
    expect(code(() => AsymPublicKey.fromSpki(der(rsa.publicKey), 'RSA_3072'))).toBe('INVALID_KEY');
    expect(AsymPublicKey.fromSpki(kp.publicKeySpki, 'ECC_NIST_P256').info.kind).toBe('ec');
    expect(code(() => checkPublicKey(new Uint8Array(0)))).toBe('INVALID_KEY');
    expect(code(() => checkPublicKey(new Uint8Array(1025)))).toBe('INVALID_KEY');
    expect(code(() => AsymPublicKey.fromPem('-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n'))).toBe('INVALID_KEY');
    expect(code(() => AsymPublicKey.fromSpki(kp.publicKeySpki, 'SM2' as AsymKeySpec))).toBe('UNSUPPORTED');
  });
});

describe('key pair generation', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(['RSA_2048', 'EC_P256', 'EC_P384', 'SECP256K1', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1'] as const)(
    '%s: PKCS#8 and SPKI load in node:crypto and belong together',
    async (spec) => {
      const kp = await generateAsymKeyPair(spec);
      const priv = createPrivateKey({ key: Buffer.from(kp.privateKeyPkcs8), format: 'der', type: 'pkcs8' });
      const pub = createPublicKey({ key: Buffer.from(kp.publicKeySpki), format: 'der', type: 'spki' });
      expect(der(createPublicKey(priv))).toEqual(kp.publicKeySpki);
      expect(pub.asymmetricKeyType).toBe(spec.startsWith('RSA') ? 'rsa' : 'ec');
      if (spec === 'RSA_2048') expect(pub.asymmetricKeyDetails).toMatchObject({ modulusLength: 2048, publicExponent: 65537n });
      AsymPrivateKey.fromPkcs8(kp.privateKeyPkcs8, spec).dispose();
    },
  );

  it('falls back to @noble/curves when WebCrypto lacks a curve', async () => {
    const spy = vi.spyOn(crypto.subtle, 'generateKey').mockRejectedValue(new DOMException('no such curve', 'NotSupportedError'));
    const kp = await generateAsymKeyPair('ECC_NIST_P521');
    expect(spy).toHaveBeenCalled();
    const priv = createPrivateKey({ key: Buffer.from(kp.privateKeyPkcs8), format: 'der', type: 'pkcs8' });
    expect(priv.asymmetricKeyDetails?.namedCurve).toBe('secp521r1');
    expect(der(createPublicKey(priv))).toEqual(kp.publicKeySpki);
  });

  it('does not mask real WebCrypto failures', async () => {
    vi.spyOn(crypto.subtle, 'generateKey').mockRejectedValue(new DOMException('boom', 'OperationError'));
    await expect(generateAsymKeyPair('EC_P256')).rejects.toThrow('boom');
  });

  it('dispose() zeroes the handle’s copies and makes it unusable', async () => {
    const kp = await generateAsymKeyPair('EC_P256');
    const h = AsymPrivateKey.fromPkcs8(kp.privateKeyPkcs8);
    const info = h.info;
    if (info.kind !== 'ec') throw new Error('expected EC');
    h.dispose();
    expect(info.d.every((b) => b === 0)).toBe(true);
    expect(code(() => h.info)).toBe('INVALID_ARGUMENT');
    expect(kp.privateKeyPkcs8.some((b) => b !== 0)).toBe(true); // the caller's buffer is the caller's
  });
});
