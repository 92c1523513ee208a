// node:crypto's cipher work in slices of the event loop's turn (src/runtime/turn-slice.ts): a stream whose
// input answers at once still lets the loop turn every SLICE_MS, so other callers are not held for the
// whole message. The clock is stubbed (one step per reading), so nothing here depends on the machine's speed.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { nextSlice, SLICE_MS } from '../../src/runtime/turn-slice.ts';
import { decryptStream } from '../../src/sdk/stream/decrypt-stream.ts';
import { collect, encrypt, streamOf } from '../../src/sdk/stream/one-shot.ts';
import { aesKeyring, random } from '../sdk/helpers.ts';

const turn = () => new Promise<void>((r) => setImmediate(r));

/** performance.now() moving `step` ms at each reading. */
function steppingClock(step: number) {
  let t = 1_000_000;
  return vi.spyOn(performance, 'now').mockImplementation(() => (t += step));
}

afterEach(() => vi.restoreAllMocks());

describe('nextSlice', () => {
  it('lets work go on within a slice, asks for the next turn past SLICE_MS, and starts a new slice after it', async () => {
    await turn(); // whatever slice an earlier test left is over
    steppingClock(SLICE_MS / 4);
    expect(nextSlice()).toBeUndefined(); // starts the slice
    expect(nextSlice()).toBeUndefined();
    expect(nextSlice()).toBeUndefined();
    expect(nextSlice()).toBeUndefined();
    let turned = false;
    setImmediate(() => (turned = true));
    const wait = nextSlice();
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    expect(turned).toBe(true); // the loop ran what was waiting before the work carried on
    expect(nextSlice()).toBeUndefined(); // a fresh slice
  });
});

describe('node:crypto provider in slices', () => {
  it('an in-memory message decrypts with the loop turning between slices of its segments, not once at the end', async () => {
    const keyring = aesKeyring();
    const data = random(16 * 65536);
    const { ciphertext } = await encrypt(data, { keyring, segmentSize: 65536 }); // 16 segments, under the worker's sizes
    steppingClock(1); // each segment's open reads the clock once: a slice holds about SLICE_MS of them
    // Turns are counted from the authenticated header on: only the segments' opens are left then, and the
    // input answers every read at once, so without slices the loop would not turn until the end.
    let turns = 0;
    let counting = false;
    const count = () => {
      if (!counting) return;
      turns++;
      setImmediate(count);
    };
    const onHeader = () => {
      counting = true;
      setImmediate(count);
    };
    const plaintext = await collect(decryptStream(streamOf(ciphertext), { keyring, crypto: nodeCrypto, onHeader }));
    counting = false;
    expect(Buffer.from(plaintext).equals(data)).toBe(true);
    expect(turns).toBeGreaterThanOrEqual(Math.floor(16 / (SLICE_MS + 1)) - 1);
    expect(turns).toBeGreaterThanOrEqual(2);
  });

  it('a modified segment after several slices: ENV1_SEGMENT_AUTH, the segments before it released, nothing of it or after', async () => {
    const keyring = aesKeyring();
    const data = random(16 * 65536);
    const { ciphertext } = await encrypt(data, { keyring, segmentSize: 65536 });
    const frame = 1 + 65536 + 16;
    const headerLength = ciphertext.length - 15 * frame - (5 + 65536 + 16);
    ciphertext[headerLength + 11 * frame + 100] ^= 1; // segment 11's ciphertext
    steppingClock(1);
    const reader = decryptStream(streamOf(ciphertext), { keyring, crypto: nodeCrypto }).getReader();
    const released: Uint8Array[] = [];
    let error: unknown;
    for (;;) {
      try {
        const { done, value } = await reader.read();
        if (done) break;
        released.push(value);
      } catch (e) {
        error = e;
        break;
      }
    }
    expect((error as { code?: string }).code).toBe('ENV1_SEGMENT_AUTH');
    expect(Buffer.concat(released).equals(data.subarray(0, 11 * 65536))).toBe(true);
  });
});
