// The DER reader and writers on their boundaries, each refusal with the message that names it: the other
// DER tests check that bad keys fail, these check that each rule of the reader is the one that fails them.
import { describe, expect, it } from 'vitest';
import {
  DerError,
  DerReader,
  MAX_DER_LENGTH,
  TAG,
  contextTag,
  derBitString,
  derContext,
  derInteger,
  derNull,
  derOid,
  derSequence,
  derTlv,
  ecdsaDerToRaw,
  ecdsaRawToDer,
  parseDer,
  readBitStringOctets,
  readElement,
  readNull,
  readOctetString,
  readOid,
  readSmallInteger,
  readUnsignedInteger,
  readUnsignedIntegerBytes,
} from '../../src/crypto/asn1.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The DerError message a call throws (fails the test if it throws anything else or nothing). */
function derError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DerError);
    expect((e as DerError).name).toBe('DerError');
    return (e as Error).message;
  }
  throw new Error('expected a DerError');
}

describe('readElement / parseDer', () => {
  it('refuses each malformed TLV with the rule it breaks', () => {
    const cases: [string, string, string | RegExp][] = [
      ['', 'empty input', 'unexpected end of DER input'],
      ['1f0100', 'high tag number', 'high-tag-number form is not supported'],
      ['04', 'no length', 'missing DER length'],
      ['0480', 'indefinite length', 'indefinite length is not DER'],
      ['04840000000100', 'four length octets', 'DER length field too large'],
      ['0482 01', 'length octets cut short', 'truncated DER length'],
      ['0482 0080' + '00'.repeat(128), 'leading zero in the length', 'non-minimal DER length (leading zero)'],
      ['0481 7f' + '00'.repeat(127), 'long form for a short length', 'non-minimal DER length (long form for a short length)'],
      ['0483 010001' + '', 'over the element limit', 'DER element too long'],
      ['0403 0000', 'content cut short', 'DER element runs past the end of its input'],
      ['0401 00 00', 'trailing byte', 'trailing bytes after DER element'],
    ];
    for (const [input, name, message] of cases) expect(derError(() => parseDer(hex(input))), name).toBe(message);
  });

  it('reads the longest lengths it allows, and one byte past the input end is refused', () => {
    expect(parseDer(hex('0481 80' + '00'.repeat(128))).value.length).toBe(128);
    const max = Uint8Array.from([0x04, 0x83, 0x01, 0x00, 0x00, ...new Uint8Array(MAX_DER_LENGTH)]);
    expect(parseDer(max).value.length).toBe(MAX_DER_LENGTH);
    const { el, next } = readElement(hex('0401aa 0500'), 3);
    expect([el.tag, el.value.length, next]).toEqual([TAG.NULL, 0, 5]);
    expect(derError(() => readElement(hex('0500'), 2))).toBe('unexpected end of DER input');
    expect(derError(() => parseDer(hex('0500'), TAG.INTEGER))).toBe('unexpected DER tag 0x05 (expected 0x02)');
  });
});

describe('DerReader', () => {
  it('walks a SEQUENCE, takes OPTIONAL fields, and refuses the wrong tag, a primitive parent and extra fields', () => {
    const seq = parseDer(derSequence(derInteger(1), derContext(0, derNull()), derNull()));
    const rd = new DerReader(seq);
    expect(readUnsignedInteger(rd.next(TAG.INTEGER))).toBe(1n);
    expect(rd.optional(contextTag(1))).toBeUndefined();
    expect(rd.optional(contextTag(0))?.value).toEqual(derNull());
    expect(rd.done).toBe(false);
    expect(derError(() => new DerReader(seq).next(TAG.NULL))).toBe('unexpected DER tag 0x02 (expected 0x05)');
    expect(derError(() => rd.end())).toBe('unexpected extra fields in DER SEQUENCE');
    readNull(rd.next(TAG.NULL));
    expect(rd.optional(TAG.NULL)).toBeUndefined();
    expect(rd.done).toBe(true);
    rd.end();
    expect(derError(() => new DerReader(seq, TAG.OCTET_STRING))).toBe('unexpected DER tag 0x30 (expected 0x04)');
    // Tag 0x10 is SEQUENCE's number without the constructed bit.
    expect(derError(() => new DerReader(parseDer(hex('1000')), 0x10))).toBe('element is not constructed');
  });
});

