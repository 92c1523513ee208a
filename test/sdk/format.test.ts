// The ENV1 format's building blocks on their own (docs/FORMAT.md): the canonical context encoding, the
// header encoder and its incremental parser, the key schedule, segment nonces and the suites. The
// published vectors (vectors.test.ts) and the tampering tests (tamper.test.ts) check them through whole
// messages; here every rule is checked at its bound, with its exact error.
import fc from 'fast-check';
import { createCipheriv, createHash, createHmac, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeContext, encodeContext, MAX_CONTEXT_BYTES, missingPairs } from '../../src/sdk/format/context.ts';
import * as errors from '../../src/sdk/format/errors.ts';
import { HeaderFormatError, InvalidArgumentError, LimitExceededError, UnsupportedSuiteError } from '../../src/sdk/format/errors.ts';
import { DEFAULT_LIMITS, encodeHeaderBody, parseHeader, type Header } from '../../src/sdk/format/header.ts';
import { commitmentMatches, contextDigest, deriveMessageKeys, headerMac } from '../../src/sdk/format/key-schedule.ts';
import { aesGcmSegments, SEGMENT_AAD, segmentNonce, wasmSm4GcmSegments, type SegmentCipher } from '../../src/sdk/format/segment-cipher.ts';
import { AES256_GCM_HKDF_SHA512, DEFAULT_SUITE, SM4_GCM_HKDF_SM3, suiteById, type AlgorithmSuite } from '../../src/sdk/format/suites.ts';
import { portableCrypto } from '../../src/crypto/provider.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { useWasm } from '../wasm/setup.ts';
import { property } from '../helpers/property.ts';
import { hex, toHex, type Env1Vectors } from '../vectors/env1-checks.ts';

useWasm();
const vectors: Env1Vectors = JSON.parse(readFileSync(new URL('../vectors/env1.json', import.meta.url), 'utf8'));
const vector = (name: string) => hex(vectors.positive.find((v) => v.name === name)!.ciphertext);

/** The error `f` throws (fails the test if it returns). */
function thrown(f: () => unknown): any {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

const bytes = (...parts: (number[] | string)[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p)] : p)));

