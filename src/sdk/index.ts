// The edgekms SDK: what `import … from 'edgekms'` gives, the same in Node, Deno, Workers and browsers
// (fetch, WebCrypto, WHATWG streams and the WASM core only). docs/sdk.md has a runnable example per
// keyring; docs/FORMAT.md specifies the ENV1 message format. Node stream and file adapters are in
// src/runtime/sdk-node.ts, outside this portable barrel.

// ---- Clients: signing, credentials, retry ----

/** The signed HTTP client every edgekms client uses (SDK-HMAC-SHA256, credential providers, retry). */
export { SignedClient, type ClientOptions, type RequestOptions } from './client.ts';
/** A typed client of the KMS API: one method per operation, wire field names. */
export { KmsClient, type CallOptions } from './kms/client.ts';
/** Where each KMS operation lives and whether repeating it is harmless (what the retry policy reads). */
export { KMS_OPERATIONS, type OperationName, type OperationSpec } from './kms/operations.ts';
/** Request and answer bodies of the KMS API. */
export type * from './kms/types.ts';
/** An error answer of the API (`code`, `message`, HTTP `status`, `requestId`, `attempts`). */
export { ApiError } from './errors.ts';
/** No answer: connection refused, reset, DNS (`unsent` says the request certainly never left). */
export { NetworkError } from './errors.ts';
/** An attempt got no complete answer within its per-attempt timeout. */
export { RequestTimeoutError } from './errors.ts';
/** An answer too large to read (retrying would not help). */
export { BadResponseError } from './errors.ts';
/** Fixed AK/SK (and optional security token) credentials. */
export { staticCredentials } from './credentials.ts';
/** Credentials from HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK (and EDGEKMS_ENDPOINT, HUAWEICLOUD_SDK_PROJECT_ID). */
export { fromEnv, type CredentialEnv, type EnvSettings } from './credentials.ts';
/** Temporary credentials with a security token, refreshed before they expire. */
export { RefreshingCredentials, type RefreshOptions, type TemporaryCredentials } from './credentials.ts';
/** Temporary credentials of a workload, from its role's workload token (edgekms's token API). */
export { workloadIssuer, issueWorkloadCredential, type WorkloadIssuerOptions, type IssuedCredential } from './workload.ts';
/** What a credential provider supplies and how it is asked. */
export type { CredentialProvider, Credentials } from './credentials.ts';
/** The retry policy: full-jitter backoff on 429/5xx/network errors, Retry-After, per-attempt and total bounds. */
export { retryPolicy, withRetry, backoffMs, parseRetryAfter, RETRYABLE_STATUSES, MAX_ATTEMPTS, type RetryOptions, type RetryPolicy, type RetryEvent } from './retry.ts';

// ---- ENV1 messages: streams and one-shot helpers ----

/** ENV1 encryption from a ReadableStream to a ReadableStream, with bounded memory and backpressure. */
export { encryptStream } from './stream/encrypt-stream.ts';
/** ENV1 decryption; each segment is released only after its tag verifies. */
export { decryptStream } from './stream/decrypt-stream.ts';
/** One-shot ENV1 encryption and decryption of buffers, and the stream helpers they use. */
export { encrypt, decrypt, streamOf, collect, type EncryptResult, type DecryptResult } from './stream/one-shot.ts';
/** Options of the ENV1 entry points and what a caller learns about a message. */
export type { EncryptOptions, DecryptOptions, KeySource, MessageInfo } from './stream/options.ts';
/** The algorithm suites: AES-256-GCM with HKDF-SHA-512 (default) and SM4-GCM with HKDF over HMAC-SM3. */
export { AES256_GCM_HKDF_SHA512, SM4_GCM_HKDF_SM3, DEFAULT_SUITE, suiteById, type AlgorithmSuite, type SuiteId } from './format/suites.ts';
/** The encryption context and its canonical encoding. */
export { encodeContext, decodeContext, type EncryptionContext } from './format/context.ts';
/** Header limits enforced on decrypt (header size, encrypted data keys, segment size). */
export { DEFAULT_LIMITS, type HeaderLimits } from './format/header.ts';
/** ENV1 errors: each failure has its own class and a stable `code`. */
export {
  Env1Error,
  HeaderFormatError,
  UnsupportedSuiteError,
  LimitExceededError,
  NoDataKeyError,
  CommitmentMismatchError,
  HeaderAuthError,
  ContextMismatchError,
  SegmentFormatError,
  SegmentAuthError,
  SegmentReorderedError,
  SegmentDuplicatedError,
  TruncatedError,
  MissingFinalSegmentError,
  TrailingBytesError,
  InvalidArgumentError,
  type Env1ErrorCode,
} from './format/errors.ts';
/** Loads the WASM core (needed by the SM suite and SM keyrings): bytes in Node/Deno/browsers, a Module in Workers. */
export { initWasm, isWasmReady, type WasmSource } from '../crypto/wasm/core.ts';

