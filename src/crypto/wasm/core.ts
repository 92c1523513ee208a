// Loader and memory plumbing for the WASM crypto core (wasm/pkg/edgekms_core.wasm).
//
// One instance per JavaScript realm: `initWasm(source)` instantiates it once (later calls return the same
// promise) and every primitive uses it synchronously afterwards. The caller supplies the module: Workers
// must pass a `WebAssembly.Module` (`import core from '.../edgekms_core.wasm'`; workerd refuses to compile
// bytes), Node/Deno/browsers may pass the bytes. This file imports no runtime module (no node:*), so it
// bundles everywhere; src/runtime/wasm-node.ts is the Node helper that reads the file.
//
// Data crosses into linear memory through two buffers allocated once: an argument area (keys, IVs, tags)
// and a 64 KiB data area that inputs stream through in chunks, so memory stays bounded whatever the message
// size. Both are zeroed after every call that put secrets in them. Contexts (key schedules) live in their
// own blocks, which the core zeroes when they are freed.

import { CoreErrorCode, instantiateCore, type CoreExports, type CoreSource } from '../../../wasm/pkg/edgekms_core.ts';
import { WasmCryptoError, type WasmCryptoErrorCode } from './errors.ts';

export type WasmSource = CoreSource;

/** Bytes per call into the core when streaming data through the data area. */
export const CHUNK = 64 * 1024;
const ARG_AREA = 4096;

let instance: WasmCore | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the crypto core into this runtime. Idempotent: once it has succeeded, further calls resolve at
 * once and ignore their argument. A failed load can be retried.
 */
export function initWasm(source: WasmSource): Promise<void> {
  if (instance) return Promise.resolve();
  if (!loading) {
    loading = instantiateCore(source).then(
      (ex) => {
        instance = new WasmCore(ex);
      },
      (err) => {
        loading = undefined;
        throw err;
      },
    );
  }
  return loading;
}

/** True once initWasm() has completed. */
export function isWasmReady(): boolean {
  return instance !== undefined;
}

/** The loaded core; throws NOT_INITIALISED before initWasm() has completed. */
export function wasm(): WasmCore {
  if (!instance) throw new WasmCryptoError('NOT_INITIALISED', 'WASM crypto core not loaded: await initWasm(module or bytes) first');
  return instance;
}

const ERROR_FOR: Record<number, WasmCryptoErrorCode> = {
  [CoreErrorCode.HANDLE]: 'USE_AFTER_FREE',
  [CoreErrorCode.KEY_SIZE]: 'INVALID_KEY_SIZE',
  [CoreErrorCode.IV_SIZE]: 'INVALID_IV_SIZE',
  [CoreErrorCode.STATE]: 'INVALID_STATE',
  [CoreErrorCode.TOO_LONG]: 'INPUT_TOO_LONG',
  [CoreErrorCode.LENGTH]: 'INVALID_LENGTH',
  [CoreErrorCode.AUTH]: 'AUTH_FAILED',
  [CoreErrorCode.NO_MEMORY]: 'OUT_OF_MEMORY',
  [CoreErrorCode.TAG_SIZE]: 'INVALID_TAG_SIZE',
  [CoreErrorCode.ARGUMENT]: 'INVALID_ARGUMENT',
};

/** Throws for a negative return code; returns the value otherwise. */
export function check(rc: number, what: string): number {
  if (rc >= 0) return rc;
  const code = ERROR_FOR[rc] ?? 'INTERNAL';
  const detail: Partial<Record<WasmCryptoErrorCode, string>> = {
    USE_AFTER_FREE: 'context is not live',
    INVALID_STATE: 'operation not allowed in this state',
    INPUT_TOO_LONG: 'input exceeds the algorithm limit',
    AUTH_FAILED: 'authentication tag mismatch',
    OUT_OF_MEMORY: 'WASM memory could not grow',
  };
  throw new WasmCryptoError(code, `${what}: ${detail[code] ?? code.toLowerCase().replace(/_/g, ' ')}`);
}

export function requireBytes(x: unknown, name: string): Uint8Array {
  if (!(x instanceof Uint8Array)) throw new WasmCryptoError('INVALID_ARGUMENT', `${name} must be a Uint8Array`);
  return x;
}

