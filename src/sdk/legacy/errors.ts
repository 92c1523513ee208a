// Errors of the read-only legacy readers (Huawei Encryption SDK messages and file streams, Huawei's Go
// envelope files). One class, codes a caller can branch on; no key material or plaintext in messages.

export type LegacyErrorCode =
  | 'LEGACY_BAD_FORMAT' // malformed or cut-off input, unknown version or algorithm
  | 'LEGACY_LIMIT' // a length above the configured limit
  | 'LEGACY_NO_DATA_KEY' // the unwrapper recovered no data key
  | 'LEGACY_AUTH' // a header tag, chunk tag or message tag does not verify
  | 'LEGACY_UNAUTHENTICATED' // the input uses a mode without integrity and the caller did not opt in
  | 'LEGACY_INVALID_ARGUMENT';

export class LegacyFormatError extends Error {
  override name = 'LegacyFormatError';
  constructor(
    readonly code: LegacyErrorCode,
    message: string,
  ) {
    super(message);
  }
}
