// SDK-HMAC-SHA256, the AK/SK request signature of Huawei Cloud's API gateway (docs/kms-api.md, "Authentication"). The same
// functions sign requests in edgekms's clients and verify them in the server, so the two cannot drift.
//
//   CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n hex(SHA-256(body))
//   StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(SHA-256(CanonicalRequest))
//   Signature        = hex(HMAC-SHA256(SK, StringToSign))
//
// Pitfalls: the URI always ends in "/", segments and query parts are percent-encoded with the RFC 3986
// unreserved set only, the header block ends with a newline (so a blank line follows it), and the body is
// hashed exactly as sent (Go appends "\n", Python's JSON has spaces). Unlike AWS SigV4 there is no key
// derivation: the SK itself is the HMAC key.
import { utf8 } from '../crypto/bytes.ts';
import { toHex } from '../crypto/encoding.ts';
import { hmacSha256, sha256Hex, type HashImplementation } from '../crypto/hash.ts';

export const ALGORITHM = 'SDK-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SignableRequest {
  method: string;
  /** The path as it travels in the request line (percent-encoded or not; it is normalised). */
  path: string;
  /** Decoded query parameters, in any order. */
  query: [string, string][];
  /** Header values by lower-case name. */
  headers: Record<string, string>;
  /** Lower-case hex SHA-256 of the body, or the literal value of X-Sdk-Content-Sha256. */
  payloadHash: string;
}

/** Percent-encodes everything outside RFC 3986's unreserved set (A-Z a-z 0-9 - _ . ~). */
export function escape(s: string): string {
  return encodeURIComponent(s.toWellFormed()).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * How the canonical URI treats the path as sent. `decoded` (what Huawei's Go and Python SDKs sign, and what
 * edgekms's own clients sign): each segment percent-decoded, then encoded. `as-sent`: each segment encoded
 * as it travels, so `%20` becomes `%2520`; Huawei's Node SDK signs this form, because Node's URL parsing has
 * already percent-encoded the path before the signer encodes it again (docs/kms-api.md, Authentication).
 */
export type PathForm = 'decoded' | 'as-sent';

// Request paths repeat (one per operation and project), so their canonical form is memoised, up to
// URI_CACHE_LIMIT paths (hostile paths cannot grow it further). Exported for the test of that bound.
export const URI_CACHE_LIMIT = 1024;
export const uriCache = new Map<string, string>();

export function canonicalUri(path: string, form: PathForm = 'decoded'): string {
  const id = `${form}\n${path}`;
  let uri = uriCache.get(id);
  if (uri === undefined) {
    uri = path
      .split('/')
      .map((seg) => escape(form === 'decoded' ? safeDecode(seg) : seg))
      .join('/');
    if (!uri.endsWith('/')) uri += '/';
    if (uriCache.size >= URI_CACHE_LIMIT) uriCache.clear();
    uriCache.set(id, uri);
  }
  return uri;
}

export function canonicalQuery(query: [string, string][]): string {
  const byKey = new Map<string, string[]>();
  for (const [k, v] of query) {
    const list = byKey.get(k);
    if (list) list.push(v);
    else byKey.set(k, [v]);
  }
  const keys = [...byKey.keys()].sort(byCodeUnits);
  return keys.flatMap((k) => byKey.get(k)!.sort(byCodeUnits).map((v) => `${escape(k)}=${escape(v)}`)).join('&');
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Built by concatenation, without the arrays of a map and join: the server builds one per signed request
// (about 2 us of it was the arrays).
export function canonicalRequest(req: SignableRequest, signedHeaders: readonly string[], pathForm: PathForm = 'decoded'): string {
  let headerBlock = '';
  for (const h of signedHeaders) headerBlock += `${h}:${(req.headers[h] ?? '').trim()}\n`;
  const query = req.query.length ? canonicalQuery(req.query) : '';
  return `${req.method.toUpperCase()}\n${canonicalUri(req.path, pathForm)}\n${query}\n${headerBlock}\n${signedHeaders.join(';')}\n${req.payloadHash}`;
}

export function stringToSign(canonical: string, sdkDate: string, hashes?: HashImplementation): string {
  return `${ALGORITHM}\n${sdkDate}\n${sha256Hex(canonical, hashes)}`;
}

/** The SK bytes, or a prepared keyed MAC (a HashImplementation's keyedHmacSha256). */
export function computeSignature(secretKey: Uint8Array | ((data: string) => Uint8Array), sts: string): Uint8Array {
  return typeof secretKey === 'function' ? secretKey(sts) : hmacSha256(secretKey, sts);
}

/** `YYYYMMDDTHHMMSSZ` for a time. */
export function sdkDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

// A busy client sends the same X-Sdk-Date for every request of a second: the last one parsed is kept.
let lastDate = { text: '', time: NaN };

/** Parses `YYYYMMDDTHHMMSSZ`; NaN when malformed. */
export function parseSdkDate(s: string): number {
  if (s === lastDate.text) return lastDate.time;
  const time = parseDate(s);
  lastDate = { text: s, time };
  return time;
}

function parseDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, se] = m.map(Number);
  const t = Date.UTC(y, mo - 1, d, h, mi, se);
  // A field that rolls over (February 30, hour 24, minute 60) is malformed, and so is a year below 100,
  // which Date.UTC reads as 19xx: only a date that prints back as given is one.
  return sdkDate(t) === s ? t : NaN;
}

export interface SignOptions {
  accessKey: string;
  secretKey: string;
  /** Defaults to now. */
  time?: number;
}

/**
 * Signs a request the way Huawei's Node SDK does: every header given is signed. Returns the headers to
 * send (the caller's, plus X-Sdk-Date and Authorization).
 */
export function signRequest(req: Omit<SignableRequest, 'payloadHash'> & { body?: Uint8Array }, options: SignOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  headers['x-sdk-date'] ??= sdkDate(options.time ?? Date.now());
  const signed = Object.keys(headers).sort(byCodeUnits);
  const payloadHash = headers['x-sdk-content-sha256'] ?? (req.body && req.body.length ? sha256Hex(req.body) : EMPTY_BODY_SHA256);
  const canonical = canonicalRequest({ ...req, headers, payloadHash }, signed);
  const signature = toHex(computeSignature(utf8(options.secretKey), stringToSign(canonical, headers['x-sdk-date'])), false);
  headers['authorization'] = `${ALGORITHM} Access=${options.accessKey}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
  return headers;
}
