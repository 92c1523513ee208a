// Run by bench/suites/sdk.ts, one fresh process per sample: measures one candidate once and prints
// {"mibps": …}. A fresh process per sample means no candidate runs on the heap, the garbage or the JIT
// state another one left behind (AWS's streams leave hundreds of MiB of Buffers for the next candidate's
// collector). Every candidate does the same here: prepare its input (untimed), one warm-up pass of
// WARM_UP bytes, a full collection, then one timed pass over its bytes.
import { createCipheriv, createSecretKey } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';
import { portableCrypto, type CryptoProvider } from '../src/crypto/provider.ts';
import { sm4GcmEncrypt } from '../src/crypto/sm4.ts';
// The SDK as `import … from 'edgekms'` gives it on Node: node:crypto unless `crypto` says otherwise.
import { decryptStream, encryptStream } from '../src/runtime/sdk-native.ts';
import { loadWasmNode } from '../src/runtime/wasm-node.ts';
import { RawAesKeyring } from '../src/sdk/keyrings/raw-aes.ts';
import type { EncryptOptions } from '../src/sdk/stream/options.ts';
import { drain, random, replay, source } from './lib/byte-streams.ts';

const MiB = 1 << 20;
/** Bytes of every streamed candidate (AES); the SM suite is slower and streams SM_STREAM. */
const STREAM = 256 * MiB;
const SM_STREAM = 64 * MiB;
/** WebCrypto one-shot and the SM4-GCM core: one 16 MiB buffer per call, calls repeated over STREAM bytes. */
const ONE_SHOT = 16 * MiB;
const WARM_UP = 32 * MiB;

const CANDIDATES = [
  'webcrypto-oneshot',
  'webcrypto-oneshot-decrypt',
  'sdk-encrypt',
  'sdk-decrypt',
  'sdk-encrypt-webcrypto',
  'node-crypto-alone',
  'sdk-decrypt-webcrypto',
  'sdk-encrypt-256kib',
  'aws-encrypt',
  'aws-decrypt',
  'aws-encrypt-1mib-frames',
  'aws-decrypt-1mib-frames',
  'sm4-core',
  'sdk-sm-encrypt',
] as const;
type Candidate = (typeof CANDIDATES)[number];

const sink = (into?: Buffer[]) =>
  new Writable({
    write(chunk: Buffer, _e, done) {
      into?.push(chunk);
      done();
    },
  });

/** A candidate: bytes it processes, and a pass over `bytes` of them (its input prepared beforehand). */
type Pass = (bytes: number) => Promise<unknown>;

