// Incremental GCM (NIST SP 800-38D) over the WASM core, shared by AES-GCM (aes-gcm-stream.ts) and SM4-GCM
// (sm4.ts): init(key, iv, aad) / update(chunk)* / final. Any chunk boundaries give the same bytes as a
// one-shot call, and the output of update() always has the length of its input.
//
// Decryption streams plaintext out of update() BEFORE the tag is checked by final(tag): that is inherent to
// streaming. A caller must not act on that plaintext (parse it, write it to its destination, answer a
// request with it) until final(tag) has returned: buffer it, write it to a temporary place that is
// discarded on failure, or use a segmented format where every segment has its own tag and is released only
// after its own final(). The one-shot *Decrypt functions do this for you: they return nothing on failure.

import { GcmAlg } from '../../../wasm/pkg/edgekms_core.ts';
import { Context, check, requireBytes } from './core.ts';
import { WasmCryptoError } from './errors.ts';

export interface GcmEncryptor {
  /** Encrypts the next piece of plaintext; returns ciphertext of the same length. */
  update(chunk: Uint8Array): Uint8Array;
  /** Ends the message and returns the 16-byte tag. Frees the context. */
  final(): Uint8Array;
  /** Zeroes and releases the key schedule without finishing (abandoned stream). Idempotent. */
  free(): void;
}

export interface GcmDecryptor {
  /** Decrypts the next piece of ciphertext. The plaintext is UNVERIFIED until final() returns. */
  update(chunk: Uint8Array): Uint8Array;
  /** Checks the tag (throws AUTH_FAILED on mismatch). Frees the context either way. */
  final(tag: Uint8Array): void;
  /** Zeroes and releases the key schedule without finishing. Idempotent. */
  free(): void;
}

export interface GcmDecryptOptions {
  /** Expected tag length in bytes, 12..16 (SP 800-38D 5.2.1.2); default 16. A tag of any other length is refused. */
  tagLength?: number;
}

export type GcmCipher = 'AES' | 'SM4';

const NAMES: Record<GcmCipher, string> = { AES: 'AES-GCM', SM4: 'SM4-GCM' };

/** SP 800-38D allows any IV length; 12 bytes is the recommended one. 1024 bounds what we copy in. */
export const MAX_IV_BYTES = 1024;

function checkKeyIv(cipher: GcmCipher, key: Uint8Array, iv: Uint8Array): void {
  const name = NAMES[cipher];
  requireBytes(key, `${name} key`);
  requireBytes(iv, `${name} IV`);
  const ok = cipher === 'AES' ? key.length === 16 || key.length === 32 : key.length === 16;
  if (!ok) {
    throw new WasmCryptoError('INVALID_KEY_SIZE', `${name} key must be ${cipher === 'AES' ? '16 or 32' : '16'} bytes, got ${key.length}`);
  }
  if (iv.length < 1 || iv.length > MAX_IV_BYTES) {
    throw new WasmCryptoError('INVALID_IV_SIZE', `${name} IV must be 1..${MAX_IV_BYTES} bytes (12 recommended), got ${iv.length}`);
  }
}

class GcmStream {
  private ctx: Context;
  private finished = false;
  readonly name: string;

  constructor(cipher: GcmCipher, key: Uint8Array, iv: Uint8Array, aad: Uint8Array | undefined, decrypt: boolean) {
    checkKeyIv(cipher, key, iv);
    if (aad !== undefined) requireBytes(aad, `${NAMES[cipher]} AAD`);
    this.name = NAMES[cipher];
    this.ctx = new Context(
      (core) =>
        core.withArgs((a) => {
          const kp = a.put(key);
          const ip = a.put(iv);
          return core.raw.gcm_new(GcmAlg[cipher], kp, key.length, ip, iv.length, decrypt ? 1 : 0);
        }),
      this.name,
    );
    if (aad && aad.length) {
      try {
        const core = this.ctx.core;
        core.feed(aad, (p, n) => check(core.raw.gcm_aad(this.ctx.ptr, p, n), `${this.name} AAD`));
      } catch (e) {
        this.ctx.free();
        throw e;
      }
    }
  }

  private live(): number {
    if (this.finished) throw new WasmCryptoError('INVALID_STATE', `${this.name}: stream already finished`);
    return this.ctx.ptr; // throws USE_AFTER_FREE
  }

