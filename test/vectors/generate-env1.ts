// Writes test/vectors/env1.json: run once with `node scripts/tsrun.mjs test/vectors/generate-env1.ts`
// and commit the result. The vectors are then fixed: the checks decrypt them and reproduce them byte for
// byte, and an independent decoder (test/sdk/vectors.test.ts, node:crypto only) decrypts the AES ones.
// Regenerating changes every random field (data keys, message ids, EDK IVs); only do it on purpose.
import { writeFileSync } from 'node:fs';
import { loadWasmNode } from '../../src/runtime/wasm-node.ts';
import { sm2GenerateKeyPair } from '../../src/crypto/sm2.ts';
import { parseHeader } from '../../src/sdk/format/header.ts';
import { suiteById } from '../../src/sdk/format/suites.ts';
import { newEncryptionMaterials } from '../../src/sdk/materials/materials.ts';
import type { EncryptionMaterials } from '../../src/sdk/materials/types.ts';
import { encryptStreamWithId } from '../../src/sdk/stream/encrypt-stream.ts';
import { collect, streamOf } from '../../src/sdk/stream/one-shot.ts';
import { keyringOf, toHex, type Env1Vectors, type KeyringSpec, type NegativeVector, type PositiveVector } from './env1-checks.ts';

await loadWasmNode();
const rand = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);
const sm2 = sm2GenerateKeyPair();
const keyrings: Record<string, KeyringSpec> = {
  'aes-a': { type: 'raw-aes', namespace: 'vectors', name: 'aes-a', key: toHex(pattern(32)) },
  'aes-b': { type: 'raw-aes', namespace: 'vectors', name: 'aes-b', key: toHex(rand(32)) },
  'aes-a-wrong-key': { type: 'raw-aes', namespace: 'vectors', name: 'aes-a', key: toHex(rand(32)) },
  sm2: { type: 'raw-sm2', namespace: 'vectors', name: 'sm2', key: toHex(sm2.privateKey), publicKey: toHex(sm2.publicKey) },
};

interface Spec {
  name: string;
  suite: number;
  segmentSize: number;
  size: number;
  encryptionContext?: Record<string, string>;
  unstoredContext?: Record<string, string>;
  wrap: string[];
  /** Keyrings whose EDK holds a different data key than the message's (a malicious sender). */
  lie?: string[];
}

async function make(s: Spec): Promise<PositiveVector> {
  const suite = suiteById(s.suite);
  const dataKey = rand(32);
  const messageId = rand(32);
  let m: EncryptionMaterials = { ...newEncryptionMaterials(suite, s.encryptionContext ?? {}), plaintextDataKey: dataKey };
  for (const k of s.wrap) {
    const wrapped = await keyringOf(keyrings[k]).onEncrypt(
      s.lie?.includes(k) ? { ...newEncryptionMaterials(suite, s.encryptionContext ?? {}), plaintextDataKey: rand(32) } : m,
    );
    m = { ...m, encryptedDataKeys: [...m.encryptedDataKeys, wrapped.encryptedDataKeys.at(-1)!] };
  }
  const plaintext = pattern(s.size);
  const ciphertext = await collect(
    encryptStreamWithId(
      streamOf(plaintext),
      {
        materialsManager: { getEncryptionMaterials: async () => m, decryptMaterials: async () => { throw new Error(); } },
        suite: suite.id,
        segmentSize: s.segmentSize,
        encryptionContext: s.encryptionContext,
        unstoredContext: s.unstoredContext,
        limits: { maxEncryptedDataKeys: 10 },
      },
      () => messageId,
    ),
  );
  return {
    name: s.name,
    suite: s.suite,
    segmentSize: s.segmentSize,
    encryptionContext: s.encryptionContext ?? {},
    unstoredContext: s.unstoredContext ?? {},
    keyring: s.wrap.find((k) => !s.lie?.includes(k))!,
    dataKey: toHex(dataKey),
    messageId: toHex(messageId),
    encryptedDataKeys: m.encryptedDataKeys.map((e) => ({ providerId: e.providerId, providerInfo: toHex(e.providerInfo), ciphertext: toHex(e.ciphertext) })),
    plaintext: toHex(plaintext),
    ciphertext: toHex(ciphertext),
  };
}