/** Arguments of one call, copied into the argument area (or a temporary block when they do not fit). */
export class Args {
  private used = 0;
  private temps: number[] = [];
  constructor(private readonly core: WasmCore) {}

  put(bytes: Uint8Array): number {
    const len = (bytes.length + 15) & ~15;
    let ptr: number;
    if (this.used + len <= ARG_AREA) {
      ptr = this.core.argArea + this.used;
      this.used += len;
    } else {
      ptr = this.core.alloc(bytes.length);
      this.temps.push(ptr);
    }
    this.core.bytes().set(bytes, ptr);
    return ptr;
  }

  /** Room for `n` output bytes. */
  out(n: number): number {
    return this.put(new Uint8Array(n));
  }

  /** Zeroes what this call used. */
  release(): void {
    if (this.used) this.core.bytes().fill(0, this.core.argArea, this.core.argArea + this.used);
    for (const p of this.temps) this.core.raw.mem_free(p);
    this.used = 0;
    this.temps = [];
  }
}

export class WasmCore {
  readonly argArea: number;
  readonly dataArea: number;

  constructor(readonly raw: CoreExports) {
    this.argArea = this.alloc(ARG_AREA);
    this.dataArea = this.alloc(CHUNK);
  }

  /** A fresh view of linear memory (memory growth detaches older ones). */
  bytes(): Uint8Array {
    return new Uint8Array(this.raw.memory.buffer);
  }

  alloc(n: number): number {
    const p = this.raw.mem_alloc(n);
    if (p === 0) throw new WasmCryptoError('OUT_OF_MEMORY', 'WASM memory could not grow');
    return p;
  }

  /** Runs `fn` with an argument frame that is zeroed afterwards, whatever happens. */
  withArgs<T>(fn: (a: Args) => T): T {
    const a = new Args(this);
    try {
      return fn(a);
    } finally {
      a.release();
    }
  }

  /**
   * Streams `input` through the data area in CHUNK pieces: `fn(ptr, len)` transforms each piece in place
   * and the result is copied to `output` (same length, may be `input` itself). The area is zeroed after.
   */
  transform(input: Uint8Array, output: Uint8Array, fn: (ptr: number, len: number) => void): void {
    this.stream(input, fn, output);
  }

  /** Streams `input` through the data area for functions that only read it (hashes, MACs). */
  feed(input: Uint8Array, fn: (ptr: number, len: number) => void): void {
    this.stream(input, fn);
  }

  private stream(input: Uint8Array, fn: (ptr: number, len: number) => void, output?: Uint8Array): void {
    const ptr = this.dataArea;
    let used = 0;
    try {
      for (let off = 0; off < input.length; off += CHUNK) {
        const len = Math.min(CHUNK, input.length - off);
        used = Math.max(used, len);
        this.bytes().set(input.subarray(off, off + len), ptr);
        fn(ptr, len);
        output?.set(this.bytes().subarray(ptr, ptr + len), off);
      }
    } finally {
      if (used) this.bytes().fill(0, ptr, ptr + used);
    }
  }
}

// Contexts not freed explicitly are freed (and so zeroed) when their JavaScript owner is collected.
// That is a safety net, not the contract: callers free() as soon as they are done.
const registry: FinalizationRegistry<{ core: WasmCore; ptr: number }> | undefined =
  typeof FinalizationRegistry === 'function' ? new FinalizationRegistry(({ core, ptr }) => core.raw.ctx_free(ptr)) : undefined;

/** Owner of one core context (key schedule, hash state). Use after free() throws USE_AFTER_FREE. */
export class Context {
  private ptrValue: number;
  readonly core: WasmCore;

  constructor(
    create: (core: WasmCore) => number,
    readonly what: string,
  ) {
    this.core = wasm();
    this.ptrValue = check(create(this.core), what);
    registry?.register(this, { core: this.core, ptr: this.ptrValue }, this);
  }

  get ptr(): number {
    if (this.ptrValue === 0) throw new WasmCryptoError('USE_AFTER_FREE', `${this.what}: used after free()`);
    return this.ptrValue;
  }

  get live(): boolean {
    return this.ptrValue !== 0;
  }

  /** Zeroes and releases the context. Idempotent. */
  free(): void {
    if (this.ptrValue === 0) return;
    registry?.unregister(this);
    this.core.raw.ctx_free(this.ptrValue);
    this.ptrValue = 0;
  }
}
