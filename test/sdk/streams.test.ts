// ENV1 streams: 1 GiB generated on the fly through encryptStream and decryptStream (never stored), input
// of any chunking, backpressure in both directions, and the Node rim (node:stream adapters over Buffers,
// the verified-file helper).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import type { CryptoProvider } from '../../src/crypto/provider.ts';
import { DEFAULT_SEGMENT_LOG2 } from '../../src/sdk/format/header.ts';
import { nodeAesGcm, nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { decryptFile, decryptNodeStream, encryptNodeStream } from '../../src/runtime/sdk-node.ts';
import { decryptStream } from '../../src/sdk/stream/decrypt-stream.ts';
import { encryptStream } from '../../src/sdk/stream/encrypt-stream.ts';
import { collect, encrypt } from '../../src/sdk/stream/one-shot.ts';
import { aesKeyring, chunkedStream, random, rejection } from './helpers.ts';

const MiB = 1 << 20;

/** `total` bytes: a random 1 MiB block with the block number stamped in, so blocks differ. */
function generated(total: number, hash: ReturnType<typeof createHash>) {
  const block = random(MiB);
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (sent >= total) return c.close();
        const chunk = block.slice();
        new DataView(chunk.buffer).setUint32(0, sent / MiB);
        hash.update(chunk);
        c.enqueue(chunk);
        sent += MiB;
      },
    },
    { highWaterMark: 0 },
  );
}

