// SM4 (GB/T 32907-2016, also GM/T 0002-2012 and ISO/IEC 18033-3:2010/Amd 1) from the WASM core:
// - SM4-GCM (NIST SP 800-38D with SM4 as the block cipher, as in RFC 8998), one-shot and incremental;
// - SM4-CBC and SM4-ECB for interoperability with systems that only speak those, behind an explicit
//   `{ unauthenticated: true }` opt-in: they have no integrity, so a modified ciphertext decrypts to
//   modified plaintext (and CBC with padding errors is a padding oracle). Prefer SM4-GCM.
//
// The cipher is bitsliced (constant time; see wasm/README.md). CBC encryption is serial and costs as much
// per block as 32 parallel blocks do, so it is far slower than GCM, ECB or CBC decryption.
//
// Call initWasm() once per runtime before using anything here.

import {
  gcmDecrypt,
  gcmDecryptor,
  gcmEncrypt,
  gcmEncryptor,
  type GcmDecryptOptions,
  type GcmDecryptor,
  type GcmEncryptor,
} from './wasm/gcm.ts';
import { Context, check, requireBytes } from './wasm/core.ts';
import { WasmCryptoError } from './wasm/errors.ts';

export type { GcmDecryptOptions, GcmDecryptor, GcmEncryptor };

export const SM4_KEY_BYTES = 16;
export const SM4_BLOCK_BYTES = 16;

/** One-shot SM4-GCM: ciphertext ‖ 16-byte tag. Key 16 bytes, IV 12 bytes recommended. */
export function sm4GcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  return gcmEncrypt('SM4', key, iv, plaintext, aad);
}

/** One-shot SM4-GCM decryption of ciphertext ‖ tag; returns the plaintext only if the tag verifies. */
export function sm4GcmDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, aad?: Uint8Array, options?: GcmDecryptOptions): Uint8Array {
  return gcmDecrypt('SM4', key, iv, data, aad, options);
}

/** Incremental SM4-GCM encryption: update(chunk)* then final() → 16-byte tag. */
export function sm4GcmEncryptor(key: Uint8Array, iv: Uint8Array, aad?: Uint8Array): GcmEncryptor {
  return gcmEncryptor('SM4', key, iv, aad);
}

/** Incremental SM4-GCM decryption: update(chunk)* (unverified output) then final(tag). */
export function sm4GcmDecryptor(key: Uint8Array, iv: Uint8Array, aad?: Uint8Array, options?: GcmDecryptOptions): GcmDecryptor {
  return gcmDecryptor('SM4', key, iv, aad, options);
}

/** Opt-in for the modes without integrity. */
export interface Sm4UnauthenticatedOptions {
  /** Must be `true`: acknowledges that ECB/CBC ciphertext can be modified undetectably. */
  readonly unauthenticated: true;
  /** 'pkcs7' (default; what OpenSSL and sm-crypto use) or 'none' (data must be whole 16-byte blocks). */
  readonly padding?: 'pkcs7' | 'none';
}

function optIn(options: Sm4UnauthenticatedOptions | undefined, mode: string): 'pkcs7' | 'none' {
  if (!options || options.unauthenticated !== true) {
    throw new WasmCryptoError(
      'INVALID_ARGUMENT',
      `SM4-${mode} has no integrity protection; pass { unauthenticated: true } to use it (prefer SM4-GCM)`,
    );
  }
  const padding = options.padding ?? 'pkcs7';
  if (padding !== 'pkcs7' && padding !== 'none') throw new WasmCryptoError('INVALID_ARGUMENT', `SM4-${mode}: padding must be 'pkcs7' or 'none'`);
  return padding;
}

function checkKey(key: Uint8Array, mode: string): void {
  requireBytes(key, `SM4-${mode} key`);
  if (key.length !== SM4_KEY_BYTES) throw new WasmCryptoError('INVALID_KEY_SIZE', `SM4 key must be 16 bytes, got ${key.length}`);
}

function pad(data: Uint8Array): Uint8Array {
  const n = SM4_BLOCK_BYTES - (data.length % SM4_BLOCK_BYTES);
  const out = new Uint8Array(data.length + n);
  out.set(data);
  out.fill(n, data.length);
  return out;
}

