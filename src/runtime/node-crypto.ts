// Node's crypto provider (src/crypto/provider.ts), which the Node entry points and the tests pass to the KMS:
// OpenSSL's synchronous bindings for the hot-path primitives, AES-GCM instead of WebCrypto (same library,
// no thread-pool hop per call) and SHA-256/HMAC instead of @noble/hashes. Keys live in KeyObjects,
// outside the JS heap. RSA private operations run in OpenSSL on a worker thread (node-rsa.ts).
import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, hash } from 'node:crypto';
import { AuthenticationError, GCM_TAG_BYTES, type AesGcmImplementation } from '../crypto/aes-gcm.ts';
import { concat } from '../crypto/bytes.ts';
import type { HashImplementation } from '../crypto/hash.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { sealOnWorker } from './node-aes-worker.ts';
import { nodeRsaPrivate } from './node-rsa.ts';
import { sliceOfTurn } from './turn-slice.ts';

/** A Buffer's bytes as a plain Uint8Array (no copy): consumers' `slice` then copies, as on any Uint8Array. */
const plain = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);

export const nodeAesGcm: AesGcmImplementation = async (raw) => {
  const key = createSecretKey(raw);
  const cipher = raw.length === 32 ? 'aes-256-gcm' : 'aes-128-gcm';
  // GCM runs incrementally here, so pieces go through one cipher as they are: no join of the input, and
  // ciphertext and tag come out apart (the SDK writes them one after the other).
  const sealHere = (iv: Uint8Array, plaintext: readonly Uint8Array[], aad?: Uint8Array): Uint8Array[] => {
    const c = createCipheriv(cipher, key, iv, { authTagLength: GCM_TAG_BYTES });
    if (aad) c.setAAD(aad);
    const out: Uint8Array[] = [];
    for (const p of plaintext) if (p.length) out.push(plain(c.update(p)));
    const tail = c.final(); // always empty for GCM; kept in case a future OpenSSL buffers
    if (tail.length) out.push(plain(tail));
    out.push(plain(c.getAuthTag()));
    return out;
  };
  // A large seal goes to the worker thread when it is idle (node-aes-worker.ts): while it runs there, the
  // SDK's window hands this thread the next segment. Same cipher, key, nonce and bytes either way.
  const sealPieces = async (iv: Uint8Array, plaintext: readonly Uint8Array[], aad?: Uint8Array): Promise<Uint8Array[]> => {
    const away = sealOnWorker(cipher, key, iv, plaintext, aad);
    if (away) {
      try {
        return await away;
      } catch {
        // the worker is gone; this thread seals
      }
    }
    await sliceOfTurn();
    return sealHere(iv, plaintext, aad);
  };
  const openPieces = async (iv: Uint8Array, sealed: readonly Uint8Array[], aad?: Uint8Array): Promise<Uint8Array[]> => {
    await sliceOfTurn(); // opens stay on this thread (turn-slice.ts says why), a turn's slice at a time
    let total = 0;
    for (const p of sealed) total += p.length;
    if (total < GCM_TAG_BYTES) throw new AuthenticationError('ciphertext is shorter than the tag');
    const body = total - GCM_TAG_BYTES;
    const d = createDecipheriv(cipher, key, iv, { authTagLength: GCM_TAG_BYTES });
    if (aad) d.setAAD(aad);
    const tag = new Uint8Array(GCM_TAG_BYTES);
    const out: Uint8Array[] = [];
    let o = 0; // offset of piece p in the whole
    for (const p of sealed) {
      const inBody = Math.max(0, Math.min(p.length, body - o));
      if (inBody) out.push(plain(d.update(p.subarray(0, inBody))));
      if (inBody < p.length) tag.set(p.subarray(inBody), o + inBody - body);
      o += p.length;
    }
    d.setAuthTag(tag);
    try {
      const tail = d.final();
      if (tail.length) out.push(plain(tail));
      return out;
    } catch {
      for (const b of out) b.fill(0); // never release unauthenticated plaintext
      throw new AuthenticationError();
    }
  };
  const join = (pieces: readonly Uint8Array[]): Uint8Array => (pieces.length === 1 ? pieces[0] : concat(...pieces));
  return {
    sealPieces,
    openPieces,
    seal: async (iv, plaintext, aad) => join(await sealPieces(iv, [plaintext], aad)),
    open: async (iv, sealed, aad) => join(await openPieces(iv, [sealed], aad)),
  };
};

/** node:crypto's SHA-256 and HMAC-SHA256 (OpenSSL), in place of the portable @noble/hashes. */
export const nodeHashes: HashImplementation = {
  sha256: (data) => {
    const d = createHash('sha256').update(data).digest();
    return new Uint8Array(d.buffer, d.byteOffset, d.length);
  },
  // One-shot: no Hash object per call (about a third of createHash's cost here).
  sha256Hex: (data) => hash('sha256', data, 'hex'),
  keyedHmacSha256(key) {
    const k = createSecretKey(key);
    return (data) => {
      const d = createHmac('sha256', k).update(data).digest();
      return new Uint8Array(d.buffer, d.byteOffset, d.length);
    };
  },
};

/** The crypto every edgekms process on Node runs on (npm start, the tests, the benchmarks). */
export const nodeCrypto: CryptoProvider = Object.freeze({ name: 'node', aesGcm: nodeAesGcm, hashes: nodeHashes, rsaPrivate: nodeRsaPrivate });