describe('ENV1 streams', () => {
  it('1 GiB generated on the fly round-trips through encryptStream -> decryptStream', async () => {
    const keyring = aesKeyring();
    const inHash = createHash('sha256');
    const outHash = createHash('sha256');
    const reader = decryptStream(encryptStream(generated(1024 * MiB, inHash), { keyring, encryptionContext: { size: '1GiB' } }), { keyring }).getReader();
    let n = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      outHash.update(value);
      n += value.length;
    }
    expect(n).toBe(1024 * MiB);
    expect(outHash.digest('hex')).toBe(inHash.digest('hex'));
  }, 600_000);

  it('input chunked at random (1 byte to 9 KiB) gives the same message structure and plaintext', async () => {
    const keyring = aesKeyring();
    const data = random(50_000);
    const ct = await collect(encryptStream(chunkedStream(data, 9000, 7), { keyring, segmentSize: 4096 }));
    const pt = await collect(decryptStream(chunkedStream(ct, 9000, 3), { keyring }));
    expect(Buffer.from(pt).equals(Buffer.from(data))).toBe(true);
    const single = await collect(decryptStream(chunkedStream(ct, 1, 1), { keyring }));
    expect(Buffer.from(single).equals(Buffer.from(data))).toBe(true);
  });

  it('segments spanning input chunks: node:crypto takes and gives them in pieces (at most 32), WebCrypto joins them; each opens what the other sealed', async () => {
    const keyring = aesKeyring();
    const pieceCounts = { seal: [] as number[], open: [] as number[] };
    // node:crypto, recording how many pieces each segment was handed in.
    const counted: CryptoProvider = {
      ...nodeCrypto,
      aesGcm: async (raw) => {
        const k = await nodeAesGcm(raw);
        return {
          ...k,
          sealPieces: (iv, p, aad) => (pieceCounts.seal.push(p.length), k.sealPieces!(iv, p, aad)),
          openPieces: (iv, s, aad) => (pieceCounts.open.push(s.length), k.openPieces!(iv, s, aad)),
        };
      },
    };
    const data = random(400_000);
    for (const [max, seed] of [[9000, 3], [300, 5]]) {
      pieceCounts.seal.length = pieceCounts.open.length = 0;
      const segmentSize = 65536;
      const byNode = await collect(encryptStream(chunkedStream(data, max, seed), { keyring, segmentSize, crypto: counted }));
      const byWeb = await collect(encryptStream(chunkedStream(data, max, seed), { keyring, segmentSize }));
      for (const sealed of [byNode, byWeb]) {
        const chunks: Uint8Array[] = [];
        const r = decryptStream(chunkedStream(sealed, max, seed + 1), { keyring, crypto: counted }).getReader();
        for (let x = await r.read(); !x.done; x = await r.read()) chunks.push(x.value);
        expect(Buffer.concat(chunks).equals(Buffer.from(data))).toBe(true);
        if (max === 9000) expect(chunks.length).toBeGreaterThan(Math.ceil(data.length / segmentSize)); // plaintext in pieces, not joined
        expect(Buffer.from(await collect(decryptStream(chunkedStream(sealed, max, seed + 2), { keyring }))).equals(Buffer.from(data))).toBe(true);
      }
      const counts = [...pieceCounts.seal, ...pieceCounts.open];
      expect(pieceCounts.seal.length).toBe(Math.ceil(data.length / segmentSize));
      // 9000-byte chunks: about 15 per 64 KiB segment, passed as they are; 300-byte chunks: over 200, joined into one.
      if (max === 9000) expect(counts.filter((n) => n > 8).length).toBeGreaterThanOrEqual(counts.length - 3); // all but the final segments (one sealed, two opened)
      else expect(new Set(counts)).toEqual(new Set([1]));
      expect(Math.max(...counts)).toBeLessThanOrEqual(32);
    }
    // The tag split between two chunks: opens; one changed tag byte fails the segment.
    const sealed = await collect(encryptStream(chunkedStream(data, 9000, 1), { keyring, segmentSize: 65536 }));
    const cut = (b: Uint8Array) => new ReadableStream<Uint8Array>({ start(c) { c.enqueue(b.subarray(0, b.length - 8)); c.enqueue(b.subarray(b.length - 8)); c.close(); } });
    expect(Buffer.from(await collect(decryptStream(cut(sealed), { keyring, crypto: nodeCrypto }))).equals(Buffer.from(data))).toBe(true);
    const bad = sealed.slice();
    bad[bad.length - 1] ^= 1;
    expect((await rejection(collect(decryptStream(cut(bad), { keyring, crypto: nodeCrypto })))).code).toBe('ENV1_SEGMENT_AUTH');
  });

  it('backpressure: a consumer that stops reading stops the input after a bounded number of bytes', async () => {
    const keyring = aesKeyring();
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          pulled += 65536;
          c.enqueue(new Uint8Array(65536));
        },
      },
      { highWaterMark: 0 },
    );
    const reader = encryptStream(endless, { keyring, windowBytes: 1 * MiB, segmentSize: 65536 }).getReader();
    await reader.read(); // header
    await reader.read(); // first segment
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));
    // window (16 segments of 64 KiB) + one segment being assembled + one look-ahead chunk
    expect(pulled).toBeLessThanOrEqual(1 * MiB + 3 * 65536);
    await reader.cancel();

    const { ciphertext } = await encrypt(random(8 * MiB), { keyring, segmentSize: 65536 });
    let fed = 0;
    let o = 0;
    const slow = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          if (o >= ciphertext.length) return c.close();
          const n = Math.min(65536, ciphertext.length - o);
          c.enqueue(ciphertext.subarray(o, o + n));
          o += n;
          fed += n;
        },
      },
      { highWaterMark: 0 },
    );
    const dec = decryptStream(slow, { keyring, windowBytes: 1 * MiB }).getReader();
    await dec.read();
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));
    expect(fed).toBeLessThanOrEqual(1 * MiB + 4 * 65536);
    await dec.cancel();
  });

  it('Node adapters: file -> encryptNodeStream -> file -> decryptNodeStream round-trips (Buffer chunks)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'env1-node-'));
    const keyring = aesKeyring();
    const S = 2 ** DEFAULT_SEGMENT_LOG2; // the segment size the adapters use by default: each side of it
    for (const n of [0, S - 1, S, S + 1, 3 * MiB + 5]) {
      const data = random(n);
      writeFileSync(join(dir, 'plain'), data);
      await pipeline(encryptNodeStream(createReadStream(join(dir, 'plain'), { highWaterMark: 10_000 }), { keyring }), createWriteStream(join(dir, 'sealed')));
      const out: Buffer[] = [];
      await pipeline(decryptNodeStream(createReadStream(join(dir, 'sealed'), { highWaterMark: 7_777 }), { keyring }), async function* (src) {
        for await (const c of src) out.push(c);
      });
      expect(Buffer.concat(out).equals(Buffer.from(data))).toBe(true);
    }
  });

  it('writes 1 MiB segments by default; messages of the former defaults (64, 256 KiB) decrypt as they are', async () => {
    const keyring = aesKeyring();
    const data = random(3 * MiB + 11);
    const { ciphertext } = await encrypt(data, { keyring });
    expect(DEFAULT_SEGMENT_LOG2).toBe(20);
    expect(ciphertext[7]).toBe(20); // the header's segment log2
    for (const segmentSize of [65536, 262144]) {
      const old = await collect(encryptStream(chunkedStream(data, 100_000, 5), { keyring, segmentSize }));
      expect(old[7]).toBe(Math.log2(segmentSize));
      const pt = await collect(decryptStream(chunkedStream(old, 70_000, 9), { keyring }));
      expect(Buffer.from(pt).equals(Buffer.from(data))).toBe(true);
    }
  });

  it('decryptFile writes the plaintext only when the whole message verified', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'env1-file-'));
    const keyring = aesKeyring();
    const data = random(300_000);
    const { ciphertext } = await encrypt(data, { keyring });
    writeFileSync(join(dir, 'ok.env1'), ciphertext);
    await decryptFile(join(dir, 'ok.env1'), join(dir, 'ok.bin'), { keyring });
    expect(readFileSync(join(dir, 'ok.bin')).equals(Buffer.from(data))).toBe(true);
    writeFileSync(join(dir, 'cut.env1'), ciphertext.subarray(0, ciphertext.length - 100));
    expect((await rejection(decryptFile(join(dir, 'cut.env1'), join(dir, 'cut.bin'), { keyring }))).code).toBe('ENV1_TRUNCATED');
    expect(existsSync(join(dir, 'cut.bin'))).toBe(false);
    expect(readdirSync(dir).some((f) => f.includes('partial'))).toBe(false);
  });
});