async function prepare(candidate: Candidate): Promise<{ bytes: number; pass: Pass }> {
  const block = random(MiB);
  const keyring = new RawAesKeyring({ keyNamespace: 'bench', keyName: 'aes', wrappingKey: random(32) });
  const sdkEncrypt = (options: Partial<EncryptOptions>): Pass => (n) => drain(encryptStream(source(n, block), { keyring, ...options } as EncryptOptions));
  const sdkDecrypt = async (crypto?: CryptoProvider) => {
    // One sealed message per size, written with the default settings on WebCrypto (so every decrypt
    // candidate reads the same chunks as in earlier runs: each segment's sealed bytes in one piece), then
    // decrypted from memory.
    const sealed = new Map<number, Uint8Array[]>();
    for (const n of [WARM_UP, STREAM]) {
      const chunks: Uint8Array[] = [];
      await drain(encryptStream(source(n, block), { keyring, crypto: portableCrypto }), chunks);
      sealed.set(n, chunks);
    }
    return (n: number) => drain(decryptStream(replay(sealed.get(n)!), { keyring, crypto }));
  };
  const aws = (frameLength?: number) => {
    const client = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const awsKeyring = new RawAesKeyringNode({
      keyName: 'aes',
      keyNamespace: 'bench',
      unencryptedMasterKey: random(32),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    });
    const encrypt = (n: number, into?: Buffer[]) => pipeline(Readable.fromWeb(source(n, block) as never), client.encryptStream(awsKeyring, frameLength ? { frameLength } : {}), sink(into));
    return { client, awsKeyring, encrypt };
  };
  switch (candidate) {
    case 'webcrypto-oneshot': {
      const data = random(ONE_SHOT);
      const iv = random(12);
      const key = await crypto.subtle.importKey('raw', random(32), 'AES-GCM', false, ['encrypt']);
      return {
        bytes: STREAM,
        pass: async (n) => {
          for (let o = 0; o < n; o += ONE_SHOT) await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, data);
        },
      };
    }
    case 'webcrypto-oneshot-decrypt': {
      const iv = random(12);
      const key = await crypto.subtle.importKey('raw', random(32), 'AES-GCM', false, ['encrypt', 'decrypt']);
      const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, random(ONE_SHOT));
      return {
        bytes: STREAM,
        pass: async (n) => {
          for (let o = 0; o < n; o += ONE_SHOT) await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, sealed);
        },
      };
    }
    case 'sdk-encrypt':
      return { bytes: STREAM, pass: sdkEncrypt({}) };
    case 'sdk-encrypt-webcrypto':
      return { bytes: STREAM, pass: sdkEncrypt({ crypto: portableCrypto }) };
    case 'node-crypto-alone': {
      // The ceiling of sdk-encrypt (node:crypto on one thread): each chunk of the same source sealed by its own node:crypto
      // AES-256-GCM call (a fresh nonce each: a counter), the output dropped. No framing, no stream out.
      const key = createSecretKey(random(32));
      const iv = new Uint8Array(12);
      let counter = 0;
      return {
        bytes: STREAM,
        pass: async (n) => {
          const r = source(n, block).getReader();
          for (;;) {
            const { done, value } = await r.read();
            if (done) return;
            new DataView(iv.buffer).setUint32(8, counter++);
            const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
            c.update(value);
            c.final();
            c.getAuthTag();
          }
        },
      };
    }
    case 'sdk-encrypt-256kib':
      return { bytes: STREAM, pass: sdkEncrypt({ segmentSize: 256 * 1024 }) };
    case 'sdk-decrypt':
      return { bytes: STREAM, pass: await sdkDecrypt() };
    case 'sdk-decrypt-webcrypto':
      return { bytes: STREAM, pass: await sdkDecrypt(portableCrypto) };
    case 'aws-encrypt':
      return { bytes: STREAM, pass: aws().encrypt };
    case 'aws-encrypt-1mib-frames':
      return { bytes: STREAM, pass: aws(MiB).encrypt };
    case 'aws-decrypt':
    case 'aws-decrypt-1mib-frames': {
      const { client, awsKeyring, encrypt } = aws(candidate === 'aws-decrypt' ? undefined : MiB);
      const sealed = new Map<number, Buffer[]>();
      for (const n of [WARM_UP, STREAM]) {
        const chunks: Buffer[] = [];
        await encrypt(n, chunks);
        sealed.set(n, chunks);
      }
      return { bytes: STREAM, pass: (n) => pipeline(Readable.from(sealed.get(n)!), client.decryptStream(awsKeyring), sink()) };
    }
    case 'sm4-core': {
      await loadWasmNode();
      const data = random(ONE_SHOT);
      const key = random(16);
      const iv = random(12);
      return {
        bytes: SM_STREAM,
        pass: async (n) => {
          for (let o = 0; o < n; o += ONE_SHOT) sm4GcmEncrypt(key, iv, data);
        },
      };
    }
    case 'sdk-sm-encrypt':
      await loadWasmNode();
      return { bytes: SM_STREAM, pass: sdkEncrypt({ suite: 0x0101 }) };
  }
}

const candidate = process.env.SDK_SAMPLE as Candidate;
if (!CANDIDATES.includes(candidate)) throw new Error(`SDK_SAMPLE must be one of ${CANDIDATES.join(', ')}`);
const { bytes, pass } = await prepare(candidate);
await pass(Math.min(bytes, WARM_UP));
(globalThis as { gc?: () => void }).gc?.();
const t = performance.now();
await pass(bytes);
const seconds = (performance.now() - t) / 1000;
process.stdout.write(JSON.stringify({ mibps: bytes / MiB / seconds }));
