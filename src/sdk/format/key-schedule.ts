// ENV1 key schedule. From one data key and one random message id, three independent keys:
//
//   ctx     = H(suiteId ‖ segmentLog2 ‖ u16 ecLen ‖ ec ‖ u16 uLen ‖ unstoredEc)   H = SHA-256 | SM3
//   PRK     = HKDF-Extract(salt = messageId, IKM = dataKey)                      HKDF-SHA-512 | HKDF-HMAC-SM3
//   Kenc    = HKDF-Expand(PRK, "ENV1" ‖ suiteId ‖ "enc"    ‖ ctx, encKeyBytes)   segment AEAD key
//   Kcommit = HKDF-Expand(PRK, "ENV1" ‖ suiteId ‖ "commit" ‖ ctx, 32)            stored in the header
//   Kmac    = HKDF-Expand(PRK, "ENV1" ‖ suiteId ‖ "hdr"    ‖ ctx, 32)            header MAC key
//
// Because ctx is in every label, a data key commits to the suite, the segment size and both contexts as
// well as to the message id: an EDK that unwraps to another data key, or any change to those fields,
// fails the commitment check before a segment is touched.
import { concat, constantTimeEqual, utf8, wipe } from '../../crypto/bytes.ts';
import { COMMITMENT_BYTES } from './header.ts';
import type { AlgorithmSuite } from './suites.ts';

export interface MessageKeys {
  readonly encKey: Uint8Array;
  readonly commitment: Uint8Array;
  readonly macKey: Uint8Array;
}

const u16 = (n: number) => Uint8Array.of(n >>> 8, n & 0xff);
const LABEL = utf8('ENV1');

export function contextDigest(suite: AlgorithmSuite, segmentLog2: number, contextBytes: Uint8Array, unstoredContextBytes: Uint8Array): Uint8Array {
  return suite.contextHash(
    concat(u16(suite.id), Uint8Array.of(segmentLog2), u16(contextBytes.length), contextBytes, u16(unstoredContextBytes.length), unstoredContextBytes),
  );
}

export function deriveMessageKeys(
  suite: AlgorithmSuite,
  dataKey: Uint8Array,
  messageId: Uint8Array,
  segmentLog2: number,
  contextBytes: Uint8Array,
  unstoredContextBytes: Uint8Array,
): MessageKeys {
  const ctx = contextDigest(suite, segmentLog2, contextBytes, unstoredContextBytes);
  const prk = suite.hkdf.extract(messageId, dataKey);
  try {
    const info = (purpose: string) => concat(LABEL, u16(suite.id), utf8(purpose), ctx);
    return {
      encKey: suite.hkdf.expand(prk, info('enc'), suite.encKeyBytes),
      commitment: suite.hkdf.expand(prk, info('commit'), COMMITMENT_BYTES),
      macKey: suite.hkdf.expand(prk, info('hdr'), 32),
    };
  } finally {
    wipe(prk);
  }
}

/** What the header MAC covers: the header through the commitment, then the unstored context. */
export function headerMac(suite: AlgorithmSuite, macKey: Uint8Array, authenticated: Uint8Array, unstoredContextBytes: Uint8Array): Uint8Array {
  return suite.headerMac(macKey, concat(authenticated, u16(unstoredContextBytes.length), unstoredContextBytes));
}

export function commitmentMatches(expected: Uint8Array, stored: Uint8Array): boolean {
  return constantTimeEqual(expected, stored);
}
