// One error type for the WASM-backed primitives (AES-GCM streams, SM2/SM3/SM4), with a machine-readable
// code the KMS maps to its wire errors. Messages never contain key material, plaintext or tags.
//
// Authentication and decryption failures use one code each whatever the cause (wrong key, wrong tag,
// tampered ciphertext, bad padding): telling them apart would help an attacker, not a caller.

export type WasmCryptoErrorCode =
  | 'NOT_INITIALISED' // initWasm() has not completed in this runtime
  | 'INVALID_ARGUMENT' // wrong type, bad option, empty input where data is required
  | 'INVALID_KEY_SIZE'
  | 'INVALID_IV_SIZE'
  | 'INVALID_TAG_SIZE'
  | 'INVALID_LENGTH' // ECB/CBC data not a whole number of blocks
  | 'INPUT_TOO_LONG' // over a limit of the algorithm (GCM 2^36 - 32 bytes, SM3 2^61 - 1 bytes, SM2 user ID)
  | 'INVALID_STATE' // e.g. update() after final()
  | 'USE_AFTER_FREE' // a context used after free()
  | 'AUTH_FAILED' // GCM tag mismatch
  | 'DECRYPT_FAILED' // SM2 decryption or CBC/ECB unpadding failed (one code on purpose)
  | 'INVALID_KEY' // SM2 key bytes out of range or not on the curve
  | 'OUT_OF_MEMORY'
  | 'INTERNAL'; // the module returned something this glue does not expect

export class WasmCryptoError extends Error {
  override readonly name = 'WasmCryptoError';
  constructor(
    readonly code: WasmCryptoErrorCode,
    message: string,
  ) {
    super(message);
  }
}
