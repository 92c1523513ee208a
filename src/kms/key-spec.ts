// The key specs of the wire reference (section 2.2) and what each one is. The model holds every spec;
// `supported` says which ones this build can create, so a spec that is not wired in yet is refused with
// a clear error rather than half-working.

export type KeySpec =
  | 'AES_256'
  | 'SM4'
  | 'RSA_2048'
  | 'RSA_3072'
  | 'RSA_4096'
  | 'EC_P256'
  | 'EC_P384'
  | 'SECP256K1'
  | 'SM2'
  | 'ED25519'
  | 'HMAC_256'
  | 'HMAC_384'
  | 'HMAC_512'
  | 'HMAC_SM3';

/** KEY_AGREEMENT: EC keys for derive-shared-secret (ECDH), kept apart from signing keys. */
export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC' | 'KEY_AGREEMENT';

export type KeyKind = 'symmetric' | 'asymmetric' | 'hmac';

export interface KeySpecInfo {
  kind: KeyKind;
  /** Usages a key of this spec may have; the first is the default. */
  usages: readonly KeyUsage[];
  /** Raw material length in bytes (symmetric and HMAC keys). */
  materialBytes?: number;
}

export const KEY_SPECS: Record<KeySpec, KeySpecInfo> = {
  AES_256: { kind: 'symmetric', usages: ['ENCRYPT_DECRYPT'], materialBytes: 32 },
  SM4: { kind: 'symmetric', usages: ['ENCRYPT_DECRYPT'], materialBytes: 16 },
  RSA_2048: { kind: 'asymmetric', usages: ['SIGN_VERIFY', 'ENCRYPT_DECRYPT'] },
  RSA_3072: { kind: 'asymmetric', usages: ['SIGN_VERIFY', 'ENCRYPT_DECRYPT'] },
  RSA_4096: { kind: 'asymmetric', usages: ['SIGN_VERIFY', 'ENCRYPT_DECRYPT'] },
  EC_P256: { kind: 'asymmetric', usages: ['SIGN_VERIFY', 'KEY_AGREEMENT'] },
  EC_P384: { kind: 'asymmetric', usages: ['SIGN_VERIFY', 'KEY_AGREEMENT'] },
  SECP256K1: { kind: 'asymmetric', usages: ['SIGN_VERIFY', 'KEY_AGREEMENT'] },
  SM2: { kind: 'asymmetric', usages: ['SIGN_VERIFY', 'ENCRYPT_DECRYPT'] },
  ED25519: { kind: 'asymmetric', usages: ['SIGN_VERIFY'] },
  HMAC_256: { kind: 'hmac', usages: ['GENERATE_VERIFY_MAC'], materialBytes: 32 },
  HMAC_384: { kind: 'hmac', usages: ['GENERATE_VERIFY_MAC'], materialBytes: 48 },
  HMAC_512: { kind: 'hmac', usages: ['GENERATE_VERIFY_MAC'], materialBytes: 64 },
  HMAC_SM3: { kind: 'hmac', usages: ['GENERATE_VERIFY_MAC'], materialBytes: 32 },
};

export const ALL_KEY_SPECS = Object.keys(KEY_SPECS) as KeySpec[];

export function isKeySpec(s: string): s is KeySpec {
  return Object.hasOwn(KEY_SPECS, s);
}
