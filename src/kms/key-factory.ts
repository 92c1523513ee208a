// New key material for each key spec. Symmetric and HMAC material is random bytes; asymmetric material is
// a private key in PKCS#8 DER with its public half (SubjectPublicKeyInfo) kept beside it in the clear.
//
// RSA key pairs come from WebCrypto generateKey, which runs off the event loop (libuv pool on Node, a
// worker thread elsewhere): RSA_4096 takes about a second here and other requests keep being served
// meanwhile (test/kms/asymmetric.test.ts proves it).
import { randomBytes } from '../crypto/bytes.ts';
import { toBase64 } from '../crypto/encoding.ts';
import type { AsymKeySpec } from '../crypto/asym-keys.ts';
import { generateAsymKeyPair } from '../crypto/keypair.ts';
import { KEY_SPECS, type KeySpec, type KeyUsage } from './key-spec.ts';
import { symmetricFor } from './symmetric.ts';

export interface NewMaterial {
  /** Secret bytes; the caller seals and then wipes them. */
  material: Uint8Array;
  /** Base64 SubjectPublicKeyInfo of an asymmetric key. */
  publicKey?: string;
}

/** Asymmetric CMK specs this build creates (SM2 and ED25519 need the WASM core / a later issue). */
const ASYMMETRIC: ReadonlySet<KeySpec> = new Set<KeySpec>(['RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_P256', 'EC_P384', 'SECP256K1']);
/** HMAC specs served by WebCrypto; HMAC_SM3 waits for the WASM core. */
const HMAC: ReadonlySet<KeySpec> = new Set<KeySpec>(['HMAC_256', 'HMAC_384', 'HMAC_512']);

export const isAsymmetricSpec = (spec: KeySpec): spec is KeySpec & AsymKeySpec => ASYMMETRIC.has(spec);

/**
 * Whether this build can create keys of a spec, with generated (`kms`) or imported (`external`) material.
 * Imported material is supported for symmetric and HMAC keys (raw bytes wrapped with RSA-OAEP); importing
 * asymmetric private keys (encrypted_privatekey) is not.
 */
export function isCreatable(spec: KeySpec, origin: 'kms' | 'external'): boolean {
  if (symmetricFor(spec) !== undefined || HMAC.has(spec)) return true;
  return origin === 'kms' && ASYMMETRIC.has(spec);
}

export async function generateMaterial(spec: KeySpec, _usage: KeyUsage): Promise<NewMaterial> {
  const info = KEY_SPECS[spec];
  if ((info.kind === 'symmetric' && symmetricFor(spec)) || HMAC.has(spec)) {
    return { material: randomBytes(info.materialBytes!) };
  }
  if (isAsymmetricSpec(spec)) {
    const pair = await generateAsymKeyPair(spec);
    return { material: pair.privateKeyPkcs8, publicKey: toBase64(pair.publicKeySpki) };
  }
  throw new RangeError(`cannot generate material for ${spec}`);
}
