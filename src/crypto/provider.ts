// The crypto a deployment runs on, chosen once by its entry point and passed to the KMS (and through it to
// the app and the request verifier). Nothing swaps implementations globally: a test builds the KMS with
// the same provider `npm start` uses, and both failure paths of the signature check (known and unknown
// access key) run on the same HMAC because both come from here.
//
// The portable provider is WebCrypto for AES-GCM and @noble/hashes for SHA-256/HMAC: it runs on every
// runtime. A runtime may offer faster or safer bindings of the same primitives (Node: src/runtime/
// node-crypto.ts, OpenSSL without WebCrypto's thread-pool hop, and RSA private operations in OpenSSL off
// the event loop). Every provider is checked against the same published vectors in test/crypto/.
import { webCryptoAesGcm, type AesGcmImplementation } from './aes-gcm.ts';
import { nobleHashes, type HashImplementation } from './hash.ts';

/**
 * RSASP1 (RFC 8017 5.2.1) on an encoded message `em` (k bytes, already EMSA-encoded) with the private key
 * given as PKCS#8 DER, in constant-time native code. Resolves to the k-byte signature representative.
 */
export type RsaPrivateOperation = (pkcs8: Uint8Array, em: Uint8Array) => Promise<Uint8Array>;

export interface CryptoProvider {
  /** Reported on /healthz so an operator (and a test) can see which crypto serves requests. */
  readonly name: string;
  readonly aesGcm: AesGcmImplementation;
  readonly hashes: HashImplementation;
  /** Native RSA private operation; absent where the runtime has none (the portable BigInt code is used). */
  readonly rsaPrivate?: RsaPrivateOperation;
}

export const portableCrypto: CryptoProvider = Object.freeze({ name: 'portable', aesGcm: webCryptoAesGcm, hashes: nobleHashes });
