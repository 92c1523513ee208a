// Node-side helpers for the WASM tests: load the committed artifact once per test file.
import { beforeAll } from 'vitest';
import { loadWasmNode } from '../../src/runtime/wasm-node.ts';

export function useWasm(): void {
  beforeAll(async () => {
    await loadWasmNode();
  });
}

export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

/** Splits `data` at random points (chunks of 1..max bytes). */
export function randomChunks(data: Uint8Array, max: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < data.length; ) {
    const n = Math.min(data.length - o, 1 + Math.floor(Math.random() * max));
    out.push(data.subarray(o, o + n));
    o += n;
  }
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The error code a call throws (WasmCryptoError.code), or undefined when it does not throw. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return undefined;
}

export const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
