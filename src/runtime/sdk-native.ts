// The SDK's entry points that take a crypto provider, with Node's own (node:crypto, OpenSSL) as their
// default instead of the portable one: what `import … from 'edgekms'` gives on Node. The portable core
// keeps WebCrypto as its default and never reaches for node:*; this rim only fills in `crypto` when the
// caller left it out, so passing `crypto` (portableCrypto, say) still chooses. Messages are byte for byte
// the same whichever provider seals them (same cipher, key, nonce and associated data; the ENV1 vectors run
// under both), so a message written here opens in a browser, a Worker or Deno and the other way round.
// Why node:crypto: on Node it seals and opens ENV1 segments faster than WebCrypto does (no thread-pool hop
// per call; bench `sdk`), and the loop keeps turning while it works: seals go to a worker thread when it is
// idle (node-aes-worker.ts), and the rest runs in slices of a few ms per turn (turn-slice.ts).
import type { CryptoProvider } from '../crypto/provider.ts';
import { decryptHuaweiMessage as decryptHuaweiMessageWith, decryptHuaweiStream as decryptHuaweiStreamWith, huaweiLocalAesUnwrapper as huaweiLocalAesUnwrapperWith, type HuaweiReadOptions } from '../sdk/legacy/huawei-java.ts';
import { decryptStream as decryptStreamWith } from '../sdk/stream/decrypt-stream.ts';
import { encryptStream as encryptStreamWith } from '../sdk/stream/encrypt-stream.ts';
import { decrypt as decryptWith, encrypt as encryptWith } from '../sdk/stream/one-shot.ts';
import { nodeCrypto } from './node-crypto.ts';

/** `options` with node:crypto as `crypto` unless the caller gave one. */
export function withNativeCrypto<O extends { crypto?: CryptoProvider }>(options: O): O {
  return options.crypto ? options : { ...options, crypto: nodeCrypto };
}

/** encryptStream of the portable SDK, on node:crypto unless `options.crypto` says otherwise. */
export const encryptStream: typeof encryptStreamWith = (plaintext, options) => encryptStreamWith(plaintext, withNativeCrypto(options));

/** decryptStream of the portable SDK, on node:crypto unless `options.crypto` says otherwise. */
export const decryptStream: typeof decryptStreamWith = (message, options) => decryptStreamWith(message, withNativeCrypto(options));

/** encrypt (one-shot) of the portable SDK, on node:crypto unless `options.crypto` says otherwise. */
export const encrypt: typeof encryptWith = (plaintext, options) => encryptWith(plaintext, withNativeCrypto(options));

/** decrypt (one-shot) of the portable SDK, on node:crypto unless `options.crypto` says otherwise. */
export const decrypt: typeof decryptWith = (ciphertext, options) => decryptWith(ciphertext, withNativeCrypto(options));

/** decryptHuaweiMessage of the portable SDK, on node:crypto unless `options.crypto` says otherwise. */
export const decryptHuaweiMessage: typeof decryptHuaweiMessageWith = (message, options: HuaweiReadOptions) => decryptHuaweiMessageWith(message, withNativeCrypto(options));

/** decryptHuaweiStream of the portable SDK, on node:crypto unless `options.crypto` says otherwise. */
export const decryptHuaweiStream: typeof decryptHuaweiStreamWith = (input, options) => decryptHuaweiStreamWith(input, withNativeCrypto(options));

/** huaweiLocalAesUnwrapper of the portable SDK, on node:crypto unless a provider is given. */
export const huaweiLocalAesUnwrapper: typeof huaweiLocalAesUnwrapperWith = (kek, crypto = nodeCrypto) => huaweiLocalAesUnwrapperWith(kek, crypto);
