// PEM (RFC 7468) encode / decode for DER blobs such as SubjectPublicKeyInfo ("PUBLIC KEY") and PKCS#8
// ("PRIVATE KEY").
//
// Encoding follows RFC 7468's strict form: 64-character base64 lines, every line (including the END
// line) terminated. Huawei KMS get-publickey returns exactly that with CRLF endings
// ("-----BEGIN PUBLIC KEY-----\r\n…\r\n-----END PUBLIC KEY-----\r\n"), which is our default.
// Decoding is lax about whitespace (any line length, LF or CRLF, blank lines, surrounding whitespace) but
// strict about everything that changes meaning: exactly one block, the expected label, matching BEGIN/END,
// no pre-encapsulation headers (encrypted PEM), and canonical base64 (padding and zero trailing bits).

import { fromBase64, toBase64 } from './encoding.ts';

export class PemError extends Error {
  override readonly name = 'PemError';
}

function base64DecodeStrict(s: string): Uint8Array {
  try {
    return fromBase64(s);
  } catch (e) {
    throw new PemError(`bad PEM body: ${(e as Error).message}`);
  }
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
  const b64 = toBase64(der);
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
