// The asymmetric families by key spec: CMK specs of create-key and the key specs of
// create-rsa-datakey-pair / create-ec-datakey-pair. One table, so every operation treats every family the
// same way and a new family is one row here plus its module.
import type { KeySpec } from '../key-spec.ts';
import type { AsymmetricFamily } from './family.ts';
import { ED25519 } from './ed25519.ts';
import { RSA_EC } from './rsa-ec.ts';
import { SM2 } from './sm2.ts';

const CMK_FAMILIES: Partial<Record<KeySpec, AsymmetricFamily>> = {
  RSA_2048: RSA_EC,
  RSA_3072: RSA_EC,
  RSA_4096: RSA_EC,
  EC_P256: RSA_EC,
  EC_P384: RSA_EC,
  SECP256K1: RSA_EC,
  SM2: SM2,
  ED25519: ED25519,
} as Partial<Record<KeySpec, AsymmetricFamily>>;

/** The key specs of create-rsa-datakey-pair and create-ec-datakey-pair, with the family that makes each. */
export const RSA_DATAKEY_PAIR_SPECS = ['RSA_2048', 'RSA_3072', 'RSA_4096'] as const;
export const EC_DATAKEY_PAIR_SPECS = ['ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'SM2'] as const;

const DATAKEY_PAIR_FAMILIES: Record<string, AsymmetricFamily> = {
  RSA_2048: RSA_EC,
  RSA_3072: RSA_EC,
  RSA_4096: RSA_EC,
  ECC_NIST_P256: RSA_EC,
  ECC_NIST_P384: RSA_EC,
  ECC_NIST_P521: RSA_EC,
  ECC_SECG_P256K1: RSA_EC,
  SM2: SM2,
} as Record<string, AsymmetricFamily>;

/** The family serving an asymmetric CMK spec, or undefined for symmetric, HMAC and unserved specs. */
export function familyOf(spec: KeySpec): AsymmetricFamily | undefined {
  return Object.hasOwn(CMK_FAMILIES, spec) ? CMK_FAMILIES[spec] : undefined;
}

export function dataKeyPairFamily(spec: string): AsymmetricFamily {
  const f = Object.hasOwn(DATAKEY_PAIR_FAMILIES, spec) ? DATAKEY_PAIR_FAMILIES[spec] : undefined;
  if (!f) throw new RangeError(`no family makes ${spec} data key pairs`);
  return f;
}
