// The ENV1 header: encoding, and a parser that works on a growing prefix of the input (it answers "need N
// bytes" until the whole header is there), so a stream never buffers more than the header itself and
// every length is checked against the limits before it is trusted. Layout (big-endian), see docs/FORMAT.md:
//
//   0   4  magic 0x89 'E' 'N' 'V'        41  2  ecLen, then ecLen bytes of encoded context
//   4   1  version 0x01                       2  edkCount (>= 1), then edkCount x
//   5   2  suite id                              { u16 len, providerId, u16 len, providerInfo, u16 len, ciphertext }
//   7   1  segment size log2 (12..24)        32  commitment
//   8   1  flags (0)                         32  header MAC
//   9  32  message id
import { utf8, fromUtf8 } from '../../crypto/bytes.ts';
import type { EncryptedDataKey } from '../materials/types.ts';
import { decodeContext, type EncryptionContext } from './context.ts';
import { HeaderFormatError, LimitExceededError } from './errors.ts';
import { suiteById, type AlgorithmSuite } from './suites.ts';

export const MAGIC = Uint8Array.of(0x89, 0x45, 0x4e, 0x56);
export const VERSION = 1;
export const MESSAGE_ID_BYTES = 32;
export const COMMITMENT_BYTES = 32;
export const HEADER_MAC_BYTES = 32;
export const MIN_SEGMENT_LOG2 = 12;
export const MAX_SEGMENT_LOG2 = 24;
// 1 MiB: every segment costs a fixed amount besides its bytes (on Node about 40 us per WebCrypto call for
// argument checks and the thread-pool hop, a cipher object per node:crypto call, the stream's per-chunk
// promises); 64 KiB segments spent more time submitting than encrypting, and 1 MiB takes 14-33% less CPU
// per byte than 256 KiB (profiled over 256 MiB). A reader still holds only a window of segments (options.ts).
// Messages written with any other size (the earlier defaults 64 and 256 KiB) read as before: the size is
// in the header.
export const DEFAULT_SEGMENT_LOG2 = 20;
/** Bytes before the context: magic, version, suite, segment size, flags, message id, ecLen. */
const FIXED = 43;

export interface HeaderLimits {
  /** Largest header accepted, in bytes (default 65536). */
  readonly maxHeaderBytes: number;
  /** Most encrypted data keys accepted (default 10). */
  readonly maxEncryptedDataKeys: number;
  /** Largest segment size accepted, as log2 (default 24: 16 MiB, the format's maximum). */
  readonly maxSegmentLog2: number;
}

export const DEFAULT_LIMITS: HeaderLimits = Object.freeze({ maxHeaderBytes: 65536, maxEncryptedDataKeys: 10, maxSegmentLog2: MAX_SEGMENT_LOG2 });

export interface Header {
  readonly suite: AlgorithmSuite;
  readonly segmentLog2: number;
  readonly messageId: Uint8Array;
  /** The context exactly as encoded in the header. */
  readonly contextBytes: Uint8Array;
  readonly encryptionContext: EncryptionContext;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  readonly commitment: Uint8Array;
  readonly mac: Uint8Array;
  /** header[0 .. end of commitment]: what the MAC covers (with the unstored context). */
  readonly authenticated: Uint8Array;
  /** The whole header's length on the wire. */
  readonly length: number;
}

/** Encodes everything up to and including the commitment (the MAC is appended by the caller). */
export function encodeHeaderBody(h: {
  suite: AlgorithmSuite;
  segmentLog2: number;
  messageId: Uint8Array;
  contextBytes: Uint8Array;
  encryptedDataKeys: readonly EncryptedDataKey[];
  commitment: Uint8Array;
}): Uint8Array {
  if (h.encryptedDataKeys.length < 1 || h.encryptedDataKeys.length > 0xffff) throw new HeaderFormatError('a message needs 1..65535 encrypted data keys');
  const edks = h.encryptedDataKeys.map((e) => [utf8(e.providerId), e.providerInfo, e.ciphertext] as const);
  let size = FIXED + h.contextBytes.length + 2 + COMMITMENT_BYTES;
  for (const parts of edks) for (const p of parts) size += 2 + p.length;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = VERSION;
  v.setUint16(5, h.suite.id);
  out[7] = h.segmentLog2;
  out[8] = 0;
  out.set(h.messageId, 9);
  v.setUint16(41, h.contextBytes.length);
  out.set(h.contextBytes, FIXED);
  let o = FIXED + h.contextBytes.length;
  v.setUint16(o, edks.length);
  o += 2;
  for (const parts of edks) {
    for (const p of parts) {
      if (p.length > 0xffff) throw new HeaderFormatError('an encrypted data key field is longer than 65535 bytes');
      v.setUint16(o, p.length);
      out.set(p, o + 2);
      o += 2 + p.length;
    }
  }
  out.set(h.commitment, o);
  return out;
}

