// The ENV1 stream layer in detail (tamper.test.ts covers each attack once; streams.test.ts the large and
// chunked round trips): the framing it writes, how far a misplaced segment is looked for, the window of
// segments in flight, what is wiped and when, how errors and cancellation reach the source, the options'
// bounds, and the byte queue under both.
import { describe, expect, it } from 'vitest';
import type { AesGcmImplementation } from '../../src/crypto/aes-gcm.ts';
import type { CryptoProvider } from '../../src/crypto/provider.ts';
import { portableCrypto } from '../../src/crypto/provider.ts';
import { nodeAesGcm, nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { encodeContext } from '../../src/sdk/format/context.ts';
import { InvalidArgumentError, UnsupportedSuiteError } from '../../src/sdk/format/errors.ts';
import { DEFAULT_LIMITS, parseHeader } from '../../src/sdk/format/header.ts';
import { AES256_GCM_HKDF_SHA512, SM4_GCM_HKDF_SM3 } from '../../src/sdk/format/suites.ts';
import { newEncryptionMaterials } from '../../src/sdk/materials/materials.ts';
import type { EncryptionMaterials, MaterialsManager } from '../../src/sdk/materials/types.ts';
import { ByteQueue } from '../../src/sdk/stream/byte-queue.ts';
import { decryptStream, TAG_BYTES } from '../../src/sdk/stream/decrypt-stream.ts';
import { encryptStream, encryptStreamWithId, MAX_PIECES, MAX_SEGMENTS } from '../../src/sdk/stream/encrypt-stream.ts';
import { collect, decrypt, encrypt, streamOf } from '../../src/sdk/stream/one-shot.ts';
import { aesGcmOf, DEFAULT_WINDOW_BYTES, limitsOf, materialsManagerOf, segmentLog2Of, suiteOf, windowOf } from '../../src/sdk/stream/options.ts';
import { useWasm } from '../wasm/setup.ts';
import { aesKeyring, chunkedStream, random, rejection } from './helpers.ts';

useWasm();
const S = 4096;
const SEG = 1 + S + TAG_BYTES;

const cat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));
const headerLength = (ct: Uint8Array) => {
  const r = parseHeader(ct);
  if (!('header' in r)) throw new Error('no header');
  return r.header.length;
};

/** A stream of the given chunks that records what it was asked for and why it was cancelled. */
function source(chunks: Uint8Array[]) {
  const log = { pulls: 0, cancelled: undefined as unknown, wasCancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        log.pulls++;
        const next = chunks.shift();
        if (next) c.enqueue(next);
        else c.close();
      },
      cancel(reason) {
        log.wasCancelled = true;
        log.cancelled = reason;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, log };
}

/**
 * node:crypto AES-GCM that records each key it was made from, how many seals or opens are in flight at
 * most (each finishes a macrotask later), and every plaintext it returned.
 */
function observed() {
  const seen = { keys: [] as Uint8Array[], inFlight: 0, maxInFlight: 0, opened: [] as Uint8Array[] };
  const later = <T,>(f: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      seen.inFlight++;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
      setTimeout(() => {
        seen.inFlight--;
        f().then(resolve, reject);
      }, 0);
    });
  const aesGcm: AesGcmImplementation = async (raw) => {
    seen.keys.push(raw);
    const k = await nodeAesGcm(raw);
    return {
      ...k,
      sealPieces: (iv, p, aad) => later(() => k.sealPieces!(iv, p, aad)),
      openPieces: (iv, s, aad) =>
        later(async () => {
          const out = await k.openPieces!(iv, s, aad);
          seen.opened.push(...out);
          return out;
        }),
    };
  };
  const provider: CryptoProvider = { ...nodeCrypto, aesGcm };
  return { seen, provider };
}