describe('primitive readers', () => {
  it('INTEGER: unsigned, minimal, non-empty', () => {
    expect(toHex(readUnsignedIntegerBytes(parseDer(hex('0201 00'))))).toBe('00');
    expect(toHex(readUnsignedIntegerBytes(parseDer(hex('0202 0080'))))).toBe('80');
    expect(toHex(readUnsignedIntegerBytes(parseDer(hex('0201 7f'))))).toBe('7f');
    expect(derError(() => readUnsignedIntegerBytes(parseDer(hex('0200'))))).toBe('empty INTEGER');
    expect(derError(() => readUnsignedIntegerBytes(parseDer(hex('0201 80'))))).toBe('negative INTEGER where an unsigned value is required');
    expect(derError(() => readUnsignedIntegerBytes(parseDer(hex('0202 0001'))))).toBe('non-minimal INTEGER encoding');
    expect(derError(() => readUnsignedIntegerBytes(parseDer(hex('0401 01'))))).toBe('unexpected DER tag 0x04 (expected 0x02)');
    expect(readSmallInteger(parseDer(derInteger(0xffff)))).toBe(0xffff);
    expect(derError(() => readSmallInteger(parseDer(derInteger(0x10000))))).toBe('INTEGER too large for a version field');
  });

  it('NULL, OCTET STRING, BIT STRING', () => {
    expect(readNull(parseDer(hex('0500')))).toBeUndefined();
    expect(derError(() => readNull(parseDer(hex('0501 00'))))).toBe('NULL with content');
    expect(derError(() => readNull(parseDer(hex('0400'))))).toBe('unexpected DER tag 0x04 (expected 0x05)');
    expect(derError(() => readOctetString(parseDer(hex('0500'))))).toBe('unexpected DER tag 0x05 (expected 0x04)');
    expect(toHex(readBitStringOctets(parseDer(hex('0303 00abcd'))))).toBe('abcd');
    expect(derError(() => readBitStringOctets(parseDer(hex('0300'))))).toBe('BIT STRING without unused-bits octet');
    expect(derError(() => readBitStringOctets(parseDer(hex('0302 01ab'))))).toBe('BIT STRING with unused bits where octets are required');
    expect(derError(() => readBitStringOctets(parseDer(hex('0401 00'))))).toBe('unexpected DER tag 0x04 (expected 0x03)');
  });

  it('OBJECT IDENTIFIER: each arc form, and each malformed encoding', () => {
    expect(readOid(parseDer(hex('0603 2a8648')))).toBe('1.2.840');
    expect(readOid(parseDer(hex('0601 27')))).toBe('0.39');
    expect(readOid(parseDer(hex('0601 28')))).toBe('1.0');
    expect(readOid(parseDer(hex('0601 4f')))).toBe('1.39');
    expect(readOid(parseDer(hex('0601 50')))).toBe('2.0');
    expect(readOid(parseDer(hex('0602 8100')))).toBe('2.48');
    // Arcs up to the largest that fits: 2^46 - 1 needs 7 septets; 2^53 would not.
    expect(readOid(parseDer(derOid(`1.2.${2 ** 46 - 1}`)))).toBe(`1.2.${2 ** 46 - 1}`);
    expect(derError(() => readOid(parseDer(hex('0600'))))).toBe('empty OBJECT IDENTIFIER');
    expect(derError(() => readOid(parseDer(hex('0602 2a86'))))).toBe('truncated OBJECT IDENTIFIER');
    expect(derError(() => readOid(parseDer(hex('0603 2a8001'))))).toBe('non-minimal OBJECT IDENTIFIER arc');
    // An arc of 2^56 - 1 (8 septets): past 2^53 / 128 before its last septet, so refused rather than misread.
    expect(derError(() => readOid(parseDer(hex('0609 2a ffffffffffffff7f'))))).toBe('OBJECT IDENTIFIER arc too large');
    expect(derError(() => readOid(parseDer(hex('0500'))))).toBe('unexpected DER tag 0x05 (expected 0x06)');
  });
});

