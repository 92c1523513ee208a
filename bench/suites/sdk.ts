// The encryption SDK (ENV1) against its references, measured in the same run. Every throughput sample runs
// in a fresh process (bench/sdk-sample-process.ts: input prepared, one warm-up pass, a full collection,
// one timed pass), so no candidate inherits another's heap, garbage or JIT state; every candidate of a
// comparison gets the same number of samples, interleaved round by round with the order rotated
// (report.ts, interleaved). Figures are medians with their range, ratios the median of the per-round
// ratios (the samples of one round ran one after the other, under the same load).
// - WebCrypto AES-256-GCM on one 16 MiB buffer (one-shot, AES-NI), the call repeated over 256 MiB: the
//   speed of the primitive itself (encrypt: the goal's reference; decrypt beside it, like for like);
// - 256 MiB streamed through encryptStream / decryptStream with a raw AES keyring, as the Node package
//   gives them (1 MiB segments, node:crypto), the same with the WebCrypto provider (the default everywhere
//   else, on its own rows), and with the former 256 KiB segments;
// - node:crypto AES-256-GCM alone over the same source (one call per chunk, nothing else): what one
//   thread of the binding allows;
// - the SM suite (SM4-GCM in the WASM core) beside the core's SM4-GCM alone;
// - the AWS Encryption SDK for JavaScript (@aws-crypto/client-node), default committing suite, on the same
//   256 MiB from the same source, streamed, sampled in the same rounds as the SDK: with its default 4 KiB
//   frames (the goal) and with 1 MiB frames like the SDK's segments;
// - the event loop's longest stall while 256 MiB stream through encrypt and decrypt, per provider;
// - peak RSS growth while 1 GiB streams through encrypt and decrypt, in a fresh process per sample, with
//   the Node package's default and with WebCrypto.
// Goals: SDK >= 1.0x WebCrypto one-shot, >= 10x the AWS ESDK (encrypt in every round), RSS growth <= 64 MiB,
// SM suite >= 150 MiB/s.
import { spawn } from 'node:child_process';
import { interleaved, range, ratios, summarize, type BenchReport, type Samples } from '../report.ts';
// @ts-expect-error plain ESM helper without types
import { bundle } from '../../scripts/bundle.mjs';

const ROUNDS = Number(process.env.BENCH_SDK_ROUNDS ?? 5);

/** Runs a bundled probe script in a fresh process (with gc exposed) and parses the JSON it prints. */
function child<T>(script: string, env: Record<string, string>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const c = spawn(process.execPath, ['--expose-gc', script], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let text = '';
    c.stdout!.on('data', (d: Buffer) => (text += d));
    c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`${script} (${JSON.stringify(env)}) exited with ${code}`))));
  });
}