const S = 4096;
const positive = [
  await make({ name: 'AES suite, empty message, empty context', suite: 1, segmentSize: S, size: 0, wrap: ['aes-a'] }),
  await make({ name: 'AES suite, 1 byte', suite: 1, segmentSize: S, size: 1, encryptionContext: { purpose: 'vectors' }, wrap: ['aes-a'] }),
  await make({ name: 'AES suite, segment size - 1', suite: 1, segmentSize: S, size: S - 1, encryptionContext: { b: '2', a: '1' }, wrap: ['aes-a'] }),
  await make({ name: 'AES suite, exactly one segment (final segment full)', suite: 1, segmentSize: S, size: S, wrap: ['aes-a'] }),
  await make({
    name: 'AES suite, segment size + 1, non-ASCII context and an unstored context',
    suite: 1,
    segmentSize: S,
    size: S + 1,
    encryptionContext: { 'tenant': '租户-7', 'é': 'ü' },
    unstoredContext: { row: '42' },
    wrap: ['aes-a'],
  }),
  await make({ name: 'AES suite, 3 segments + 100 bytes, two EDKs (raw AES and raw SM2)', suite: 1, segmentSize: S, size: 3 * S + 100, encryptionContext: { k: 'v' }, wrap: ['aes-a', 'sm2'] }),
  await make({ name: 'AES suite, 8 KiB segments, 10000 bytes', suite: 1, segmentSize: 8192, size: 10000, wrap: ['aes-a'] }),
  await make({ name: 'SM suite, empty message', suite: 0x0101, segmentSize: S, size: 0, wrap: ['sm2'] }),
  await make({ name: 'SM suite, segment size + 1, SM2 keyring', suite: 0x0101, segmentSize: S, size: S + 1, encryptionContext: { 部门: '财务' }, wrap: ['sm2'] }),
  await make({ name: 'SM suite, 2 segments + 5 bytes, raw AES keyring', suite: 0x0101, segmentSize: S, size: 2 * S + 5, wrap: ['aes-a'] }),
];

const byName = (n: string) => positive.find((p) => p.name.startsWith(n))!;
const bytes = (v: PositiveVector) => Uint8Array.from(Buffer.from(v.ciphertext, 'hex'));
const headerLength = (b: Uint8Array) => {
  const r = parseHeader(b, { maxHeaderBytes: 65536, maxEncryptedDataKeys: 100, maxSegmentLog2: 24 });
  if (!('header' in r)) throw new Error('header');
  return r.header.length;
};
type Pieces = NegativeVector['pieces'];
const negative: NegativeVector[] = [];
function neg(name: string, from: PositiveVector, edit: (b: Uint8Array, h: number) => Pieces, code: string, errName: string, options?: NegativeVector['options'], keyring = from.keyring) {
  const b = bytes(from);
  negative.push({ name, keyring, base: from.name, pieces: edit(b, headerLength(b)), options, error: { code, name: errName } });
}
/** Replaces bytes at `i` (of the base message) with `by`. */
const put = (i: number, by: number[]) => (b: Uint8Array): Pieces => [[0, i], toHex(Uint8Array.from(by)), [i + by.length, b.length]];
const flip = (at: (h: number, b: Uint8Array) => number) => (b: Uint8Array, h: number): Pieces => {
  const i = at(h, b);
  return put(i, [b[i] ^ 0x01])(b);
};
const u32 = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const three = byName('AES suite, 3 segments');
const SEG = 1 + S + 16;
/** Segment i of the base message as a range. */
const seg = (b: Uint8Array, h: number, i: number): [number, number] => [h + i * SEG, Math.min(b.length, h + (i + 1) * SEG)];
const whole = (b: Uint8Array): Pieces => [[0, b.length]];

