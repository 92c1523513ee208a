// Minimal, strict DER (ITU-T X.690) reader and writer: just enough for SubjectPublicKeyInfo (RFC 5280),
// PKCS#8 PrivateKeyInfo (RFC 5208/5958), RSAPrivateKey (RFC 8017 A.1.2), ECPrivateKey (RFC 5915) and
// ECDSA-Sig-Value (RFC 3279 2.2.3).
//
// Pitfalls this file refuses, because each has been a real signature-forgery or key-confusion bug:
// - BER leniency: indefinite lengths, non-minimal long-form lengths, high tag numbers;
// - trailing bytes after the outer element (or after the last field of a SEQUENCE);
// - non-minimal INTEGERs (extra 0x00 / 0xFF sign bytes) and negative values where an unsigned one is meant;
// - BIT STRINGs with unused bits where whole octets are meant (keys).
// Lengths are capped (MAX_DER_LENGTH) so a hostile length field cannot make us allocate or loop long.

import { concat } from './bytes.ts';

export class DerError extends Error {
  override readonly name = 'DerError';
}

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
} as const;

/** Context-specific tag [n]; constructed unless told otherwise (EXPLICIT tagging uses constructed). */
export const contextTag = (n: number, constructed = true): number => {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new DerError(`context tag [${n}] out of range`);
  return 0x80 | (constructed ? 0x20 : 0) | n;
};

/** No structure we parse is near this; RSA-4096 PKCS#8 is about 2.4 KB. */
export const MAX_DER_LENGTH = 1 << 16;

export interface DerElement {
  /** Identifier octet (class, constructed bit and tag number; only low-tag-number form is accepted). */
  readonly tag: number;
  /** Content octets (a view into the input, not a copy). */
  readonly value: Uint8Array;
  /** The whole TLV (a view into the input). */
  readonly raw: Uint8Array;
}

/** Reads one TLV at `offset`; returns it and the offset just past it. */
export function readElement(buf: Uint8Array, offset = 0): { el: DerElement; next: number } {
  if (offset >= buf.length) throw new DerError('unexpected end of DER input');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError('high-tag-number form is not supported');
  let p = offset + 1;
  if (p >= buf.length) throw new DerError('missing DER length');
  let len = buf[p++];
  if (len === 0x80) throw new DerError('indefinite length is not DER');
  if (len > 0x80) {
    const n = len & 0x7f;
    if (n > 3) throw new DerError('DER length field too large');
    if (p + n > buf.length) throw new DerError('truncated DER length');
    if (buf[p] === 0) throw new DerError('non-minimal DER length (leading zero)');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++];
    if (len < 0x80) throw new DerError('non-minimal DER length (long form for a short length)');
  }
  if (len > MAX_DER_LENGTH) throw new DerError('DER element too long');
  if (p + len > buf.length) throw new DerError('DER element runs past the end of its input');
  return {
    el: { tag, value: buf.subarray(p, p + len), raw: buf.subarray(offset, p + len) },
    next: p + len,
  };
}

/** Parses exactly one element covering all of `buf` (no trailing bytes). */
export function parseDer(buf: Uint8Array, expectedTag?: number): DerElement {
  const { el, next } = readElement(buf, 0);
  if (next !== buf.length) throw new DerError('trailing bytes after DER element');
  if (expectedTag !== undefined && el.tag !== expectedTag) throw new DerError(tagMismatch(expectedTag, el.tag));
  return el;
}

const tagMismatch = (want: number, got: number) =>
  `unexpected DER tag 0x${got.toString(16).padStart(2, '0')} (expected 0x${want.toString(16).padStart(2, '0')})`;

/** Sequential reader over the children of a constructed element; `end()` asserts nothing is left. */
export class DerReader {
  private pos = 0;
  private readonly buf: Uint8Array;

