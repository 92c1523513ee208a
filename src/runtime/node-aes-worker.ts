// A second thread for node:crypto's AES-GCM seals. node:crypto runs on the calling thread, so a stream
// sealing its segments one after the other uses one core; the SDK keeps a window of two segments in
// flight, and this worker seals one of them while the calling thread seals the other (about a quarter
// more throughput on two idle cores). A seal comes here only when the worker is idle, so a starved or
// busy worker never holds a stream up by more than one segment: the calling thread carries on alone.
//
// The plaintext is copied into one reused SharedArrayBuffer: reused memory costs no page faults, where a
// fresh buffer per segment costs about as much as sealing it. The worker wipes it as soon as the cipher has
// read it, before answering, so no copy of a plaintext outlives its seal in memory that lives as long as the
// process. The wipe copies zeros in (a memcpy): TypedArray.fill on shared memory runs element by element,
// about 35x slower here, and would cost more than the seal. The key goes over
// as a KeyObject, so its bytes stay in OpenSSL; the ciphertext comes back transferred, not copied.
// Whatever goes wrong here (no worker support, a crash) makes the caller seal on its own thread.
// Opens stay on the calling thread (in slices of the loop's turn: turn-slice.ts): the same hand-off for
// decryptStream measured 0.45-0.6x of opening every segment here (256 MiB, 1 MiB segments). --trace-gc
// shows why: buffers transferred from the worker arrive as external memory V8 collects with a full
// mark-compact every few segments, where buffers made here go with cheap scavenges; copying the plaintext
// out of shared memory instead costs this thread a fresh buffer's page faults, about what opening does.
// Sealing pays the same for half its segments and still gains a little (bench `sdk`).
import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Smaller seals stay on the calling thread: the hop to the worker costs more than they do. */
export const OFFLOAD_MIN_BYTES = 256 * 1024;
/** Larger ones too: the shared buffer lives as long as the process. */
export const OFFLOAD_MAX_BYTES = 4 * 1024 * 1024;

const SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createCipheriv } = require('node:crypto');
let zeros = new Uint8Array(0);
parentPort.on('message', ({ cipher, key, iv, aad, shared, length }) => {
  const plaintext = new Uint8Array(shared, 0, length);
  try {
    const c = createCipheriv(cipher, key, iv, { authTagLength: 16 });
    if (aad) c.setAAD(aad);
    let body;
    try {
      body = c.update(plaintext);
    } finally {
      if (zeros.length < length) zeros = new Uint8Array(length);
      plaintext.set(zeros.subarray(0, length));
    }
    const tail = c.final();
    const tag = c.getAuthTag();
    const out = tail.length ? Buffer.concat([body, tail]) : body;
    parentPort.postMessage({ out, tag }, [out.buffer]);
  } catch (e) {
    parentPort.postMessage({ error: String(e && e.message) });
  }
});`;

interface Job {
  resolve(pieces: Uint8Array[]): void;
  reject(e: Error): void;
}

let worker: Worker | undefined;
let broken = false;
let job: Job | undefined;
let shared: SharedArrayBuffer | undefined;

function fail(e: Error): void {
  broken = true;
  worker = undefined;
  const j = job;
  job = undefined;
  j?.reject(e);
}

function started(): Worker | undefined {
  if (broken) return undefined;
  if (worker) return worker;
  try {
    const w = new Worker(SOURCE, { eval: true });
    w.on('message', (m: { out?: Uint8Array; tag?: Uint8Array; error?: string }) => {
      const j = job;
      job = undefined;
      w.unref(); // idle: it never keeps the process alive
      if (!j) return;
      if (!m.out || !m.tag) return j.reject(new Error(`AES-GCM worker: ${m.error}`));
      j.resolve([new Uint8Array(m.out.buffer, m.out.byteOffset, m.out.length), new Uint8Array(m.tag.buffer, m.tag.byteOffset, m.tag.length)]);
    });
    w.on('error', fail);
    w.on('exit', () => fail(new Error('AES-GCM worker exited')));
    w.unref(); // after the listeners: adding a 'message' listener refs the worker again
    worker = w;
    return w;
  } catch {
    broken = true;
    return undefined;
  }
}

/**
 * Seals `plaintext` (its pieces read as one) on the worker, answering the ciphertext and the tag as two
 * pieces; undefined when the worker is busy or unavailable or the size is outside the offload range (the
 * caller seals it then). A rejection means the worker failed: the caller seals on its own thread.
 */
export function sealOnWorker(
  cipher: string,
  key: KeyObject,
  iv: Uint8Array,
  plaintext: readonly Uint8Array[],
  aad: Uint8Array | undefined,
): Promise<Uint8Array[]> | undefined {
  if (job) return undefined;
  let length = 0;
  for (const p of plaintext) length += p.length;
  if (length < OFFLOAD_MIN_BYTES || length > OFFLOAD_MAX_BYTES) return undefined;
  const w = started();
  if (!w) return undefined;
  if (!shared || shared.byteLength < length) shared = new SharedArrayBuffer(length);
  const view = new Uint8Array(shared);
  let o = 0;
  for (const p of plaintext) {
    view.set(p, o);
    o += p.length;
  }
  return new Promise<Uint8Array[]>((resolve, reject) => {
    job = { resolve, reject };
    try {
      w.ref(); // a seal in flight keeps the process alive until it answers
      w.postMessage({ cipher, key, iv, aad, shared, length });
    } catch (e) {
      fail(e instanceof Error ? e : new Error(String(e)));
    }
  });
}
