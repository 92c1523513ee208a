// DER and PEM, for any input: what the encoders write, the parsers read back unchanged; anything else the
// parsers are given is either read or refused with their own error, never misread or crashed on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DerError,
  MAX_DER_LENGTH,
  TAG,
  derInteger,
  derOctetString,
  derOid,
  ecdsaDerToRaw,
  ecdsaRawToDer,
  parseDer,
  readOctetString,
  readOid,
  readUnsignedInteger,
} from '../../src/crypto/asn1.ts';
import { PemError, pemDecode, pemEncode } from '../../src/crypto/pem.ts';
import { property } from '../helpers/property.ts';

const bigHex = (v: bigint) => {
  const h = v.toString(16);
  return h.length % 2 ? '0' + h : h;
};

describe('DER properties', () => {
  it('INTEGER: any non-negative value round-trips through its minimal two’s-complement encoding', async () => {
    await property(
      'der integer',
      fc.property(fc.bigInt({ min: 0n, max: (1n << 4200n) - 1n }), (v) => {
        const der = derInteger(v);
        expect(readUnsignedInteger(parseDer(der, TAG.INTEGER))).toBe(v);
        // Independent encoding: big-endian magnitude, one 0x00 in front when the top bit is set.
        let content = bigHex(v);
        if (parseInt(content.slice(0, 2), 16) >= 0x80) content = '00' + content;
        expect(Buffer.from(parseDer(der).value).toString('hex')).toBe(content);
      }),
    );
  });

  it('OCTET STRING: any content up to the length limit round-trips; truncated or extended input is refused', async () => {
    await property(
      'der octet string',
      fc.property(fc.uint8Array({ maxLength: 70_000 }), fc.nat(), (bytes, cut) => {
        if (bytes.length > MAX_DER_LENGTH) {
          expect(() => parseDer(derOctetString(bytes))).toThrow(DerError);
          return;
        }
        const der = derOctetString(bytes);
        expect(Buffer.from(readOctetString(parseDer(der, TAG.OCTET_STRING))).equals(Buffer.from(bytes))).toBe(true);
        expect(() => parseDer(der.subarray(0, cut % der.length))).toThrow(DerError);
        expect(() => parseDer(Uint8Array.from([...der, 0]))).toThrow(DerError);
      }),
      60,
    );
  });

  it('OBJECT IDENTIFIER: any arcs round-trip', async () => {
    const arcs = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 12 }));
    await property(
      'der oid',
      fc.property(arcs, ([a, b, rest]) => {
        const oid = [a, b, ...rest].join('.');
        expect(readOid(parseDer(derOid(oid), TAG.OID))).toBe(oid);
      }),
    );
  });

  it('any bytes are parsed or refused with DerError, and what parses is re-read identically', async () => {
    await property(
      'der arbitrary bytes',
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        let el;
        try {
          el = parseDer(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(DerError);
          return;
        }
        expect(el.raw.length).toBe(bytes.length);
        expect(bytes.subarray(bytes.length - el.value.length)).toEqual(el.value);
      }),
      1000,
    );
  });

  it('ECDSA signatures: raw r‖s ↔ DER round-trips for any non-zero r and s', async () => {
    const half = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((b) => b.some((x) => x !== 0));
    await property(
      'ecdsa raw der',
      fc.property(half, half, (r, s) => {
        const raw = Uint8Array.from([...r, ...s]);
        expect(ecdsaDerToRaw(ecdsaRawToDer(raw), 32)).toEqual(raw);
      }),
    );
  });
});

describe('PEM properties', () => {
  it('any DER round-trips with either line ending, and any one changed body character is refused or reads differently', async () => {
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    await property(
      'pem',
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), fc.constantFrom('\r\n' as const, '\n' as const), fc.nat(), fc.nat(), (der, eol, at, to) => {
        const pem = pemEncode('PUBLIC KEY', der, { eol });
        expect(pemDecode(pem, 'PUBLIC KEY')).toEqual(der);
        const body = pem.indexOf(eol) + eol.length;
        const bodyEnd = pem.indexOf('-----END');
        const positions = [...pem.slice(body, bodyEnd)].map((c, i) => (B64.includes(c) ? body + i : -1)).filter((i) => i >= 0);
        const i = positions[at % positions.length];
        const c = B64[to % B64.length] === pem[i] ? B64[(to + 1) % B64.length] : B64[to % B64.length];
        const changed = pem.slice(0, i) + c + pem.slice(i + 1);
        try {
          expect(Buffer.from(pemDecode(changed, 'PUBLIC KEY')).equals(Buffer.from(der))).toBe(false);
        } catch (e) {
          expect(e).toBeInstanceOf(PemError);
        }
      }),
    );
  });
});