describe('ENV1 framing on the wire', () => {
  it('regular segments are 0x00 ‖ S bytes ‖ tag, the final one 0x01 ‖ u32 length ‖ bytes ‖ tag (full when the input fills it)', async () => {
    const keyring = aesKeyring();
    for (const [n, finalLength] of [[0, 0], [1, 1], [S, S], [2 * S + 300, 300], [2 * S, S]]) {
      const { ciphertext } = await encrypt(random(n), { keyring, segmentSize: S });
      const h = headerLength(ciphertext);
      const regular = n === 0 ? 0 : Math.ceil(n / S) - 1;
      for (let i = 0; i < regular; i++) expect(ciphertext[h + i * SEG], `segment ${i} of ${n}`).toBe(0);
      const f = h + regular * SEG;
      expect(ciphertext[f]).toBe(1);
      expect(new DataView(ciphertext.buffer, ciphertext.byteOffset).getUint32(f + 1)).toBe(finalLength);
      expect(ciphertext.length).toBe(f + 5 + finalLength + TAG_BYTES);
    }
  });

  it('a final segment may be exactly the segment size, not one byte more', async () => {
    const keyring = aesKeyring();
    const { ciphertext } = await encrypt(random(S), { keyring, segmentSize: S });
    expect((await decrypt(ciphertext, { keyring })).plaintext).toHaveLength(S);
    const e = await rejection(decrypt(cat(ciphertext.subarray(0, headerLength(ciphertext)), Uint8Array.of(1, 0, 0, 0x10, 1)), { keyring }));
    expect([e.name, e.message]).toEqual(['SegmentFormatError', `final segment 0 claims ${S + 1} bytes; the segment size is ${S}`]);
  });

  it('each cut names where the message ends', async () => {
    const keyring = aesKeyring();
    const { ciphertext } = await encrypt(random(S + 10), { keyring, segmentSize: S });
    const h = headerLength(ciphertext);
    const cuts: [number, string][] = [
      [0, 'the message ends inside the header'],
      [h - 1, 'the message ends inside the header'],
      [h, 'the message ends after 0 segment(s) without its final segment (truncated)'],
      [h + 1, 'the message ends inside segment 0'],
      [h + SEG - 1, 'the message ends inside segment 0'],
      [h + SEG, 'the message ends after 1 segment(s) without its final segment (truncated)'],
      [h + SEG + 1, 'the message ends inside segment 1'],
      [h + SEG + 4, 'the message ends inside segment 1'],
      [h + SEG + 5, 'the message ends inside segment 1'],
      [ciphertext.length - 1, 'the message ends inside segment 1'],
    ];
    for (const [cut, message] of cuts) {
      const e = await rejection(decrypt(ciphertext.subarray(0, cut), { keyring }));
      expect(e.message, `cut at ${cut}`).toBe(message);
    }
    const type = ciphertext.slice();
    type[h + SEG] = 2;
    expect((await rejection(decrypt(type, { keyring }))).message).toBe('segment 1 has type 2; expected 0 (regular) or 1 (final)');
  });
});

describe('ENV1 misplaced segments', () => {
  it('a segment is looked for up to 256 positions away: found there it is moved or duplicated, further away it is modified', async () => {
    const keyring = aesKeyring();
    const n = 520;
    const { ciphertext } = await encrypt(random(n * S), { keyring, segmentSize: S });
    const h = headerLength(ciphertext);
    const seg = (i: number) => ciphertext.subarray(h + i * SEG, h + (i + 1) * SEG);
    /** The message with the segment at `position` replaced by segment `from`. */
    const placed = (position: number, from: number) => cat(ciphertext.subarray(0, h + position * SEG), seg(from), ciphertext.subarray(h + (position + 1) * SEG));
    const error = async (position: number, from: number) => {
      const e = await rejection(decrypt(placed(position, from), { keyring }));
      return [e.name, e.position, e.belongsAt ?? e.copyOf];
    };
    expect(await error(0, 256)).toEqual(['SegmentReorderedError', 0, 256]);
    expect(await error(0, 257)).toEqual(['SegmentAuthError', undefined, undefined]);
    expect(await error(260, 4)).toEqual(['SegmentDuplicatedError', 260, 4]);
    expect(await error(260, 3)).toEqual(['SegmentAuthError', undefined, undefined]);
    expect(await error(300, 0)).toEqual(['SegmentAuthError', undefined, undefined]);
    expect((await rejection(decrypt(placed(300, 0), { keyring }))).message).toBe('segment 300 does not authenticate: the ciphertext was changed');
  });

  it('a regular segment put in the final place is told apart by its final flag', async () => {
    const keyring = aesKeyring();
    const { ciphertext } = await encrypt(random(3 * S), { keyring, segmentSize: S });
    const h = headerLength(ciphertext);
    // Segment 1 re-framed as final: it opens nowhere with the final flag set.
    const reframed = cat(ciphertext.subarray(0, h + SEG), Uint8Array.of(1, 0, 0, 0x10, 0), ciphertext.subarray(h + SEG + 1, h + 2 * SEG));
    expect((await rejection(decrypt(reframed, { keyring }))).name).toBe('SegmentAuthError');
  });
});

