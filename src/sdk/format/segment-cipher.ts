// The per-message segment cipher: AES-256-GCM through WebCrypto, SM4-GCM through the WASM core. Segment
// nonces are derived from the segment's index and whether it is the final one (STREAM construction), so no
// nonce travels on the wire and a segment only opens at its own position with its own final flag.
//
// WebCrypto calls are asynchronous (Node runs them on its thread pool), so several segments in flight at
// once keep every core busy; the stream code keeps a bounded window of them.
import type { AesGcmImplementation } from '../../crypto/aes-gcm.ts';
import { concat } from '../../crypto/bytes.ts';
import { sm4GcmDecrypt, sm4GcmEncrypt } from '../../crypto/sm4.ts';

/** 0x000000 ‖ u64be(index) ‖ finalFlag: 12 bytes. */
export function segmentNonce(index: number, final: boolean): Uint8Array<ArrayBuffer> {
  const n = new Uint8Array(12);
  const v = new DataView(n.buffer);
  v.setUint32(3, Math.floor(index / 2 ** 32), false);
  v.setUint32(7, index >>> 0, false);
  n[11] = final ? 1 : 0;
  return n;
}

/** The constant associated data of every segment: everything message-specific is in the key. */
export const SEGMENT_AAD: Uint8Array<ArrayBuffer> = new TextEncoder().encode('ENV1-seg');

export interface SegmentCipher {
  /**
   * Seals a segment's plaintext, given in pieces (read as their concatenation: a segment may span input
   * chunks), into ciphertext ‖ 16-byte tag as one or more pieces in order (written one after the other,
   * never joined).
   */
  seal(index: number, final: boolean, plaintext: readonly Uint8Array[]): Promise<readonly Uint8Array[]>;
  /**
   * Opens ciphertext ‖ tag, given in pieces, into the plaintext in pieces; rejects (any error), releasing
   * nothing, if the tag does not verify at this index and flag.
   */
  open(index: number, final: boolean, sealed: readonly Uint8Array[]): Promise<readonly Uint8Array[]>;
}

/** One buffer for an API that takes only one (a copy only when there are several pieces). */
const joined = (pieces: readonly Uint8Array[]): Uint8Array => (pieces.length === 1 ? pieces[0] : concat(...pieces));

/**
 * AES-GCM segments through an AES-GCM implementation: WebCrypto by default (portable; asynchronous, so a
 * window of segments runs in parallel; one buffer per call, so a segment that spans input chunks is
 * joined first), or a runtime's faster binding of the same primitive (Node's node:crypto provider,
 * synchronous OpenSSL without the thread-pool hop, which takes and gives pieces as they are).
 */
export async function aesGcmSegments(key: Uint8Array, aesGcm: AesGcmImplementation): Promise<SegmentCipher> {
  const k = await aesGcm(key);
  return {
    seal: k.sealPieces
      ? (i, f, p) => k.sealPieces!(segmentNonce(i, f), p, SEGMENT_AAD)
      : async (i, f, p) => [await k.seal(segmentNonce(i, f), joined(p), SEGMENT_AAD)],
    open: k.openPieces
      ? (i, f, s) => k.openPieces!(segmentNonce(i, f), s, SEGMENT_AAD)
      : async (i, f, s) => [await k.open(segmentNonce(i, f), joined(s), SEGMENT_AAD)],
  };
}

/** SM4-GCM segments. The cipher keeps its own copy of Kenc (the caller wipes its one) for as long as the message lasts. */
export function wasmSm4GcmSegments(key: Uint8Array): SegmentCipher {
  const k = new Uint8Array(key);
  return {
    seal: async (i, f, p) => [sm4GcmEncrypt(k, segmentNonce(i, f), joined(p), SEGMENT_AAD)],
    open: async (i, f, s) => [sm4GcmDecrypt(k, segmentNonce(i, f), joined(s), SEGMENT_AAD)],
  };
}
