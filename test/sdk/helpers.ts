// Shared by the SDK tests: keyrings with fresh keys, random data, streams made of odd-sized chunks.
import { RawAesKeyring } from '../../src/sdk/keyrings/raw-aes.ts';

export function random(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

export function aesKeyring(name = 'key-1', key = random(32), namespace = 'app-keys'): RawAesKeyring {
  return new RawAesKeyring({ keyNamespace: namespace, keyName: name, wrappingKey: key });
}

/** A stream of `data` cut into chunks of 1..max bytes (deterministic from `seed`). */
export function chunkedStream(data: Uint8Array, max: number, seed = 1): ReadableStream<Uint8Array> {
  let o = 0;
  let s = seed;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (o >= data.length) return c.close();
      s = (s * 1103515245 + 12345) >>> 0;
      const n = Math.min(data.length - o, 1 + (s % max));
      c.enqueue(data.slice(o, o + n));
      o += n;
    },
  });
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}
