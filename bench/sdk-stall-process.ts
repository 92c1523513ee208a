// Run by bench/suites/sdk.ts in its own process: the event loop's longest stall (perf_hooks'
// monitorEventLoopDelay, its max) while 256 MiB stream through encryptStream, and then through
// decryptStream, with the default 1 MiB segments, as the Node package gives them (node:crypto) or with
// WebCrypto (STALL_PROVIDER=web). The input is in memory and answers every read at once, so nothing but the
// SDK's own waits lets the event loop turn: the worst case, as for decrypt() of a buffer. A stall is how
// long every other caller of the process (a server's requests, timers) waits behind the stream.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { portableCrypto } from '../src/crypto/provider.ts';
import { decryptStream, encryptStream } from '../src/runtime/sdk-native.ts';
import { RawAesKeyring } from '../src/sdk/keyrings/raw-aes.ts';
import { drain, random, replay, source } from './lib/byte-streams.ts';

const MiB = 1 << 20;
const TOTAL = Number(process.env.STALL_TOTAL_MIB ?? 256) * MiB;
const crypto_ = process.env.STALL_PROVIDER === 'web' ? portableCrypto : undefined;
const keyring = new RawAesKeyring({ keyNamespace: 'bench', keyName: 'aes', wrappingKey: crypto.getRandomValues(new Uint8Array(32)) });
const block = random(MiB);

/** The longest event-loop stall, in ms, while `run` goes (monitorEventLoopDelay's max; 1 ms resolution). */
async function longestStall(run: () => Promise<unknown>): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  await new Promise((r) => setTimeout(r, 20)); // the histogram's timer is running
  h.enable();
  await run();
  await new Promise((r) => setTimeout(r, 20)); // the histogram's timer fires once more: a stall up to the end counts too
  h.disable();
  return h.max / 1e6;
}

/** The same over an idle wait as long as `ms`: what the machine's load alone stalls the loop by. */
const idleStall = (ms: number) => longestStall(() => new Promise((r) => setTimeout(r, ms)));

// Warm-up, untimed: the code is compiled and the worker (if any) started.
await drain(decryptStream(encryptStream(source(8 * MiB, block), { keyring, crypto: crypto_ }), { keyring, crypto: crypto_ }));
const sealed: Uint8Array[] = [];
let t = performance.now();
const encryptMs = await longestStall(() => drain(encryptStream(source(TOTAL, block), { keyring, crypto: crypto_ }), sealed));
const encryptTook = performance.now() - t;
let n = 0;
t = performance.now();
const decryptMs = await longestStall(async () => (n = await drain(decryptStream(replay(sealed), { keyring, crypto: crypto_ }))));
const decryptTook = performance.now() - t;
const idleMs = await idleStall(Math.max(encryptTook, decryptTook));
if (n !== TOTAL) throw new Error(`decrypted ${n} bytes, expected ${TOTAL}`);
process.stdout.write(JSON.stringify({ encryptMs, decryptMs, idleMs, encryptTook, decryptTook }));
