// The WASM-backed primitives in one import, for the KMS, SDK and entry points (details: wasm/README.md).
//
//   await initWasm(moduleOrBytes)            once per runtime (Workers: the imported .wasm module;
//                                            Node: loadWasmNode() from src/runtime/wasm-node.ts)
//   aesGcmEncryptor(key, iv, aad?)           { update(chunk) -> ct, final() -> tag, free() }
//   aesGcmDecryptor(key, iv, aad?, opts?)    { update(chunk) -> unverified pt, final(tag) throws, free() }
//   aesGcmEncrypt / aesGcmDecrypt            one-shot, ciphertext ‖ tag (WebCrypto's layout)
//   sm4GcmEncrypt / sm4GcmDecrypt / sm4GcmEncryptor / sm4GcmDecryptor
//   sm4CbcEncrypt / sm4CbcDecrypt / sm4EcbEncrypt / sm4EcbDecrypt   need { unauthenticated: true }
//   sm3(...parts) / createSm3() / hmacSm3(key, data) / createHmacSm3(key)
//   sm2GenerateKeyPair / sm2Sign / sm2Verify / sm2Encrypt / sm2Decrypt (C1C3C2) / sm2Za /
//   sm2MessageDigest / sm2PublicKeyFromPrivate / sm2NormalizePublicKey / sm2CompressPublicKey /
//   sm2SignatureToDer / sm2SignatureFromDer, also as the `sm2` object
//
// Every failure is a WasmCryptoError with a `code` (see errors.ts).

export { initWasm, isWasmReady, type WasmSource } from './core.ts';
export { WasmCryptoError, type WasmCryptoErrorCode } from './errors.ts';
export type { GcmDecryptOptions, GcmDecryptor, GcmEncryptor } from './gcm.ts';
export { aesGcmDecrypt, aesGcmDecryptor, aesGcmEncrypt, aesGcmEncryptor } from '../aes-gcm-stream.ts';
export {
  SM4_BLOCK_BYTES,
  SM4_KEY_BYTES,
  sm4CbcDecrypt,
  sm4CbcEncrypt,
  sm4EcbDecrypt,
  sm4EcbEncrypt,
  sm4GcmDecrypt,
  sm4GcmDecryptor,
  sm4GcmEncrypt,
  sm4GcmEncryptor,
  type Sm4UnauthenticatedOptions,
} from '../sm4.ts';
export { SM3_BLOCK_BYTES, SM3_DIGEST_BYTES, createHmacSm3, createSm3, hmacSm3, sm3, type Sm3Hasher } from '../sm3.ts';
export {
  SM2_CIPHERTEXT_OVERHEAD,
  SM2_DEFAULT_USER_ID,
  SM2_PRIVATE_KEY_BYTES,
  SM2_PUBLIC_KEY_BYTES,
  SM2_SIGNATURE_RAW_BYTES,
  sm2,
  sm2CheckPrivateKey,
  sm2CompressPublicKey,
  sm2Decrypt,
  sm2Encrypt,
  sm2GenerateKeyPair,
  sm2MessageDigest,
  sm2NormalizePublicKey,
  sm2PublicKeyFromPrivate,
  sm2Sign,
  sm2SignatureFromDer,
  sm2SignatureToDer,
  sm2Verify,
  sm2Za,
  type Sm2KeyPair,
  type Sm2SignOptions,
  type Sm2SignatureFormat,
  type Sm2VerifyOptions,
} from '../sm2.ts';