describe('encryption context encoding', () => {
  it('is u16 count, then u16-length keys and values sorted by key bytes; empty is zero bytes', () => {
    expect(encodeContext()).toEqual(new Uint8Array(0));
    expect(encodeContext({})).toEqual(new Uint8Array(0));
    expect(encodeContext({ b: '2', a: '1' })).toEqual(bytes([0, 2], [0, 1], 'a', [0, 1], '1', [0, 1], 'b', [0, 1], '2'));
    expect(encodeContext({ k: '' })).toEqual(bytes([0, 1], [0, 1], 'k', [0, 0]));
    // A prefix sorts first; lengths above 255 use both bytes.
    expect(encodeContext({ ab: 'x', a: 'y'.repeat(300) })).toEqual(bytes([0, 2], [0, 1], 'a', [1, 44], 'y'.repeat(300), [0, 2], 'ab', [0, 1], 'x'));
  });

  it('sorts by UTF-8 bytes, not by UTF-16 code units', () => {
    // U+FFFF is EF BF BF, U+10000 is F0 90 80 80: byte order puts U+FFFF first, code-unit order (D800 < FFFF) the other.
    const encoded = encodeContext({ '\u{10000}': '1', '\uffff': '2' });
    expect(toHex(encoded)).toBe('0002' + '0003efbfbf' + '000132' + '0004f0908080' + '000131');
    expect({ ...decodeContext(encoded) }).toEqual({ '\uffff': '2', '\u{10000}': '1' });
  });

  it('refuses what cannot be encoded, each with its own InvalidArgumentError', () => {
    const refusal = (c: unknown) => {
      const e = thrown(() => encodeContext(c as never));
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect(e.code).toBe('ENV1_INVALID_ARGUMENT');
      return e.message;
    };
    expect(refusal(null)).toBe('encryption context must be an object of strings');
    expect(refusal('a=b')).toBe('encryption context must be an object of strings');
    expect(refusal({ a: 1 })).toBe('encryption context value of "a" must be a string');
    expect(refusal({ '': 'x' })).toBe('encryption context keys must not be empty');
    expect(refusal({ ['\ud800']: 'x' })).toBe('encryption context key is not well-formed Unicode');
    expect(refusal({ a: 'x\udc00' })).toBe('encryption context value of "a" is not well-formed Unicode');
    expect(refusal({ ['k'.repeat(65536)]: '' })).toBe('encryption context key is longer than 65535 bytes');
    expect(refusal({ a: 'é'.repeat(32768) })).toBe('encryption context value of "a" is longer than 65535 bytes');
  });

  it('the whole encoding is at most 65535 bytes: one byte more is refused', () => {
    // 2 (count) + 2 + 1 (key) + 2 + value = 65535.
    const atLimit = encodeContext({ k: 'v'.repeat(MAX_CONTEXT_BYTES - 7) });
    expect(atLimit.length).toBe(MAX_CONTEXT_BYTES);
    expect(decodeContext(atLimit).k).toHaveLength(MAX_CONTEXT_BYTES - 7);
    const e = thrown(() => encodeContext({ k: 'v'.repeat(MAX_CONTEXT_BYTES - 6) }));
    expect([e.constructor, e.message]).toEqual([InvalidArgumentError, 'encryption context encodes to 65536 bytes; at most 65535']);
    // A key of 65535 bytes passes its own check and fails the total.
    expect(thrown(() => encodeContext({ ['k'.repeat(65535)]: '' })).message).toBe('encryption context encodes to 65541 bytes; at most 65535');
  });

  it('more than 65535 pairs is refused by count', () => {
    const many = Object.fromEntries(Array.from({ length: 65536 }, (_, i) => [`k${i}`, '']));
    expect(thrown(() => encodeContext(many)).message).toBe('encryption context has more than 65535 pairs');
    // 65535 pairs pass the count and fail the size (each pair takes at least 5 bytes).
    delete many.k0;
    expect(thrown(() => encodeContext(many)).message).toMatch(/^encryption context encodes to \d+ bytes; at most 65535$/);
  });

  it('decoding refuses every encoding that is not the canonical one, with its reason', () => {
    const refusal = (b: Uint8Array) => {
      const e = thrown(() => decodeContext(b));
      expect(e).toBeInstanceOf(HeaderFormatError);
      expect(e.code).toBe('ENV1_BAD_HEADER');
      return e.message;
    };
    expect(refusal(bytes([1]))).toBe('encryption context: too short');
    expect(refusal(bytes([0, 0]))).toBe('encryption context: an empty context must be encoded as zero bytes');
    expect(refusal(bytes([0, 1]))).toBe('encryption context: length field past the end');
    expect(refusal(bytes([0, 1], [0]))).toBe('encryption context: length field past the end');
    expect(refusal(bytes([0, 1], [0, 1], 'a'))).toBe('encryption context: length field past the end');
    expect(refusal(bytes([0, 1], [0, 2], 'a'))).toBe('encryption context: field past the end');
    expect(refusal(bytes([0, 1], [0, 1], 'a', [0, 2], 'b'))).toBe('encryption context: field past the end');
    expect(refusal(bytes([0, 1], [0, 0], [0, 1], 'v'))).toBe('encryption context: empty key');
    expect(refusal(bytes([0, 2], [0, 1], 'b', [0, 0], [0, 1], 'a', [0, 0]))).toBe('encryption context: keys not in strictly ascending order');
    expect(refusal(bytes([0, 2], [0, 1], 'a', [0, 0], [0, 1], 'a', [0, 0]))).toBe('encryption context: keys not in strictly ascending order');
    expect(refusal(bytes([0, 2], [0, 2], 'ab', [0, 0], [0, 1], 'a', [0, 0]))).toBe('encryption context: keys not in strictly ascending order');
    expect(refusal(bytes([0, 1], [0, 1], [0xff], [0, 0]))).toBe('encryption context: not UTF-8');
    expect(refusal(bytes([0, 1], [0, 1], 'a', [0, 1], [0xc3]))).toBe('encryption context: not UTF-8');
    expect(refusal(bytes([0, 1], [0, 1], 'a', [0, 0], [0]))).toBe('encryption context: bytes after the last pair');
    // Ascending keys, one a prefix of the next, are canonical.
    expect({ ...decodeContext(bytes([0, 2], [0, 1], 'a', [0, 0], [0, 2], 'ab', [0, 0])) }).toEqual({ a: '', ab: '' });
  });

  it('decodes into a frozen object without a prototype (a key "__proto__" is a pair like any other)', () => {
    const c = decodeContext(encodeContext(Object.fromEntries([['__proto__', 'x'], ['constructor', 'y']])));
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.getPrototypeOf(c)).toBeNull();
    expect(Object.keys(c)).toEqual(['__proto__', 'constructor']);
    expect(Object.isFrozen(decodeContext(new Uint8Array(0)))).toBe(true);
    expect(Object.getPrototypeOf(decodeContext(new Uint8Array(0)))).toBeNull();
  });

  it('reads a context that lies inside a larger buffer', () => {
    const inner = encodeContext({ a: '1', bb: '22' });
    const outer = new Uint8Array(inner.length + 7);
    outer.set(inner, 3);
    expect({ ...decodeContext(outer.subarray(3, 3 + inner.length)) }).toEqual({ a: '1', bb: '22' });
  });

  it('property: decode(encode(c)) = c, and any bytes either decode to a context that encodes back to them or are refused', async () => {
    await property(
      'env1 context round trip',
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 6, unit: 'grapheme' }), fc.string({ maxLength: 6, unit: 'grapheme' }), { maxKeys: 6 }), (c) => {
        expect({ ...decodeContext(encodeContext(c)) }).toEqual({ ...c });
      }),
    );
    await property(
      'env1 context canonical',
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        let c;
        try {
          c = decodeContext(b);
        } catch (e) {
          expect(e).toBeInstanceOf(HeaderFormatError);
          return;
        }
        expect(encodeContext(c)).toEqual(b);
      }),
      500,
    );
  });

  it('missingPairs names the required keys the context lacks or holds with another value (own pairs only)', () => {
    expect(missingPairs({ a: '1', b: '2' }, { a: '1' })).toEqual([]);
    expect(missingPairs({ a: '1', b: '2' }, {})).toEqual([]);
    expect(missingPairs({ a: '1' }, { a: '2', b: '2', c: '' })).toEqual(['a', 'b', 'c']);
    // A pair inherited from a prototype is not one of the context's pairs.
    expect(missingPairs(Object.create({ a: '1' }), { a: '1' })).toEqual(['a']);
  });
});

