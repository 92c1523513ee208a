// Node's crypto provider (src/crypto/provider.ts), which the Node entry points and the tests pass to the KMS:
// OpenSSL's synchronous bindings for the hot-path primitives, AES-GCM instead of WebCrypto (same library,
// no thread-pool hop per call) and SHA-256/HMAC instead of @noble/hashes. Keys live in KeyObjects,
// outside the JS heap. RSA private operations run in OpenSSL on a worker thread (node-rsa.ts).
import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, hash } from 'node:crypto';
import { AuthenticationError, GCM_TAG_BYTES, type AesGcmImplementation } from '../crypto/aes-gcm.ts';
import type { HashImplementation } from '../crypto/hash.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { nodeRsaPrivate } from './node-rsa.ts';

export const nodeAesGcm: AesGcmImplementation = async (raw) => {
  const key = createSecretKey(raw);
  const cipher = raw.length === 32 ? 'aes-256-gcm' : 'aes-128-gcm';
  const sealDetached = async (iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Promise<[Uint8Array, Uint8Array]> => {
    const c = createCipheriv(cipher, key, iv, { authTagLength: GCM_TAG_BYTES });
    if (aad) c.setAAD(aad);
    const head = c.update(plaintext);
    const tail = c.final(); // always empty for GCM; joined in case a future OpenSSL buffers
    const ciphertext = tail.length ? Buffer.concat([head, tail]) : head;
    return [ciphertext, c.getAuthTag()];
  };
  return {
    sealDetached,
    async seal(iv, plaintext, aad) {
      const [ciphertext, tag] = await sealDetached(iv, plaintext, aad);
      const out = new Uint8Array(ciphertext.length + tag.length);
      out.set(ciphertext, 0);
      out.set(tag, ciphertext.length);
      return out;
    },
    async open(iv, sealed, aad) {
      const d = createDecipheriv(cipher, key, iv, { authTagLength: GCM_TAG_BYTES });
      if (aad) d.setAAD(aad);
      d.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
      const head = d.update(sealed.subarray(0, sealed.length - GCM_TAG_BYTES));
      try {
        const tail = d.final();
        if (tail.length === 0) return new Uint8Array(head.buffer, head.byteOffset, head.length);
        const out = new Uint8Array(head.length + tail.length);
        out.set(head);
        out.set(tail, head.length);
        return out;
      } catch {
        head.fill(0); // never release unauthenticated plaintext
        throw new AuthenticationError();
      }
    },
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