describe('ENV1 window, wiping and cancellation', () => {
  it('encrypt and decrypt keep exactly the window of segments in flight', async () => {
    const keyring = aesKeyring();
    const data = random(12 * S);
    for (const [windowBytes, window] of [[3 * S, 3], [S, 2], [5 * S + 1, 5]]) {
      const enc = observed();
      const ct = await collect(encryptStream(streamOf(data), { keyring, segmentSize: S, windowBytes, crypto: enc.provider }));
      expect(enc.seen.maxInFlight, `encrypt, window ${window}`).toBe(window);
      const dec = observed();
      const pt = await collect(decryptStream(streamOf(ct), { keyring, windowBytes, crypto: dec.provider }));
      expect(dec.seen.maxInFlight, `decrypt, window ${window}`).toBe(window);
      expect(Buffer.from(pt).equals(Buffer.from(data))).toBe(true);
    }
  });

  it('Kenc is wiped once the segment cipher holds it, on both sides', async () => {
    const keyring = aesKeyring();
    const enc = observed();
    const { ciphertext } = await encrypt(random(10), { keyring, crypto: enc.provider });
    const dec = observed();
    await decrypt(ciphertext, { keyring, crypto: dec.provider });
    for (const k of [...enc.seen.keys, ...dec.seen.keys]) {
      expect(k.length).toBe(32);
      expect(k.every((b) => b === 0)).toBe(true);
    }
    expect(enc.seen.keys.length + dec.seen.keys.length).toBe(2);
  });

  it('bytes after the final segment: its verified plaintext is wiped, never released', async () => {
    const keyring = aesKeyring();
    const { ciphertext } = await encrypt(random(100), { keyring, segmentSize: S });
    const dec = observed();
    const e = await rejection(decrypt(cat(ciphertext, Uint8Array.of(0)), { keyring, crypto: dec.provider }));
    expect(e.name).toBe('TrailingBytesError');
    expect(dec.seen.opened.reduce((n, p) => n + p.length, 0)).toBe(100);
    expect(dec.seen.opened.every((p) => p.every((b) => b === 0))).toBe(true);
  });

  it('a failure stops the source with that error, and the segments opened ahead are wiped', async () => {
    const keyring = aesKeyring();
    const { ciphertext } = await encrypt(random(6 * S), { keyring, segmentSize: S });
    const h = headerLength(ciphertext);
    const bad = ciphertext.slice();
    bad[h + 10] ^= 1; // segment 0 is modified; 1.. are opened ahead in the window
    const { stream, log } = source([bad.subarray(0, h + 2 * SEG), bad.subarray(h + 2 * SEG)]);
    const dec = observed();
    const reader = decryptStream(stream, { keyring, windowBytes: 4 * S, crypto: dec.provider }).getReader();
    const e = await reader.read().catch((x) => x);
    expect(e.name).toBe('SegmentAuthError');
    expect(log.cancelled).toBe(e);
    // The opens still running settle (each a macrotask later), then are wiped.
    while (dec.seen.inFlight) await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setTimeout(r, 0));
    expect(dec.seen.opened.length).toBeGreaterThan(0);
    expect(dec.seen.opened.every((p) => p.every((b) => b === 0))).toBe(true);
  });

  it('a consumer that cancels cancels the source, with its reason, on both sides', async () => {
    const keyring = aesKeyring();
    const plain = source([random(S), random(S), random(S)]);
    const enc = encryptStream(plain.stream, { keyring, segmentSize: S }).getReader();
    await enc.read();
    await enc.cancel('enough');
    expect([plain.log.wasCancelled, plain.log.cancelled]).toEqual([true, 'enough']);
    const { ciphertext } = await encrypt(random(3 * S), { keyring, segmentSize: S });
    const sealed = source([ciphertext]);
    const dec = decryptStream(sealed.stream, { keyring }).getReader();
    await dec.read();
    await dec.cancel('stop');
    expect([sealed.log.wasCancelled, sealed.log.cancelled]).toEqual([true, 'stop']);
  });

  it('an encrypt failure (a chunk that is not bytes) errors the output and cancels the source', async () => {
    const keyring = aesKeyring();
    const { stream, log } = source([random(10), 'text' as never]);
    const e = await rejection(collect(encryptStream(stream, { keyring, segmentSize: S })));
    expect([e.name, e.message]).toEqual(['InvalidArgumentError', 'stream chunks must be Uint8Array']);
    expect(log.cancelled).toBe(e);
  });

  it('nothing is read from the input before the consumer asks for bytes', async () => {
    const keyring = aesKeyring();
    const { stream, log } = source([random(S)]);
    const enc = encryptStream(stream, { keyring, segmentSize: S }).getReader();
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
    expect(log.pulls).toBe(0);
    await enc.read(); // the header needs no input
    expect(log.pulls).toBe(0);
    await enc.read();
    expect(log.pulls).toBeGreaterThan(0);
    await enc.cancel();
    const { ciphertext } = await encrypt(random(10), { keyring, segmentSize: S });
    const sealed = source([ciphertext]);
    const dec = decryptStream(sealed.stream, { keyring }).getReader();
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
    expect(sealed.log.pulls).toBe(0);
    expect(Buffer.from((await dec.read()).value!).length).toBe(10);
  });

  it('plaintextLength: an endless input stops being read at the first segment past the announced length', async () => {
    const keyring = aesKeyring();
    let pulls = 0;
    const endless = new ReadableStream<Uint8Array>({ pull: (c) => void (pulls++, c.enqueue(new Uint8Array(S))) }, { highWaterMark: 0 });
    const e = await rejection(collect(encryptStream(endless, { keyring, segmentSize: S, windowBytes: 2 * S, plaintextLength: S })));
    expect([e.name, e.message]).toEqual(['InvalidArgumentError', `the input is not the announced plaintextLength of ${S} bytes`]);
    expect(pulls).toBeLessThanOrEqual(4);
  });
});