neg('bad magic', three, flip(() => 0), 'ENV1_BAD_HEADER', 'HeaderFormatError');
neg('version 2', three, (b) => put(4, [2])(b), 'ENV1_BAD_HEADER', 'HeaderFormatError');
neg('unknown suite 0x0002', three, (b) => put(5, [0, 2])(b), 'ENV1_UNSUPPORTED_SUITE', 'UnsupportedSuiteError');
neg('segment size 2^11', three, (b) => put(7, [11])(b), 'ENV1_BAD_HEADER', 'HeaderFormatError');
neg('reserved flags set', three, flip(() => 8), 'ENV1_BAD_HEADER', 'HeaderFormatError');
neg('segment size changed (2^13)', three, (b) => put(7, [13])(b), 'ENV1_COMMITMENT_MISMATCH', 'CommitmentMismatchError');
neg('message id changed', three, flip(() => 20), 'ENV1_COMMITMENT_MISMATCH', 'CommitmentMismatchError');
// The raw AES keyring binds the context into its EDK, so that EDK no longer opens; SM2 cannot bind it, and
// the commitment catches the change.
neg('context value changed (raw AES keyring)', three, flip(() => 43 + 2 + 2 + 1 + 2), 'ENV1_NO_DATA_KEY', 'NoDataKeyError');
neg('context value changed (raw SM2 keyring)', three, flip(() => 43 + 2 + 2 + 1 + 2), 'ENV1_COMMITMENT_MISMATCH', 'CommitmentMismatchError', undefined, 'sm2');
// a=1, b=2 re-encoded as b=2, a=1: the same pairs, not canonical
neg('context pairs out of order', byName('AES suite, segment size - 1'), (b) => put(45, [0, 1, 0x62, 0, 1, 0x32, 0, 1, 0x61, 0, 1, 0x31])(b), 'ENV1_BAD_HEADER', 'HeaderFormatError');
neg('commitment changed', three, flip((h) => h - 64), 'ENV1_COMMITMENT_MISMATCH', 'CommitmentMismatchError');
neg('header MAC changed', three, flip((h) => h - 1), 'ENV1_HEADER_AUTH', 'HeaderAuthError');
neg('an EDK the keyring does not use changed (SM2 EDK)', three, flip((h) => h - 64 - 5), 'ENV1_HEADER_AUTH', 'HeaderAuthError');
neg('the EDK the keyring uses changed', three, flip(() => 43 + 7 + 2 + 2 + 7 + 2 + 5 + 2 + 20), 'ENV1_NO_DATA_KEY', 'NoDataKeyError');
neg('wrong wrapping key', three, whole, 'ENV1_NO_DATA_KEY', 'NoDataKeyError', undefined, 'aes-a-wrong-key');
neg('too many EDKs for the limit', three, whole, 'ENV1_LIMIT', 'LimitExceededError', { limits: { maxEncryptedDataKeys: 1 } });
neg('required context pair missing', three, whole, 'ENV1_CONTEXT_MISMATCH', 'ContextMismatchError', { requiredContext: { k: 'other' } });
neg('unstored context missing', byName('AES suite, segment size + 1'), whole, 'ENV1_COMMITMENT_MISMATCH', 'CommitmentMismatchError');
neg('unstored context different', byName('AES suite, segment size + 1'), whole, 'ENV1_COMMITMENT_MISMATCH', 'CommitmentMismatchError', { unstoredContext: { row: '43' } });
neg('segment ciphertext changed', three, flip((h) => h + SEG + 9), 'ENV1_SEGMENT_AUTH', 'SegmentAuthError');
neg('segment tag changed', three, flip((h) => h + SEG - 1), 'ENV1_SEGMENT_AUTH', 'SegmentAuthError');
neg('segments 0 and 1 swapped', three, (b, h) => [[0, h], seg(b, h, 1), seg(b, h, 0), seg(b, h, 2), seg(b, h, 3)], 'ENV1_SEGMENT_REORDERED', 'SegmentReorderedError');
neg('segment 1 dropped', three, (b, h) => [[0, h], seg(b, h, 0), seg(b, h, 2), seg(b, h, 3)], 'ENV1_SEGMENT_REORDERED', 'SegmentReorderedError');
neg('segment 1 duplicated', three, (b, h) => [[0, h], seg(b, h, 0), seg(b, h, 1), seg(b, h, 1), seg(b, h, 2), seg(b, h, 3)], 'ENV1_SEGMENT_DUPLICATED', 'SegmentDuplicatedError');
neg('final segment dropped', three, (b, h) => [[0, h + 3 * SEG]], 'ENV1_MISSING_FINAL_SEGMENT', 'MissingFinalSegmentError');
neg('regular segment marked final', three, (b, h) => put(h, [1])(b), 'ENV1_BAD_SEGMENT', 'SegmentFormatError');
neg('final length above the segment size', three, (b, h) => put(h + 3 * SEG + 1, u32(S + 1))(b), 'ENV1_BAD_SEGMENT', 'SegmentFormatError');
neg('unknown segment type', three, (b, h) => put(h, [2])(b), 'ENV1_BAD_SEGMENT', 'SegmentFormatError');
neg('cut inside the header', three, (b, h) => [[0, h - 1]], 'ENV1_TRUNCATED', 'TruncatedError');
neg('cut inside a segment', three, (b, h) => [[0, h + SEG + 100]], 'ENV1_TRUNCATED', 'TruncatedError');
neg('cut inside the final segment', three, (b) => [[0, b.length - 1]], 'ENV1_TRUNCATED', 'TruncatedError');
neg('one byte after the final segment', three, (b) => [[0, b.length], '00'], 'ENV1_TRAILING_BYTES', 'TrailingBytesError');
neg('SM suite: segment changed', byName('SM suite, 2 segments'), flip((h) => h + 50), 'ENV1_SEGMENT_AUTH', 'SegmentAuthError');
neg('SM suite: segments swapped', byName('SM suite, 2 segments'), (b, h) => [[0, h], seg(b, h, 1), seg(b, h, 0), seg(b, h, 2)], 'ENV1_SEGMENT_REORDERED', 'SegmentReorderedError');

