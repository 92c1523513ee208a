// PEM (RFC 7468) encode / decode for DER blobs such as SubjectPublicKeyInfo ("PUBLIC KEY") and PKCS#8
// ("PRIVATE KEY").
//
// Encoding follows RFC 7468's strict form: 64-character base64 lines, every line (including the END
// line) terminated. Huawei KMS get-publickey returns exactly that with CRLF endings
// ("-----BEGIN PUBLIC KEY-----\r\n…\r\n-----END PUBLIC KEY-----\r\n"), which is our default.
// Decoding is lax about whitespace (any line length, LF or CRLF, blank lines, surrounding whitespace) but
// strict about everything that changes meaning: exactly one block, the expected label, matching BEGIN/END,
// no pre-encapsulation headers (encrypted PEM), and canonical base64 (padding and zero trailing bits).
// The base64 helpers are local so this file stands alone (src/crypto/encoding.ts belongs to another owner).

export class PemError extends Error {
  override readonly name = 'PemError';
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64Encode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += B64[n >> 18] + B64[(n >> 12) & 63] + '==';
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + '=';
  }
  return out;
}

const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Canonical standard base64 (RFC 4648 section 4) with padding; rejects anything else. */
function base64DecodeStrict(s: string): Uint8Array {
  if (s.length % 4 !== 0) throw new PemError('base64 length is not a multiple of 4');
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const last = i + 4 === s.length;
    const v = [0, 0, 0, 0];
    for (let j = 0; j < 4; j++) {
      const c = s.charCodeAt(i + j);
      if (last && j >= 4 - pad) {
        if (c !== 0x3d) throw new PemError('bad base64 padding');
        continue;
      }
      const x = c < 128 ? B64_INDEX[c] : -1;
      if (x < 0) throw new PemError('invalid base64 character');
      v[j] = x;
    }
    const n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    if (last && pad === 2 && (n & 0xffff) !== 0) throw new PemError('non-canonical base64 (trailing bits)');
    if (last && pad === 1 && (n & 0xff) !== 0) throw new PemError('non-canonical base64 (trailing bits)');
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
  }
  return out;
}

const LABEL_RE = /^[\x21-\x2c\x2e-\x7e]+(?:[ -][\x21-\x2c\x2e-\x7e]+)*$/;

export interface PemEncodeOptions {
  /** Line ending; CRLF by default, as Huawei KMS get-publickey emits. */
  eol?: '\r\n' | '\n';
}

export function pemEncode(label: string, der: Uint8Array, opts: PemEncodeOptions = {}): string {
  if (!LABEL_RE.test(label)) throw new PemError(`invalid PEM label ${JSON.stringify(label)}`);
  if (der.length === 0) throw new PemError('nothing to encode');
  const eol = opts.eol ?? '\r\n';
  const b64 = base64Encode(der);
  let out = `-----BEGIN ${label}-----${eol}`;
  for (let i = 0; i < b64.length; i += 64) out += b64.slice(i, i + 64) + eol;
  return out + `-----END ${label}-----${eol}`;
}

/** Decodes the single PEM block in `text`, which must carry `expectedLabel`. Returns the DER bytes. */
export function pemDecode(text: string, expectedLabel: string): Uint8Array {
  if (typeof text !== 'string') throw new PemError('PEM input must be a string');
  if (text.length > 1 << 16) throw new PemError('PEM input too long');
  const m = /^\s*-----BEGIN ([^\r\n-]*(?:-[^\r\n-]+)*)-----\r?\n([\s\S]*?)-----END ([^\r\n-]*(?:-[^\r\n-]+)*)-----\s*$/.exec(text);
  if (!m) throw new PemError('not a single PEM block');
  const [, begin, body, end] = m;
  if (begin !== end) throw new PemError('PEM BEGIN and END labels differ');
  if (begin !== expectedLabel) throw new PemError(`expected PEM label ${expectedLabel}, got ${begin}`);
  if (body.includes(':')) throw new PemError('PEM headers (e.g. encrypted PEM) are not supported');
  const b64 = body.replace(/[ \t\r\n]/g, '');
  if (b64.length === 0) throw new PemError('empty PEM body');
  return base64DecodeStrict(b64);
}

/** SubjectPublicKeyInfo DER to the PEM form get-publickey returns. */
export const publicKeyToPem = (spki: Uint8Array, opts?: PemEncodeOptions): string => pemEncode('PUBLIC KEY', spki, opts);

export const pemToPublicKey = (pem: string): Uint8Array => pemDecode(pem, 'PUBLIC KEY');

/** Base64 of DER (e.g. get-parameters-for-import's `public_key`). Exported for callers without encoding.ts. */
export const derToBase64 = base64Encode;
export const base64ToDer = (s: string): Uint8Array => base64DecodeStrict(s);
