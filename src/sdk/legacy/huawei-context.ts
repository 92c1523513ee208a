// The Java SDK's encryption-context serialization: u16 pairCount, then pairs { u16 keyLen, key, u16
// valueLen, value } (UTF-8), an empty context as zero bytes. The Java writer sorts pairs by VALUE, which is
// not canonical, so this reader accepts any order and keeps the bytes as they are (they are the AAD).
import type { EncryptionContext } from '../format/context.ts';
import { LegacyFormatError } from './errors.ts';

export function decodeHuaweiContext(b: Uint8Array): EncryptionContext {
  const out: Record<string, string> = Object.create(null);
  if (b.length === 0) return Object.freeze(out);
  const bad = (): never => {
    throw new LegacyFormatError('LEGACY_BAD_FORMAT', 'Huawei Encryption SDK: malformed encryption context');
  };
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dec = new TextDecoder('utf-8', { fatal: true });
  if (b.length < 2) bad();
  const count = v.getUint16(0);
  let o = 2;
  const field = () => {
    if (o + 2 > b.length) bad();
    const n = v.getUint16(o);
    if (o + 2 + n > b.length) bad();
    o += 2 + n;
    try {
      return dec.decode(b.subarray(o - n, o));
    } catch {
      return bad();
    }
  };
  for (let i = 0; i < count; i++) {
    const k = field();
    const val = field();
    if (Object.prototype.hasOwnProperty.call(out, k)) bad();
    out[k] = val;
  }
  if (o !== b.length) bad();
  return Object.freeze(out);
}
