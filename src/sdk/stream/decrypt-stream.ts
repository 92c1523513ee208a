// ENV1 decryption as a WHATWG stream: message ReadableStream in, plaintext ReadableStream out.
//
// Order of checks: header limits and syntax -> required context -> keyring unwraps one EDK -> key
// commitment (constant time) -> header MAC -> onHeader -> segments. A segment's plaintext is released only
// after its own tag verifies, in order; the final segment only once the input is known to end right after
// it. Up to `window` segments are opened at once. Every way a message can be cut or rearranged has its own
// error (see format/errors.ts); a segment that fails is tried at nearby positions to tell a moved or
// repeated segment from a modified one.
import { wipe } from '../../crypto/bytes.ts';
import { encodeContext, missingPairs } from '../format/context.ts';
import {
  CommitmentMismatchError,
  ContextMismatchError,
  HeaderAuthError,
  InvalidArgumentError,
  LimitExceededError,
  MissingFinalSegmentError,
  SegmentAuthError,
  SegmentDuplicatedError,
  SegmentFormatError,
  SegmentReorderedError,
  TrailingBytesError,
  TruncatedError,
  UnsupportedSuiteError,
} from '../format/errors.ts';
import { parseHeader, type Header } from '../format/header.ts';
import { commitmentMatches, deriveMessageKeys, headerMac } from '../format/key-schedule.ts';
import type { SegmentCipher } from '../format/segment-cipher.ts';
import { ByteQueue } from './byte-queue.ts';
import { MAX_PIECES, MAX_SEGMENTS } from './encrypt-stream.ts';
import { aesGcmOf, limitsOf, materialsManagerOf, windowOf, type DecryptOptions, type MessageInfo } from './options.ts';

export const TAG_BYTES = 16;
/** How far from its position a failing segment is looked for (each try costs one segment decryption). */
const DIAGNOSE_RADIUS = 256;

async function readHeader(q: ByteQueue, options: DecryptOptions): Promise<Header> {
  const limits = limitsOf(options.limits);
  for (;;) {
    // Never more than a header can be: a huge first chunk is not copied.
    const r = parseHeader(q.peek(Math.min(q.size, limits.maxHeaderBytes)), limits);
    if ('header' in r) {
      q.take(r.header.length);
      return r.header;
    }
    if (!(await q.fill(r.need))) throw new TruncatedError('the header');
  }
}

interface Opened {
  cipher: SegmentCipher;
  segmentSize: number;
  window: number;
}

async function open(q: ByteQueue, options: DecryptOptions): Promise<Opened> {
  const manager = materialsManagerOf(options);
  const unstoredContextBytes = encodeContext(options.unstoredContext ?? {});
  const h = await readHeader(q, options);
  if (options.allowedSuites && !options.allowedSuites.includes(h.suite.id)) throw new UnsupportedSuiteError(`suite ${h.suite.name} is not allowed here`);
  if (options.requiredContext) {
    const missing = missingPairs(h.encryptionContext, options.requiredContext);
    if (missing.length) throw new ContextMismatchError(`the message's encryption context lacks the required pair(s): ${missing.join(', ')}`);
  }
  const m = await manager.decryptMaterials({ suite: h.suite, encryptionContext: h.encryptionContext, encryptedDataKeys: h.encryptedDataKeys });
  if (m.suite.id !== h.suite.id) throw new InvalidArgumentError('the materials manager returned materials for another suite');
  if (!m.plaintextDataKey || m.plaintextDataKey.length !== h.suite.dataKeyBytes) throw new InvalidArgumentError('the materials hold no data key of the suite length');
  const keys = deriveMessageKeys(h.suite, m.plaintextDataKey, h.messageId, h.segmentLog2, h.contextBytes, unstoredContextBytes);
  try {
    if (!commitmentMatches(keys.commitment, h.commitment)) throw new CommitmentMismatchError();
    if (!commitmentMatches(headerMac(h.suite, keys.macKey, h.authenticated, unstoredContextBytes), h.mac)) throw new HeaderAuthError();
    const segmentSize = 2 ** h.segmentLog2;
    const info: MessageInfo = Object.freeze({
      suite: h.suite,
      messageId: h.messageId,
      segmentSize,
      encryptionContext: h.encryptionContext,
      encryptedDataKeys: h.encryptedDataKeys,
      trace: m.trace,
    });
    await options.onHeader?.(info);
    return { cipher: await h.suite.segments(keys.encKey, aesGcmOf(options)), segmentSize, window: windowOf(options.windowBytes, segmentSize) };
  } finally {
    wipe(keys.encKey, keys.macKey);
  }
}

