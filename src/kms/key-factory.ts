// New key material for each key spec. Symmetric and HMAC material is random bytes; asymmetric material is
// whatever the key's family seals (src/kms/asymmetric/: PKCS#8 DER for RSA and EC, the private scalar or
// seed for SM2 and ED25519) with its public half (SubjectPublicKeyInfo) kept beside it in the clear.
//
// RSA key pairs come from WebCrypto generateKey, which runs off the event loop (libuv pool on Node, a
// worker thread elsewhere): RSA_4096 takes about a second here and other requests keep being served
// meanwhile (test/kms/asymmetric.test.ts proves it).
import { randomBytes } from '../crypto/bytes.ts';
import { toBase64 } from '../crypto/encoding.ts';
import { familyOf } from './asymmetric/families.ts';
import { KEY_SPECS, type KeySpec, type KeyUsage } from './key-spec.ts';
import { symmetricFor } from './symmetric.ts';

export interface NewMaterial {
  /** Secret bytes; the caller seals and then wipes them. */
  material: Uint8Array;
  /** Base64 SubjectPublicKeyInfo of an asymmetric key. */
  publicKey?: string;
}

/** HMAC specs: SHA-2 ones through WebCrypto, HMAC_SM3 through the WASM core. */
const HMAC: ReadonlySet<KeySpec> = new Set<KeySpec>(['HMAC_256', 'HMAC_384', 'HMAC_512', 'HMAC_SM3']);

/**
 * Whether this build can create keys of a spec, with generated (`kms`) or imported (`external`) material.
 * Imported material is supported for symmetric and HMAC keys (raw bytes wrapped with RSA-OAEP or SM2); importing
 * asymmetric private keys (encrypted_privatekey) is not.
 */
export function isCreatable(spec: KeySpec, origin: 'kms' | 'external'): boolean {
  if (symmetricFor(spec) !== undefined || HMAC.has(spec)) return true;
  return origin === 'kms' && familyOf(spec) !== undefined;
}

/** Runs an expensive generation (a key pair) under the caller's cap; see Kms.keyGeneration. */
export type GenerationGate = <T>(work: () => Promise<T>) => Promise<T>;

export async function generateMaterial(spec: KeySpec, _usage: KeyUsage, gate: GenerationGate): Promise<NewMaterial> {
  const info = KEY_SPECS[spec];
  if ((info.kind === 'symmetric' && symmetricFor(spec)) || HMAC.has(spec)) {
    return { material: randomBytes(info.materialBytes!) };
  }
  const family = familyOf(spec);
  if (family) {
    const { material, publicKeySpki } = await gate(() => family.generate(spec));
    return { material, publicKey: toBase64(publicKeySpki) };
  }
  throw new RangeError(`cannot generate material for ${spec}`);
}
