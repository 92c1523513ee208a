// Run by bench/suites/sdk.ts in its own process: streams 1 GiB, generated on the fly, through
// encryptStream and straight into decryptStream, and prints the growth of peak RSS over the baseline
// taken after warm-up. Nothing is kept, so any growth is what the streams themselves hold.
import { readFileSync } from 'node:fs';
import { portableCrypto } from '../src/crypto/provider.ts';
// The SDK as `import … from 'edgekms'` gives it on Node: node:crypto unless `crypto` says otherwise.
import { decryptStream, encryptStream } from '../src/runtime/sdk-native.ts';
import { RawAesKeyring } from '../src/sdk/keyrings/raw-aes.ts';
import { collect, streamOf } from '../src/sdk/stream/one-shot.ts';

const MiB = 1 << 20;

/**
 * Peak RSS of this process: VmHWM from /proc (Linux), the high-water mark of this address space. Not
 * getrusage's maxRSS: a child spawned by a large parent inherits the parent's maxRSS (the bench parent
 * holds hundreds of MiB of ciphertext), which would be counted as growth here.
 */
function peakRssMiB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}
// RSS_PROVIDER=web measures the same with WebCrypto instead of the package's default on Node (node:crypto).
const provider = process.env.RSS_PROVIDER === 'web' ? portableCrypto : undefined;
const CHUNK = Number(process.env.RSS_CHUNK ?? MiB);
const TOTAL = Number(process.env.RSS_TOTAL_MIB ?? 1024) * MiB;
const keyring = new RawAesKeyring({ keyNamespace: 'bench', keyName: 'aes', wrappingKey: crypto.getRandomValues(new Uint8Array(32)) });
const block = crypto.getRandomValues(new Uint8Array(65536));
const source = (total: number) => {
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (sent >= total) return c.close();
        const chunk = new Uint8Array(CHUNK);
        for (let o = 0; o < CHUNK; o += block.length) chunk.set(block.subarray(0, Math.min(block.length, CHUNK - o)), o);
        c.enqueue(chunk);
        sent += CHUNK;
      },
    },
    { highWaterMark: 0 },
  );
};

// Warm-up on a 1 KiB message: the code is loaded, no data is buffered. The baseline is the RSS after it;
// the growth is the whole peak above it while 1 GiB goes through (stream buffers, segments in flight,
// garbage not yet collected).
await collect(decryptStream(streamOf(await collect(encryptStream(streamOf(new Uint8Array(1024)), { keyring, crypto: provider }))), { keyring, crypto: provider }));
const baselineMiB = process.memoryUsage().rss / MiB;
// Where the memory is at the highest sampled RSS: the JS heap, and "external" (ArrayBuffers and native
// buffers such as WebCrypto job copies) that is garbage until the next collection frees it.
let atPeak: Record<string, number> = {};
let peakSample = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  if (m.rss > peakSample) {
    peakSample = m.rss;
    atPeak = { rss: m.rss / MiB, heapUsed: m.heapUsed / MiB, external: m.external / MiB, arrayBuffers: m.arrayBuffers / MiB };
  }
}, 10);
const t = performance.now();
const reader = decryptStream(encryptStream(source(TOTAL), { keyring, crypto: provider }), { keyring, crypto: provider }).getReader();
let n = 0;
for (;;) {
  const { done, value } = await reader.read();
  if (done) break;
  n += value.length;
}
if (n !== TOTAL) throw new Error(`decrypted ${n} bytes, expected ${TOTAL}`);
const peakMiB = peakRssMiB();
clearInterval(sampler);
process.stdout.write(JSON.stringify({ baselineMiB, peakMiB, atPeak, mibps: TOTAL / MiB / ((performance.now() - t) / 1000) }));
