// The loader and the core's memory discipline: one instance per runtime, Module or bytes, growth of linear
// memory, zeroing of freed contexts, and clear errors for misuse at the raw ABI level.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { instantiateCore, ABI_VERSION, CoreErrorCode, GcmAlg } from '../../wasm/pkg/edgekms_core.ts';
import { initWasm, isWasmReady, wasm } from '../../src/crypto/wasm/core.ts';
import { aesGcmEncrypt, aesGcmEncryptor } from '../../src/crypto/aes-gcm-stream.ts';
import { sm3 } from '../../src/crypto/sm3.ts';
import { readWasmCore } from '../../src/runtime/wasm-node.ts';
import { codeOf, randomBytes } from './setup.ts';

const bytes = readFileSync(new URL('../../wasm/pkg/edgekms_core.wasm', import.meta.url));

describe('loader', () => {
  it('refuses to work before initWasm()', () => {
    expect(isWasmReady()).toBe(false);
    expect(codeOf(() => sm3(new Uint8Array(1)))).toBe('NOT_INITIALISED');
    expect(() => aesGcmEncryptor(new Uint8Array(16), new Uint8Array(12))).toThrow(/initWasm/);
  });

  it('instantiates from a compiled module (Workers) and from bytes (Node, Deno, browsers)', async () => {
    const fromModule = await instantiateCore(new WebAssembly.Module(bytes));
    const fromBytes = await instantiateCore(bytes);
    const fromBuffer = await instantiateCore(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    for (const c of [fromModule, fromBytes, fromBuffer]) expect(c.abi_version()).toBe(ABI_VERSION);
    await expect(instantiateCore('nope' as unknown as BufferSource)).rejects.toThrow(/expected a WebAssembly.Module/);
    // A valid module that is not ours: (module (func (export "f")))
    const other = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 4, 1, 2, 0, 11);
    await expect(instantiateCore(other)).rejects.toThrow(/not an edgekms_core.wasm build/);
  });

  it('initWasm is idempotent: one instance per runtime', async () => {
    const p1 = initWasm(await readWasmCore());
    const p2 = initWasm(new WebAssembly.Module(bytes));
    await Promise.all([p1, p2]);
    expect(isWasmReady()).toBe(true);
    const core = wasm();
    await initWasm(bytes);
    expect(wasm()).toBe(core);
  });

  it('memory grows as contexts and data need it, and results stay right', async () => {
    await initWasm(bytes);
    const core = wasm();
    const before = core.raw.memory.buffer.byteLength;
    const key = randomBytes(32);
    const iv = randomBytes(12);
    const encs = Array.from({ length: 3000 }, () => aesGcmEncryptor(key, iv)); // ~4 KiB of key schedule each
    expect(core.raw.memory.buffer.byteLength).toBeGreaterThan(before);
    const pt = randomBytes(1000);
    const want = aesGcmEncrypt(key, iv, pt);
    for (const e of encs.slice(0, 50)) expect(Buffer.from([...e.update(pt), ...e.final()]).equals(want)).toBe(true);
    for (const e of encs) e.free();
    // Freed blocks are reused: the same load does not grow memory again.
    const grown = core.raw.memory.buffer.byteLength;
    const again = Array.from({ length: 3000 }, () => aesGcmEncryptor(key, iv));
    for (const e of again) e.free();
    expect(core.raw.memory.buffer.byteLength).toBe(grown);
  });
});

