// Strict hex and base64 codecs. Every decoder rejects anything that is not canonical input (wrong
// alphabet, bad length, stray padding) so malformed requests get a clear 400, never a silent guess.

const HEX_UPPER = '0123456789ABCDEF';

export class EncodingError extends Error {
  override name = 'EncodingError';
}

export function toHex(b: Uint8Array, upper = true): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX_UPPER[b[i] >> 4] + HEX_UPPER[b[i] & 15];
  return upper ? s : s.toLowerCase();
}

function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 65 && c <= 70) return c - 55; // A-F
  if (c >= 97 && c <= 102) return c - 87; // a-f
  return -1;
}

/** Decodes hex in either case. */
export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0) throw new EncodingError('hex string has an odd length');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(s.charCodeAt(2 * i));
    const lo = hexNibble(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new EncodingError('hex string has a character outside 0-9, a-f, A-F');
    out[i] = (hi << 4) | lo;
  }
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

export function toBase64(b: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  const rest = b.length - i;
  if (rest === 1) {
    const n = b[i] << 16;
    s += B64[n >> 18] + B64[(n >> 12) & 63] + '==';
  } else if (rest === 2) {
    const n = (b[i] << 16) | (b[i + 1] << 8);
    s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + '=';
  }
  return s;
}

/** Decodes standard, padded base64 (RFC 4648 section 4). Rejects non-canonical trailing bits. */
export function fromBase64(s: string): Uint8Array {
  if (s.length % 4 !== 0) throw new EncodingError('base64 length is not a multiple of 4');
  let pad = 0;
  if (s.endsWith('==')) pad = 2;
  else if (s.endsWith('=')) pad = 1;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const last = i + 4 === s.length;
    const v: number[] = [];
    for (let j = 0; j < 4; j++) {
      const c = s.charCodeAt(i + j);
      if (c === 61 /* = */ && last && j >= 4 - pad) {
        v.push(0);
        continue;
      }
      const x = c < 128 ? B64_INDEX[c] : -1;
      if (x < 0) throw new EncodingError('base64 string has a character outside A-Z, a-z, 0-9, +, /');
      v.push(x);
    }
    const n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    if (last && pad === 2 && (n & 0xffff) !== 0) throw new EncodingError('base64 has non-zero padding bits');
    if (last && pad === 1 && (n & 0xff) !== 0) throw new EncodingError('base64 has non-zero padding bits');
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

export function toBase64Url(b: Uint8Array): string {
  return toBase64(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(s: string): Uint8Array {
  if (/[^A-Za-z0-9_-]/.test(s)) throw new EncodingError('base64url string has an invalid character');
  const std = s.replace(/-/g, '+').replace(/_/g, '/');
  return fromBase64(std + '='.repeat((4 - (std.length % 4)) % 4));
}
