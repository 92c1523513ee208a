// RSA private operations (RSASP1 on an already EMSA-encoded message) for Node's crypto provider: OpenSSL
// through node:crypto with RSA_NO_PADDING, which is constant time and blinded, run on a worker thread so a
// caller signing with RSA-4096 at full speed never holds the event loop (the portable BigInt code took
// ~33 ms per RSA-4096 signature on the calling thread and is not constant time).
//
// The worker checks each signature with the public key before returning it (fault countermeasure; OpenSSL
// also verifies its CRT result). KeyObjects are made once per prepared key and passed to the worker by
// handle: the PKCS#8 bytes are parsed once, not per signature.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RsaPrivateOperation } from '../crypto/provider.ts';

// Plain CommonJS evaluated in the worker, so the operation needs no separate file next to a bundle.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { privateEncrypt, publicEncrypt, constants } = require('node:crypto');
parentPort.on('message', ({ id, priv, pub, em }) => {
  try {
    const s = privateEncrypt({ key: priv, padding: constants.RSA_NO_PADDING }, em);
    const back = publicEncrypt({ key: pub, padding: constants.RSA_NO_PADDING }, s);
    if (!back.equals(em)) throw new Error('RSA private operation failed its self-check');
    parentPort.postMessage({ id, s: new Uint8Array(s) });
  } catch (e) {
    parentPort.postMessage({ id, error: e && e.message ? e.message : String(e) });
  }
});
`;

interface Job {
  worker: Worker;
  resolve: (s: Uint8Array) => void;
  reject: (e: Error) => void;
}

/** Round-robin over up to `size` worker threads, started on demand; exported for its tests. */
export class RsaWorkers {
  private readonly workers: Worker[] = [];
  private readonly jobs = new Map<number, Job>();
  private next = 0;
  private turn = 0;

  constructor(
    private readonly size: number,
    /** The worker's CommonJS source; tests give one that can be made to die. */
    private readonly source = WORKER_SOURCE,
  ) {}

  run(priv: KeyObject, pub: KeyObject, em: Uint8Array): Promise<Uint8Array> {
    const id = this.next++;
    const worker = this.pick();
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { worker, resolve, reject });
      worker.postMessage({ id, priv, pub, em });
    });
  }

  private pick(): Worker {
    if (this.workers.length < this.size) {
      const w = new Worker(this.source, { eval: true });
      w.unref(); // never keeps the process alive on its own
      w.on('message', (m: { id: number; s?: Uint8Array; error?: string }) => {
        const job = this.jobs.get(m.id);
        this.jobs.delete(m.id);
        if (!job) return;
        if (m.s) job.resolve(m.s);
        else job.reject(new Error(m.error ?? 'RSA worker failed'));
      });
      w.on('error', (e) => this.fail(w, e));
      w.on('exit', () => this.fail(w, new Error('RSA worker exited')));
      this.workers.push(w);
      return w;
    }
    return this.workers[this.turn++ % this.workers.length];
  }

  /** A dead worker fails only the jobs it was given, and is replaced on demand; the others' jobs go on. */
  private fail(w: Worker, e: Error): void {
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    for (const [id, job] of this.jobs) {
      if (job.worker !== w) continue;
      this.jobs.delete(id);
      job.reject(e);
    }
  }

  /** Stops every worker (tests). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

// One thread on a 2-core machine leaves the other core to the event loop.
const pool = new RsaWorkers(Math.max(1, Math.min(4, availableParallelism() - 1)));
const keyObjects = new WeakMap<Uint8Array, { priv: KeyObject; pub: KeyObject }>();

export const nodeRsaPrivate: RsaPrivateOperation = async (pkcs8, em) => {
  let keys = keyObjects.get(pkcs8);
  if (!keys) {
    const priv = createPrivateKey({ key: Buffer.from(pkcs8.buffer, pkcs8.byteOffset, pkcs8.length), format: 'der', type: 'pkcs8' });
    keys = { priv, pub: createPublicKey(priv) };
    keyObjects.set(pkcs8, keys);
  }
  return pool.run(keys.priv, keys.pub, em);
};