describe('ENV1 decrypt: header checks before any plaintext', () => {
  const keyring = aesKeyring();
  const message = () => encrypt(random(10), { keyring, encryptionContext: { tenant: 't1', app: 'a' } });

  it('allowedSuites refuses a message of another suite, by name', async () => {
    const { ciphertext } = await message();
    const e = await rejection(decrypt(ciphertext, { keyring, allowedSuites: [0x0101] }));
    expect([e.constructor, e.message]).toEqual([UnsupportedSuiteError, 'suite AES-256-GCM/HKDF-SHA-512/commit is not allowed here']);
    expect((await decrypt(ciphertext, { keyring, allowedSuites: [0x0101, 0x0001] })).plaintext).toHaveLength(10);
  });

  it('requiredContext names each pair the message lacks', async () => {
    const { ciphertext } = await message();
    const e = await rejection(decrypt(ciphertext, { keyring, requiredContext: { tenant: 't2', app: 'a', zone: 'z' } }));
    expect([e.name, e.message]).toEqual(['ContextMismatchError', "the message's encryption context lacks the required pair(s): tenant, zone"]);
    expect((await decrypt(ciphertext, { keyring, requiredContext: { tenant: 't1' } })).plaintext).toHaveLength(10);
    expect((await decrypt(ciphertext, { keyring, requiredContext: {} })).plaintext).toHaveLength(10);
  });

  it('materials for another suite or without a data key of the suite length are refused', async () => {
    const { ciphertext } = await message();
    const m = (materials: object): MaterialsManager => ({ getEncryptionMaterials: async () => ({}) as never, decryptMaterials: async () => materials as never });
    const cases: [object, string][] = [
      [{ suite: SM4_GCM_HKDF_SM3, plaintextDataKey: random(32), trace: [] }, 'the materials manager returned materials for another suite'],
      [{ suite: AES256_GCM_HKDF_SHA512, trace: [] }, 'the materials hold no data key of the suite length'],
      [{ suite: AES256_GCM_HKDF_SHA512, plaintextDataKey: random(16), trace: [] }, 'the materials hold no data key of the suite length'],
    ];
    for (const [materials, message] of cases) {
      const e = await rejection(decrypt(ciphertext, { materialsManager: m(materials) }));
      expect([e.constructor, e.message]).toEqual([InvalidArgumentError, message]);
    }
  });

  it('onHeader sees the authenticated header (suite, id, segment size, context, EDKs, trace); its error fails the stream before any plaintext', async () => {
    const { ciphertext, info } = await message();
    let seen: any;
    const { plaintext } = await decrypt(ciphertext, { keyring, onHeader: (i) => void (seen = i) });
    expect(plaintext).toHaveLength(10);
    expect(seen.suite).toBe(AES256_GCM_HKDF_SHA512);
    expect(seen.messageId).toEqual(info.messageId);
    expect(seen.segmentSize).toBe(1 << 20);
    expect({ ...seen.encryptionContext }).toEqual({ tenant: 't1', app: 'a' });
    expect(seen.encryptedDataKeys).toEqual(info.encryptedDataKeys);
    expect(seen.trace.map((t: any) => t.action)).toEqual(['decrypted']);
    expect(Object.isFrozen(seen)).toBe(true);
    const refused = new Error('not this tenant');
    const reader = decryptStream(streamOf(ciphertext), { keyring, onHeader: async () => Promise.reject(refused) }).getReader();
    expect(await reader.read().catch((e) => e)).toBe(refused);
  });

  it('a header MAC that does not verify is refused after the commitment checks out', async () => {
    const { ciphertext } = await message();
    const h = headerLength(ciphertext);
    const bad = ciphertext.slice();
    bad[h - 1] ^= 1;
    const e = await rejection(decrypt(bad, { keyring }));
    expect([e.name, e.code]).toEqual(['HeaderAuthError', 'ENV1_HEADER_AUTH']);
  });

  it('maxHeaderBytes: a header of exactly the limit is read, one byte over is refused', async () => {
    const { ciphertext } = await encrypt(random(300_000), { keyring, encryptionContext: { k: 'v'.repeat(300) } });
    const h = headerLength(ciphertext);
    const e = await rejection(decrypt(ciphertext, { keyring, limits: { maxHeaderBytes: h - 1 } }));
    expect([e.name, e.message]).toEqual(['LimitExceededError', `header is longer than ${h - 1} bytes`]);
    expect((await decrypt(ciphertext, { keyring, limits: { maxHeaderBytes: h } })).plaintext).toHaveLength(300_000);
  });
});

