// The encryption SDK (ENV1) against its references, measured in the same run:
// - WebCrypto AES-256-GCM on one 16 MiB buffer (one-shot, AES-NI): the speed of the primitive itself;
// - 256 MiB streamed through encryptStream / decryptStream with a raw AES keyring (default 64 KiB segments,
//   and 1 MiB segments for bulk data), and the SM suite (SM4-GCM in the WASM core);
// - the AWS Encryption SDK for JavaScript (@aws-crypto/client-node) with its default committing suite on
//   the same 256 MiB, streamed;
// - peak RSS growth while 1 GiB streams through encrypt and decrypt, in a separate process.
// Goals: SDK >= 1.0x WebCrypto one-shot, >= 10x the AWS ESDK, RSS growth <= 64 MiB, SM suite >= 150 MiB/s.
import { spawn } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';
import { RawAesKeyring } from '../../src/sdk/keyrings/raw-aes.ts';
import { decryptStream } from '../../src/sdk/stream/decrypt-stream.ts';
import { encryptStream } from '../../src/sdk/stream/encrypt-stream.ts';
import { loadWasmNode } from '../../src/runtime/wasm-node.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { sm4GcmEncrypt } from '../../src/crypto/sm4.ts';
import type { BenchReport } from '../report.ts';
// @ts-expect-error plain ESM helper without types
import { bundle } from '../../scripts/bundle.mjs';

const MiB = 1 << 20;
const STREAM = 256 * MiB;
const CHUNK = MiB;

function random(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

/** `total` bytes in 1 MiB chunks, generated on demand (fresh buffers: consumers may keep them). */
function source(total: number, block: Uint8Array): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (sent >= total) return c.close();
        c.enqueue(block.slice());
        sent += block.length;
      },
    },
    { highWaterMark: 0 },
  );
}

function replay(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({ pull: (c) => (i < chunks.length ? c.enqueue(chunks[i++]) : c.close()) }, { highWaterMark: 0 });
}

async function drain(s: ReadableStream<Uint8Array>, keep?: Uint8Array[]): Promise<number> {
  const r = s.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await r.read();
    if (done) return n;
    n += value.length;
    keep?.push(value);
  }
}

/** Best MiB/s over `rounds` runs of `fn` moving `bytes`. */
async function best(bytes: number, rounds: number, fn: () => Promise<unknown>): Promise<number> {
  let fastest = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await fn();
    fastest = Math.min(fastest, performance.now() - t);
  }
  return bytes / MiB / (fastest / 1000);
}