  constructor(parent: DerElement, expectedTag: number = TAG.SEQUENCE) {
    if (parent.tag !== expectedTag) throw new DerError(tagMismatch(expectedTag, parent.tag));
    if ((parent.tag & 0x20) === 0) throw new DerError('element is not constructed');
    this.buf = parent.value;
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  next(expectedTag: number): DerElement {
    const { el, next } = readElement(this.buf, this.pos);
    if (el.tag !== expectedTag) throw new DerError(tagMismatch(expectedTag, el.tag));
    this.pos = next;
    return el;
  }

  /** Reads the next element only if it carries `tag` (for OPTIONAL / DEFAULT fields). */
  optional(tag: number): DerElement | undefined {
    if (this.done || this.buf[this.pos] !== tag) return undefined;
    return this.next(tag);
  }

  end(): void {
    if (!this.done) throw new DerError('unexpected extra fields in DER SEQUENCE');
  }
}

// ---------------------------------------------------------------------------------------------------
// Primitive decoders

/** INTEGER content as unsigned big-endian magnitude (no sign byte); rejects negatives and padding. */
export function readUnsignedIntegerBytes(el: DerElement): Uint8Array {
  if (el.tag !== TAG.INTEGER) throw new DerError(tagMismatch(TAG.INTEGER, el.tag));
  const v = el.value;
  if (v.length === 0) throw new DerError('empty INTEGER');
  if (v[0] & 0x80) throw new DerError('negative INTEGER where an unsigned value is required');
  if (v.length > 1 && v[0] === 0 && (v[1] & 0x80) === 0) throw new DerError('non-minimal INTEGER encoding');
  return v[0] === 0 && v.length > 1 ? v.subarray(1) : v;
}

export function readUnsignedInteger(el: DerElement): bigint {
  const b = readUnsignedIntegerBytes(el);
  let x = 0n;
  for (const byte of b) x = (x << 8n) | BigInt(byte);
  return x;
}

/** Small INTEGER (e.g. a version field) as a JS number. */
export function readSmallInteger(el: DerElement): number {
  const x = readUnsignedInteger(el);
  if (x > 0xffffn) throw new DerError('INTEGER too large for a version field');
  return Number(x);
}

export function readNull(el: DerElement): void {
  if (el.tag !== TAG.NULL) throw new DerError(tagMismatch(TAG.NULL, el.tag));
  if (el.value.length !== 0) throw new DerError('NULL with content');
}

export function readOid(el: DerElement): string {
  if (el.tag !== TAG.OID) throw new DerError(tagMismatch(TAG.OID, el.tag));
  const v = el.value;
  if (v.length === 0) throw new DerError('empty OBJECT IDENTIFIER');
  if (v[v.length - 1] & 0x80) throw new DerError('truncated OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let acc = 0;
  let started = false;
  for (const b of v) {
    if (!started && b === 0x80) throw new DerError('non-minimal OBJECT IDENTIFIER arc');
    started = true;
    acc = acc * 128 + (b & 0x7f);
    if (acc > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OBJECT IDENTIFIER arc too large');
    if ((b & 0x80) === 0) {
      arcs.push(acc);
      acc = 0;
      started = false;
    }
  }
  const first = arcs[0];
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

/** BIT STRING whose content is whole octets (unused-bits octet must be 0): keys, signatures. */
export function readBitStringOctets(el: DerElement): Uint8Array {
  if (el.tag !== TAG.BIT_STRING) throw new DerError(tagMismatch(TAG.BIT_STRING, el.tag));
  if (el.value.length === 0) throw new DerError('BIT STRING without unused-bits octet');
  if (el.value[0] !== 0) throw new DerError('BIT STRING with unused bits where octets are required');
  return el.value.subarray(1);
}

export function readOctetString(el: DerElement): Uint8Array {
  if (el.tag !== TAG.OCTET_STRING) throw new DerError(tagMismatch(TAG.OCTET_STRING, el.tag));
  return el.value;
}

// ---------------------------------------------------------------------------------------------------
// Writers

function encodeLength(len: number): Uint8Array {
  if (!Number.isInteger(len) || len < 0 || len > MAX_DER_LENGTH) throw new DerError('DER length out of range');
  if (len < 0x80) return Uint8Array.of(len);
  if (len < 0x100) return Uint8Array.of(0x81, len);
  if (len < 0x10000) return Uint8Array.of(0x82, len >> 8, len & 0xff);
  return Uint8Array.of(0x83, len >> 16, (len >> 8) & 0xff, len & 0xff);
}

export function derTlv(tag: number, content: Uint8Array): Uint8Array {
  if ((tag & 0x1f) === 0x1f) throw new DerError('high-tag-number form is not supported');
  return concat(Uint8Array.of(tag), encodeLength(content.length), content);
}

export const derSequence = (...items: Uint8Array[]): Uint8Array => derTlv(TAG.SEQUENCE, concat(...items));
export const derNull = (): Uint8Array => Uint8Array.of(TAG.NULL, 0);
export const derOctetString = (b: Uint8Array): Uint8Array => derTlv(TAG.OCTET_STRING, b);
export const derBitString = (b: Uint8Array): Uint8Array => derTlv(TAG.BIT_STRING, concat(Uint8Array.of(0), b));
export const derContext = (n: number, content: Uint8Array, constructed = true): Uint8Array =>
  derTlv(contextTag(n, constructed), content);

/** Unsigned INTEGER from a bigint or a big-endian magnitude (leading zeros are stripped, a sign byte added). */
export function derInteger(v: bigint | number | Uint8Array): Uint8Array {
  let mag: Uint8Array;
  if (v instanceof Uint8Array) {
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    mag = v.length === 0 ? Uint8Array.of(0) : v.subarray(i);
  } else {
    const x = BigInt(v);
    if (x < 0n) throw new DerError('negative INTEGER not supported');
    let hex = x.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    mag = new Uint8Array(hex.length / 2);
    for (let i = 0; i < mag.length; i++) mag[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  return derTlv(TAG.INTEGER, mag[0] & 0x80 ? concat(Uint8Array.of(0), mag) : mag);
}

export function derOid(oid: string): Uint8Array {
  const arcs = oid.split('.').map((s) => {
    if (!/^(0|[1-9][0-9]*)$/.test(s)) throw new DerError(`bad OID arc in ${oid}`);
    return Number(s);
  });
  if (arcs.length < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39)) throw new DerError(`bad OID ${oid}`);
  const body: number[] = [];
  const push = (n: number) => {
    const tmp = [n & 0x7f];
    for (n = Math.floor(n / 128); n > 0; n = Math.floor(n / 128)) tmp.unshift((n & 0x7f) | 0x80);
    body.push(...tmp);
  };
  push(arcs[0] * 40 + arcs[1]);
  for (const a of arcs.slice(2)) push(a);
  return derTlv(TAG.OID, Uint8Array.from(body));
}

// ---------------------------------------------------------------------------------------------------
// ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }  (RFC 3279 2.2.3, X9.62)

/** r‖s (each `size` bytes, IEEE P1363 / WebCrypto form) to DER. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2) throw new DerError('r‖s signature must have an even, non-zero length');
  const n = raw.length / 2;
  return derSequence(derInteger(raw.subarray(0, n)), derInteger(raw.subarray(n)));
}

/**
 * Strict DER to r‖s with each half left-padded to `size` bytes. Rejects zero or oversize r/s; the caller
 * still checks r, s < group order (the curve library does).
 */
export function ecdsaDerToRaw(der: Uint8Array, size: number): Uint8Array {
  const seq = parseDer(der, TAG.SEQUENCE);
  const rd = new DerReader(seq);
  const r = readUnsignedIntegerBytes(rd.next(TAG.INTEGER));
  const s = readUnsignedIntegerBytes(rd.next(TAG.INTEGER));
  rd.end();
  const out = new Uint8Array(2 * size);
  for (const [part, off] of [
    [r, 0],
    [s, size],
  ] as const) {
    if (part.length > size) throw new DerError('ECDSA signature component too large');
    if (part.every((b) => b === 0)) throw new DerError('ECDSA signature component is zero');
    out.set(part, off + size - part.length);
  }
  return out;
}
