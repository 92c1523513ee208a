// Errors of the ENV1 message format. Every failure has its own class and a stable `code`, so a caller can
// tell a cut-off upload (truncation) from an attack (reordering, tampering) without parsing messages.
// Messages never contain key material or plaintext.

export type Env1ErrorCode =
  | 'ENV1_BAD_HEADER' // malformed header: magic, version, reserved bits, encodings
  | 'ENV1_UNSUPPORTED_SUITE'
  | 'ENV1_LIMIT' // a configured limit: header bytes, EDK count, context bytes, segment size, segment count
  | 'ENV1_NO_DATA_KEY' // no keyring could decrypt any encrypted data key
  | 'ENV1_COMMITMENT_MISMATCH' // the data key does not commit to this header (wrong EDK, changed context or id)
  | 'ENV1_HEADER_AUTH' // the header MAC does not verify
  | 'ENV1_CONTEXT_MISMATCH' // the message's encryption context lacks a pair the caller requires
  | 'ENV1_BAD_SEGMENT' // a segment's type byte or length field is invalid
  | 'ENV1_SEGMENT_AUTH' // a segment's tag does not verify (modified ciphertext)
  | 'ENV1_SEGMENT_REORDERED' // a segment belongs at another position (moved or a segment before it dropped)
  | 'ENV1_SEGMENT_DUPLICATED' // a segment that already appeared earlier in the message
  | 'ENV1_TRUNCATED' // the input ended inside the header or inside a segment
  | 'ENV1_MISSING_FINAL_SEGMENT' // the input ended at a segment boundary without the final segment
  | 'ENV1_TRAILING_BYTES' // bytes follow the final segment
  | 'ENV1_INVALID_ARGUMENT'; // a caller error (bad option, bad context, bad key)

export class Env1Error extends Error {
  override name = 'Env1Error';
  constructor(
    readonly code: Env1ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class HeaderFormatError extends Env1Error {
  override name = 'HeaderFormatError';
  constructor(message: string) {
    super('ENV1_BAD_HEADER', message);
  }
}
export class UnsupportedSuiteError extends Env1Error {
  override name = 'UnsupportedSuiteError';
  constructor(message: string) {
    super('ENV1_UNSUPPORTED_SUITE', message);
  }
}
export class LimitExceededError extends Env1Error {
  override name = 'LimitExceededError';
  constructor(message: string) {
    super('ENV1_LIMIT', message);
  }
}
export class NoDataKeyError extends Env1Error {
  override name = 'NoDataKeyError';
  constructor(message = 'no keyring could decrypt any of the encrypted data keys') {
    super('ENV1_NO_DATA_KEY', message);
  }
}
export class CommitmentMismatchError extends Env1Error {
  override name = 'CommitmentMismatchError';
  constructor(message = 'the data key does not commit to this message: wrong encrypted data key, or the header was changed') {
    super('ENV1_COMMITMENT_MISMATCH', message);
  }
}
export class HeaderAuthError extends Env1Error {
  override name = 'HeaderAuthError';
  constructor(message = 'the header MAC does not verify: the header was changed') {
    super('ENV1_HEADER_AUTH', message);
  }
}
export class ContextMismatchError extends Env1Error {
  override name = 'ContextMismatchError';
  constructor(message: string) {
    super('ENV1_CONTEXT_MISMATCH', message);
  }
}
export class SegmentFormatError extends Env1Error {
  override name = 'SegmentFormatError';
  constructor(message: string) {
    super('ENV1_BAD_SEGMENT', message);
  }
}
export class SegmentAuthError extends Env1Error {
  override name = 'SegmentAuthError';
  constructor(index: number) {
    super('ENV1_SEGMENT_AUTH', `segment ${index} does not authenticate: the ciphertext was changed`);
  }
}
export class SegmentReorderedError extends Env1Error {
  override name = 'SegmentReorderedError';
  constructor(
    readonly position: number,
    readonly belongsAt: number,
  ) {
    super('ENV1_SEGMENT_REORDERED', `segment ${belongsAt} found at position ${position}: segments were moved or dropped`);
  }
}
export class SegmentDuplicatedError extends Env1Error {
  override name = 'SegmentDuplicatedError';
  constructor(
    readonly position: number,
    readonly copyOf: number,
  ) {
    super('ENV1_SEGMENT_DUPLICATED', `segment at position ${position} is a copy of segment ${copyOf}`);
  }
}
export class TruncatedError extends Env1Error {
  override name = 'TruncatedError';
  constructor(where: string) {
    super('ENV1_TRUNCATED', `the message ends inside ${where}`);
  }
}
export class MissingFinalSegmentError extends Env1Error {
  override name = 'MissingFinalSegmentError';
  constructor(after: number) {
    super('ENV1_MISSING_FINAL_SEGMENT', `the message ends after ${after} segment(s) without its final segment (truncated)`);
  }
}
export class TrailingBytesError extends Env1Error {
  override name = 'TrailingBytesError';
  constructor() {
    super('ENV1_TRAILING_BYTES', 'bytes follow the final segment');
  }
}
export class InvalidArgumentError extends Env1Error {
  override name = 'InvalidArgumentError';
  constructor(message: string) {
    super('ENV1_INVALID_ARGUMENT', message);
  }
}
