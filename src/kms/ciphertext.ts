// The self-describing ciphertext of encrypt-data and of data keys. It names the key and the key version
// that sealed it, so decrypt-data needs no key_id and old versions keep decrypting after rotation.
//
//   offset  size  field
//   0       2     magic "EK"
//   2       1     format version (1)
//   3       1     algorithm (1 = AES-256-GCM, 2 = SM4-GCM)
//   4       36    key id, ASCII (lower-case UUID)
//   40      4     key version, big-endian
//   44      12    IV
//   56      n+16  ciphertext ‖ GCM tag
//
// The whole header is authenticated: it is part of the GCM associated data together with the project,
// the purpose (encrypt-data vs data key) and the caller's additional_authenticated_data (see
// `blobAad`). Changing any bit of the blob, or decrypting in another project, for another purpose or
// with other AAD fails the tag check.
import { concat, lengthPrefixed, putU32be, utf8 } from '../crypto/bytes.ts';

export const BLOB_HEADER_BYTES = 56;
export const BLOB_TAG_BYTES = 16;
const MAGIC0 = 0x45; // 'E'
const MAGIC1 = 0x4b; // 'K'
const FORMAT = 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const BlobAlgorithm = { AES_256_GCM: 1, SM4_GCM: 2 } as const;
export type BlobAlgorithm = (typeof BlobAlgorithm)[keyof typeof BlobAlgorithm];

/**
 * 'secret': a secret version's data key (src/secrets/sealing.ts); 'capsule': a data key capsule
 * (src/kms/keyspaces/capsules.ts). decrypt-datakey opens neither.
 */
export type BlobPurpose = 'data' | 'datakey' | 'secret' | 'capsule';

export interface BlobHeader {
  algorithm: BlobAlgorithm;
  keyId: string;
  version: number;
  iv: Uint8Array;
}

export function encodeHeader(h: BlobHeader): Uint8Array {
  if (!UUID.test(h.keyId)) throw new RangeError('blob key id must be a lower-case UUID');
  if (h.iv.length !== 12) throw new RangeError('blob IV must be 12 bytes');
  const out = new Uint8Array(BLOB_HEADER_BYTES);
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = FORMAT;
  out[3] = h.algorithm;
  for (let i = 0; i < 36; i++) out[4 + i] = h.keyId.charCodeAt(i); // ASCII: UUID checked above
  putU32be(out, 40, h.version);
  out.set(h.iv, 44);
  return out;
}

/** Parses a blob; returns null for anything that is not a well-formed blob of this format. */
export function decodeBlob(blob: Uint8Array): { header: BlobHeader; headerBytes: Uint8Array; sealed: Uint8Array } | null {
  if (blob.length < BLOB_HEADER_BYTES + BLOB_TAG_BYTES) return null;
  if (blob[0] !== MAGIC0 || blob[1] !== MAGIC1 || blob[2] !== FORMAT) return null;
  const algorithm = blob[3];
  if (algorithm !== BlobAlgorithm.AES_256_GCM && algorithm !== BlobAlgorithm.SM4_GCM) return null;
  const keyId = String.fromCharCode(...blob.subarray(4, 40));
  if (!UUID.test(keyId)) return null;
  const version = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(40);
  if (version === 0) return null;
  return {
    header: { algorithm, keyId, version, iv: blob.slice(44, 56) },
    headerBytes: blob.subarray(0, BLOB_HEADER_BYTES),
    sealed: blob.subarray(BLOB_HEADER_BYTES),
  };
}

/** The GCM associated data binding a blob to its header, project, purpose and the caller's AAD. */
export function blobAad(headerBytes: Uint8Array, project: string, purpose: BlobPurpose, userAad: Uint8Array): Uint8Array {
  return concat(headerBytes, lengthPrefixed(utf8(project)), lengthPrefixed(utf8(purpose)), lengthPrefixed(userAad));
}
