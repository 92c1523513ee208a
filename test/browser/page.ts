// The browser side of test/browser/sdk.test.ts, bundled by esbuild from the sources: the ENV1 vectors, and
// 50 MB through the SDK's streams with a KMS keyring calling the loopback server (cross-origin, CORS). The
// plaintext comes from a File and the ciphertext goes to a Blob that is downloaded, so the page never holds
// either whole; decryption reads a fetched body and keeps only a running SHA-256.
import { sha256 } from '@noble/hashes/sha2.js';
import { initWasm } from '../../src/crypto/wasm/core.ts';
import { KmsClient, KmsKeyring, decryptStream, encryptStream } from '../../src/sdk/index.ts';
import { checkNegative, checkPositive, type Env1Vectors } from '../vectors/env1-checks.ts';
import vectorsJson from '../vectors/env1.json';
import { CHUNK, patternChunk } from './pattern.ts';

interface Kms {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  projectId: string;
  keyId: string;
}

const keyringOf = (k: Kms) => new KmsKeyring({ client: new KmsClient({ endpoint: k.endpoint, accessKey: k.accessKey, secretKey: k.secretKey, projectId: k.projectId }), keyId: k.keyId, region: 'local-1' });
/** Lets the test measure the page's live memory at known points (every 4 MiB of data). */
const sample = () => (globalThis as { memorySample?: () => Promise<void> }).memorySample?.();
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

async function runVectors(): Promise<{ name: string; error?: string }[]> {
  await initWasm(new Uint8Array(await (await fetch('./edgekms_core.wasm')).arrayBuffer()));
  const vectors = vectorsJson as unknown as Env1Vectors;
  const out: { name: string; error?: string }[] = [];
  for (const v of vectors.positive) out.push(await checkPositive(vectors, v).then(() => ({ name: v.name }), (e) => ({ name: v.name, error: String(e) })));
  for (const v of vectors.negative) out.push(await checkNegative(vectors, v).then(() => ({ name: v.name }), (e) => ({ name: v.name, error: String(e) })));
  return out;
}

/** Builds the File 1 MiB at a time (each step only references the previous Blob), encrypts it, downloads the result. */
async function encryptFile(kms: Kms, mib: number): Promise<{ plaintextBytes: number; ciphertextBytes: number }> {
  let blob = new Blob([]);
  for (let k = 0; k < mib; k++) blob = new Blob([blob, patternChunk(k) as BlobPart]);
  const file = new File([blob], 'big.bin');
  blob = new Blob([]);
  const encrypted = encryptStream(file.stream() as ReadableStream<Uint8Array>, { keyring: keyringOf(kms), encryptionContext: { file: 'big.bin' }, plaintextLength: file.size });
  // Ciphertext goes into a Blob in pieces of about 4 MiB, so the JS heap holds one piece at a time.
  let out = new Blob([]);
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let seen = 0;
  let next = 4 * CHUNK;
  const reader = encrypted.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (value) {
      pending.push(value);
      pendingBytes += value.length;
      seen += value.length;
      if (seen >= next) {
        next += 4 * CHUNK;
        await sample();
      }
    }
    if (pendingBytes >= 4 * CHUNK || (done && pending.length)) {
      out = new Blob([out, ...(pending as BlobPart[])]);
      pending = [];
      pendingBytes = 0;
    }
    if (done) break;
  }
  const a = document.createElement('a');
  a.href = URL.createObjectURL(out);
  a.download = 'big.bin.env1';
  document.body.append(a);
  a.click();
  return { plaintextBytes: file.size, ciphertextBytes: out.size };
}

/** Fetches an ENV1 message and decrypts it as it arrives, keeping only its length and SHA-256. */
async function decryptUrl(kms: Kms, url: string): Promise<{ bytes: number; sha256: string }> {
  const res = await fetch(url);
  const plain = decryptStream(res.body!, { keyring: keyringOf(kms) });
  const h = sha256.create();
  let bytes = 0;
  let next = 4 * CHUNK;
  const reader = plain.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    h.update(value);
    bytes += value.length;
    if (bytes >= next) {
      next += 4 * CHUNK;
      await sample();
    }
  }
  return { bytes, sha256: hex(h.digest()) };
}

Object.assign(globalThis, { runVectors, encryptFile, decryptUrl, pageReady: true });