/** A header built by the encoder with a stand-in MAC (the parser does not check MACs). */
function header(o: { ec?: Record<string, string>; edks?: { providerId: string; providerInfo: Uint8Array; ciphertext: Uint8Array }[]; log2?: number; suite?: typeof AES256_GCM_HKDF_SHA512 } = {}) {
  const body = encodeHeaderBody({
    suite: o.suite ?? AES256_GCM_HKDF_SHA512,
    segmentLog2: o.log2 ?? 12,
    messageId: new Uint8Array(32).fill(0x11),
    contextBytes: encodeContext(o.ec ?? { a: '1' }),
    encryptedDataKeys: o.edks ?? [{ providerId: 'p', providerInfo: Uint8Array.of(1, 2), ciphertext: Uint8Array.of(3) }],
    commitment: new Uint8Array(32).fill(0x22),
  });
  return bytes([...body], new Array(32).fill(0x33));
}

const parsed = (b: Uint8Array, limits = DEFAULT_LIMITS): Header => {
  const r = parseHeader(b, limits);
  if (!('header' in r)) throw new Error(`header incomplete: need ${r.need}`);
  return r.header;
};

describe('ENV1 header', () => {
  it('encodes to the documented layout', () => {
    expect(toHex(header())).toBe(
      '89454e56' + '01' + '0001' + '0c' + '00' + '11'.repeat(32) + '0008' + '0001' + '0001' + '61' + '0001' + '31' + '0001' + '0001' + '70' + '0002' + '0102' + '0001' + '03' + '22'.repeat(32) + '33'.repeat(32),
    );
    expect(toHex(header({ suite: SM4_GCM_HKDF_SM3, log2: 24, ec: {} }).subarray(0, 45))).toBe('89454e56' + '01' + '0101' + '18' + '00' + '11'.repeat(32) + '0000' + '0001');
  });

  it('parses back every field, and nothing past its end', () => {
    const b = header({ ec: { tenant: 'ä' }, edks: [
      { providerId: 'raw-aes', providerInfo: Uint8Array.of(9), ciphertext: new Uint8Array(300).fill(7) },
      { providerId: '键', providerInfo: new Uint8Array(0), ciphertext: Uint8Array.of(1) },
    ] });
    const h = parsed(bytes([...b], [0xde, 0xad]));
    expect(h.suite).toBe(AES256_GCM_HKDF_SHA512);
    expect(h.segmentLog2).toBe(12);
    expect(h.messageId).toEqual(new Uint8Array(32).fill(0x11));
    expect(h.contextBytes).toEqual(encodeContext({ tenant: 'ä' }));
    expect({ ...h.encryptionContext }).toEqual({ tenant: 'ä' });
    expect(h.encryptedDataKeys).toEqual([
      { providerId: 'raw-aes', providerInfo: Uint8Array.of(9), ciphertext: new Uint8Array(300).fill(7) },
      { providerId: '键', providerInfo: new Uint8Array(0), ciphertext: Uint8Array.of(1) },
    ]);
    expect(h.commitment).toEqual(new Uint8Array(32).fill(0x22));
    expect(h.mac).toEqual(new Uint8Array(32).fill(0x33));
    expect(h.authenticated).toEqual(b.subarray(0, b.length - 32));
    expect(h.length).toBe(b.length);
    expect(Object.isFrozen(h) && Object.isFrozen(h.encryptedDataKeys) && Object.isFrozen(h.encryptedDataKeys[0])).toBe(true);
  });

  it('the published vectors parse to the fields they were made from', () => {
    for (const v of vectors.positive) {
      const h = parsed(hex(v.ciphertext));
      expect([h.suite.id, 2 ** h.segmentLog2, toHex(h.messageId)], v.name).toEqual([v.suite, v.segmentSize, v.messageId]);
      expect({ ...h.encryptionContext }, v.name).toEqual(v.encryptionContext);
      expect(h.encryptedDataKeys.map((e) => [e.providerId, toHex(e.providerInfo), toHex(e.ciphertext)]), v.name).toEqual(
        v.encryptedDataKeys.map((e) => [e.providerId, e.providerInfo, e.ciphertext]),
      );
    }
  });

  it('a prefix asks for exactly the bytes of the next field it needs', () => {
    const b = header({ edks: [
      { providerId: 'p', providerInfo: new Uint8Array(0), ciphertext: Uint8Array.of(1, 2, 3) },
      { providerId: 'q', providerInfo: Uint8Array.of(5), ciphertext: new Uint8Array(0) },
    ] });
    // The ends of the fields the parser reads one after the other (a field of length 0 ends with its length).
    const ends = [43];
    let o = 43 + (b[41] << 8 | b[42]);
    ends.push(o + 2);
    o += 2;
    for (let i = 0; i < 6; i++) {
      const n = b[o] << 8 | b[o + 1];
      ends.push(o + 2, o + 2 + n);
      o += 2 + n;
    }
    ends.push(o + 64);
    expect(o + 64).toBe(b.length);
    for (let n = 0; n < b.length; n++) expect(parseHeader(b.subarray(0, n)), `prefix of ${n}`).toEqual({ need: ends.find((e) => e > n) });
    expect(parsed(b).length).toBe(b.length);
  });

  it('maxHeaderBytes: a header of exactly the limit parses, one byte over is refused before its bytes arrive', () => {
    const b = header({ ec: { k: 'v'.repeat(200) } });
    expect(parsed(b, { ...DEFAULT_LIMITS, maxHeaderBytes: b.length }).length).toBe(b.length);
    const e = thrown(() => parseHeader(b, { ...DEFAULT_LIMITS, maxHeaderBytes: b.length - 1 }));
    expect([e.constructor, e.code, e.message]).toEqual([LimitExceededError, 'ENV1_LIMIT', `header is longer than ${b.length - 1} bytes`]);
    // The context's length alone already passes the limit: refused with only the fixed part read.
    expect(thrown(() => parseHeader(b.subarray(0, 43), { ...DEFAULT_LIMITS, maxHeaderBytes: 200 })).message).toBe('header is longer than 200 bytes');
    expect(thrown(() => parseHeader(b.subarray(0, 10), { ...DEFAULT_LIMITS, maxHeaderBytes: 42 })).message).toBe('header is longer than 42 bytes');
  });

  it('refuses each malformed fixed field with its reason', () => {
    const refusal = (at: number, value: number, limits = DEFAULT_LIMITS) => {
      const b = header();
      b[at] = value;
      return thrown(() => parseHeader(b, limits));
    };
    for (let i = 0; i < 4; i++) {
      const e = refusal(i, 0);
      expect([e.constructor, e.code, e.message]).toEqual([HeaderFormatError, 'ENV1_BAD_HEADER', 'not an ENV1 message (bad magic)']);
    }
    expect(refusal(4, 0).message).toBe('unsupported ENV1 version 0');
    expect(refusal(4, 2).message).toBe('unsupported ENV1 version 2');
    const suite = refusal(6, 2);
    expect([suite.constructor, suite.code, suite.message]).toEqual([UnsupportedSuiteError, 'ENV1_UNSUPPORTED_SUITE', 'unsupported algorithm suite 0x0002']);
    for (const log2 of [0, 11, 25, 255]) expect([refusal(7, log2).constructor, refusal(7, log2).message]).toEqual([HeaderFormatError, `segment size 2^${log2} is outside 2^12..2^24`]);
    for (const flags of [1, 0x80]) expect([refusal(8, flags).constructor, refusal(8, flags).message]).toEqual([HeaderFormatError, 'reserved flags are set']);
  });

  it('segment sizes 2^12 and 2^24 parse; maxSegmentLog2 refuses a larger one with ENV1_LIMIT', () => {
    expect(parsed(header({ log2: 12 })).segmentLog2).toBe(12);
    expect(parsed(header({ log2: 24 })).segmentLog2).toBe(24);
    expect(parsed(header({ log2: 16 }), { ...DEFAULT_LIMITS, maxSegmentLog2: 16 }).segmentLog2).toBe(16);
    const e = thrown(() => parseHeader(header({ log2: 17 }), { ...DEFAULT_LIMITS, maxSegmentLog2: 16 }));
    expect([e.constructor, e.message]).toEqual([LimitExceededError, 'segment size 2^17 is above the limit 2^16']);
  });

  it('the encrypted data keys: at least one, at most the limit, a UTF-8 provider id that is not empty', () => {
    const two = header({ edks: [
      { providerId: 'a', providerInfo: Uint8Array.of(1), ciphertext: Uint8Array.of(2) },
      { providerId: 'b', providerInfo: Uint8Array.of(1), ciphertext: Uint8Array.of(2) },
    ] });
    expect(parsed(two, { ...DEFAULT_LIMITS, maxEncryptedDataKeys: 2 }).encryptedDataKeys).toHaveLength(2);
    const over = thrown(() => parseHeader(two, { ...DEFAULT_LIMITS, maxEncryptedDataKeys: 1 }));
    expect([over.constructor, over.message]).toEqual([LimitExceededError, '2 encrypted data keys; the limit is 1']);
    const at = 43 + encodeContext({ a: '1' }).length;
    const none = header();
    none[at + 1] = 0;
    expect([thrown(() => parseHeader(none)).constructor, thrown(() => parseHeader(none)).message]).toEqual([HeaderFormatError, 'no encrypted data keys']);
    const notUtf8 = header({ edks: [{ providerId: 'p', providerInfo: Uint8Array.of(1), ciphertext: Uint8Array.of(2) }] });
    notUtf8[at + 4] = 0xff;
    expect([thrown(() => parseHeader(notUtf8)).constructor, thrown(() => parseHeader(notUtf8)).message]).toEqual([HeaderFormatError, 'an encrypted data key provider id is not UTF-8']);
    const empty = header({ edks: [{ providerId: '', providerInfo: Uint8Array.of(1), ciphertext: Uint8Array.of(2) }] });
    expect([thrown(() => parseHeader(empty)).constructor, thrown(() => parseHeader(empty)).message]).toEqual([HeaderFormatError, 'an encrypted data key has an empty provider id']);
  });

  it('a context in the header is read with the context rules', () => {
    const b = header({ ec: { a: '1', b: '2' } });
    b[43 + 2 + 2] = 'c'.charCodeAt(0); // first key "a" -> "c": no longer ascending
    expect(thrown(() => parseHeader(b)).message).toBe('encryption context: keys not in strictly ascending order');
  });

  it('the encoder refuses 0 or more than 65535 EDKs and a field over 65535 bytes; 65535 bytes fit', () => {
    const edk = { providerId: 'p', providerInfo: new Uint8Array(0), ciphertext: new Uint8Array(0) };
    const body = (edks: (typeof edk)[]) =>
      encodeHeaderBody({ suite: AES256_GCM_HKDF_SHA512, segmentLog2: 12, messageId: new Uint8Array(32), contextBytes: new Uint8Array(0), encryptedDataKeys: edks, commitment: new Uint8Array(32) });
    for (const n of [0, 65536]) {
      const e = thrown(() => body(new Array(n).fill(edk)));
      expect([e.constructor, e.message]).toEqual([HeaderFormatError, 'a message needs 1..65535 encrypted data keys']);
    }
    expect(body(new Array(65535).fill(edk)).length).toBe(43 + 2 + 65535 * 7 + 32);
    expect(body([{ ...edk, ciphertext: new Uint8Array(65535) }]).length).toBe(43 + 2 + 3 + 2 + 65537 + 32);
    for (const big of [{ ...edk, ciphertext: new Uint8Array(65536) }, { ...edk, providerInfo: new Uint8Array(65536) }, { ...edk, providerId: 'x'.repeat(65536) }]) {
      expect(thrown(() => body([big])).message).toBe('an encrypted data key field is longer than 65535 bytes');
    }
  });
});

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
/** HKDF (RFC 5869) over node:crypto's HMAC, for SM3 (node:crypto's hkdfSync has no SM3). */
function hkdfNode(hash: string, salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number): Buffer {
  const prk = createHmac(hash, salt).update(ikm).digest();
  const out: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(out).length < length; i++) {
    t = createHmac(hash, prk).update(Buffer.concat([t, info, Buffer.from([i])])).digest();
    out.push(t);
  }
  return Buffer.concat(out).subarray(0, length);
}