export default async function sdk(report: BenchReport): Promise<void> {
  const sampler = await bundle('bench/sdk-sample-process.ts', 'bench-sdk-sample.mjs');
  const sample = (candidate: string) => async () => (await child<{ mibps: number }>(sampler, { SDK_SAMPLE: candidate })).mibps;
  const compare = <K extends string>(candidates: Record<K, string>) =>
    interleaved(Object.fromEntries(Object.entries(candidates).map(([k, c]) => [k, sample(c as string)])) as Record<K, () => Promise<number>>, ROUNDS, {
      warmUp: false, // each sample warms itself up in its own process
    });
  const note = `${ROUNDS} fresh processes each, interleaved`;
  const row = (label: string, s: Samples, metric: string, extra = '') => {
    report.row(label, s.median, 'MiB/s', `range ${range(s)}${extra ? '; ' + extra : ''}`);
    report.metric(metric, s.median);
  };
  const ratio = (label: string, s: Samples, extra: string, metric?: string) => {
    report.row(label, s.median, 'x', `range ${range(s)}; ${extra}`);
    if (metric) report.metric(metric, s.median);
  };

  const sm = await compare({ core: 'sm4-core', suite: 'sdk-sm-encrypt' });
  row('SM4-GCM alone (WASM core), 16 MiB one-shot', sm.core, 'sdk_sm_core_reference_mibps', `reference; ${note}`);
  row('SDK encryptStream, SM suite, 64 MiB', sm.suite, 'sdk_sm_stream_encrypt_mibps', 'goal >= 150');
  ratio('  SM suite / SM4-GCM alone', ratios(sm.suite, sm.core), 'stream overhead');

  const sdk = await compare({
    oneShot: 'webcrypto-oneshot',
    oneShotDecrypt: 'webcrypto-oneshot-decrypt',
    encrypt: 'sdk-encrypt',
    decrypt: 'sdk-decrypt',
    encryptWeb: 'sdk-encrypt-webcrypto',
    nodeAlone: 'node-crypto-alone',
    decryptWeb: 'sdk-decrypt-webcrypto',
    encrypt256KiB: 'sdk-encrypt-256kib',
    awsEncrypt: 'aws-encrypt',
    awsDecrypt: 'aws-decrypt',
    awsEncrypt1MiB: 'aws-encrypt-1mib-frames',
    awsDecrypt1MiB: 'aws-decrypt-1mib-frames',
  });
  row('WebCrypto AES-256-GCM one-shot, 16 MiB', sdk.oneShot, 'webcrypto_oneshot_mibps', `reference, 16 calls per sample; ${note}`);
  // What a Node user of the package gets: `import … from 'edgekms'` runs on node:crypto unless told otherwise.
  row('SDK encryptStream, 256 MiB (1 MiB segments; the Node package default, node:crypto)', sdk.encrypt, 'sdk_stream_encrypt_mibps');
  row('SDK decryptStream, 256 MiB (1 MiB segments; the Node package default, node:crypto)', sdk.decrypt, 'sdk_stream_decrypt_mibps');
  ratio('  encrypt / WebCrypto one-shot', ratios(sdk.encrypt, sdk.oneShot), 'goal >= 1.0', 'sdk_encrypt_vs_webcrypto_oneshot_ratio');
  ratio('  decrypt / WebCrypto one-shot', ratios(sdk.decrypt, sdk.oneShot), 'goal >= 1.0', 'sdk_decrypt_vs_webcrypto_oneshot_ratio');
  // The ceiling of the encrypt row on one thread: the same source, each 1 MiB chunk sealed by one
  // node:crypto call and dropped (no framing, no stream out). Node 20's cipher.update allocates its output
  // twice (zero-filled) and copies it once, so AES-NI itself is under half of this.
  row('node:crypto AES-256-GCM alone, same source, 1 MiB per call', sdk.nodeAlone, 'node_crypto_alone_mibps', 'one thread of the binding');
  ratio('  SDK encrypt / node:crypto alone', ratios(sdk.encrypt, sdk.nodeAlone), 'above 1: the worker thread seals beside this one', 'sdk_vs_node_crypto_alone_ratio');
  // The portable provider (WebCrypto), the default in browsers, Workers and the portable entry, and on Node
  // when a caller passes `crypto: portableCrypto`: the same rows, so nothing is hidden.
  row('SDK encryptStream, 256 MiB, WebCrypto provider', sdk.encryptWeb, 'sdk_stream_webcrypto_encrypt_mibps');
  row('SDK decryptStream, 256 MiB, WebCrypto provider', sdk.decryptWeb, 'sdk_stream_webcrypto_decrypt_mibps');
  ratio('  encrypt (WebCrypto) / WebCrypto one-shot', ratios(sdk.encryptWeb, sdk.oneShot), 'goal >= 1.0', 'sdk_webcrypto_encrypt_vs_webcrypto_oneshot_ratio');
  ratio('  decrypt (WebCrypto) / WebCrypto one-shot', ratios(sdk.decryptWeb, sdk.oneShot), 'goal >= 1.0', 'sdk_webcrypto_decrypt_vs_webcrypto_oneshot_ratio');
  // Like for like: WebCrypto's own decrypt of one 16 MiB buffer (on Node it copies the input once more
  // than encrypt does, to split off the tag, and so does every segment the SDK decrypts through it).
  row('WebCrypto AES-256-GCM one-shot decrypt, 16 MiB', sdk.oneShotDecrypt, 'webcrypto_oneshot_decrypt_mibps', 'reference');
  ratio('  decrypt (WebCrypto) / WebCrypto one-shot decrypt', ratios(sdk.decryptWeb, sdk.oneShotDecrypt), 'like for like', 'sdk_webcrypto_decrypt_vs_webcrypto_oneshot_decrypt_ratio');
  row('SDK encryptStream, 256 KiB segments (the former default), Node package default', sdk.encrypt256KiB, 'sdk_stream_encrypt_256kib_segments_mibps');
  ratio('  1 MiB / 256 KiB segments, encrypt', ratios(sdk.encrypt, sdk.encrypt256KiB), 'same 2 MiB window');

  // AWS Encryption SDK for JavaScript, default (committing, signed) suite, streamed: the same source, the
  // same bytes, the same number of fresh processes, in the same rounds as the SDK's samples above.
  // client-node runs on node:crypto, as the Node package's default does: the same binding on both sides.
  row('AWS ESDK encryptStream (client-node, default suite), 256 MiB', sdk.awsEncrypt, 'aws_esdk_encrypt_mibps');
  row('AWS ESDK decryptStream, 256 MiB', sdk.awsDecrypt, 'aws_esdk_decrypt_mibps');
  const vsAwsEncrypt = ratios(sdk.encrypt, sdk.awsEncrypt);
  const vsAwsDecrypt = ratios(sdk.decrypt, sdk.awsDecrypt);
  ratio('  SDK encrypt / AWS ESDK encrypt', vsAwsEncrypt, `goal >= 10 in every round; rounds ${vsAwsEncrypt.values.map((v) => v.toFixed(1)).join(', ')}`, 'sdk_vs_aws_esdk_encrypt_ratio');
  ratio('  SDK decrypt / AWS ESDK decrypt', vsAwsDecrypt, `goal >= 10; rounds ${vsAwsDecrypt.values.map((v) => v.toFixed(1)).join(', ')}`, 'sdk_vs_aws_esdk_decrypt_ratio');
  report.metric('sdk_vs_aws_esdk_encrypt_ratio_min', vsAwsEncrypt.min);
  report.metric('sdk_vs_aws_esdk_decrypt_ratio_min', vsAwsDecrypt.min);
  ratio('  SDK encrypt (WebCrypto) / AWS ESDK encrypt', ratios(sdk.encryptWeb, sdk.awsEncrypt), 'goal >= 10', 'sdk_webcrypto_vs_aws_esdk_encrypt_ratio');
  ratio('  SDK decrypt (WebCrypto) / AWS ESDK decrypt', ratios(sdk.decryptWeb, sdk.awsDecrypt), 'goal >= 10', 'sdk_webcrypto_vs_aws_esdk_decrypt_ratio');
  ratio('  node:crypto alone / AWS ESDK encrypt', ratios(sdk.nodeAlone, sdk.awsEncrypt), 'what one thread of the binding allows', 'node_crypto_alone_vs_aws_esdk_encrypt_ratio');
  // AWS's default frames are 4 KiB; with frames as large as the SDK's segments its per-frame JS costs
  // shrink: the closest like-for-like there is (same frame size, same binding), beside the goal's default.
  row('AWS ESDK encryptStream, 1 MiB frames', sdk.awsEncrypt1MiB, 'aws_esdk_encrypt_1mib_frames_mibps');
  row('AWS ESDK decryptStream, 1 MiB frames', sdk.awsDecrypt1MiB, 'aws_esdk_decrypt_1mib_frames_mibps');
  ratio('  SDK encrypt / AWS ESDK encrypt, 1 MiB frames', ratios(sdk.encrypt, sdk.awsEncrypt1MiB), 'same binding, same frame size', 'sdk_vs_aws_esdk_1mib_frames_encrypt_ratio');
  ratio('  SDK decrypt / AWS ESDK decrypt, 1 MiB frames', ratios(sdk.decrypt, sdk.awsDecrypt1MiB), 'same binding, same frame size', 'sdk_vs_aws_esdk_1mib_frames_decrypt_ratio');
  ratio('  SDK encrypt (WebCrypto) / AWS ESDK, 1 MiB frames', ratios(sdk.encryptWeb, sdk.awsEncrypt1MiB), 'SDK on WebCrypto', 'sdk_webcrypto_vs_aws_esdk_1mib_frames_encrypt_ratio');
  ratio('  SDK decrypt (WebCrypto) / AWS ESDK, 1 MiB frames', ratios(sdk.decryptWeb, sdk.awsDecrypt1MiB), 'SDK on WebCrypto', 'sdk_webcrypto_vs_aws_esdk_1mib_frames_decrypt_ratio');

  // The event loop's longest stall while 256 MiB stream through encrypt, then decrypt, from memory (the
  // worst case: no read ever waits), a fresh process per sample, the providers alternating; beside it the
  // longest stall of an idle wait as long, in the same process: what the machine's load alone causes.
  const stallScript = await bundle('bench/sdk-stall-process.ts', 'bench-sdk-stall.mjs');
  type Stall = { encryptMs: number; decryptMs: number; idleMs: number };
  const stalls = { node: [] as Stall[], web: [] as Stall[] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const p of ['node', 'web'] as const) stalls[p].push(await child<Stall>(stallScript, { STALL_PROVIDER: p }));
  }
  const stallRow = (label: string, values: number[], metric: string, extra: string) => {
    const st = summarize(values);
    report.row(label, st.median, 'ms', `range ${range(st)}; ${extra}`);
    report.metric(metric, st.median);
  };
  const of = (p: 'node' | 'web', k: keyof Stall) => stalls[p].map((x) => x[k]);
  stallRow('Longest event-loop stall, 256 MiB encryptStream (Node package default)', of('node', 'encryptMs'), 'sdk_event_loop_stall_encrypt_ms', `${ROUNDS} processes; monitorEventLoopDelay max`);
  stallRow('Longest event-loop stall, 256 MiB decryptStream (Node package default)', of('node', 'decryptMs'), 'sdk_event_loop_stall_decrypt_ms', 'input in memory: every read answers at once');
  stallRow('Longest event-loop stall, 256 MiB encryptStream (WebCrypto)', of('web', 'encryptMs'), 'sdk_event_loop_stall_webcrypto_encrypt_ms', '');
  stallRow('Longest event-loop stall, 256 MiB decryptStream (WebCrypto)', of('web', 'decryptMs'), 'sdk_event_loop_stall_webcrypto_decrypt_ms', '');
  stallRow('Longest event-loop stall, idle wait as long (the machine alone)', [...of('node', 'idleMs'), ...of('web', 'idleMs')], 'sdk_event_loop_stall_idle_ms', 'reference');

  // Peak RSS in a fresh process per sample, the Node package's default (node:crypto) and WebCrypto alternating.
  const script = await bundle('bench/sdk-rss-process.ts', 'bench-sdk-rss.mjs');
  const probe = (provider: 'web' | 'node') => child<{ baselineMiB: number; peakMiB: number; mibps: number }>(script, { RSS_PROVIDER: provider });
  const growth = { web: [] as number[], node: [] as number[] };
  let baseline = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (const p of ['node', 'web'] as const) {
      const m = await probe(p);
      growth[p].push(m.peakMiB - m.baselineMiB);
      baseline = m.baselineMiB;
    }
  }
  const web = summarize(growth.web);
  const node = summarize(growth.node);
  const rssNote = `baseline ${baseline.toFixed(0)} MiB; ${ROUNDS} processes each, alternating; goal <= 64`;
  report.row('SDK peak RSS growth, 1 GiB encrypt -> decrypt (Node package default, node:crypto)', node.median, 'MiB', `range ${range(node)}; ${rssNote}`);
  report.metric('sdk_peak_rss_growth_mib', node.median);
  report.row('SDK peak RSS growth, 1 GiB encrypt -> decrypt (WebCrypto)', web.median, 'MiB', `range ${range(web)}`);
  report.metric('sdk_peak_rss_growth_webcrypto_mib', web.median);
}
