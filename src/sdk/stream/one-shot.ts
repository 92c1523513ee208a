// One-shot ENV1 helpers for data already in memory: the same code path as the streams (one way to
// encrypt, one way to decrypt), collected into a single buffer. Decrypt returns nothing unless the whole
// message verified.
import { InvalidArgumentError } from '../format/errors.ts';
import { decryptStream } from './decrypt-stream.ts';
import { encryptStream } from './encrypt-stream.ts';
import type { DecryptOptions, EncryptOptions, MessageInfo } from './options.ts';

/** A stream that yields `bytes` (in views of at most 1 MiB, so no copy is made). */
export function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let o = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (o >= bytes.length) return c.close();
        const n = Math.min(bytes.length - o, 1 << 20);
        c.enqueue(bytes.subarray(o, o + n));
        o += n;
      },
    },
    { highWaterMark: 0 },
  );
}

/** Reads a whole stream into one buffer. */
export async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    n += value.length;
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function bytesArg(b: unknown, what: string): Uint8Array {
  if (!(b instanceof Uint8Array)) throw new InvalidArgumentError(`${what} must be a Uint8Array`);
  return b;
}

export interface EncryptResult {
  readonly ciphertext: Uint8Array;
  readonly info: MessageInfo;
}

export interface DecryptResult {
  readonly plaintext: Uint8Array;
  readonly info: MessageInfo;
}

/** Encrypts a buffer into one ENV1 message. */
export async function encrypt(plaintext: Uint8Array, options: EncryptOptions): Promise<EncryptResult> {
  const data = bytesArg(plaintext, 'plaintext');
  let info: MessageInfo | undefined;
  const ciphertext = await collect(
    encryptStream(streamOf(data), {
      ...options,
      plaintextLength: data.length,
      onMessage: (i) => {
        info = i;
        options.onMessage?.(i);
      },
    }),
  );
  return { ciphertext, info: info! };
}

/** Decrypts a whole ENV1 message held in memory. */
export async function decrypt(ciphertext: Uint8Array, options: DecryptOptions): Promise<DecryptResult> {
  const data = bytesArg(ciphertext, 'ciphertext');
  let info: MessageInfo | undefined;
  const plaintext = await collect(
    decryptStream(streamOf(data), {
      ...options,
      onHeader: async (i) => {
        info = i;
        await options.onHeader?.(i);
      },
    }),
  );
  return { plaintext, info: info! };
}
