// The byte helpers the blob format and the field rules build on, against the web platform's own
// encoders: TextEncoder for UTF-8 lengths, DataView for big-endian integers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lengthPrefixed, putU32be, u32be, utf8Length } from '../../src/crypto/bytes.ts';

const dataViewU32 = (n: number) => {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n >>> 0, false);
  return out;
};

describe('byte helpers', () => {
  it('utf8Length is the length TextEncoder writes: ASCII, 2-, 3- and 4-byte characters, lone and paired surrogates', () => {
    for (const s of ['', 'a', 'é', 'ключ', '€', '密钥', '😀', 'a😀b', '\ud800', '\udc00', '\ud800a', '\udc00\ud800', '\ud83d\ude00\ud83d']) {
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), fc.string({ unit: 'grapheme', maxLength: 16 }), (a, b) => {
        expect(utf8Length(a)).toBe(new TextEncoder().encode(a).length);
        expect(utf8Length(b)).toBe(new TextEncoder().encode(b).length);
      }),
    );
  });

  it('u32be, putU32be and lengthPrefixed write big-endian 32-bit integers as DataView does, modulo 2^32', () => {
    for (const n of [0, 1, 255, 256, 0x01020304, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 32, 2 ** 32 + 5, -1]) {
      expect(u32be(n)).toEqual(dataViewU32(n));
    }
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.nat(8), (n, offset) => {
        const out = new Uint8Array(offset + 6).fill(0xaa);
        putU32be(out, offset, n);
        expect(out.subarray(offset, offset + 4)).toEqual(dataViewU32(n));
        // Nothing outside the four bytes is touched.
        expect([...out.subarray(0, offset), ...out.subarray(offset + 4)].every((b) => b === 0xaa)).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const p = lengthPrefixed(b);
        expect(p.subarray(0, 4)).toEqual(dataViewU32(b.length));
        expect(p.subarray(4)).toEqual(b);
      }),
    );
  });
});
