// File integrity through the KMS: a stream is hashed locally as it passes (never held in memory), and
// only its digest goes to the KMS to be signed (message_type DIGEST) or verified. The private key never
// leaves the KMS; anyone holding the public key can also verify offline.
//
// The hash follows the signing algorithm: SHA-256/384/512 for RSA, ECDSA and ED25519ph, and for SM2 the
// GB/T 32918 value e = SM3(Z ‖ M), where Z binds the signer's public key and user id, so the helper
// fetches the public key once to compute Z.
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { fromBase64, toBase64 } from '../crypto/encoding.ts';
import { parseSm2Spki } from '../crypto/asym-keys.ts';
import { pemDecode } from '../crypto/pem.ts';
import { sm2Za } from '../crypto/sm2.ts';
import { createSm3 } from '../crypto/sm3.ts';
import type { KmsClient } from './kms/client.ts';
import type { SigningAlgorithm } from './kms/types.ts';

interface Hasher {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
}

const SHA: Record<string, () => Hasher> = {
  SHA_256: () => sha256.create(),
  SHA_384: () => sha384.create(),
  SHA_512: () => sha512.create(),
};

/** The hash a signing algorithm signs, from its name; throws for algorithms that cannot sign a digest. */
function hashFor(algorithm: SigningAlgorithm): 'SM3' | 'SHA_256' | 'SHA_384' | 'SHA_512' {
  if (algorithm === 'SM2DSA_SM3') return 'SM3';
  if (algorithm === 'ED25519_SHA_512') throw new TypeError('ED25519_SHA_512 signs whole messages only; use ED25519_PH_SHA_512 for a stream digest');
  const m = /_(SHA_256|SHA_384|SHA_512)$/.exec(algorithm);
  if (!m) throw new TypeError(`unknown signing algorithm ${algorithm}`);
  return m[1] as 'SHA_256' | 'SHA_384' | 'SHA_512';
}

async function digestOf(stream: ReadableStream<Uint8Array>, h: Hasher): Promise<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return h.digest();
      h.update(value);
    }
  } finally {
    reader.releaseLock();
  }
}

export interface StreamSignatureTarget {
  kms: KmsClient;
  /** A SIGN_VERIFY key (id or alias). */
  keyId: string;
  signingAlgorithm: SigningAlgorithm;
  /** SM2 only: the signer's user id (default "1234567812345678", GB/T 35276). */
  sm2UserId?: string;
}

/** The digest the KMS signs for `stream` under `target`'s algorithm (for SM2: e = SM3(Z ‖ M)). */
export async function streamDigest(stream: ReadableStream<Uint8Array>, target: StreamSignatureTarget): Promise<Uint8Array> {
  const hash = hashFor(target.signingAlgorithm);
  if (hash !== 'SM3') return digestOf(stream, SHA[hash]());
  const { public_key } = await target.kms.getPublicKey({ key_id: target.keyId });
  const point = parseSm2Spki(pemDecode(public_key, 'PUBLIC KEY'));
  const sm3 = createSm3();
  try {
    sm3.update(sm2Za(point, target.sm2UserId));
    return await digestOf(stream, { update: (d) => sm3.update(d), digest: () => sm3.digest() });
  } catch (e) {
    sm3.free();
    throw e;
  }
}

export interface StreamSignature {
  /** The key that signed (as the KMS reports it). */
  keyId: string;
  signingAlgorithm: SigningAlgorithm;
  digest: Uint8Array;
  /** Base64, as the KMS returns it. */
  signature: string;
}

/** Hashes `stream` as it is read and has the KMS sign the digest. */
export async function signStream(stream: ReadableStream<Uint8Array>, target: StreamSignatureTarget): Promise<StreamSignature> {
  const digest = await streamDigest(stream, target);
  const { key_id, signature } = await target.kms.sign({ key_id: target.keyId, message: toBase64(digest), signing_algorithm: target.signingAlgorithm, message_type: 'DIGEST' });
  return { keyId: key_id, signingAlgorithm: target.signingAlgorithm, digest, signature };
}

/** Hashes `stream` and asks the KMS whether `signature` (base64) signs its digest. */
export async function verifyStream(stream: ReadableStream<Uint8Array>, signature: string, target: StreamSignatureTarget): Promise<boolean> {
  if (typeof signature !== 'string' || fromBase64(signature).length === 0) throw new TypeError('signature must be non-empty base64');
  const digest = await streamDigest(stream, target);
  const { signature_valid } = await target.kms.verify({
    key_id: target.keyId,
    message: toBase64(digest),
    signature,
    signing_algorithm: target.signingAlgorithm,
    message_type: 'DIGEST',
  });
  return signature_valid === 'true';
}
