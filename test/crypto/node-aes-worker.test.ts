// The worker thread that seals large AES-GCM inputs beside the calling thread (src/runtime/node-aes-worker.ts):
// it seals what WebCrypto seals for the same key, nonce and data; it takes one seal at a time and only the
// sizes it is meant for; node:crypto's provider hands it a large seal when it is idle, and what the
// provider seals (here or there) opens with WebCrypto, in a stream too.
import { createSecretKey } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { webCryptoAesGcm } from '../../src/crypto/aes-gcm.ts';
import { nodeAesGcm, nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { OFFLOAD_MAX_BYTES, OFFLOAD_MIN_BYTES, sealOnWorker } from '../../src/runtime/node-aes-worker.ts';
import { RawAesKeyring } from '../../src/sdk/keyrings/raw-aes.ts';
import { decryptStream } from '../../src/sdk/stream/decrypt-stream.ts';
import { encryptStream } from '../../src/sdk/stream/encrypt-stream.ts';

const MiB = 1 << 20;

function random(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

const joined = (pieces: readonly Uint8Array[]) => Buffer.concat(pieces.map((p) => Buffer.from(p.buffer, p.byteOffset, p.length)));

async function collect(s: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const r = s.getReader();
  for (let x = await r.read(); !x.done; x = await r.read()) parts.push(x.value);
  return joined(parts);
}

describe('node:crypto AES-GCM worker', () => {
  it('seals what WebCrypto seals, from pieces, with and without associated data; one seal at a time', async () => {
    const raw = random(32);
    const key = createSecretKey(raw);
    const web = await webCryptoAesGcm(raw);
    const data = random(MiB + 5);
    const pieces = [data.subarray(0, 1000), data.subarray(1000, 700_000), data.subarray(700_000)];
    for (const aad of [random(8), undefined]) {
      const iv = random(12);
      const away = sealOnWorker('aes-256-gcm', key, iv, pieces, aad);
      expect(away).toBeInstanceOf(Promise);
      expect(sealOnWorker('aes-256-gcm', key, random(12), [data], aad)).toBeUndefined(); // busy: the caller seals that one
      const out = await away!;
      expect(out.map((p) => p.length)).toEqual([data.length, 16]);
      expect(joined(out).equals(Buffer.from(await web.seal(iv, data, aad)))).toBe(true);
      expect(Buffer.from(await web.open(iv, joined(out), aad)).equals(Buffer.from(data))).toBe(true);
    }
  });

  it('wipes its copy of the plaintext once the cipher has read it, before it answers', async () => {
    // A fresh copy of the module, so that its shared buffer is made here, where the test can see it.
    vi.resetModules();
    const fresh = await import('../../src/runtime/node-aes-worker.ts');
    const made: SharedArrayBuffer[] = [];
    const Real = globalThis.SharedArrayBuffer;
    globalThis.SharedArrayBuffer = class extends Real {
      constructor(n: number) {
        super(n);
        made.push(this);
      }
    } as typeof SharedArrayBuffer;
    let away: Promise<Uint8Array[]> | undefined;
    try {
      away = fresh.sealOnWorker('aes-256-gcm', createSecretKey(random(32)), random(12), [random(MiB).fill(0xa5)], undefined);
    } finally {
      globalThis.SharedArrayBuffer = Real;
    }
    expect(made).toHaveLength(1);
    expect(new Uint8Array(made[0], 0, 16)).toEqual(new Uint8Array(16).fill(0xa5)); // the copy the worker reads
    expect((await away!).map((p) => p.length)).toEqual([MiB, 16]);
    expect(Buffer.from(made[0]).equals(Buffer.alloc(made[0].byteLength))).toBe(true);
  });

  it('takes only the sizes it is for: small seals cost less here than the hop, and its buffer stays bounded', async () => {
    const raw = random(32);
    const key = createSecretKey(raw);
    const iv = random(12);
    expect(sealOnWorker('aes-256-gcm', key, iv, [random(OFFLOAD_MIN_BYTES - 1)], undefined)).toBeUndefined();
    expect(sealOnWorker('aes-256-gcm', key, iv, [random(OFFLOAD_MAX_BYTES + 1)], undefined)).toBeUndefined();
    const edge = random(OFFLOAD_MIN_BYTES);
    const out = await sealOnWorker('aes-128-gcm', createSecretKey(raw.subarray(0, 16)), iv, [edge], undefined)!;
    expect(joined(out).equals(Buffer.from(await (await webCryptoAesGcm(raw.subarray(0, 16))).seal(iv, edge)))).toBe(true);
  });

  it('node:crypto provider: a large seal goes to the idle worker, the next one stays here; both are WebCrypto’s bytes', async () => {
    const raw = random(32);
    const k = await nodeAesGcm(raw);
    const web = await webCryptoAesGcm(raw);
    const a = random(MiB);
    const b = random(MiB);
    const [ivA, ivB] = [random(12), random(12)];
    const first = k.sealPieces!(ivA, [a]);
    expect(sealOnWorker('aes-256-gcm', createSecretKey(raw), random(12), [b], undefined)).toBeUndefined(); // the provider's seal holds the worker
    const second = k.sealPieces!(ivB, [b]);
    expect(joined(await first).equals(Buffer.from(await web.seal(ivA, a)))).toBe(true);
    expect(joined(await second).equals(Buffer.from(await web.seal(ivB, b)))).toBe(true);
  });

  it('an ENV1 stream of 1 MiB segments sealed with node:crypto (every other segment on the worker) opens with WebCrypto', async () => {
    const keyring = new RawAesKeyring({ keyNamespace: 'test', keyName: 'worker', wrappingKey: random(32) });
    const data = random(5 * MiB + 3);
    const source = new ReadableStream<Uint8Array>({
      start(c) {
        for (let o = 0; o < data.length; o += 300_000) c.enqueue(data.slice(o, o + 300_000));
        c.close();
      },
    });
    const sealed = await collect(encryptStream(source, { keyring, crypto: nodeCrypto }));
    const opened = await collect(decryptStream(new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array(sealed)), c.close()) }), { keyring }));
    expect(opened.equals(Buffer.from(data))).toBe(true);
  });
});
