// Synchronous work in slices of the event loop's turn. node:crypto's AES-GCM runs on the calling thread,
// and an ENV1 stream whose input answers at once (a buffer in memory, as decrypt() reads) would otherwise
// open all its segments in one turn: 256 MiB held every other caller of the process for the whole
// message (measured 170-550 ms on a loaded machine; WebCrypto's thread-pool hop turns the loop at every
// segment). A cipher call asks here first; past SLICE_MS of the turn it waits for the next one.
// Handing opens to the worker thread instead measured 0.45-0.6x of opening here (256 MiB, 1 MiB
// segments): a transferred output buffer costs V8 a full collection every few segments, and copying it
// out of shared memory costs this thread a fresh buffer's page faults, about what opening it does.
import { setImmediate } from 'node:timers'; // not a global everywhere this bundle runs (Deno's own code)

/**
 * Most milliseconds of cipher work in one turn of the event loop before it lets the others run. The
 * longest stall measured with 2 was 5-7 ms for 256 MiB (4: 7-10 ms; 1: 2-5 ms, and throughput a few
 * percent lower, within the noise); each sample process alone on the cores.
 */
export const SLICE_MS = 2;

let turnStarted = 0;
let marked = false;
const unmark = () => {
  marked = false;
};

/** Undefined while the turn's slice lasts; else a promise of the next turn (the caller awaits it, then works). */
export function nextSlice(): Promise<void> | undefined {
  const now = performance.now();
  if (!marked) {
    // First call since the loop last turned: the slice starts now, and ends when the loop turns again.
    marked = true;
    turnStarted = now;
    setImmediate(unmark);
    return undefined;
  }
  if (now - turnStarted < SLICE_MS) return undefined;
  return new Promise((resolve) => setImmediate(resolve)); // after unmark: the next call starts a new slice
}

/**
 * Resolves when the caller may do its work in the current slice: at once within it, else after as many
 * turns as it takes. Checked again after each wait, because calls made together (a window of segments)
 * all wait for the same turn and then run one after the other in it.
 */
export async function sliceOfTurn(): Promise<void> {
  for (let wait = nextSlice(); wait; wait = nextSlice()) await wait;
}