describe('ENV1 encrypt: materials, message id and limits', () => {
  const keyring = aesKeyring();
  const manager = (m: Partial<EncryptionMaterials>): MaterialsManager => ({
    getEncryptionMaterials: async (r) => ({ ...newEncryptionMaterials(r.suite, r.encryptionContext), ...m }),
    decryptMaterials: async () => {
      throw new Error('encrypt only');
    },
  });
  const edk = { providerId: 'p', providerInfo: Uint8Array.of(1), ciphertext: Uint8Array.of(2) };

  it('refuses materials it cannot write a message for', async () => {
    const cases: [Partial<EncryptionMaterials>, string][] = [
      [{ suite: SM4_GCM_HKDF_SM3, plaintextDataKey: random(32), encryptedDataKeys: [edk] }, 'the materials manager returned materials for another suite'],
      [{ encryptedDataKeys: [edk] }, 'the materials hold no data key of the suite length'],
      [{ plaintextDataKey: random(31), encryptedDataKeys: [edk] }, 'the materials hold no data key of the suite length'],
      [{ plaintextDataKey: random(32), encryptedDataKeys: [] }, 'the materials hold no encrypted data key'],
    ];
    for (const [m, message] of cases) {
      const e = await rejection(encrypt(random(1), { materialsManager: manager(m) }));
      expect([e.constructor, e.message]).toEqual([InvalidArgumentError, message]);
    }
    const three = manager({ plaintextDataKey: random(32), encryptedDataKeys: [edk, edk, edk] });
    const e = await rejection(encrypt(random(1), { materialsManager: three, limits: { maxEncryptedDataKeys: 2 } }));
    expect([e.name, e.message]).toEqual(['LimitExceededError', '3 encrypted data keys; the limit is 2']);
    expect((await encrypt(random(1), { materialsManager: three, limits: { maxEncryptedDataKeys: 3 } })).info.encryptedDataKeys).toHaveLength(3);
  });

  it('a bad context is refused before any keyring runs; the materials’ context is what the header holds', async () => {
    let calls = 0;
    const counting: MaterialsManager = {
      getEncryptionMaterials: async (r) => (calls++, { ...newEncryptionMaterials(r.suite, { ...r.encryptionContext, added: 'by-manager' }), plaintextDataKey: random(32), encryptedDataKeys: [edk] }),
      decryptMaterials: async () => ({}) as never,
    };
    expect((await rejection(encrypt(random(1), { materialsManager: counting, encryptionContext: { '': 'x' } }))).name).toBe('InvalidArgumentError');
    expect((await rejection(encrypt(random(1), { materialsManager: counting, unstoredContext: { a: 1 as never } }))).name).toBe('InvalidArgumentError');
    expect(calls).toBe(0);
    const { ciphertext, info } = await encrypt(random(1), { materialsManager: counting, encryptionContext: { mine: '1' } });
    const r = parseHeader(ciphertext);
    expect('header' in r && { ...r.header.encryptionContext }).toEqual({ mine: '1', added: 'by-manager' });
    expect({ ...info.encryptionContext }).toEqual({ mine: '1', added: 'by-manager' });
  });

  it('the message id is 32 bytes from the caller of encryptStreamWithId, fresh for each encryptStream', async () => {
    const e = await rejection(collect(encryptStreamWithId(streamOf(random(1)), { keyring }, () => random(31))));
    expect([e.constructor, e.message]).toEqual([InvalidArgumentError, 'message id must be 32 bytes']);
    const id = random(32);
    const ct = await collect(encryptStreamWithId(streamOf(random(1)), { keyring }, () => id));
    expect(ct.subarray(9, 41)).toEqual(id);
    const a = await encrypt(random(1), { keyring });
    const b = await encrypt(random(1), { keyring });
    expect(a.info.messageId).toHaveLength(32);
    expect(Buffer.from(a.info.messageId).equals(Buffer.from(b.info.messageId))).toBe(false);
  });

  it('a header above maxHeaderBytes is not written; one of exactly the limit is', async () => {
    const { ciphertext } = await encrypt(random(1), { keyring, encryptionContext: { k: 'v'.repeat(300) } });
    const h = headerLength(ciphertext);
    const e = await rejection(encrypt(random(1), { keyring, encryptionContext: { k: 'v'.repeat(300) }, limits: { maxHeaderBytes: h - 1 } }));
    expect([e.name, e.message]).toEqual(['LimitExceededError', `the header would be ${h} bytes; the limit is ${h - 1}`]);
    expect(headerLength((await encrypt(random(1), { keyring, encryptionContext: { k: 'v'.repeat(300) }, limits: { maxHeaderBytes: h } })).ciphertext)).toBe(h);
  });

  it('onMessage hears the message once, before any segment, with what the header holds', async () => {
    const seen: any[] = [];
    const reader = encryptStream(streamOf(random(5)), { keyring, encryptionContext: { a: 'b' }, segmentSize: 8192, onMessage: (i) => seen.push(i) }).getReader();
    const first = await reader.read();
    expect(seen).toHaveLength(1);
    const r = parseHeader(first.value!);
    if (!('header' in r)) throw new Error('the first chunk is the whole header');
    expect(r.header.length).toBe(first.value!.length);
    expect([seen[0].suite, seen[0].segmentSize, seen[0].messageId, { ...seen[0].encryptionContext }]).toEqual([AES256_GCM_HKDF_SHA512, 8192, r.header.messageId, { a: 'b' }]);
    expect(seen[0].encryptedDataKeys).toEqual(r.header.encryptedDataKeys);
    expect(seen[0].trace.map((t: any) => t.action)).toEqual(['generated', 'encrypted']);
    expect(Object.isFrozen(seen[0])).toBe(true);
    await reader.cancel();
  });

  it('the SM suite by id or by object', async () => {
    for (const suite of [0x0101 as const, SM4_GCM_HKDF_SM3]) {
      const { ciphertext, info } = await encrypt(random(5000), { keyring, suite, segmentSize: S });
      expect([ciphertext[5], ciphertext[6], info.suite]).toEqual([1, 1, SM4_GCM_HKDF_SM3]);
      expect((await decrypt(ciphertext, { keyring })).plaintext).toHaveLength(5000);
    }
  });

  it('plaintextLength: an input that runs past it fails at the segment where it does, one that falls short at its end', async () => {
    const e = await rejection(collect(encryptStream(chunkedStream(random(3 * S), 1000), { keyring, segmentSize: S, plaintextLength: S })));
    expect([e.constructor, e.message]).toEqual([InvalidArgumentError, `the input is not the announced plaintextLength of ${S} bytes`]);
    for (const n of [S + 1, 2 * S]) {
      expect((await collect(encryptStream(streamOf(random(n)), { keyring, segmentSize: S, plaintextLength: n }))).length).toBeGreaterThan(n);
    }
    // A segment-multiple input shorter than announced: the final full segment still fails it.
    expect((await rejection(collect(encryptStream(streamOf(random(S)), { keyring, segmentSize: S, plaintextLength: S + 1 })))).code).toBe('ENV1_INVALID_ARGUMENT');
  });
});

