// New key material for each key spec. Symmetric and HMAC material is random bytes; asymmetric material is
// a private key in PKCS#8 DER with its public half (SubjectPublicKeyInfo) kept beside it in the clear,
// except SM2, whose material is the 32-byte private scalar (src/kms/sm2-keys.ts).
//
// RSA key pairs come from WebCrypto generateKey, which runs off the event loop (libuv pool on Node, a
// worker thread elsewhere): RSA_4096 takes about a second here and other requests keep being served
// meanwhile (test/kms/asymmetric.test.ts proves it).
import { randomBytes } from '../crypto/bytes.ts';
import { toBase64 } from '../crypto/encoding.ts';
import type { AsymKeySpec } from '../crypto/asym-keys.ts';
import { generateAsymKeyPair } from '../crypto/keypair.ts';
import { KEY_SPECS, type KeySpec, type KeyUsage } from './key-spec.ts';
import { newSm2Material } from './sm2-keys.ts';
import { symmetricFor } from './symmetric.ts';

export interface NewMaterial {
  /** Secret bytes; the caller seals and then wipes them. */
  material: Uint8Array;
  /** Base64 SubjectPublicKeyInfo of an asymmetric key. */
  publicKey?: string;
}

/** Asymmetric CMK specs of the crypto layer (asym.ts). SM2 is served by sm2-keys.ts; ED25519 is not served. */
const ASYMMETRIC: ReadonlySet<KeySpec> = new Set<KeySpec>(['RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_P256', 'EC_P384', 'SECP256K1']);
/** HMAC specs: SHA-2 ones through WebCrypto, HMAC_SM3 through the WASM core. */
const HMAC: ReadonlySet<KeySpec> = new Set<KeySpec>(['HMAC_256', 'HMAC_384', 'HMAC_512', 'HMAC_SM3']);

export const isAsymmetricSpec = (spec: KeySpec): spec is KeySpec & AsymKeySpec => ASYMMETRIC.has(spec);

/**
 * Whether this build can create keys of a spec, with generated (`kms`) or imported (`external`) material.
 * Imported material is supported for symmetric and HMAC keys (raw bytes wrapped with RSA-OAEP or SM2); importing
 * asymmetric private keys (encrypted_privatekey) is not.
 */
export function isCreatable(spec: KeySpec, origin: 'kms' | 'external'): boolean {
  if (symmetricFor(spec) !== undefined || HMAC.has(spec)) return true;
  return origin === 'kms' && (ASYMMETRIC.has(spec) || spec === 'SM2');
}

export async function generateMaterial(spec: KeySpec, _usage: KeyUsage): Promise<NewMaterial> {
  const info = KEY_SPECS[spec];
  if ((info.kind === 'symmetric' && symmetricFor(spec)) || HMAC.has(spec)) {
    return { material: randomBytes(info.materialBytes!) };
  }
  if (spec === 'SM2') return newSm2Material();
  if (isAsymmetricSpec(spec)) {
    const pair = await generateAsymKeyPair(spec);
    return { material: pair.privateKeyPkcs8, publicKey: toBase64(pair.publicKeySpki) };
  }
  throw new RangeError(`cannot generate material for ${spec}`);
}
