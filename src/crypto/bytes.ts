// Byte helpers shared by the whole core. Web-standard types only (Uint8Array, TextEncoder), so the
// same code runs on Node, Deno, Workers and browsers.

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(s: string): Uint8Array {
  // Most strings here (canonical requests, ids, JSON of ASCII) are short ASCII: copying char codes is
  // several times cheaper than a TextEncoder call for them.
  if (s.length <= 1024) {
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) return encoder.encode(s);
      out[i] = c;
    }
    return out;
  }
  return encoder.encode(s);
}

/** The length of `s` in UTF-8 (a lone surrogate counts as U+FFFD, as TextEncoder writes it), without encoding it. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a pair: two code units, four bytes
      i++;
    } else n += 2;
  }
  return n;
}

/** Decodes UTF-8, throwing on malformed input instead of inserting U+FFFD. */
export function fromUtf8(b: Uint8Array): string {
  return strictDecoder.decode(b);
}

/** True when `b` is well-formed UTF-8. */
export function isUtf8(b: Uint8Array): boolean {
  try {
    strictDecoder.decode(b);
    return true;
  } catch {
    return false;
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Bytes straight from the platform CSPRNG, one getRandomValues call per draw (per 64 KiB). Nothing is
 * pooled: key material, IVs and signing nonces drawn ahead of use would sit in the heap where a memory
 * snapshot reveals them before they are used.
 */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  // getRandomValues fills at most 65536 bytes per call.
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

/**
 * Compares two byte strings in time that depends only on their lengths, never on where they differ.
 * Lengths are public in every use here (MACs, signatures, digests of fixed size).
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Overwrites secret bytes we own once they are no longer needed. */
export function wipe(...buffers: (Uint8Array | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}

// Integers are written with shifts, not a DataView: a DataView needs the array's ArrayBuffer, which V8
// only creates (off the heap) when asked for it, so a small array's DataView cost more than the rest of
// building a blob's associated data.

/** Big-endian unsigned 32-bit integer. */
export function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4);
  putU32be(out, 0, n);
  return out;
}

/** Writes `n` (mod 2^32) big-endian at `offset`. */
export function putU32be(out: Uint8Array, offset: number, n: number): void {
  out[offset] = n >>> 24;
  out[offset + 1] = n >>> 16;
  out[offset + 2] = n >>> 8;
  out[offset + 3] = n;
}

/** A length-prefixed (u32 big-endian) field, for unambiguous concatenation of variable-length parts. */
export function lengthPrefixed(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + b.length);
  putU32be(out, 0, b.length);
  out.set(b, 4);
  return out;
}