describe('ENV1 key schedule, against node:crypto', () => {
  // Long enough contexts that both bytes of each u16 length matter.
  const ec = encodeContext({ k: 'x'.repeat(300) });
  const un = encodeContext({ row: 'y'.repeat(260) });
  const dataKey = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
  const messageId = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
  for (const [suite, hash] of [[AES256_GCM_HKDF_SHA512, 'sha256'], [SM4_GCM_HKDF_SM3, 'sm3']] as const) {
    const ctxInput = Buffer.concat([u16(suite.id), Buffer.from([13]), u16(ec.length), ec, u16(un.length), un]);
    const ctx = createHash(hash).update(ctxInput).digest();

    it(`${suite.name}: ctx = H(suite ‖ log2 ‖ u16 ecLen ‖ ec ‖ u16 uLen ‖ unstored)`, () => {
      expect(toHex(contextDigest(suite, 13, ec, un))).toBe(ctx.toString('hex'));
      expect(toHex(contextDigest(suite, 12, new Uint8Array(0), new Uint8Array(0)))).toBe(createHash(hash).update(Buffer.concat([u16(suite.id), Buffer.from([12, 0, 0, 0, 0])])).digest('hex'));
    });

    it(`${suite.name}: Kenc, Kcommit and Kmac are HKDF-Expand with their labels; the header MAC is HMAC over header ‖ u16 uLen ‖ unstored`, () => {
      const keys = deriveMessageKeys(suite, dataKey, messageId, 13, ec, un);
      const info = (p: string) => Buffer.concat([Buffer.from('ENV1'), u16(suite.id), Buffer.from(p), ctx]);
      const kdf = (p: string, n: number) =>
        suite === AES256_GCM_HKDF_SHA512 ? Buffer.from(hkdfSync('sha512', dataKey, messageId, info(p), n)) : hkdfNode('sm3', messageId, dataKey, info(p), n);
      expect(toHex(keys.encKey)).toBe(kdf('enc', suite.encKeyBytes).toString('hex'));
      expect(toHex(keys.commitment)).toBe(kdf('commit', 32).toString('hex'));
      expect(toHex(keys.macKey)).toBe(kdf('hdr', 32).toString('hex'));
      const authenticated = Uint8Array.from({ length: 70 }, (_, i) => i);
      expect(toHex(headerMac(suite, keys.macKey, authenticated, un))).toBe(
        createHmac(hash, keys.macKey).update(Buffer.concat([authenticated, u16(un.length), un])).digest('hex'),
      );
    });

    it(`${suite.name}: the pseudorandom key is wiped once the three keys are derived`, () => {
      let prk: Uint8Array | undefined;
      const spy: AlgorithmSuite = { ...suite, hkdf: { extract: (s, i) => (prk = suite.hkdf.extract(s, i)), expand: suite.hkdf.expand } };
      deriveMessageKeys(spy, dataKey, messageId, 13, ec, un);
      expect(prk?.length).toBe(suite === AES256_GCM_HKDF_SHA512 ? 64 : 32);
      expect(prk!.every((b) => b === 0)).toBe(true);
    });
  }

  it('commitmentMatches: equal bytes only', () => {
    const a = Uint8Array.from({ length: 32 }, (_, i) => i);
    expect(commitmentMatches(a, a.slice())).toBe(true);
    for (const i of [0, 31]) {
      const b = a.slice();
      b[i] ^= 1;
      expect(commitmentMatches(a, b)).toBe(false);
    }
    expect(commitmentMatches(a, a.subarray(0, 31))).toBe(false);
  });
});