  update(chunk: Uint8Array): Uint8Array {
    requireBytes(chunk, `${this.name} data`);
    const out = new Uint8Array(chunk.length);
    this.updateInto(chunk, out);
    return out;
  }

  /** Transforms `input` into `output` (same length). */
  updateInto(input: Uint8Array, output: Uint8Array): void {
    const ptr = this.live();
    const core = this.ctx.core;
    core.transform(input, output, (p, n) => check(core.raw.gcm_update(ptr, p, n), this.name));
  }

  tag(): Uint8Array {
    const ptr = this.live();
    this.finished = true;
    try {
      const core = this.ctx.core;
      return core.withArgs((a) => {
        const t = a.out(16);
        check(core.raw.gcm_tag(ptr, t), this.name);
        return core.bytes().slice(t, t + 16);
      });
    } finally {
      this.ctx.free();
    }
  }

  verify(tag: Uint8Array, tagLength: number): void {
    requireBytes(tag, `${this.name} tag`);
    const ptr = this.live();
    if (tag.length !== tagLength) {
      throw new WasmCryptoError('INVALID_TAG_SIZE', `${this.name} tag must be ${tagLength} bytes, got ${tag.length}`);
    }
    this.finished = true;
    try {
      const core = this.ctx.core;
      core.withArgs((a) => check(core.raw.gcm_verify(ptr, a.put(tag), tag.length), this.name));
    } finally {
      this.ctx.free();
    }
  }

  free(): void {
    this.ctx.free();
  }
}

function tagLengthOf(name: string, options?: GcmDecryptOptions): number {
  const t = options?.tagLength ?? 16;
  if (!Number.isInteger(t) || t < 12 || t > 16) throw new WasmCryptoError('INVALID_TAG_SIZE', `${name} tagLength must be 12..16, got ${t}`);
  return t;
}

export function gcmEncryptor(cipher: GcmCipher, key: Uint8Array, iv: Uint8Array, aad?: Uint8Array): GcmEncryptor {
  const s = new GcmStream(cipher, key, iv, aad, false);
  return { update: (c) => s.update(c), final: () => s.tag(), free: () => s.free() };
}

export function gcmDecryptor(cipher: GcmCipher, key: Uint8Array, iv: Uint8Array, aad?: Uint8Array, options?: GcmDecryptOptions): GcmDecryptor {
  const tagLength = tagLengthOf(NAMES[cipher], options);
  const s = new GcmStream(cipher, key, iv, aad, true);
  return { update: (c) => s.update(c), final: (t) => s.verify(t, tagLength), free: () => s.free() };
}

/** One-shot encryption: ciphertext ‖ 16-byte tag (the layout WebCrypto returns). */
export function gcmEncrypt(cipher: GcmCipher, key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  requireBytes(plaintext, `${NAMES[cipher]} plaintext`);
  const s = new GcmStream(cipher, key, iv, aad, false);
  try {
    const out = new Uint8Array(plaintext.length + 16);
    s.updateInto(plaintext, out.subarray(0, plaintext.length));
    out.set(s.tag(), plaintext.length);
    return out;
  } finally {
    s.free();
  }
}

/**
 * One-shot decryption of ciphertext ‖ tag. Returns the plaintext only if the tag verifies; on failure the
 * partial plaintext is wiped and AUTH_FAILED is thrown.
 */
export function gcmDecrypt(
  cipher: GcmCipher,
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  aad?: Uint8Array,
  options?: GcmDecryptOptions,
): Uint8Array {
  const name = NAMES[cipher];
  requireBytes(data, `${name} ciphertext`);
  const tagLength = tagLengthOf(name, options);
  if (data.length < tagLength) throw new WasmCryptoError('AUTH_FAILED', `${name}: authentication tag mismatch`);
  const s = new GcmStream(cipher, key, iv, aad, true);
  const n = data.length - tagLength;
  const out = new Uint8Array(n);
  try {
    s.updateInto(data.subarray(0, n), out);
    s.verify(data.subarray(n), tagLength);
    return out;
  } catch (e) {
    out.fill(0);
    throw e;
  } finally {
    s.free();
  }
}