const lying = await make({ name: 'two EDKs, the second wraps another data key', suite: 1, segmentSize: S, size: 10, wrap: ['aes-a', 'aes-b'], lie: ['aes-b'] });
// The honest recipient of the same message decrypts it (a positive vector); the other one must not.
positive.push(lying);
negative.push({ name: 'commitment mismatch: an EDK that unwraps to a different data key', keyring: 'aes-b', base: lying.name, pieces: [[0, lying.ciphertext.length / 2]], error: { code: 'ENV1_COMMITMENT_MISMATCH', name: 'CommitmentMismatchError' } });

const vectors: Env1Vectors = {
  format: 'ENV1',
  description:
    'ENV1 message vectors (docs/FORMAT.md). Hex everywhere. positive: decrypting `ciphertext` with `keyring` (and `unstoredContext`) gives `plaintext`; encrypting `plaintext` with `dataKey`, `messageId`, `encryptedDataKeys` and the other fields gives `ciphertext` exactly. negative: the message made of `pieces` ([start, end) ranges of the positive vector named `base`, and hex strings) must fail to decrypt with `error`.',
  keyrings,
  positive,
  negative,
};
writeFileSync('test/vectors/env1.json', JSON.stringify(vectors, null, 1) + '\n');
console.log(`wrote test/vectors/env1.json: ${positive.length} positive, ${negative.length} negative`);