describe('raw ABI', () => {
  it('zeroes a key schedule when its context is freed, and then refuses the handle', async () => {
    await initWasm(bytes);
    const raw = wasm().raw;
    const mem = () => new Uint8Array(raw.memory.buffer);
    const key = raw.mem_alloc(32);
    const iv = raw.mem_alloc(12);
    mem().set(randomBytes(32), key);
    const ctx = raw.gcm_new(GcmAlg.AES, key, 32, iv, 12, 0);
    expect(ctx).toBeGreaterThan(0);
    const size = new DataView(raw.memory.buffer).getUint32(ctx - 16, true) - 16; // block header: size incl. header
    expect(size).toBeGreaterThan(2000);
    expect(mem().subarray(ctx, ctx + size).some((b) => b !== 0)).toBe(true);
    expect(raw.ctx_free(ctx)).toBe(0);
    expect(mem().subarray(ctx, ctx + size).every((b) => b === 0)).toBe(true);
    expect(raw.ctx_free(ctx)).toBe(CoreErrorCode.HANDLE);
    expect(raw.gcm_update(ctx, iv, 1)).toBe(CoreErrorCode.HANDLE);
    expect(raw.gcm_tag(ctx, iv)).toBe(CoreErrorCode.HANDLE);
    expect(raw.sm3_update(ctx, iv, 1)).toBe(CoreErrorCode.HANDLE);
    raw.mem_free(key);
    expect(mem().subarray(key, key + 32).every((b) => b === 0)).toBe(true);
    raw.mem_free(iv);
  });

  it('checks sizes, kinds and states', async () => {
    await initWasm(bytes);
    const raw = wasm().raw;
    const buf = raw.mem_alloc(2048);
    expect(raw.gcm_new(GcmAlg.AES, buf, 24, buf, 12, 0)).toBe(CoreErrorCode.KEY_SIZE);
    expect(raw.gcm_new(GcmAlg.SM4, buf, 32, buf, 12, 0)).toBe(CoreErrorCode.KEY_SIZE);
    expect(raw.gcm_new(GcmAlg.AES, buf, 16, buf, 0, 0)).toBe(CoreErrorCode.IV_SIZE);
    expect(raw.gcm_new(GcmAlg.AES, buf, 16, buf, 1025, 0)).toBe(CoreErrorCode.IV_SIZE);
    expect(raw.gcm_new(3, buf, 16, buf, 12, 0)).toBe(CoreErrorCode.ARGUMENT);
    expect(raw.sm4_new(buf, 15)).toBe(CoreErrorCode.KEY_SIZE);
    const enc = raw.gcm_new(GcmAlg.AES, buf, 16, buf, 12, 0);
    expect(raw.gcm_update(enc, buf, 10)).toBe(0);
    expect(raw.gcm_aad(enc, buf, 10)).toBe(CoreErrorCode.STATE); // AAD after data
    expect(raw.gcm_verify(enc, buf, 11)).toBe(CoreErrorCode.TAG_SIZE);
    expect(raw.gcm_tag(enc, buf)).toBe(0);
    expect(raw.gcm_tag(enc, buf)).toBe(CoreErrorCode.STATE);
    expect(raw.gcm_update(enc, buf, 1)).toBe(CoreErrorCode.STATE);
    const h = raw.sm3_new();
    expect(raw.gcm_update(h, buf, 1)).toBe(CoreErrorCode.HANDLE); // a context of another kind
    const s = raw.sm4_new(buf, 16);
    expect(raw.sm4_ecb(s, buf, 15, 0)).toBe(CoreErrorCode.LENGTH);
    expect(raw.sm4_cbc(s, buf, buf + 16, 17, 1)).toBe(CoreErrorCode.LENGTH);
    for (const c of [enc, h, s]) expect(raw.ctx_free(c)).toBe(0);
    expect(raw.ctx_free(buf + 3)).toBe(CoreErrorCode.HANDLE); // unaligned
    expect(raw.ctx_free(0)).toBe(CoreErrorCode.HANDLE);
    raw.mem_free(buf);
  });
});

describe('public barrel', () => {
  it('src/crypto/wasm/index.ts exposes the whole API', async () => {
    const api = await import('../../src/crypto/wasm/index.ts');
    for (const name of [
      'initWasm', 'isWasmReady', 'WasmCryptoError',
      'aesGcmEncryptor', 'aesGcmDecryptor', 'aesGcmEncrypt', 'aesGcmDecrypt',
      'sm4GcmEncrypt', 'sm4GcmDecrypt', 'sm4GcmEncryptor', 'sm4GcmDecryptor', 'sm4CbcEncrypt', 'sm4CbcDecrypt', 'sm4EcbEncrypt', 'sm4EcbDecrypt',
      'sm3', 'createSm3', 'hmacSm3', 'createHmacSm3',
      'sm2', 'sm2GenerateKeyPair', 'sm2Sign', 'sm2Verify', 'sm2Encrypt', 'sm2Decrypt', 'sm2Za', 'sm2MessageDigest',
    ]) {
      expect(typeof (api as Record<string, unknown>)[name], name).not.toBe('undefined');
    }
  });
});
