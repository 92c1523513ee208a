// ENV1 encryption as a WHATWG stream: plaintext ReadableStream in, message ReadableStream out.
//
// Output is pulled: nothing is read from the input until the consumer wants bytes, and at most `window`
// segments are being sealed at once (WebCrypto runs them in parallel; that window is where the speed
// is). Memory is therefore about window x segment size whatever the input length. A segment is sealed
// as regular only once a byte after it is known to exist, so the final segment is full when the length
// is a multiple of the segment size and is empty only for an empty message.
import { randomBytes, wipe } from '../../crypto/bytes.ts';
import { encodeContext } from '../format/context.ts';
import { InvalidArgumentError, LimitExceededError } from '../format/errors.ts';
import { encodeHeaderBody, MESSAGE_ID_BYTES } from '../format/header.ts';
import { deriveMessageKeys, headerMac } from '../format/key-schedule.ts';
import type { SegmentCipher } from '../format/segment-cipher.ts';
import { ByteQueue } from './byte-queue.ts';
import { aesGcmOf, limitsOf, materialsManagerOf, segmentLog2Of, suiteOf, windowOf, type EncryptOptions, type MessageInfo } from './options.ts';

/** Segments per message are limited to 2^32 (the nonce's index is checked against it). */
export const MAX_SEGMENTS = 2 ** 32;
/**
 * Input chunks a segment is passed to the cipher in without joining them (a 1 MiB segment of 64 KiB file
 * chunks is 17); a segment spread over more chunks is joined into one buffer first.
 */
export const MAX_PIECES = 32;

interface Started {
  header: Uint8Array;
  cipher: SegmentCipher;
  segmentSize: number;
  window: number;
}

async function start(options: EncryptOptions, messageIdOf: () => Uint8Array): Promise<Started> {
  const manager = materialsManagerOf(options);
  const suite = suiteOf(options.suite);
  const segmentLog2 = segmentLog2Of(options.segmentSize);
  const limits = limitsOf(options.limits);
  const unstoredContextBytes = encodeContext(options.unstoredContext ?? {});
  encodeContext(options.encryptionContext ?? {}); // refuse a bad context before any keyring call
  const m = await manager.getEncryptionMaterials({
    suite,
    encryptionContext: options.encryptionContext ?? {},
    plaintextLength: options.plaintextLength,
  });
  if (m.suite.id !== suite.id) throw new InvalidArgumentError('the materials manager returned materials for another suite');
  if (!m.plaintextDataKey || m.plaintextDataKey.length !== suite.dataKeyBytes) throw new InvalidArgumentError('the materials hold no data key of the suite length');
  if (m.encryptedDataKeys.length === 0) throw new InvalidArgumentError('the materials hold no encrypted data key');
  if (m.encryptedDataKeys.length > limits.maxEncryptedDataKeys) {
    throw new LimitExceededError(`${m.encryptedDataKeys.length} encrypted data keys; the limit is ${limits.maxEncryptedDataKeys}`);
  }
  const contextBytes = encodeContext(m.encryptionContext);
  const messageId = messageIdOf();
  if (messageId.length !== MESSAGE_ID_BYTES) throw new InvalidArgumentError('message id must be 32 bytes');
  const keys = deriveMessageKeys(suite, m.plaintextDataKey, messageId, segmentLog2, contextBytes, unstoredContextBytes);
  try {
    const body = encodeHeaderBody({ suite, segmentLog2, messageId, contextBytes, encryptedDataKeys: m.encryptedDataKeys, commitment: keys.commitment });
    const mac = headerMac(suite, keys.macKey, body, unstoredContextBytes);
    const header = new Uint8Array(body.length + mac.length);
    header.set(body);
    header.set(mac, body.length);
    if (header.length > limits.maxHeaderBytes) throw new LimitExceededError(`the header would be ${header.length} bytes; the limit is ${limits.maxHeaderBytes}`);
    const cipher = await suite.segments(keys.encKey, aesGcmOf(options));
    const segmentSize = 2 ** segmentLog2;
    const info: MessageInfo = Object.freeze({
      suite,
      messageId,
      segmentSize,
      encryptionContext: m.encryptionContext,
      encryptedDataKeys: m.encryptedDataKeys,
      trace: m.trace,
    });
    options.onMessage?.(info);
    return { header, cipher, segmentSize, window: windowOf(options.windowBytes, segmentSize) };
  } finally {
    wipe(keys.encKey, keys.macKey);
  }
}

/**
 * A segment's framing before its sealed bytes: regular `0x00`, final `0x01 ‖ u32 length`. Enqueued as its
 * own chunk so the sealed pieces the cipher returned are passed on without a copy.
 */
function framePrefix(final: boolean, plaintextLength: number): Uint8Array {
  if (!final) return Uint8Array.of(0); // fresh: a consumer may transfer or reuse what it reads
  const out = new Uint8Array(5);
  out[0] = 1;
  new DataView(out.buffer).setUint32(1, plaintextLength);
  return out;
}

const ignore = () => {};

/** Encrypts `plaintext` into one ENV1 message. Errors (keyring, input, limits) error the output stream. */
export function encryptStream(plaintext: ReadableStream<Uint8Array>, options: EncryptOptions): ReadableStream<Uint8Array> {
  return encryptStreamWithId(plaintext, options, () => randomBytes(MESSAGE_ID_BYTES));
}

/**
 * encryptStream with a chosen message id, for reproducing published test vectors only: a message id
 * must never repeat under one data key, so nothing outside the vector tests may call this.
 */
export function encryptStreamWithId(
  plaintext: ReadableStream<Uint8Array>,
  options: EncryptOptions,
  messageIdOf: () => Uint8Array,
): ReadableStream<Uint8Array> {
  const q = new ByteQueue(plaintext.getReader());
  let s: Started | undefined;
  let index = 0;
  let finalQueued = false;
  let total = 0;
  const pending: Promise<readonly Uint8Array[]>[] = []; // sealed segments in order (the pieces of each), each ending one frame

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          if (!s) {
            s = await start(options, messageIdOf);
            controller.enqueue(s.header);
            return;
          }
          const { segmentSize: S, cipher } = s;
          while (!finalQueued && pending.length < s.window) {
            const more = await q.fill(S + 1);
            const final = !more;
            const length = final ? q.size : S;
            const pieces = q.takePieces(length, MAX_PIECES);
            total += length;
            // A caching manager counted the message's bytes from plaintextLength: the input must match it.
            if (options.plaintextLength !== undefined && (total > options.plaintextLength || (final && total !== options.plaintextLength))) {
              throw new InvalidArgumentError(`the input is not the announced plaintextLength of ${options.plaintextLength} bytes`);
            }
            if (index >= MAX_SEGMENTS) throw new LimitExceededError('a message holds at most 2^32 segments');
            const p = cipher.seal(index++, final, pieces);
            p.catch(ignore); // observed below, in order
            pending.push(p);
            finalQueued = final;
          }
          const pieces = await pending.shift()!;
          const last = finalQueued && pending.length === 0;
          let sealedLength = 0;
          for (const p of pieces) sealedLength += p.length;
          controller.enqueue(framePrefix(last, sealedLength - 16));
          for (const p of pieces) controller.enqueue(p);
          if (last) controller.close();
        } catch (e) {
          await q.cancel(e);
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