export default async function sdk(report: BenchReport): Promise<void> {
  await loadWasmNode();
  const block = random(CHUNK);
  const keyring = new RawAesKeyring({ keyNamespace: 'bench', keyName: 'aes', wrappingKey: random(32) });

  const oneShotData = random(16 * MiB);
  const key = await crypto.subtle.importKey('raw', random(32), 'AES-GCM', false, ['encrypt']);
  const iv = random(12);
  const oneShot = await best(16 * MiB, 15, () => crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, oneShotData));
  report.row('WebCrypto AES-256-GCM one-shot, 16 MiB', oneShot, 'MiB/s', 'reference');
  report.metric('webcrypto_oneshot_mibps', oneShot);

  const sealed: Uint8Array[] = [];
  const enc = await best(STREAM, 3, () => {
    sealed.length = 0;
    return drain(encryptStream(source(STREAM, block), { keyring }), sealed);
  });
  report.row('SDK encryptStream, 256 MiB, 64 KiB segments', enc, 'MiB/s', `${(enc / oneShot).toFixed(2)}x WebCrypto one-shot`);
  report.metric('sdk_stream_encrypt_mibps', enc);
  const dec = await best(STREAM, 3, () => drain(decryptStream(replay(sealed), { keyring })));
  report.row('SDK decryptStream, 256 MiB, 64 KiB segments', dec, 'MiB/s', `${(dec / oneShot).toFixed(2)}x WebCrypto one-shot`);
  report.metric('sdk_stream_decrypt_mibps', dec);
  sealed.length = 0;

  // The same streams with Node's provider (node:crypto: OpenSSL in-thread, no thread-pool hop per segment).
  const encNode = await best(STREAM, 3, () => drain(encryptStream(source(STREAM, block), { keyring, crypto: nodeCrypto })));
  report.row('SDK encryptStream, 256 MiB, node:crypto provider', encNode, 'MiB/s', `${(encNode / oneShot).toFixed(2)}x WebCrypto one-shot`);
  report.metric('sdk_stream_encrypt_node_mibps', encNode);

  const enc1m = await best(STREAM, 3, () => drain(encryptStream(source(STREAM, block), { keyring, segmentSize: MiB, windowBytes: 8 * MiB })));
  report.row('SDK encryptStream, 256 MiB, 1 MiB segments', enc1m, 'MiB/s', `${(enc1m / oneShot).toFixed(2)}x WebCrypto one-shot`);
  report.metric('sdk_stream_encrypt_1mib_segments_mibps', enc1m);

  // The WASM core's SM4-GCM alone, in the same run: what the SM suite can reach on this machine right now.
  const smKey = random(16);
  const smRaw = await best(16 * MiB, 5, async () => sm4GcmEncrypt(smKey, iv, oneShotData));
  report.row('SM4-GCM alone (WASM core), 16 MiB one-shot', smRaw, 'MiB/s', 'reference for the SM suite');
  const sm = await best(64 * MiB, 2, () => drain(encryptStream(source(64 * MiB, block), { keyring, suite: 0x0101 })));
  report.row('SDK encryptStream, SM suite (SM4-GCM, WASM), 64 MiB', sm, 'MiB/s', `goal >= 150; ${(sm / smRaw).toFixed(2)}x the core alone`);
  report.metric('sdk_sm_stream_encrypt_mibps', sm);

  // AWS Encryption SDK for JavaScript, default (committing, signed) suite, streamed.
  const aws = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const awsKeyring = new RawAesKeyringNode({
    keyName: 'aes',
    keyNamespace: 'bench',
    unencryptedMasterKey: random(32),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
  const awsSealed: Buffer[] = [];
  const collectInto = (into?: Buffer[]) =>
    new Writable({
      write(chunk: Buffer, _e, done) {
        into?.push(chunk);
        done();
      },
    });
  const awsEnc = await best(STREAM, 1, () => pipeline(Readable.fromWeb(source(STREAM, block) as never), aws.encryptStream(awsKeyring), collectInto(awsSealed)));
  report.row('AWS ESDK encryptStream (client-node, default suite), 256 MiB', awsEnc, 'MiB/s', `SDK is ${(enc / awsEnc).toFixed(1)}x`);
  report.metric('aws_esdk_encrypt_mibps', awsEnc);
  const awsDec = await best(STREAM, 1, () => pipeline(Readable.from(awsSealed), aws.decryptStream(awsKeyring), collectInto()));
  report.row('AWS ESDK decryptStream, 256 MiB', awsDec, 'MiB/s', `SDK is ${(dec / awsDec).toFixed(1)}x`);
  report.metric('aws_esdk_decrypt_mibps', awsDec);
  awsSealed.length = 0;

  const script = await bundle('bench/sdk-rss-process.ts', 'bench-sdk-rss.mjs');
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout!.on('data', (d: Buffer) => (text += d));
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`RSS probe exited with ${code}`))));
  });
  const rss = JSON.parse(out) as { baselineMiB: number; peakMiB: number; mibps: number };
  const growth = rss.peakMiB - rss.baselineMiB;
  report.row('SDK peak RSS growth, 1 GiB encrypt -> decrypt', growth, 'MiB', `baseline ${rss.baselineMiB.toFixed(0)} MiB, ${rss.mibps.toFixed(0)} MiB/s through both`);
  report.metric('sdk_peak_rss_growth_mib', growth);
}
