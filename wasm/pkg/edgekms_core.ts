// Hand-written bindings for edgekms_core.wasm (built by wasm/build.sh from wasm/src; no wasm-bindgen).
// This file only describes the raw ABI and instantiates the module; the safe API (input checks,
// chunking, errors, zeroing) is src/crypto/wasm/. Portable: no Node APIs, so Workers, Deno and browsers
// can load it with the module or bytes they obtained their own way.
//
// ABI conventions (see wasm/src/lib.rs): pointers and lengths are u32 offsets into `memory`; functions
// return 0 or a context pointer on success and a negative `CoreErrorCode` on failure. Memory can grow
// during any call that allocates (mem_alloc, *_new), which detaches earlier views of `memory.buffer`.

/** ABI version this glue speaks; the module's `abi_version()` must match. */
export const ABI_VERSION = 1;

/** Negative return codes of the core. */
export const CoreErrorCode = {
  HANDLE: -1, // not a live context of the expected kind
  KEY_SIZE: -2,
  IV_SIZE: -3,
  STATE: -4, // e.g. AAD after data, update after the tag
  TOO_LONG: -5, // GCM: more than 2^36 - 32 bytes; SM3: 2^61 - 1 bytes
  LENGTH: -6, // ECB/CBC input not a multiple of 16
  AUTH: -7, // GCM tag mismatch
  NO_MEMORY: -8,
  TAG_SIZE: -9,
  ARGUMENT: -10,
} as const;

/** GCM block ciphers (`gcm_new`'s first argument). */
export const GcmAlg = { AES: 1, SM4: 2 } as const;

export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  abi_version(): number;
  /** A zeroed-on-free, 16-aligned buffer of `n` bytes, or 0. */
  mem_alloc(n: number): number;
  /** Zeroes and frees a buffer from mem_alloc. */
  mem_free(ptr: number): void;
  /** Zeroes and frees any context. */
  ctx_free(ctx: number): number;

  /** alg: GcmAlg; key 16/32 (AES) or 16 (SM4) bytes; iv 1..1024 bytes; decrypt 0/1. */
  gcm_new(alg: number, key: number, keyLen: number, iv: number, ivLen: number, decrypt: number): number;
  gcm_aad(ctx: number, ptr: number, len: number): number;
  /** In place. */
  gcm_update(ctx: number, ptr: number, len: number): number;
  /** Encryption only: writes the 16-byte tag. */
  gcm_tag(ctx: number, out: number): number;
  /** Decryption only: compares a 12..16-byte tag in constant time; CoreErrorCode.AUTH on mismatch. */
  gcm_verify(ctx: number, tag: number, tagLen: number): number;

  /** SM4 key schedule for ECB/CBC (both directions). */
  sm4_new(key: number, keyLen: number): number;
  sm4_ecb(ctx: number, ptr: number, len: number, decrypt: number): number;
  /** `iv` (16 bytes) is read and replaced by the last ciphertext block (chaining across calls). */
  sm4_cbc(ctx: number, iv: number, ptr: number, len: number, decrypt: number): number;

  sm3_new(): number;
  sm3_update(ctx: number, ptr: number, len: number): number;
  /** Writes 32 bytes and resets the context. */
  sm3_final(ctx: number, out: number): number;
  hmac_sm3_new(key: number, keyLen: number): number;
  hmac_sm3_update(ctx: number, ptr: number, len: number): number;
  /** Writes 32 bytes and resets the context to a fresh MAC under the same key. */
  hmac_sm3_final(ctx: number, out: number): number;
}

const EXPORTS: readonly (keyof CoreExports)[] = [
  'memory', 'abi_version', 'mem_alloc', 'mem_free', 'ctx_free',
  'gcm_new', 'gcm_aad', 'gcm_update', 'gcm_tag', 'gcm_verify',
  'sm4_new', 'sm4_ecb', 'sm4_cbc',
  'sm3_new', 'sm3_update', 'sm3_final', 'hmac_sm3_new', 'hmac_sm3_update', 'hmac_sm3_final',
];

/** What a runtime can hand over: a compiled module (Workers) or the file's bytes (Node, Deno, browsers). */
export type CoreSource = WebAssembly.Module | BufferSource;

/**
 * Instantiates the core. The module imports nothing. Throws if the exports or ABI version do not match
 * this glue (an artifact from another build).
 */
export async function instantiateCore(source: CoreSource): Promise<CoreExports> {
  let instance: WebAssembly.Instance;
  if (source instanceof WebAssembly.Module) {
    instance = await WebAssembly.instantiate(source, {});
  } else if (ArrayBuffer.isView(source) || source instanceof ArrayBuffer) {
    // Through the bytes overload by name: Workers' types add a Module overload that bytes also match.
    const fromBytes = WebAssembly.instantiate as (bytes: BufferSource, imports: WebAssembly.Imports) => Promise<WebAssembly.WebAssemblyInstantiatedSource>;
    instance = (await fromBytes(source as BufferSource, {})).instance;
  } else {
    throw new TypeError('edgekms_core: expected a WebAssembly.Module, an ArrayBuffer or a typed array');
  }
  const ex = instance.exports as Record<string, unknown>;
  for (const name of EXPORTS) {
    const want = name === 'memory' ? WebAssembly.Memory : Function;
    if (!(ex[name] instanceof want)) throw new Error(`edgekms_core: export ${name} missing: not an edgekms_core.wasm build`);
  }
  const core = ex as unknown as CoreExports;
  const abi = core.abi_version();
  if (abi !== ABI_VERSION) throw new Error(`edgekms_core: ABI version ${abi}, this glue expects ${ABI_VERSION}`);
  return core;
}
