// One error type for the asymmetric crypto layer, with a machine-readable code the KMS maps to its
// wire errors (KMS.xxxx). Messages never contain key material or plaintext.
//
// Decryption failures are deliberately reported with a single code and message whatever went wrong
// (RSA-OAEP padding, wrong key, wrong hash): distinguishing them would hand a caller a padding oracle.

export type AsymErrorCode =
  | 'INVALID_ARGUMENT' // malformed input: wrong type, bad enum value
  | 'UNSUPPORTED' // algorithm / key spec / message type not supported or not allowed for this key
  | 'INVALID_KEY' // key bytes do not parse, do not match the spec, or fail consistency checks
  | 'INVALID_DIGEST_LENGTH' // DIGEST message whose length is not the algorithm's hash length
  | 'MESSAGE_TOO_LONG' // RAW message or OAEP plaintext over the limit
  | 'INVALID_SIGNATURE_SIZE' // signature length outside what this key can produce
  | 'INVALID_CIPHERTEXT_SIZE' // RSA ciphertext length differs from the modulus length
  | 'DECRYPT_FAILED' // any decryption failure (one code on purpose, see above)
  | 'INTERNAL'; // self-check failed (fault countermeasure) or the runtime misbehaved

export class AsymCryptoError extends Error {
  override readonly name = 'AsymCryptoError';
  constructor(
    readonly code: AsymErrorCode,
    message: string,
  ) {
    super(message);
  }
}
