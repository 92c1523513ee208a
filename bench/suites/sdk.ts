// The encryption SDK (ENV1) against its references, measured in the same run. Every candidate of a
// comparison is sampled the same number of times, interleaved round by round (report.ts, interleaved);
// figures are medians with their range, ratios the median of the per-round ratios.
// - WebCrypto AES-256-GCM on one 16 MiB buffer (one-shot, AES-NI): the speed of the primitive itself;
// - 256 MiB streamed through encryptStream / decryptStream with a raw AES keyring (defaults: 256 KiB
//   segments, WebCrypto), with Node's provider (node:crypto), and with the former 64 KiB segments;
// - the SM suite (SM4-GCM in the WASM core) beside the core's SM4-GCM alone;
// - the AWS Encryption SDK for JavaScript (@aws-crypto/client-node), default committing suite, on the same
//   256 MiB, streamed;
// - peak RSS growth while 1 GiB streams through encrypt and decrypt, in a fresh process per sample, with
//   WebCrypto and with node:crypto.
// Goals: SDK >= 1.0x WebCrypto one-shot, >= 10x the AWS ESDK, RSS growth <= 64 MiB, SM suite >= 150 MiB/s.
import { spawn } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';
import { sm4GcmEncrypt } from '../../src/crypto/sm4.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { loadWasmNode } from '../../src/runtime/wasm-node.ts';
import { RawAesKeyring } from '../../src/sdk/keyrings/raw-aes.ts';
import { decryptStream } from '../../src/sdk/stream/decrypt-stream.ts';
import { encryptStream } from '../../src/sdk/stream/encrypt-stream.ts';
import { interleaved, mibPerSecondOnce, range, ratios, summarize, type BenchReport, type Samples } from '../report.ts';
// @ts-expect-error plain ESM helper without types
import { bundle } from '../../scripts/bundle.mjs';

const MiB = 1 << 20;
const STREAM = 256 * MiB;
const ONE_SHOT = 16 * MiB;
const SM_STREAM = 64 * MiB;
const ROUNDS = Number(process.env.BENCH_SDK_ROUNDS ?? 3);