describe('ENV1 options', () => {
  it('a keyring or a materials manager, not both, not neither', () => {
    const keyring = aesKeyring();
    const mm: MaterialsManager = { getEncryptionMaterials: async () => ({}) as never, decryptMaterials: async () => ({}) as never };
    expect(materialsManagerOf({ materialsManager: mm })).toBe(mm);
    expect(materialsManagerOf({ keyring }).constructor.name).toBe('KeyringMaterialsManager');
    expect(() => materialsManagerOf({ keyring, materialsManager: mm } as never)).toThrow(new InvalidArgumentError('give either keyring or materialsManager, not both'));
    expect(() => materialsManagerOf({} as never)).toThrow(new InvalidArgumentError('a keyring or a materialsManager is required'));
  });

  it('suite: default AES, by id or by object; an unknown one refused', () => {
    expect(suiteOf(undefined)).toBe(AES256_GCM_HKDF_SHA512);
    expect(suiteOf(0x0101)).toBe(SM4_GCM_HKDF_SM3);
    expect(suiteOf(SM4_GCM_HKDF_SM3)).toBe(SM4_GCM_HKDF_SM3);
    expect(suiteOf({ ...SM4_GCM_HKDF_SM3 })).toBe(SM4_GCM_HKDF_SM3);
    expect(() => suiteOf(7 as never)).toThrow(UnsupportedSuiteError);
  });

  it('segmentSize: a power of two from 4096 to 16 MiB, default 1 MiB', () => {
    expect(segmentLog2Of(undefined)).toBe(20);
    expect(segmentLog2Of(4096)).toBe(12);
    expect(segmentLog2Of(1 << 24)).toBe(24);
    for (const bad of [2048, 1 << 25, 5000, 0, -4096, Number.NaN]) {
      expect(() => segmentLog2Of(bad), String(bad)).toThrow(new InvalidArgumentError('segmentSize must be a power of two from 4096 to 16777216'));
    }
  });

  it('limits: defaults, and each field an integer within its range', () => {
    expect(limitsOf(undefined)).toEqual(DEFAULT_LIMITS);
    expect(limitsOf({ maxEncryptedDataKeys: 3 })).toEqual({ ...DEFAULT_LIMITS, maxEncryptedDataKeys: 3 });
    const ok = [
      { maxHeaderBytes: 128 },
      { maxHeaderBytes: 16 * 1024 * 1024 },
      { maxEncryptedDataKeys: 1 },
      { maxEncryptedDataKeys: 0xffff },
      { maxSegmentLog2: 12 },
      { maxSegmentLog2: 24 },
    ];
    for (const l of ok) expect(limitsOf(l)).toEqual({ ...DEFAULT_LIMITS, ...l });
    const bad: [object, string][] = [
      [{ maxHeaderBytes: 127 }, 'limits.maxHeaderBytes must be an integer from 128 to 16777216'],
      [{ maxHeaderBytes: 16 * 1024 * 1024 + 1 }, 'limits.maxHeaderBytes must be an integer from 128 to 16777216'],
      [{ maxHeaderBytes: 1000.5 }, 'limits.maxHeaderBytes must be an integer from 128 to 16777216'],
      [{ maxEncryptedDataKeys: 0 }, 'limits.maxEncryptedDataKeys must be an integer from 1 to 65535'],
      [{ maxEncryptedDataKeys: 0x10000 }, 'limits.maxEncryptedDataKeys must be an integer from 1 to 65535'],
      [{ maxSegmentLog2: 11 }, 'limits.maxSegmentLog2 must be an integer from 12 to 24'],
      [{ maxSegmentLog2: 25 }, 'limits.maxSegmentLog2 must be an integer from 12 to 24'],
    ];
    for (const [l, message] of bad) expect(() => limitsOf(l), message).toThrow(new InvalidArgumentError(message));
  });

  it('window: bytes over segment size, at least 2 and at most 64 segments; default 2 MiB', () => {
    expect(DEFAULT_WINDOW_BYTES).toBe(2 * 1024 * 1024);
    expect(windowOf(undefined, 1 << 20)).toBe(2);
    expect(windowOf(undefined, 4096)).toBe(64);
    expect(windowOf(10 * 4096 + 4095, 4096)).toBe(10);
    expect(windowOf(1, 4096)).toBe(2);
    expect(windowOf(65 * 4096, 4096)).toBe(64);
    for (const bad of [0, -1, 1.5]) expect(() => windowOf(bad, 4096)).toThrow(new InvalidArgumentError('windowBytes must be a positive integer'));
  });

  it('AES-GCM comes from the caller’s crypto provider, else the portable one', () => {
    expect(aesGcmOf({})).toBe(portableCrypto.aesGcm);
    expect(aesGcmOf({ crypto: nodeCrypto })).toBe(nodeCrypto.aesGcm);
  });
});