describe('ENV1 segment cipher', () => {
  it('the nonce is 0x000000 ‖ u64be(index) ‖ final flag', () => {
    expect(toHex(segmentNonce(0, false))).toBe('000000' + '0000000000000000' + '00');
    expect(toHex(segmentNonce(1, true))).toBe('000000' + '0000000000000001' + '01');
    expect(toHex(segmentNonce(0x1234_5678, false))).toBe('000000' + '0000000012345678' + '00');
    expect(toHex(segmentNonce(2 ** 32 - 1, true))).toBe('000000' + '00000000ffffffff' + '01');
    expect(toHex(segmentNonce(2 ** 32, false))).toBe('000000' + '0000000100000000' + '00');
    expect(toHex(segmentNonce(2 ** 40 + 5, false))).toBe('000000' + '0000010000000005' + '00');
    expect(new TextDecoder().decode(SEGMENT_AAD)).toBe('ENV1-seg');
  });

  const key = Uint8Array.from({ length: 32 }, (_, i) => 100 + i);
  const plaintext = Uint8Array.from({ length: 100 }, (_, i) => i * 7);
  const pieces = [plaintext.subarray(0, 30), plaintext.subarray(30, 31), plaintext.subarray(31)];
  const join = (p: readonly Uint8Array[]) => Buffer.concat(p.map((x) => Buffer.from(x)));

  /** Seals and opens in one piece and in several, at (index, final), and refuses every other position. */
  async function check(cipher: SegmentCipher, expected: Buffer) {
    for (const [index, final] of [[0, false], [5, true], [2 ** 32 + 1, false]] as const) {
      const one = join(await cipher.seal(index, final, [plaintext]));
      const several = join(await cipher.seal(index, final, pieces));
      expect(several.equals(one)).toBe(true);
      if (index === 5) expect(one.toString('hex')).toBe(expected.toString('hex'));
      expect(join(await cipher.open(index, final, [one])).equals(Buffer.from(plaintext))).toBe(true);
      expect(join(await cipher.open(index, final, [one.subarray(0, 50), one.subarray(50, 51), one.subarray(51)])).equals(Buffer.from(plaintext))).toBe(true);
      await expect(cipher.open(index + 1, final, [one])).rejects.toThrow();
      await expect(cipher.open(index, !final, [one])).rejects.toThrow();
    }
  }

  it('AES-256-GCM under Kenc with the segment nonce and "ENV1-seg", through WebCrypto and through node:crypto (pieces)', async () => {
    const c = createCipheriv('aes-256-gcm', key, segmentNonce(5, true)).setAAD(Buffer.from('ENV1-seg'));
    const expected = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
    await check(await aesGcmSegments(key, portableCrypto.aesGcm), expected);
    await check(await aesGcmSegments(key, nodeCrypto.aesGcm), expected);
  });

  it('SM4-GCM through the WASM core: the ciphertext is SM4-CTR from counter 2 (node:crypto), the key copied', async () => {
    const k = key.slice(0, 16);
    const cipher = wasmSm4GcmSegments(k);
    const sealed = join(await cipher.seal(5, true, [plaintext]));
    const ctr = createCipheriv('sm4-ctr', k, Buffer.concat([segmentNonce(5, true), Buffer.from([0, 0, 0, 2])]));
    expect(sealed.subarray(0, 100).toString('hex')).toBe(Buffer.concat([ctr.update(plaintext), ctr.final()]).toString('hex'));
    expect(sealed.length).toBe(116);
    k.fill(0); // the caller wipes its Kenc; the cipher has its own copy
    await check(cipher, sealed);
  });
});

