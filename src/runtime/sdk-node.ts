// Node rim of the encryption SDK: node:stream adapters for the WHATWG streams of the portable core (with
// Node's crypto provider, node:crypto, as the default AES-GCM binding: sdk-native.ts), and file helpers that write
// plaintext to a temporary file next to the destination and rename it into place only once the whole
// input has verified, so a failed or tampered input never leaves a partial plaintext file behind.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { decryptGoEnvelopeStream, type GoEnvelopeOptions } from '../sdk/legacy/go-envelope.ts';
import type { DecryptOptions, EncryptOptions } from '../sdk/stream/options.ts';
import { decryptStream, encryptStream } from './sdk-native.ts';

const toWeb = (r: Readable) => Readable.toWeb(r) as unknown as ReadableStream<Uint8Array>;
const fromWeb = (s: ReadableStream<Uint8Array>) => Readable.fromWeb(s as never);

/** ENV1 encryption of a Node readable into a Node readable (backpressure carried both ways). */
export function encryptNodeStream(input: Readable, options: EncryptOptions): Readable {
  return fromWeb(encryptStream(toWeb(input), options));
}

/** ENV1 decryption of a Node readable; a segment's plaintext is emitted only after its tag verifies. */
export function decryptNodeStream(input: Readable, options: DecryptOptions): Readable {
  return fromWeb(decryptStream(toWeb(input), options));
}

/**
 * Writes `stream` to `path` through a temporary file in the same directory (mode 0600, fsynced), renamed
 * over `path` only when the stream ends without error; on any error the temporary file is removed and the
 * error rethrown, and `path` is untouched.
 */
export async function writeFileWhenVerified(stream: ReadableStream<Uint8Array>, path: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  const fh = await open(temp, 'wx', 0o600);
  let ok = false;
  try {
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await fh.write(value);
    }
    await fh.sync();
    ok = true;
  } finally {
    await fh.close();
    if (!ok) await unlink(temp).catch(() => {});
  }
  await rename(temp, path);
}

/** Decrypts an ENV1 file into `outPath`, which appears only if the whole message verified. */
export async function decryptFile(inPath: string, outPath: string, options: DecryptOptions): Promise<void> {
  const input = await open(inPath, 'r');
  try {
    await writeFileWhenVerified(decryptStream(toWeb(input.createReadStream({ autoClose: false })), options), outPath);
  } finally {
    await input.close();
  }
}

/**
 * Decrypts a file made by Huawei's Go envelope example into `outPath` with bounded memory: plaintext is
 * streamed to a temporary file (unverified until the end) and renamed into place only after the GCM tag
 * verifies.
 */
export async function decryptGoEnvelopeFile(inPath: string, outPath: string, options: Omit<GoEnvelopeOptions, 'releaseUnverified'>): Promise<void> {
  const input = await open(inPath, 'r');
  try {
    await writeFileWhenVerified(decryptGoEnvelopeStream(toWeb(input.createReadStream({ autoClose: false })), { ...options, releaseUnverified: true }), outPath);
  } finally {
    await input.close();
  }
}
