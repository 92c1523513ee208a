// The encryption context: non-secret UTF-8 key/value pairs that a message is bound to (through its key
// schedule, commitment and header MAC) and that keyrings pass to their key-wrapping step as associated
// data. Its encoding is canonical, so every implementation derives the same keys from the same pairs:
//
//   empty context      -> zero bytes
//   otherwise          u16 pairCount (>= 1), then pairCount x { u16 keyLen, key, u16 valueLen, value }
//                      keys non-empty, strictly ascending by their UTF-8 bytes (so no duplicates),
//                      keys and values well-formed UTF-8; the whole encoding at most 65535 bytes.
import { fromUtf8, utf8 } from '../../crypto/bytes.ts';
import { HeaderFormatError, InvalidArgumentError } from './errors.ts';

export type EncryptionContext = Readonly<Record<string, string>>;

/** The encoded context must fit the header's u16 length field. */
export const MAX_CONTEXT_BYTES = 0xffff;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function strictUtf8(s: unknown, what: string): Uint8Array {
  if (typeof s !== 'string') throw new InvalidArgumentError(`encryption context ${what} must be a string`);
  const b = utf8(s);
  // TextEncoder turns lone surrogates into U+FFFD; such a string would not survive a round trip.
  if (fromUtf8(b) !== s) throw new InvalidArgumentError(`encryption context ${what} is not well-formed Unicode`);
  if (b.length > 0xffff) throw new InvalidArgumentError(`encryption context ${what} is longer than 65535 bytes`);
  return b;
}

/** Canonical encoding; throws InvalidArgumentError for a context that cannot be encoded. */
export function encodeContext(context: EncryptionContext = {}): Uint8Array {
  if (context === null || typeof context !== 'object') throw new InvalidArgumentError('encryption context must be an object of strings');
  const pairs = Object.keys(context).map((k) => {
    const key = strictUtf8(k, 'key');
    if (key.length === 0) throw new InvalidArgumentError('encryption context keys must not be empty');
    return [key, strictUtf8(context[k], `value of "${k}"`)] as const;
  });
  if (pairs.length === 0) return new Uint8Array(0);
  if (pairs.length > 0xffff) throw new InvalidArgumentError('encryption context has more than 65535 pairs');
  pairs.sort((a, b) => compareBytes(a[0], b[0]));
  let size = 2;
  for (const [k, v] of pairs) size += 4 + k.length + v.length;
  if (size > MAX_CONTEXT_BYTES) throw new InvalidArgumentError(`encryption context encodes to ${size} bytes; at most ${MAX_CONTEXT_BYTES}`);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint16(0, pairs.length);
  let o = 2;
  for (const [k, v] of pairs) {
    view.setUint16(o, k.length);
    out.set(k, o + 2);
    o += 2 + k.length;
    view.setUint16(o, v.length);
    out.set(v, o + 2);
    o += 2 + v.length;
  }
  return out;
}

/** Decodes a context, refusing any encoding that is not exactly the canonical one. */
export function decodeContext(bytes: Uint8Array): EncryptionContext {
  const out: Record<string, string> = Object.create(null);
  if (bytes.length === 0) return Object.freeze(out);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string): never => {
    throw new HeaderFormatError(`encryption context: ${why}`);
  };
  if (bytes.length < 2) bad('too short');
  const count = view.getUint16(0);
  if (count === 0) bad('an empty context must be encoded as zero bytes');
  let o = 2;
  let previous: Uint8Array | undefined;
  const field = (): Uint8Array => {
    if (o + 2 > bytes.length) bad('length field past the end');
    const n = view.getUint16(o);
    if (o + 2 + n > bytes.length) bad('field past the end');
    const f = bytes.subarray(o + 2, o + 2 + n);
    o += 2 + n;
    return f;
  };
  const text = (b: Uint8Array): string => {
    try {
      return fromUtf8(b);
    } catch {
      return bad('not UTF-8');
    }
  };
  for (let i = 0; i < count; i++) {
    const k = field();
    const v = field();
    if (k.length === 0) bad('empty key');
    if (previous && compareBytes(previous, k) >= 0) bad('keys not in strictly ascending order');
    previous = k;
    out[text(k)] = text(v);
  }
  if (o !== bytes.length) bad('bytes after the last pair');
  return Object.freeze(out);
}

/** The pairs of `required` that `context` lacks or holds with another value (their keys only). */
export function missingPairs(context: EncryptionContext, required: EncryptionContext): string[] {
  return Object.keys(required).filter((k) => !Object.prototype.hasOwnProperty.call(context, k) || context[k] !== required[k]);
}