describe('ENV1 suites', () => {
  it('two suites, each with its algorithms and lengths; the default is AES', () => {
    expect([AES256_GCM_HKDF_SHA512.id, AES256_GCM_HKDF_SHA512.name, AES256_GCM_HKDF_SHA512.dataKeyBytes, AES256_GCM_HKDF_SHA512.encKeyBytes, AES256_GCM_HKDF_SHA512.needsWasm]).toEqual([
      0x0001,
      'AES-256-GCM/HKDF-SHA-512/commit',
      32,
      32,
      false,
    ]);
    expect([SM4_GCM_HKDF_SM3.id, SM4_GCM_HKDF_SM3.name, SM4_GCM_HKDF_SM3.dataKeyBytes, SM4_GCM_HKDF_SM3.encKeyBytes, SM4_GCM_HKDF_SM3.needsWasm]).toEqual([
      0x0101,
      'SM4-GCM/HKDF-HMAC-SM3/commit',
      32,
      16,
      true,
    ]);
    expect([AES256_GCM_HKDF_SHA512.segments, SM4_GCM_HKDF_SM3.segments]).toEqual([aesGcmSegments, wasmSm4GcmSegments]);
    expect(DEFAULT_SUITE).toBe(AES256_GCM_HKDF_SHA512);
    expect(suiteById(1)).toBe(AES256_GCM_HKDF_SHA512);
    expect(suiteById(0x0101)).toBe(SM4_GCM_HKDF_SM3);
    expect(Object.isFrozen(AES256_GCM_HKDF_SHA512) && Object.isFrozen(SM4_GCM_HKDF_SM3)).toBe(true);
  });

  it('hash and MAC of each suite against node:crypto', () => {
    const d = Uint8Array.from({ length: 99 }, (_, i) => i);
    const k = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
    expect(toHex(AES256_GCM_HKDF_SHA512.contextHash(d))).toBe(createHash('sha256').update(d).digest('hex'));
    expect(toHex(AES256_GCM_HKDF_SHA512.headerMac(k, d))).toBe(createHmac('sha256', k).update(d).digest('hex'));
    expect(toHex(SM4_GCM_HKDF_SM3.contextHash(d))).toBe(createHash('sm3').update(d).digest('hex'));
    expect(toHex(SM4_GCM_HKDF_SM3.headerMac(k, d))).toBe(createHmac('sm3', k).update(d).digest('hex'));
  });

  it('an unknown id is refused with its id in four hex digits', () => {
    for (const [id, text] of [[0, '0x0000'], [2, '0x0002'], [0x0100, '0x0100'], [0xabcd, '0xabcd']] as const) {
      const e = thrown(() => suiteById(id));
      expect([e.constructor, e.code, e.message]).toEqual([UnsupportedSuiteError, 'ENV1_UNSUPPORTED_SUITE', `unsupported algorithm suite ${text}`]);
    }
  });
});