describe('writers', () => {
  it('lengths in the shortest form, at every boundary', () => {
    const lengthOf = (n: number) => toHex(derTlv(TAG.OCTET_STRING, new Uint8Array(n)).subarray(1, n < 0x80 ? 2 : n < 0x100 ? 3 : n < 0x10000 ? 4 : 5));
    expect([0, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000].map(lengthOf)).toEqual(['00', '7f', '8180', '81ff', '820100', '82ffff', '83010000']);
    expect(derError(() => derTlv(TAG.OCTET_STRING, new Uint8Array(MAX_DER_LENGTH + 1)))).toBe('DER length out of range');
    expect(derError(() => derTlv(0x1f, new Uint8Array(0)))).toBe('high-tag-number form is not supported');
  });

  it('INTEGER from bigint, number or bytes; NULL; BIT STRING; context tags', () => {
    expect(toHex(derInteger(0))).toBe('020100');
    expect(toHex(derInteger(0x80))).toBe('02020080');
    expect(toHex(derInteger(0x1234n))).toBe('02021234');
    expect(toHex(derInteger(hex('000080')))).toBe('02020080');
    expect(toHex(derInteger(hex('0000')))).toBe('020100');
    expect(toHex(derInteger(new Uint8Array(0)))).toBe('020100');
    expect(derError(() => derInteger(-1n))).toBe('negative INTEGER not supported');
    expect(toHex(derNull())).toBe('0500');
    expect(toHex(derBitString(hex('ab')))).toBe('030200ab');
    expect([contextTag(0), contextTag(0, false), contextTag(30)]).toEqual([0xa0, 0x80, 0xbe]);
    expect(toHex(derContext(1, hex('05')))).toBe('a10105');
    expect(toHex(derContext(1, hex('05'), false))).toBe('810105');
    for (const n of [-1, 31, 1.5]) expect(derError(() => contextTag(n))).toBe(`context tag [${n}] out of range`);
  });

  it('OBJECT IDENTIFIER: valid forms encode, malformed ones are refused naming the OID', () => {
    expect(toHex(derOid('1.2.840.113549.1.1.1'))).toBe('06092a864886f70d010101');
    expect(toHex(derOid('2.999'))).toBe('06028837');
    expect(toHex(derOid('0.39'))).toBe('060127');
    for (const bad of ['1', '3.1', '0.40', '1.40']) expect(derError(() => derOid(bad))).toBe(`bad OID ${bad}`);
    for (const bad of ['1.02', '1.-2', '1.2.x', '1..2']) expect(derError(() => derOid(bad))).toBe(`bad OID arc in ${bad}`);
  });

  it('ECDSA signatures: r‖s of even non-zero length; each half at most the curve size and not zero', () => {
    const raw = Uint8Array.from([...new Uint8Array(31), 1, 0x80, ...new Uint8Array(31)]);
    expect(toHex(ecdsaRawToDer(raw))).toBe('3026' + '020101' + '022100' + '80' + '00'.repeat(31));
    expect(ecdsaDerToRaw(ecdsaRawToDer(raw), 32)).toEqual(raw);
    for (const n of [0, 63]) expect(derError(() => ecdsaRawToDer(new Uint8Array(n)))).toBe('r‖s signature must have an even, non-zero length');
    expect(ecdsaRawToDer(new Uint8Array(2)).length).toBe(8);
    const big = derSequence(derInteger(Uint8Array.from([1, ...new Uint8Array(32)])), derInteger(1));
    expect(derError(() => ecdsaDerToRaw(big, 32))).toBe('ECDSA signature component too large');
    expect(derError(() => ecdsaDerToRaw(derSequence(derInteger(1), derInteger(0)), 32))).toBe('ECDSA signature component is zero');
    expect(derError(() => ecdsaDerToRaw(derSequence(derInteger(0), derInteger(1)), 32))).toBe('ECDSA signature component is zero');
    expect(derError(() => ecdsaDerToRaw(derSequence(derInteger(1), derInteger(1), derNull()), 32))).toBe('unexpected extra fields in DER SEQUENCE');
  });
});
