// Tampering: every way of changing, cutting or rearranging a message is refused with its own error, and
// no plaintext of an unverified segment is ever released. All of it runs twice: through the portable entry
// points (WebCrypto) and through the Node package's (node:crypto unless told otherwise).
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Env1Error } from '../../src/sdk/format/errors.ts';
import { parseHeader } from '../../src/sdk/format/header.ts';
import { AES256_GCM_HKDF_SHA512, SM4_GCM_HKDF_SM3 } from '../../src/sdk/format/suites.ts';
import { newEncryptionMaterials, withGeneratedDataKey } from '../../src/sdk/materials/materials.ts';
import type { EncryptionMaterials, MaterialsManager } from '../../src/sdk/materials/types.ts';
import { decryptStream } from '../../src/sdk/stream/decrypt-stream.ts';
import * as native from '../../src/runtime/sdk-native.ts';
import { decrypt, encrypt, streamOf } from '../../src/sdk/stream/one-shot.ts';
import { useWasm } from '../wasm/setup.ts';
import { aesKeyring, random, rejection } from './helpers.ts';

const ENTRIES = [
  { name: 'portable entry points (WebCrypto)', api: { encrypt, decrypt, decryptStream } },
  { name: 'Node package entry points (node:crypto)', api: { encrypt: native.encrypt, decrypt: native.decrypt, decryptStream: native.decryptStream } },
];
/** The entry points of the describe block running now. */
let api = ENTRIES[0].api;

useWasm();
const S = 4096;
const SEG = 1 + S + 16;

async function message(n: number, suite = AES256_GCM_HKDF_SHA512) {
  const keyring = aesKeyring();
  const data = random(n);
  const { ciphertext } = await api.encrypt(data, { keyring, suite, segmentSize: S, encryptionContext: { tenant: 't1', purpose: 'test' } });
  const r = parseHeader(ciphertext);
  if (!('header' in r)) throw new Error('header');
  const h = r.header.length;
  /** Segment i's bytes on the wire. */
  const seg = (i: number) => ciphertext.subarray(h + i * SEG, Math.min(ciphertext.length, h + (i + 1) * SEG));
  return { keyring, data, ciphertext, headerLength: h, seg };
}

const cat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));

/** Decrypts as a stream and records what plaintext came out before the error. */
async function released(ct: Uint8Array, keyring: ReturnType<typeof aesKeyring>) {
  const reader = api.decryptStream(streamOf(ct), { keyring }).getReader();
  let bytes = 0;
  for (;;) {
    try {
      const { done, value } = await reader.read();
      if (done) return { bytes, error: undefined };
      bytes += value.length;
    } catch (error) {
      return { bytes, error: error as Env1Error };
    }
  }
}