function random(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

/** `total` bytes in 1 MiB chunks, generated on demand (fresh buffers, as a file reader gives). */
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

const sink = (into?: Buffer[]) =>
  new Writable({
    write(chunk: Buffer, _e, done) {
      into?.push(chunk);
      done();
    },
  });

export default async function sdk(report: BenchReport): Promise<void> {
  await loadWasmNode();
  const block = random(MiB);
  const keyring = new RawAesKeyring({ keyNamespace: 'bench', keyName: 'aes', wrappingKey: random(32) });
  const row = (label: string, s: Samples, metric: string, note = '') => {
    report.row(label, s.median, 'MiB/s', `range ${range(s)}${note ? '; ' + note : ''}`);
    report.metric(metric, s.median);
  };
  const ratio = (label: string, s: Samples, note: string, metric?: string) => {
    report.row(label, s.median, 'x', `range ${range(s)}; ${note}`);
    if (metric) report.metric(metric, s.median);
  };

  const oneShotData = random(ONE_SHOT);
  const key = await crypto.subtle.importKey('raw', random(32), 'AES-GCM', false, ['encrypt']);
  const iv = random(12);
  // The SM suite first, while nothing else is held in memory.
  const smKey = random(16);
  const sm = await interleaved(
    {
      core: () => mibPerSecondOnce(ONE_SHOT, () => sm4GcmEncrypt(smKey, iv, oneShotData)),
      suite: () => mibPerSecondOnce(SM_STREAM, () => drain(encryptStream(source(SM_STREAM, block), { keyring, suite: 0x0101 }))),
    },
    ROUNDS,
  );
  row('SM4-GCM alone (WASM core), 16 MiB one-shot', sm.core, 'sdk_sm_core_reference_mibps', 'reference');
  row('SDK encryptStream, SM suite, 64 MiB', sm.suite, 'sdk_sm_stream_encrypt_mibps', 'goal >= 150');
  ratio('  SM suite / SM4-GCM alone', ratios(sm.suite, sm.core), 'stream overhead');

  const sealed: Uint8Array[] = [];
  await drain(encryptStream(source(STREAM, block), { keyring }), sealed);

  const sdk = await interleaved(
    {
      oneShot: () => mibPerSecondOnce(ONE_SHOT, () => crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, oneShotData)),
      encrypt: () => mibPerSecondOnce(STREAM, () => drain(encryptStream(source(STREAM, block), { keyring }))),
      decrypt: () => mibPerSecondOnce(STREAM, () => drain(decryptStream(replay(sealed), { keyring }))),
      encryptNode: () => mibPerSecondOnce(STREAM, () => drain(encryptStream(source(STREAM, block), { keyring, crypto: nodeCrypto }))),
      decryptNode: () => mibPerSecondOnce(STREAM, () => drain(decryptStream(replay(sealed), { keyring, crypto: nodeCrypto }))),
      encrypt64KiB: () => mibPerSecondOnce(STREAM, () => drain(encryptStream(source(STREAM, block), { keyring, segmentSize: 65536 }))),
    },
    ROUNDS,
  );
  const note = `${ROUNDS} samples each, interleaved`;
  row('WebCrypto AES-256-GCM one-shot, 16 MiB', sdk.oneShot, 'webcrypto_oneshot_mibps', 'reference');
  row('SDK encryptStream, 256 MiB (256 KiB segments, WebCrypto)', sdk.encrypt, 'sdk_stream_encrypt_mibps', note);
  row('SDK decryptStream, 256 MiB (256 KiB segments, WebCrypto)', sdk.decrypt, 'sdk_stream_decrypt_mibps');
  ratio('  encrypt / WebCrypto one-shot', ratios(sdk.encrypt, sdk.oneShot), 'goal >= 1.0', 'sdk_encrypt_vs_webcrypto_oneshot_ratio');
  ratio('  decrypt / WebCrypto one-shot', ratios(sdk.decrypt, sdk.oneShot), 'goal >= 1.0', 'sdk_decrypt_vs_webcrypto_oneshot_ratio');
  row('SDK encryptStream, node:crypto provider (the Node adapters\' default)', sdk.encryptNode, 'sdk_stream_encrypt_node_mibps');
  row('SDK decryptStream, node:crypto provider', sdk.decryptNode, 'sdk_stream_decrypt_node_mibps');
  ratio('  encrypt (node:crypto) / WebCrypto one-shot', ratios(sdk.encryptNode, sdk.oneShot), 'goal >= 1.0', 'sdk_encrypt_node_vs_webcrypto_oneshot_ratio');
  ratio('  decrypt (node:crypto) / WebCrypto one-shot', ratios(sdk.decryptNode, sdk.oneShot), 'goal >= 1.0', 'sdk_decrypt_node_vs_webcrypto_oneshot_ratio');
  row('SDK encryptStream, 64 KiB segments (the former default)', sdk.encrypt64KiB, 'sdk_stream_encrypt_64kib_segments_mibps');
  ratio('  256 KiB / 64 KiB segments, encrypt', ratios(sdk.encrypt, sdk.encrypt64KiB), 'same 2 MiB window');

  // AWS Encryption SDK for JavaScript, default (committing, signed) suite, streamed, beside ours.
  const aws = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const awsKeyring = new RawAesKeyringNode({
    keyName: 'aes',
    keyNamespace: 'bench',
    unencryptedMasterKey: random(32),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
  const awsSealed: Buffer[] = [];
  await pipeline(Readable.fromWeb(source(STREAM, block) as never), aws.encryptStream(awsKeyring), sink(awsSealed));
  const vsAws = await interleaved(
    {
      awsEncrypt: () => mibPerSecondOnce(STREAM, () => pipeline(Readable.fromWeb(source(STREAM, block) as never), aws.encryptStream(awsKeyring), sink())),
      awsDecrypt: () => mibPerSecondOnce(STREAM, () => pipeline(Readable.from(awsSealed), aws.decryptStream(awsKeyring), sink())),
      encrypt: () => mibPerSecondOnce(STREAM, () => drain(encryptStream(source(STREAM, block), { keyring }))),
      decrypt: () => mibPerSecondOnce(STREAM, () => drain(decryptStream(replay(sealed), { keyring }))),
    },
    Math.max(1, ROUNDS - 1),
  );
  row('AWS ESDK encryptStream (client-node, default suite), 256 MiB', vsAws.awsEncrypt, 'aws_esdk_encrypt_mibps');
  row('AWS ESDK decryptStream, 256 MiB', vsAws.awsDecrypt, 'aws_esdk_decrypt_mibps');
  ratio('  SDK encrypt / AWS ESDK encrypt', ratios(vsAws.encrypt, vsAws.awsEncrypt), 'goal >= 10', 'sdk_vs_aws_esdk_encrypt_ratio');
  ratio('  SDK decrypt / AWS ESDK decrypt', ratios(vsAws.decrypt, vsAws.awsDecrypt), 'goal >= 10', 'sdk_vs_aws_esdk_decrypt_ratio');
  awsSealed.length = 0;
  sealed.length = 0;

  // Peak RSS in a fresh process per sample, WebCrypto (the portable default) and node:crypto alternating.
  const script = await bundle('bench/sdk-rss-process.ts', 'bench-sdk-rss.mjs');
  const probe = (provider: 'web' | 'node') =>
    new Promise<{ baselineMiB: number; peakMiB: number; mibps: number }>((resolve, reject) => {
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RSS_PROVIDER: provider } });
      let text = '';
      child.stdout!.on('data', (d: Buffer) => (text += d));
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`RSS probe exited with ${code}`))));
    });
  const growth = { web: [] as number[], node: [] as number[] };
  let baseline = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (const p of ['web', 'node'] as const) {
      const m = await probe(p);
      growth[p].push(m.peakMiB - m.baselineMiB);
      baseline = m.baselineMiB;
    }
  }
  const web = summarize(growth.web);
  const node = summarize(growth.node);
  const rssNote = `baseline ${baseline.toFixed(0)} MiB; ${ROUNDS} processes each, alternating; goal <= 64`;
  report.row('SDK peak RSS growth, 1 GiB encrypt -> decrypt (WebCrypto)', web.median, 'MiB', `range ${range(web)}; ${rssNote}`);
  report.metric('sdk_peak_rss_growth_mib', web.median);
  report.row('SDK peak RSS growth, 1 GiB encrypt -> decrypt (node:crypto)', node.median, 'MiB', `range ${range(node)}`);
  report.metric('sdk_peak_rss_growth_node_mib', node.median);
}