// ---- Keyrings and materials managers ----

/** The keyring and materials-manager contracts, for writing your own. */
export type {
  Keyring,
  MaterialsManager,
  EncryptionMaterials,
  DecryptionMaterials,
  EncryptionRequest,
  DecryptionRequest,
  EncryptedDataKey,
  KeyringTraceEntry,
} from './materials/types.ts';
/** The plain materials manager (one keyring, a fresh data key per message) and the materials builders. */
export { KeyringMaterialsManager, newEncryptionMaterials, newDecryptionMaterials, withGeneratedDataKey, withEncryptedDataKey, withDecryptedDataKey } from './materials/materials.ts';
/** KMS keyring: data keys generated and wrapped by a CMK (edgekms or Huawei Cloud KMS). */
export { KmsKeyring, kmsContextAad, type KmsKeyringOptions } from './keyrings/kms.ts';
/** Multi-region keyring: one data key wrapped in several regions; fails closed unless partial wrapping is allowed. */
export { MultiRegionKeyring, MultiRegionWrapError, type MultiRegionKeyringOptions, type RegionKey, type WrapReport } from './keyrings/multi-region.ts';
/** Discovery keyring (decrypt only), limited to allow-listed projects and regions and the caller's own clients. */
export { KmsDiscoveryKeyring, type KmsDiscoveryKeyringOptions } from './keyrings/kms-discovery.ts';
/** How KMS keyrings name keys in messages: provider id `huawei-kms`, provider info `kms:<region>:<project>:key:<id>`. */
export { KMS_PROVIDER_ID, formatKeyUrn, parseKeyUrn, type KmsKeyUrn } from './keyrings/kms-key-urn.ts';
/** Bucket keys: one KMS-wrapped key per bucket and period, per-object data keys derived locally. */
export { BucketKeyKeyring, BUCKET_KEY_PROVIDER_ID, type BucketKeyKeyringOptions } from './keyrings/bucket-key.ts';
/** Raw AES keyring: the data key sealed with AES-GCM under an application-held key. */
export { RawAesKeyring, type RawAesKeyringOptions } from './keyrings/raw-aes.ts';
/** Raw RSA keyring: RSA-OAEP with SHA-256 and MGF1-SHA-256. */
export { RawRsaKeyring, type RawRsaKeyringOptions } from './keyrings/raw-rsa.ts';
/** Raw SM2 keyring: SM2 public-key encryption (WASM core). */
export { RawSm2Keyring, type RawSm2KeyringOptions } from './keyrings/raw-sm2.ts';
/** A fresh SM2 key pair (private scalar, uncompressed public point) for the raw SM2 keyring. */
export { sm2GenerateKeyPair, type Sm2KeyPair } from '../crypto/sm2.ts';
/** Caching materials manager: data keys reused across messages within max age, messages, bytes and partition. */
export { CachingMaterialsManager, MaterialsCache, MAX_MESSAGES_PER_KEY, type CachingMaterialsManagerOptions } from './caching/caching-manager.ts';

// ---- File integrity ----

/** Sign and verify a stream's digest through the KMS (the private key never leaves it). */
export { signStream, verifyStream, streamDigest, type StreamSignature, type StreamSignatureTarget } from './integrity.ts';

// ---- Reading other formats (read-only) ----

/** Huawei Encryption SDK (Java) messages and file streams; its stream format has no truncation protection. */
export { decryptHuaweiMessage, decryptHuaweiStream, parseHuaweiHeader, huaweiLocalAesUnwrapper, HUAWEI_ALGORITHMS, type HuaweiHeader, type HuaweiMessage, type HuaweiReadOptions, type HuaweiDataKeyUnwrapper } from './legacy/huawei-java.ts';
/** Opens the Java SDK's KMS-wrapped data keys with decrypt-datakey, under the caller's client and allow-listed CMKs only. */
export { huaweiKmsUnwrapper, type HuaweiKmsUnwrapOptions } from './legacy/huawei-kms-unwrap.ts';
/** Huawei's Go envelope layout: one AES-256-GCM message; plaintext held until the final tag unless opted in. */
export { decryptGoEnvelopeStream, type GoEnvelopeOptions } from './legacy/go-envelope.ts';
/** Errors of the other formats. */
export { LegacyFormatError, type LegacyErrorCode } from './legacy/errors.ts';

// ---- Secrets (CSMS) ----

/** The secrets SDK: typed CSMS client, caching reader for applications, Flink-style field resolution. */
export { SecretsClient, type Transport, CachingSecretReader, StaleSecretError, type CachingReaderOptions, type VersionSource, FieldResolutionError, fieldList, resolveFields, resolveSecretFields } from './secrets/index.ts';
/** CSMS request and answer bodies, as `Csms.Secret`, `Csms.Version`, ... (their names overlap the KMS ones). */
export type * as Csms from './secrets/types.ts';