describe.each(ENTRIES)('$name', ({ api: entry }) => {
  beforeAll(() => {
    api = entry;
  });

  describe.each([AES256_GCM_HKDF_SHA512, SM4_GCM_HKDF_SM3])('tampering, $name', (suite) => {
    it('every byte position of the header: a flipped bit is refused before any plaintext', async () => {
      const m = await message(100, suite);
      for (let i = 0; i < m.headerLength; i++) {
        const bad = m.ciphertext.slice();
        bad[i] ^= 1 << i % 8;
        const r = await released(bad, m.keyring);
        expect(r.error, `byte ${i}`).toBeInstanceOf(Env1Error);
        expect(r.bytes, `byte ${i}`).toBe(0);
      }
    });

    it('a modified segment: ENV1_SEGMENT_AUTH, the segments before it released, nothing after', async () => {
      const m = await message(3 * S + 5, suite);
      const bad = m.ciphertext.slice();
      bad[m.headerLength + SEG + 100] ^= 0x80;
      const r = await released(bad, m.keyring);
      expect(r.error?.code).toBe('ENV1_SEGMENT_AUTH');
      expect(r.bytes).toBe(S);
    });

    it('swapped segments: ENV1_SEGMENT_REORDERED', async () => {
      const m = await message(3 * S + 5, suite);
      const bad = cat(m.ciphertext.subarray(0, m.headerLength), m.seg(1), m.seg(0), m.seg(2), m.seg(3));
      const e = await rejection(api.decrypt(bad, { keyring: m.keyring }));
      expect([e.name, e.code, e.position, e.belongsAt]).toEqual(['SegmentReorderedError', 'ENV1_SEGMENT_REORDERED', 0, 1]);
    });

    it('a dropped middle segment: ENV1_SEGMENT_REORDERED (the next one is out of place)', async () => {
      const m = await message(3 * S + 5, suite);
      const bad = cat(m.ciphertext.subarray(0, m.headerLength), m.seg(0), m.seg(2), m.seg(3));
      expect((await rejection(api.decrypt(bad, { keyring: m.keyring }))).code).toBe('ENV1_SEGMENT_REORDERED');
    });

    it('a duplicated segment: ENV1_SEGMENT_DUPLICATED', async () => {
      const m = await message(3 * S + 5, suite);
      const bad = cat(m.ciphertext.subarray(0, m.headerLength), m.seg(0), m.seg(1), m.seg(1), m.seg(2), m.seg(3));
      const e = await rejection(api.decrypt(bad, { keyring: m.keyring }));
      expect([e.name, e.code, e.position, e.copyOf]).toEqual(['SegmentDuplicatedError', 'ENV1_SEGMENT_DUPLICATED', 2, 1]);
    });

    it('a dropped final segment: ENV1_MISSING_FINAL_SEGMENT after the verified segments', async () => {
      const m = await message(3 * S + 5, suite);
      const bad = m.ciphertext.subarray(0, m.headerLength + 3 * SEG);
      const r = await released(bad, m.keyring);
      expect([r.error?.name, r.error?.code]).toEqual(['MissingFinalSegmentError', 'ENV1_MISSING_FINAL_SEGMENT']);
      expect(r.bytes).toBe(3 * S);
    });

    it('a message cut inside a segment or inside the header: ENV1_TRUNCATED', async () => {
      const m = await message(2 * S, suite);
      for (const cut of [10, m.headerLength - 1, m.headerLength + 1, m.headerLength + SEG - 1, m.ciphertext.length - 1]) {
        const e = await rejection(api.decrypt(m.ciphertext.subarray(0, cut), { keyring: m.keyring }));
        expect([e.name, e.code], `cut at ${cut}`).toEqual(['TruncatedError', 'ENV1_TRUNCATED']);
      }
    });

    it('bytes after the final segment: ENV1_TRAILING_BYTES, and the final segment is not released', async () => {
      const m = await message(S + 5, suite);
      for (const extra of [Uint8Array.of(0), m.seg(1)]) {
        const r = await released(cat(m.ciphertext, extra), m.keyring);
        expect([r.error?.name, r.error?.code]).toEqual(['TrailingBytesError', 'ENV1_TRAILING_BYTES']);
        expect(r.bytes).toBe(S);
      }
    });

    it('an unknown segment type and a final length above the segment size: ENV1_BAD_SEGMENT', async () => {
      const m = await message(S + 5, suite);
      const badType = m.ciphertext.slice();
      badType[m.headerLength] = 7;
      expect((await rejection(api.decrypt(badType, { keyring: m.keyring }))).code).toBe('ENV1_BAD_SEGMENT');
      const badLen = m.ciphertext.slice();
      new DataView(badLen.buffer).setUint32(m.headerLength + SEG + 1, S + 1);
      expect((await rejection(api.decrypt(badLen, { keyring: m.keyring }))).code).toBe('ENV1_BAD_SEGMENT');
    });

    it('a wrong context: required pairs missing (ENV1_CONTEXT_MISMATCH), unstored context different (ENV1_COMMITMENT_MISMATCH)', async () => {
      const keyring = aesKeyring();
      const { ciphertext } = await api.encrypt(random(10), { keyring, suite, encryptionContext: { tenant: 't1' }, unstoredContext: { row: '42' } });
      expect((await rejection(api.decrypt(ciphertext, { keyring, unstoredContext: { row: '42' }, requiredContext: { tenant: 't2' } }))).code).toBe(
        'ENV1_CONTEXT_MISMATCH',
      );
      expect((await rejection(api.decrypt(ciphertext, { keyring, unstoredContext: { row: '43' } }))).code).toBe('ENV1_COMMITMENT_MISMATCH');
      expect((await rejection(api.decrypt(ciphertext, { keyring }))).code).toBe('ENV1_COMMITMENT_MISMATCH');
      expect((await api.decrypt(ciphertext, { keyring, unstoredContext: { row: '42' }, requiredContext: { tenant: 't1' } })).plaintext).toHaveLength(10);
    });

    it('two EDKs that unwrap to different data keys: the second recipient gets ENV1_COMMITMENT_MISMATCH', async () => {
      const a = aesKeyring('alice');
      const b = aesKeyring('bob');
      // A malicious sender: the message is keyed by the data key in Alice's EDK, Bob's EDK holds another key.
      const forAlice = await a.onEncrypt(newEncryptionMaterials(suite, {}));
      const forBob = await b.onEncrypt(withGeneratedDataKey(newEncryptionMaterials(suite, {}), random(32), undefined, { providerId: 'x', key: 'x', action: 'generated' }));
      const evil: MaterialsManager = {
        getEncryptionMaterials: async (): Promise<EncryptionMaterials> => ({
          ...forAlice,
          encryptedDataKeys: [...forAlice.encryptedDataKeys, ...forBob.encryptedDataKeys],
        }),
        decryptMaterials: async () => {
          throw new Error('unused');
        },
      };
      const { ciphertext } = await api.encrypt(random(50), { materialsManager: evil, suite });
      expect((await api.decrypt(ciphertext, { keyring: a })).plaintext).toHaveLength(50);
      const e = await rejection(api.decrypt(ciphertext, { keyring: b }));
      expect([e.name, e.code]).toEqual(['CommitmentMismatchError', 'ENV1_COMMITMENT_MISMATCH']);
    });
  });

  describe('limits', () => {
    it('more EDKs than maxEncryptedDataKeys, a header above maxHeaderBytes, a segment size above the limit', async () => {
      const keyring = aesKeyring();
      const { ciphertext } = await api.encrypt(random(10), { keyring, encryptionContext: { big: 'x'.repeat(3000) }, segmentSize: 1 << 20 });
      expect((await rejection(api.decrypt(ciphertext, { keyring, limits: { maxHeaderBytes: 1024 } }))).code).toBe('ENV1_LIMIT');
      expect((await rejection(api.decrypt(ciphertext, { keyring, limits: { maxSegmentLog2: 16 } }))).code).toBe('ENV1_LIMIT');
      let mm = await keyring.onEncrypt(newEncryptionMaterials(AES256_GCM_HKDF_SHA512, {}));
      for (let i = 0; i < 10; i++) mm = await aesKeyring(`extra-${i}`).onEncrypt(mm);
      const manager: MaterialsManager = { getEncryptionMaterials: async () => mm, decryptMaterials: async () => mm as any };
      expect((await rejection(api.encrypt(random(1), { materialsManager: manager }))).code).toBe('ENV1_LIMIT');
      const { ciphertext: eleven } = await api.encrypt(random(1), { materialsManager: manager, limits: { maxEncryptedDataKeys: 11 } });
      expect((await rejection(api.decrypt(eleven, { keyring }))).code).toBe('ENV1_LIMIT');
      expect((await api.decrypt(eleven, { keyring, limits: { maxEncryptedDataKeys: 11 } })).plaintext).toHaveLength(1);
    });
  });

  describe('properties (fast-check)', () => {
    const keyring = aesKeyring();
    it('decrypt(encrypt(x)) = x for any bytes, context and segment size', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 3 * 4096 + 10 }),
          fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 4 }),
          fc.constantFrom(4096, 8192),
          async (data, context, segmentSize) => {
            const { ciphertext } = await api.encrypt(data, { keyring, encryptionContext: context, segmentSize });
            const { plaintext, info } = await api.decrypt(ciphertext, { keyring });
            expect(Buffer.from(plaintext).equals(Buffer.from(data))).toBe(true);
            expect({ ...info.encryptionContext }).toEqual({ ...context });
          },
        ),
        { numRuns: 60 },
      );
    });

    it('any single-byte change of a message is refused', async () => {
      const { ciphertext } = await api.encrypt(random(2 * 4096 + 77), { keyring, encryptionContext: { a: 'b' }, segmentSize: 4096 });
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: ciphertext.length - 1 }), fc.integer({ min: 1, max: 255 }), async (pos, x) => {
          const bad = ciphertext.slice();
          bad[pos] ^= x;
          expect(await rejection(api.decrypt(bad, { keyring }))).toBeInstanceOf(Env1Error);
        }),
        { numRuns: 300 },
      );
    });
  });
});
