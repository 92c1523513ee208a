// ED25519 keys (SIGN_VERIFY only) as an asymmetric family; the cryptography is src/crypto/ed25519.ts.
//
// Choices, where the wire reference leaves room (the SDKs list the algorithm names, nothing more):
// - Material is the 32-byte RFC 8032 seed, sealed by the root key; the public key is kept beside it as
//   SubjectPublicKeyInfo (RFC 8410), so get-publickey is a PEM that node:crypto and OpenSSL read.
// - ED25519_SHA_512 is PureEdDSA Ed25519 over the message itself: message_type must be RAW, since a pure
//   Ed25519 signature cannot be made from a digest (a DIGEST request is refused, KMS.0308).
// - ED25519_PH_SHA_512 is HashEdDSA Ed25519ph with an empty context: RAW messages are hashed with SHA-512
//   here; a DIGEST message is that 64-byte SHA-512 value.
// - Signatures are the 64 raw bytes R ‖ S (base64 on the wire); each is verified before it is returned.
// - No encryption, no key agreement, no data key pairs (the API's data-key-pair specs do not include it).
import {
  ED25519PH_DIGEST_BYTES,
  type Ed25519SigningKey,
  ed25519NewSeed,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  ed25519phSignDigest,
  ed25519phVerifyDigest,
  encodeEd25519Spki,
  parseEd25519Spki,
  sha512Digest,
} from '../../crypto/ed25519.ts';
import { AsymCryptoError } from '../../crypto/asym-error.ts';
import { constantTimeEqual } from '../../crypto/bytes.ts';
import { publicKeyToPem } from '../../crypto/pem.ts';
import { type AsymmetricFamily, MAX_RAW_MESSAGE_BYTES, type MessageType, inconsistentMaterial, invalidInput, selfCheckFailed } from './family.ts';

const PURE = 'ED25519_SHA_512';
const PREHASH = 'ED25519_PH_SHA_512';

interface Ed25519PrivateKey extends Ed25519SigningKey {
  dispose(): void;
}

/** What is signed: the message (pure) or the SHA-512 digest (prehash). */
function signedInput(algorithm: string, message: Uint8Array, messageType: MessageType): Uint8Array {
  if (messageType === 'RAW' && message.length > MAX_RAW_MESSAGE_BYTES) throw invalidInput('message', 'a RAW message must be shorter than 4096 bytes');
  if (algorithm === PURE) {
    if (messageType !== 'RAW') throw invalidInput('message_type', `${PURE} signs the message itself: send it with message_type RAW`);
    return message;
  }
  if (messageType === 'RAW') return sha512Digest(message);
  if (message.length !== ED25519PH_DIGEST_BYTES) throw invalidInput('message', `an ${PREHASH} DIGEST is the 64-byte SHA-512 of the message, got ${message.length} bytes`);
  return message;
}

const noEncryption = (): never => {
  throw invalidInput('encryption_algorithm', 'ED25519 keys do not encrypt');
};

export const ED25519: AsymmetricFamily<Ed25519PrivateKey, Uint8Array> = {
  async generate() {
    const seed = ed25519NewSeed();
    return { material: seed, publicKeySpki: encodeEd25519Spki(ed25519PublicKey(seed)) };
  },
  async generateDataKeyPair(spec) {
    throw new RangeError(`no ${spec} data key pairs`);
  },
  parsePublic(spki) {
    try {
      return parseEd25519Spki(spki);
    } catch (e) {
      if (e instanceof AsymCryptoError) throw inconsistentMaterial();
      throw e;
    }
  },
  publicPem: (publicKey) => publicKeyToPem(encodeEd25519Spki(publicKey)),
  async preparePrivate(raw, _spec, publicKey) {
    const seed = raw.slice();
    if (seed.length !== 32 || !constantTimeEqual(ed25519PublicKey(seed), publicKey)) {
      seed.fill(0);
      throw inconsistentMaterial();
    }
    return { seed, publicKey, dispose: () => seed.fill(0) };
  },
  signingAlgorithms: () => [PURE, PREHASH],
  encryptionAlgorithms: () => [],
  async sign(key, publicKey, algorithm, message, messageType) {
    const input = signedInput(algorithm, message, messageType);
    const pure = algorithm === PURE;
    const signature = pure ? await ed25519Sign(key, input) : ed25519phSignDigest(key.seed, input);
    const valid = pure ? ed25519Verify(publicKey, input, signature) : ed25519phVerifyDigest(publicKey, input, signature);
    if (!valid) throw selfCheckFailed();
    return signature;
  },
  async verify(publicKey, algorithm, message, messageType, signature) {
    const input = signedInput(algorithm, message, messageType);
    return algorithm === PURE ? ed25519Verify(publicKey, input, signature) : ed25519phVerifyDigest(publicKey, input, signature);
  },
  encrypt: async () => noEncryption(),
  decrypt: async () => noEncryption(),
};
