// Ed25519 (RFC 8032) for the KMS: key formats (RFC 8410), PureEdDSA Ed25519 and HashEdDSA Ed25519ph.
//
// - Keys: the private key is the 32-byte seed; SubjectPublicKeyInfo and PKCS#8 use id-Ed25519
//   (1.3.101.112), PKCS#8 holding the seed as CurvePrivateKey (an OCTET STRING inside the OCTET STRING).
// - Ed25519 uses WebCrypto where the runtime has it (Node 20, Deno, Workers, recent browsers): measured here
//   at ~0.08 ms a signature against ~0.8 ms for @noble/curves, which stays the fallback.
// - Ed25519ph is not in WebCrypto, so it is @noble/curves' EdDSA with the RFC 8032 dom2 prefix (phflag 1,
//   empty context) over the 64-byte SHA-512 of the message; the caller gives either the message (and it is
//   hashed here) or that digest.
// - Verification is RFC 8032 / FIPS 186-5 strict (zip215 off: non-canonical encodings and small-order
//   keys are refused), whichever implementation signs.
import { ed25519 } from '@noble/curves/ed25519.js';
import { eddsa } from '@noble/curves/abstract/edwards.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { DerReader, TAG, derBitString, derOctetString, derOid, derSequence, derInteger, parseDer, readBitStringOctets, readOid } from './asn1.ts';
import { AsymCryptoError } from './asym-error.ts';
import { bufferSource } from './asym-handle.ts';
import { concat, randomBytes, utf8 } from './bytes.ts';

export const ED25519_OID = '1.3.101.112';
export const ED25519_SEED_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;
export const ED25519PH_DIGEST_BYTES = 64;

/** A fresh seed from the platform CSPRNG. */
export const ed25519NewSeed = (): Uint8Array => randomBytes(ED25519_SEED_BYTES);

export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(seed);
}

export function encodeEd25519Spki(publicKey: Uint8Array): Uint8Array {
  return derSequence(derSequence(derOid(ED25519_OID)), derBitString(publicKey));
}

/** The 32-byte public key of an Ed25519 SubjectPublicKeyInfo, checked to be a valid, non-small-order point. */
export function parseEd25519Spki(der: Uint8Array): Uint8Array {
  let key: Uint8Array;
  try {
    const rd = new DerReader(parseDer(der));
    const alg = new DerReader(rd.next(TAG.SEQUENCE));
    if (readOid(alg.next(TAG.OID)) !== ED25519_OID) throw new Error('not an Ed25519 key');
    alg.end();
    key = readBitStringOctets(rd.next(TAG.BIT_STRING));
    rd.end();
  } catch (e) {
    throw new AsymCryptoError('INVALID_KEY', `invalid Ed25519 SubjectPublicKeyInfo: ${(e as Error).message}`);
  }
  if (key.length !== 32 || !ed25519.utils.isValidPublicKey(key, false) || ed25519.Point.fromBytes(key).isSmallOrder()) {
    throw new AsymCryptoError('INVALID_KEY', 'invalid Ed25519 public key');
  }
  return key;
}

/** PKCS#8 of a seed (RFC 8410 7); the caller zeroes the result. */
export function encodeEd25519Pkcs8(seed: Uint8Array): Uint8Array {
  if (seed.length !== ED25519_SEED_BYTES) throw new AsymCryptoError('INVALID_KEY', 'an Ed25519 seed is 32 bytes');
  const inner = derOctetString(seed);
  const out = derSequence(derInteger(0), derSequence(derOid(ED25519_OID)), derOctetString(inner));
  inner.fill(0);
  return out;
}

// --- Ed25519 (pure) ---

let webcryptoEd25519: boolean | undefined;

/** A signing key: WebCrypto's when available (imported once), else the seed for @noble/curves. */
export interface Ed25519SigningKey {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
  webcrypto?: Promise<CryptoKey | undefined>;
}

function webcryptoKey(key: Ed25519SigningKey): Promise<CryptoKey | undefined> {
  if (webcryptoEd25519 === false) return Promise.resolve(undefined);
  key.webcrypto ??= (async () => {
    const pkcs8 = encodeEd25519Pkcs8(key.seed);
    try {
      const k = await crypto.subtle.importKey('pkcs8', bufferSource(pkcs8), { name: 'Ed25519' }, false, ['sign']);
      webcryptoEd25519 = true;
      return k;
    } catch (e) {
      if (e instanceof Error && (e.name === 'NotSupportedError' || e.name === 'SyntaxError' || e.name === 'TypeError')) {
        webcryptoEd25519 = false;
        return undefined;
      }
      throw e;
    } finally {
      pkcs8.fill(0);
    }
  })();
  return key.webcrypto;
}

export async function ed25519Sign(key: Ed25519SigningKey, message: Uint8Array): Promise<Uint8Array> {
  const wc = await webcryptoKey(key);
  if (wc) return new Uint8Array(await crypto.subtle.sign('Ed25519', wc, bufferSource(message)));
  return ed25519.sign(message, key.seed);
}

export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

// --- Ed25519ph ---

/** Ed25519ph over a SHA-512 digest the caller already computed: noble's EdDSA with an identity "prehash". */
const ed25519phOfDigest = eddsa(ed25519.Point, sha512, {
  adjustScalarBytes: (b: Uint8Array) => {
    b[0] &= 248;
    b[31] &= 127;
    b[31] |= 64;
    return b;
  },
  domain: (data: Uint8Array, ctx: Uint8Array, phflag: boolean) =>
    concat(utf8('SigEd25519 no Ed25519 collisions'), Uint8Array.of(phflag ? 1 : 0, ctx.length), ctx, data),
  prehash: (digest: Uint8Array) => {
    if (digest.length !== ED25519PH_DIGEST_BYTES) throw new AsymCryptoError('INVALID_DIGEST_LENGTH', 'an Ed25519ph digest is the 64-byte SHA-512');
    return digest;
  },
  zip215: false,
});

export const sha512Digest = (message: Uint8Array): Uint8Array => sha512(message);

export function ed25519phSignDigest(seed: Uint8Array, digest: Uint8Array): Uint8Array {
  return ed25519phOfDigest.sign(digest, seed);
}

export function ed25519phVerifyDigest(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
  try {
    return ed25519phOfDigest.verify(signature, digest, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
