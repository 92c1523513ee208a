// node:crypto's provider with its AES-GCM watched: every plaintext the KMS hands to seal, and every one open
// gives back, is kept (the same buffers), so a test can check they were zeroed after use.
import type { CryptoProvider } from '../../src/crypto/provider.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';

export function observedCrypto(): { crypto: CryptoProvider; sealed: Uint8Array[]; opened: Uint8Array[] } {
  const sealed: Uint8Array[] = [];
  const opened: Uint8Array[] = [];
  const crypto: CryptoProvider = {
    ...nodeCrypto,
    aesGcm: async (raw) => {
      const inner = await nodeCrypto.aesGcm(raw);
      return {
        seal: async (iv, plaintext, aad) => {
          sealed.push(plaintext);
          return inner.seal(iv, plaintext, aad);
        },
        open: async (iv, blob, aad) => {
          const plaintext = await inner.open(iv, blob, aad);
          opened.push(plaintext);
          return plaintext;
        },
      };
    },
  };
  return { crypto, sealed, opened };
}
