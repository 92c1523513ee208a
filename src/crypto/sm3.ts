// SM3 (GB/T 32905-2016, also GM/T 0004-2012 and ISO/IEC 10118-3:2018) and HMAC-SM3 (RFC 2104 with SM3:
// 64-byte block, 32-byte output), from the WASM core. One-shot and incremental forms.
//
// Pitfalls: SM3 is a plain Merkle-Damgård hash like SHA-256, so SM3(key ‖ message) is not a MAC (length
// extension); use hmacSm3. Call initWasm() once per runtime first.

import { Context, check, requireBytes, wasm, type WasmCore } from './wasm/core.ts';
import { WasmCryptoError } from './wasm/errors.ts';

export const SM3_DIGEST_BYTES = 32;
export const SM3_BLOCK_BYTES = 64;

export interface Sm3Hasher {
  update(data: Uint8Array): Sm3Hasher;
  /** Returns the 32-byte digest; the hasher is finished and freed. */
  digest(): Uint8Array;
  /** Releases the state without a digest. Idempotent. */
  free(): void;
}

class Incremental implements Sm3Hasher {
  private ctx: Context;
  private done = false;

  constructor(
    create: (core: WasmCore) => number,
    private readonly upd: 'sm3_update' | 'hmac_sm3_update',
    private readonly fin: 'sm3_final' | 'hmac_sm3_final',
    private readonly name: string,
  ) {
    this.ctx = new Context(create, name);
  }

  private ptr(): number {
    if (this.done) throw new WasmCryptoError('INVALID_STATE', `${this.name}: digest() already called`);
    return this.ctx.ptr; // throws USE_AFTER_FREE
  }

  update(data: Uint8Array): this {
    requireBytes(data, `${this.name} data`);
    const ptr = this.ptr();
    const core = this.ctx.core;
    core.feed(data, (p, n) => check(core.raw[this.upd](ptr, p, n), this.name));
    return this;
  }

  digest(): Uint8Array {
    const ptr = this.ptr();
    this.done = true;
    const core = this.ctx.core;
    try {
      return core.withArgs((a) => {
        const out = a.out(SM3_DIGEST_BYTES);
        check(core.raw[this.fin](ptr, out), this.name);
        return core.bytes().slice(out, out + SM3_DIGEST_BYTES);
      });
    } finally {
      this.ctx.free();
    }
  }

  free(): void {
    this.ctx.free();
  }
}

/** A new incremental SM3 hash. */
export function createSm3(): Sm3Hasher {
  return new Incremental((core) => core.raw.sm3_new(), 'sm3_update', 'sm3_final', 'SM3');
}

/** A new incremental HMAC-SM3 under `key` (any length; longer than 64 bytes is hashed first, per RFC 2104). */
export function createHmacSm3(key: Uint8Array): Sm3Hasher {
  requireBytes(key, 'HMAC-SM3 key');
  return new Incremental(
    (core) => core.withArgs((a) => core.raw.hmac_sm3_new(a.put(key), key.length)),
    'hmac_sm3_update',
    'hmac_sm3_final',
    'HMAC-SM3',
  );
}

// One-shot SM3 reuses a single context per core (sm3_final resets it and clears its buffer), which keeps
// SM2's many small hashes from allocating.
let shared: { core: WasmCore; ptr: number } | undefined;

/** SM3 digest of the concatenation of `parts` (32 bytes). */
export function sm3(...parts: Uint8Array[]): Uint8Array {
  for (const d of parts) requireBytes(d, 'SM3 data');
  const core = wasm();
  if (!shared || shared.core !== core) shared = { core, ptr: check(core.raw.sm3_new(), 'SM3') };
  const ptr = shared.ptr;
  return core.withArgs((a) => {
    const out = a.out(SM3_DIGEST_BYTES);
    try {
      for (const d of parts) core.feed(d, (p, n) => check(core.raw.sm3_update(ptr, p, n), 'SM3'));
    } finally {
      // Always finish: it also resets the shared state if an update failed half-way.
      check(core.raw.sm3_final(ptr, out), 'SM3');
    }
    return core.bytes().slice(out, out + SM3_DIGEST_BYTES);
  });
}

/** HMAC-SM3 of `data` under `key` (32 bytes). */
export function hmacSm3(key: Uint8Array, data: Uint8Array): Uint8Array {
  const h = createHmacSm3(key);
  try {
    return h.update(data).digest();
  } finally {
    h.free();
  }
}