/** A segment as read from the wire. */
interface Segment {
  index: number;
  final: boolean;
  /** ciphertext ‖ tag, in the pieces of the input chunks it spans. */
  sealed: readonly Uint8Array[];
}

/** A segment being opened. */
interface InFlight extends Segment {
  plaintext: Promise<readonly Uint8Array[]>;
}

const wipeAll = (pieces: readonly Uint8Array[]) => wipe(...pieces);

/** Why a segment did not open at `seg.index`: found elsewhere (moved, repeated) or modified. */
async function diagnose(cipher: SegmentCipher, seg: Segment): Promise<Error> {
  const lo = Math.max(0, seg.index - DIAGNOSE_RADIUS);
  const hi = Math.min(MAX_SEGMENTS - 1, seg.index + DIAGNOSE_RADIUS);
  for (let j = lo; j <= hi; j++) {
    if (j === seg.index) continue;
    try {
      wipeAll(await cipher.open(j, seg.final, seg.sealed));
    } catch {
      continue;
    }
    return j < seg.index ? new SegmentDuplicatedError(seg.index, j) : new SegmentReorderedError(seg.index, j);
  }
  return new SegmentAuthError(seg.index);
}

const ignore = () => {};

/** Decrypts one ENV1 message. The output errors (and stops reading the input) at the first problem. */
export function decryptStream(message: ReadableStream<Uint8Array>, options: DecryptOptions): ReadableStream<Uint8Array> {
  const q = new ByteQueue(message.getReader());
  let o: Opened | undefined;
  let index = 0;
  let sawFinal = false;
  const pending: InFlight[] = [];

  async function readSegment(S: number): Promise<Segment | undefined> {
    if (!(await q.fill(1))) return undefined;
    const type = q.take(1)[0];
    if (type === 0) {
      if (!(await q.fill(S + TAG_BYTES))) throw new TruncatedError(`segment ${index}`);
      return { index, final: false, sealed: q.takePieces(S + TAG_BYTES, MAX_PIECES) };
    }
    if (type !== 1) throw new SegmentFormatError(`segment ${index} has type ${type}; expected 0 (regular) or 1 (final)`);
    if (!(await q.fill(4))) throw new TruncatedError(`segment ${index}`);
    const len = new DataView(new Uint8Array(q.take(4)).buffer).getUint32(0);
    if (len > S) throw new SegmentFormatError(`final segment ${index} claims ${len} bytes; the segment size is ${S}`);
    if (!(await q.fill(len + TAG_BYTES))) throw new TruncatedError(`segment ${index}`);
    return { index, final: true, sealed: q.takePieces(len + TAG_BYTES, MAX_PIECES) };
  }

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          if (!o) o = await open(q, options);
          const { cipher, segmentSize } = o;
          while (!sawFinal && pending.length < o.window) {
            const seg = await readSegment(segmentSize);
            if (!seg) {
              if (pending.length) break; // release what verified, then report
              throw new MissingFinalSegmentError(index);
            }
            if (index >= MAX_SEGMENTS) throw new LimitExceededError('a message holds at most 2^32 segments');
            const plaintext = cipher.open(seg.index, seg.final, seg.sealed);
            plaintext.catch(ignore); // observed below, in order
            pending.push({ ...seg, plaintext });
            index++;
            sawFinal = seg.final;
          }
          const seg = pending.shift()!;
          let plaintext: readonly Uint8Array[];
          try {
            plaintext = await seg.plaintext;
          } catch {
            throw await diagnose(cipher, seg);
          }
          if (seg.final) {
            if (await q.fill(1)) {
              wipeAll(plaintext);
              throw new TrailingBytesError();
            }
            for (const p of plaintext) controller.enqueue(p);
            controller.close();
            return;
          }
          for (const p of plaintext) controller.enqueue(p);
        } catch (e) {
          await q.cancel(e);
          for (const p of pending.splice(0)) p.plaintext.then(wipeAll, ignore);
          throw e;
        }
      },
      async cancel(reason) {
        await q.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