export type ParseResult = { header: Header } | { need: number };

/**
 * Parses a header from the start of `buf`. Returns `{ need }` (total bytes required to get further) when
 * `buf` is too short; throws HeaderFormatError, UnsupportedSuiteError or LimitExceededError otherwise.
 */
export function parseHeader(buf: Uint8Array, limits: HeaderLimits = DEFAULT_LIMITS): ParseResult {
  const want = (n: number): { need: number } | undefined => {
    if (n > limits.maxHeaderBytes) throw new LimitExceededError(`header is longer than ${limits.maxHeaderBytes} bytes`);
    return n > buf.length ? { need: n } : undefined;
  };
  const short = want(FIXED);
  if (short) return short;
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let i = 0; i < 4; i++) if (buf[i] !== MAGIC[i]) throw new HeaderFormatError('not an ENV1 message (bad magic)');
  if (buf[4] !== VERSION) throw new HeaderFormatError(`unsupported ENV1 version ${buf[4]}`);
  const suite = suiteById(v.getUint16(5));
  const segmentLog2 = buf[7];
  if (segmentLog2 < MIN_SEGMENT_LOG2 || segmentLog2 > MAX_SEGMENT_LOG2) throw new HeaderFormatError(`segment size 2^${segmentLog2} is outside 2^12..2^24`);
  if (segmentLog2 > limits.maxSegmentLog2) throw new LimitExceededError(`segment size 2^${segmentLog2} is above the limit 2^${limits.maxSegmentLog2}`);
  if (buf[8] !== 0) throw new HeaderFormatError('reserved flags are set');
  const ecLen = v.getUint16(41);
  let o = FIXED + ecLen;
  const r1 = want(o + 2);
  if (r1) return r1;
  const contextBytes = buf.slice(FIXED, o);
  const encryptionContext = decodeContext(contextBytes);
  const count = v.getUint16(o);
  o += 2;
  if (count === 0) throw new HeaderFormatError('no encrypted data keys');
  if (count > limits.maxEncryptedDataKeys) throw new LimitExceededError(`${count} encrypted data keys; the limit is ${limits.maxEncryptedDataKeys}`);
  const edks: EncryptedDataKey[] = [];
  for (let i = 0; i < count; i++) {
    const fields: Uint8Array[] = [];
    for (let f = 0; f < 3; f++) {
      const r = want(o + 2);
      if (r) return r;
      const n = v.getUint16(o);
      const r2 = want(o + 2 + n);
      if (r2) return r2;
      fields.push(buf.slice(o + 2, o + 2 + n));
      o += 2 + n;
    }
    let providerId: string;
    try {
      providerId = fromUtf8(fields[0]);
    } catch {
      throw new HeaderFormatError('an encrypted data key provider id is not UTF-8');
    }
    if (!providerId) throw new HeaderFormatError('an encrypted data key has an empty provider id');
    edks.push(Object.freeze({ providerId, providerInfo: fields[1], ciphertext: fields[2] }));
  }
  const end = o + COMMITMENT_BYTES + HEADER_MAC_BYTES;
  const r3 = want(end);
  if (r3) return r3;
  return {
    header: Object.freeze({
      suite,
      segmentLog2,
      messageId: buf.slice(9, 41),
      contextBytes,
      encryptionContext,
      encryptedDataKeys: Object.freeze(edks),
      commitment: buf.slice(o, o + COMMITMENT_BYTES),
      mac: buf.slice(o + COMMITMENT_BYTES, end),
      authenticated: buf.slice(0, o + COMMITMENT_BYTES),
      length: end,
    }),
  };
}