describe('ENV1 one-shot helpers', () => {
  it('streamOf yields views of at most 1 MiB; collect joins them (and returns a single chunk as it is)', async () => {
    const data = random(2 * (1 << 20) + 5);
    const reader = streamOf(data).getReader();
    const sizes: number[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      expect(r.value.buffer).toBe(data.buffer);
      sizes.push(r.value.length);
    }
    expect(sizes).toEqual([1 << 20, 1 << 20, 5]);
    expect(Buffer.from(await collect(streamOf(data))).equals(Buffer.from(data))).toBe(true);
    const one = random(10);
    const collected = await collect(streamOf(one));
    expect([collected.buffer === one.buffer, [...collected]]).toEqual([true, [...one]]);
    expect(await collect(streamOf(new Uint8Array(0)))).toEqual(new Uint8Array(0));
  });

  it('encrypt and decrypt take bytes only, and hand the info to the caller’s callbacks too', async () => {
    const keyring = aesKeyring();
    for (const bad of ['text', [1, 2], undefined]) {
      expect(await rejection(encrypt(bad as never, { keyring }))).toEqual(new InvalidArgumentError('plaintext must be a Uint8Array'));
      expect(await rejection(decrypt(bad as never, { keyring }))).toEqual(new InvalidArgumentError('ciphertext must be a Uint8Array'));
    }
    let onMessage: unknown;
    let onHeader: unknown;
    const { ciphertext, info } = await encrypt(random(3), { keyring, onMessage: (i) => void (onMessage = i) });
    expect(onMessage).toBe(info);
    const out = await decrypt(ciphertext, { keyring, onHeader: (i) => void (onHeader = i) });
    expect(onHeader).toBe(out.info);
    expect(out.info.messageId).toEqual(info.messageId);
  });
});

