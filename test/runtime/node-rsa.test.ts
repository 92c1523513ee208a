// The RSA worker pool: a worker that dies fails only the jobs it held, and the pool replaces it.
import { constants, generateKeyPairSync, publicDecrypt } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RsaWorkers } from '../../src/runtime/node-rsa.ts';

// A stand-in worker: em[0] = 0 makes it exit 50 ms later, anything else is answered 300 ms later with em.
const DYING_OR_SLOW = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ id, em }) => {
  if (em[0] === 0) setTimeout(() => process.exit(1), 50);
  else setTimeout(() => parentPort.postMessage({ id, s: em }), 300);
});
`;

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
let pools: RsaWorkers[] = [];
afterEach(async () => {
  await Promise.all(pools.map((p) => p.close()));
  pools = [];
});

describe('RsaWorkers', () => {
  it('a dying worker fails its own jobs only; the next job gets a new worker', async () => {
    const pool = new RsaWorkers(2, DYING_OR_SLOW);
    pools.push(pool);
    const first = pool.run(privateKey, publicKey, Uint8Array.of(1, 2)); // worker 1, slow
    const dies = pool.run(privateKey, publicKey, Uint8Array.of(0)); // worker 2, exits while worker 1 still works
    await expect(dies).rejects.toThrow(/RSA worker exited/);
    expect(await first).toEqual(Uint8Array.of(1, 2));
    expect(await pool.run(privateKey, publicKey, Uint8Array.of(3))).toEqual(Uint8Array.of(3));
  });

  it('the real worker computes RSASP1 that node:crypto inverts', async () => {
    const pool = new RsaWorkers(1);
    pools.push(pool);
    const em = new Uint8Array(128);
    em[1] = 1;
    em.fill(0xff, 2, 100);
    em[127] = 7;
    const s = await pool.run(privateKey, publicKey, em);
    expect(s.length).toBe(128);
    expect(new Uint8Array(publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, s))).toEqual(em);
  });
});
