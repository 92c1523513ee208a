// ENV1 algorithm suites. A suite fixes every algorithm of a message: the data key length, the KDF, the
// segment AEAD, the hash that condenses the context and the header MAC. The suite id is in the header and
// in every derived key, so a message cannot be reinterpreted under another suite.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hkdfSha512, hkdfSm3, type Hkdf } from '../../crypto/hkdf.ts';
import { hmacSm3, sm3 } from '../../crypto/sm3.ts';
import { UnsupportedSuiteError } from './errors.ts';
import type { AesGcmImplementation } from '../../crypto/aes-gcm.ts';
import { aesGcmSegments, wasmSm4GcmSegments, type SegmentCipher } from './segment-cipher.ts';

export type SuiteId = 0x0001 | 0x0101;

export interface AlgorithmSuite {
  readonly id: SuiteId;
  readonly name: string;
  /** Length of the data key a keyring generates or unwraps. */
  readonly dataKeyBytes: number;
  /** Length of the segment key Kenc. */
  readonly encKeyBytes: number;
  readonly hkdf: Hkdf;
  /** Condenses the context parameters into `ctx` (32 bytes). */
  contextHash(data: Uint8Array): Uint8Array;
  /** The header MAC (32 bytes). */
  headerMac(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** The segment cipher under Kenc; AES suites use `aesGcm` (the caller's crypto provider's binding). */
  segments(encKey: Uint8Array, aesGcm: AesGcmImplementation): Promise<SegmentCipher> | SegmentCipher;
  /** True when the suite needs the WASM core (initWasm) loaded. */
  readonly needsWasm: boolean;
}

/** 0x0001 (default): AES-256-GCM segments, HKDF-SHA-512, SHA-256 context hash, HMAC-SHA-256 header MAC. */
export const AES256_GCM_HKDF_SHA512: AlgorithmSuite = Object.freeze({
  id: 0x0001,
  name: 'AES-256-GCM/HKDF-SHA-512/commit',
  dataKeyBytes: 32,
  encKeyBytes: 32,
  hkdf: hkdfSha512,
  contextHash: (d: Uint8Array) => sha256(d),
  headerMac: (k: Uint8Array, d: Uint8Array) => hmac(sha256, k, d),
  segments: aesGcmSegments,
  needsWasm: false,
});

/** 0x0101: SM4-GCM segments (WASM core), HKDF over HMAC-SM3, SM3 context hash, HMAC-SM3 header MAC. */
export const SM4_GCM_HKDF_SM3: AlgorithmSuite = Object.freeze({
  id: 0x0101,
  name: 'SM4-GCM/HKDF-HMAC-SM3/commit',
  dataKeyBytes: 32,
  encKeyBytes: 16,
  hkdf: hkdfSm3,
  contextHash: (d: Uint8Array) => sm3(d),
  headerMac: hmacSm3,
  segments: wasmSm4GcmSegments,
  needsWasm: true,
});

export const DEFAULT_SUITE = AES256_GCM_HKDF_SHA512;

const BY_ID = new Map<number, AlgorithmSuite>([
  [AES256_GCM_HKDF_SHA512.id, AES256_GCM_HKDF_SHA512],
  [SM4_GCM_HKDF_SM3.id, SM4_GCM_HKDF_SM3],
]);

export function suiteById(id: number): AlgorithmSuite {
  const s = BY_ID.get(id);
  if (!s) throw new UnsupportedSuiteError(`unsupported algorithm suite 0x${id.toString(16).padStart(4, '0')}`);
  return s;
}