describe('ByteQueue', () => {
  const queue = (...chunks: Uint8Array[]) => new ByteQueue(source(chunks).stream.getReader());
  const seq = (from: number, n: number) => Uint8Array.from({ length: n }, (_, i) => from + i);

  it('fill reads only until enough is buffered, skips empty chunks, and says whether the source had enough', async () => {
    const s = source([seq(0, 3), new Uint8Array(0), seq(3, 4), seq(7, 2)]);
    const q = new ByteQueue(s.stream.getReader());
    expect(await q.fill(0)).toBe(true);
    expect(s.log.pulls).toBe(0);
    expect(await q.fill(3)).toBe(true);
    expect([q.size, s.log.pulls]).toEqual([3, 1]);
    expect(await q.fill(4)).toBe(true);
    expect(q.size).toBe(7);
    expect(await q.fill(10)).toBe(false);
    expect(q.size).toBe(9);
    expect(await q.fill(9)).toBe(true);
    expect(await q.fill(10)).toBe(false);
    // The empty chunk left no empty piece behind.
    expect(q.takePieces(9, 4).map((p) => [...p])).toEqual([[0, 1, 2], [3, 4, 5, 6], [7, 8]]);
    expect(await q.fill(1)).toBe(false);
  });

  it('take and peek of nothing work on an empty queue', async () => {
    const q = queue();
    expect(await q.fill(0)).toBe(true);
    expect(q.take(0)).toEqual(new Uint8Array(0));
    expect(q.peek(0)).toEqual(new Uint8Array(0));
    expect(q.takePieces(0, 1)).toEqual([]);
  });

  it('take and peek across chunks, views when one chunk holds the bytes', async () => {
    const first = seq(0, 4);
    const q = queue(first, seq(4, 4), seq(8, 4));
    await q.fill(12);
    expect(q.peek(0)).toEqual(new Uint8Array(0));
    expect(q.take(0)).toEqual(new Uint8Array(0));
    const view = q.peek(3);
    expect([view.buffer === first.buffer, [...view]]).toEqual([true, [0, 1, 2]]);
    expect([...q.peek(10)]).toEqual([...seq(0, 10)]);
    const taken = q.take(2);
    expect([taken.buffer === first.buffer, [...taken]]).toEqual([true, [0, 1]]);
    expect([...q.peek(7)]).toEqual([...seq(2, 7)]);
    expect([...q.peek(3)]).toEqual([2, 3, 4]);
    // Exactly the rest of the first chunk: still a view, for peek and for take.
    const rest = q.peek(2);
    expect([rest.buffer === first.buffer, [...rest]]).toEqual([true, [2, 3]]);
    const restTaken = q.take(2);
    expect([restTaken.buffer === first.buffer, [...restTaken]]).toEqual([true, [2, 3]]);
    expect([...q.take(5)]).toEqual([...seq(4, 5)]);
    expect(q.size).toBe(3);
    expect([...q.peek(3)]).toEqual([9, 10, 11]);
    expect([...q.take(3)]).toEqual([9, 10, 11]);
    expect(q.size).toBe(0);
    expect(() => q.take(1)).toThrow(new RangeError('take past the buffered bytes'));
    expect(() => q.peek(1)).toThrow(new RangeError('peek past the buffered bytes'));
    expect(() => q.takePieces(1, 4)).toThrow(new RangeError('take past the buffered bytes'));
  });

  it('takePieces returns views of up to maxPieces chunks, else one joined copy', async () => {
    const chunks = [seq(0, 3), seq(3, 3), seq(6, 3), seq(9, 3)];
    const q = queue(...chunks);
    await q.fill(12);
    q.take(1);
    const pieces = q.takePieces(7, 3); // 2 + 3 + 2: three chunks
    expect(pieces.map((p) => [...p])).toEqual([[1, 2], [3, 4, 5], [6, 7]]);
    expect(pieces.map((p, i) => p.buffer === chunks[i].buffer)).toEqual([true, true, true]);
    const joined = q.takePieces(4, 1); // 1 + 3: two chunks, over the limit of 1
    expect(joined.map((p) => [...p])).toEqual([[8, 9, 10, 11]]);
    expect(q.size).toBe(0);
    const q2 = queue(seq(0, 2), seq(2, 2));
    await q2.fill(4);
    expect(q2.takePieces(4, 2).map((p) => [...p])).toEqual([[0, 1], [2, 3]]);
    expect(MAX_PIECES).toBe(32);
    expect(MAX_SEGMENTS).toBe(2 ** 32);
  });

  it('refuses a chunk that is not a Uint8Array; cancel drops the buffer and never throws', async () => {
    const q = queue(seq(0, 2), 'x' as never);
    await expect(q.fill(3)).rejects.toThrow(new InvalidArgumentError('stream chunks must be Uint8Array'));
    const s = source([seq(0, 5)]);
    const q2 = new ByteQueue(s.stream.getReader());
    await q2.fill(5);
    await q2.cancel('why');
    expect([q2.size, s.log.cancelled]).toEqual([0, 'why']);
    expect(await q2.fill(1)).toBe(false);
    const errored = new ReadableStream<Uint8Array>({ start: (c) => c.error(new Error('broken')) });
    await expect(new ByteQueue(errored.getReader()).cancel()).resolves.toBeUndefined();
  });
});

describe('ENV1 contexts bound but not stored', () => {
  it('the unstored context is not in the header and must be given again, exactly', async () => {
    const keyring = aesKeyring();
    const { ciphertext } = await encrypt(random(10), { keyring, unstoredContext: { row: '42' } });
    expect(Buffer.from(ciphertext).includes(Buffer.from(encodeContext({ row: '42' })))).toBe(false);
    expect((await decrypt(ciphertext, { keyring, unstoredContext: { row: '42' } })).plaintext).toHaveLength(10);
  });
});