describe('ENV1 errors', () => {
  it('each failure has its class name, its code and a message without secrets', () => {
    const all: [Error & { code: string }, string, string, string][] = [
      [new errors.HeaderFormatError('m'), 'HeaderFormatError', 'ENV1_BAD_HEADER', 'm'],
      [new errors.UnsupportedSuiteError('m'), 'UnsupportedSuiteError', 'ENV1_UNSUPPORTED_SUITE', 'm'],
      [new errors.LimitExceededError('m'), 'LimitExceededError', 'ENV1_LIMIT', 'm'],
      [new errors.NoDataKeyError(), 'NoDataKeyError', 'ENV1_NO_DATA_KEY', 'no keyring could decrypt any of the encrypted data keys'],
      [new errors.NoDataKeyError('m'), 'NoDataKeyError', 'ENV1_NO_DATA_KEY', 'm'],
      [new errors.CommitmentMismatchError(), 'CommitmentMismatchError', 'ENV1_COMMITMENT_MISMATCH', 'the data key does not commit to this message: wrong encrypted data key, or the header was changed'],
      [new errors.HeaderAuthError(), 'HeaderAuthError', 'ENV1_HEADER_AUTH', 'the header MAC does not verify: the header was changed'],
      [new errors.ContextMismatchError('m'), 'ContextMismatchError', 'ENV1_CONTEXT_MISMATCH', 'm'],
      [new errors.SegmentFormatError('m'), 'SegmentFormatError', 'ENV1_BAD_SEGMENT', 'm'],
      [new errors.SegmentAuthError(3), 'SegmentAuthError', 'ENV1_SEGMENT_AUTH', 'segment 3 does not authenticate: the ciphertext was changed'],
      [new errors.SegmentReorderedError(1, 4), 'SegmentReorderedError', 'ENV1_SEGMENT_REORDERED', 'segment 4 found at position 1: segments were moved or dropped'],
      [new errors.SegmentDuplicatedError(5, 2), 'SegmentDuplicatedError', 'ENV1_SEGMENT_DUPLICATED', 'segment at position 5 is a copy of segment 2'],
      [new errors.TruncatedError('segment 2'), 'TruncatedError', 'ENV1_TRUNCATED', 'the message ends inside segment 2'],
      [new errors.MissingFinalSegmentError(7), 'MissingFinalSegmentError', 'ENV1_MISSING_FINAL_SEGMENT', 'the message ends after 7 segment(s) without its final segment (truncated)'],
      [new errors.TrailingBytesError(), 'TrailingBytesError', 'ENV1_TRAILING_BYTES', 'bytes follow the final segment'],
      [new errors.InvalidArgumentError('m'), 'InvalidArgumentError', 'ENV1_INVALID_ARGUMENT', 'm'],
      [new errors.Env1Error('ENV1_LIMIT', 'm'), 'Env1Error', 'ENV1_LIMIT', 'm'],
    ];
    for (const [e, name, code, message] of all) {
      expect([e.name, e.code, e.message]).toEqual([name, code, message]);
      expect(e).toBeInstanceOf(errors.Env1Error);
      expect(e).toBeInstanceOf(Error);
    }
    const moved = new errors.SegmentReorderedError(1, 4);
    expect([moved.position, moved.belongsAt]).toEqual([1, 4]);
    const copy = new errors.SegmentDuplicatedError(5, 2);
    expect([copy.position, copy.copyOf]).toEqual([5, 2]);
  });
});