/** PKCS#7 unpadding without branching on the padding bytes' values. */
function unpad(data: Uint8Array, mode: string): Uint8Array {
  const len = data.length;
  const n = len ? data[len - 1] : 0;
  let bad = len === 0 || len % SM4_BLOCK_BYTES ? 1 : 0;
  bad |= ((n - 1) >>> 31) | ((SM4_BLOCK_BYTES - n) >>> 31); // n == 0 or n > 16
  for (let i = 1; i <= SM4_BLOCK_BYTES && i <= len; i++) {
    const inPad = ((i - n - 1) >>> 31) & 1; // i <= n
    bad |= inPad & (((data[len - i] ^ n) + 0xff) >>> 8); // 1 when the byte differs from n
  }
  if (bad) {
    data.fill(0);
    throw new WasmCryptoError('DECRYPT_FAILED', `SM4-${mode}: decryption failed`);
  }
  return data.subarray(0, len - n);
}

/** Runs an ECB/CBC pass over whole blocks with a fresh key schedule, freed (zeroed) afterwards. */
function blockMode(mode: 'ECB' | 'CBC', key: Uint8Array, iv: Uint8Array | undefined, data: Uint8Array, decrypt: boolean): Uint8Array {
  if (data.length % SM4_BLOCK_BYTES) {
    throw new WasmCryptoError('INVALID_LENGTH', `SM4-${mode} data must be a multiple of 16 bytes with padding 'none', got ${data.length}`);
  }
  const ctx = new Context((core) => core.withArgs((a) => core.raw.sm4_new(a.put(key), key.length)), `SM4-${mode}`);
  try {
    const core = ctx.core;
    const out = new Uint8Array(data.length);
    core.withArgs((a) => {
      const ivp = iv ? a.put(iv) : 0;
      core.transform(data, out, (p, n) =>
        check(mode === 'CBC' ? core.raw.sm4_cbc(ctx.ptr, ivp, p, n, decrypt ? 1 : 0) : core.raw.sm4_ecb(ctx.ptr, p, n, decrypt ? 1 : 0), `SM4-${mode}`),
      );
    });
    return out;
  } finally {
    ctx.free();
  }
}

function checkIv(iv: Uint8Array): void {
  requireBytes(iv, 'SM4-CBC IV');
  if (iv.length !== SM4_BLOCK_BYTES) throw new WasmCryptoError('INVALID_IV_SIZE', `SM4-CBC IV must be 16 bytes, got ${iv.length}`);
}

export function sm4CbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, options: Sm4UnauthenticatedOptions): Uint8Array {
  const padding = optIn(options, 'CBC');
  checkKey(key, 'CBC');
  checkIv(iv);
  requireBytes(plaintext, 'SM4-CBC plaintext');
  const input = padding === 'pkcs7' ? pad(plaintext) : plaintext;
  try {
    return blockMode('CBC', key, iv, input, false);
  } finally {
    if (input !== plaintext) input.fill(0);
  }
}

export function sm4CbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, options: Sm4UnauthenticatedOptions): Uint8Array {
  const padding = optIn(options, 'CBC');
  checkKey(key, 'CBC');
  checkIv(iv);
  requireBytes(ciphertext, 'SM4-CBC ciphertext');
  if (padding === 'pkcs7' && (ciphertext.length === 0 || ciphertext.length % SM4_BLOCK_BYTES)) {
    throw new WasmCryptoError('DECRYPT_FAILED', 'SM4-CBC: decryption failed');
  }
  const out = blockMode('CBC', key, iv, ciphertext, true);
  return padding === 'pkcs7' ? unpad(out, 'CBC') : out;
}

export function sm4EcbEncrypt(key: Uint8Array, plaintext: Uint8Array, options: Sm4UnauthenticatedOptions): Uint8Array {
  const padding = optIn(options, 'ECB');
  checkKey(key, 'ECB');
  requireBytes(plaintext, 'SM4-ECB plaintext');
  const input = padding === 'pkcs7' ? pad(plaintext) : plaintext;
  try {
    return blockMode('ECB', key, undefined, input, false);
  } finally {
    if (input !== plaintext) input.fill(0);
  }
}

export function sm4EcbDecrypt(key: Uint8Array, ciphertext: Uint8Array, options: Sm4UnauthenticatedOptions): Uint8Array {
  const padding = optIn(options, 'ECB');
  checkKey(key, 'ECB');
  requireBytes(ciphertext, 'SM4-ECB ciphertext');
  if (padding === 'pkcs7' && (ciphertext.length === 0 || ciphertext.length % SM4_BLOCK_BYTES)) {
    throw new WasmCryptoError('DECRYPT_FAILED', 'SM4-ECB: decryption failed');
  }
  const out = blockMode('ECB', key, undefined, ciphertext, true);
  return padding === 'pkcs7' ? unpad(out, 'ECB') : out;
}
