// Request and answer bodies of the KMS API with the wire's own field names and JSON types (many numbers
// travel as strings: `datakey_length`, `key_state`, `limit`, `truncated`, ...). docs/kms-api.md documents
// every field; Huawei's SDK models have the same names, so code moves between the two unchanged.

/** Known values of an enumerated field; other strings pass through for forward compatibility. */
type Open<T extends string> = T | (string & {});

export type KeySpec = Open<
  'AES_256' | 'SM4' | 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'EC_P256' | 'EC_P384' | 'SECP256K1' | 'SM2' | 'ED25519' | 'HMAC_256' | 'HMAC_384' | 'HMAC_512' | 'HMAC_SM3'
>;
export type KeyUsage = Open<'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC'>;
export type KeyState = Open<'1' | '2' | '3' | '4' | '5' | '7'>;
export type EncryptionAlgorithm = Open<'SYMMETRIC_DEFAULT' | 'RSAES_OAEP_SHA_256' | 'RSAES_OAEP_SHA_1' | 'SM2_ENCRYPT'>;
export type SigningAlgorithm = Open<
  | 'RSASSA_PSS_SHA_256'
  | 'RSASSA_PSS_SHA_384'
  | 'RSASSA_PSS_SHA_512'
  | 'RSASSA_PKCS1_V1_5_SHA_256'
  | 'RSASSA_PKCS1_V1_5_SHA_384'
  | 'RSASSA_PKCS1_V1_5_SHA_512'
  | 'ECDSA_SHA_256'
  | 'ECDSA_SHA_384'
  | 'ECDSA_SHA_512'
  | 'SM2DSA_SM3'
  | 'ED25519_SHA_512'
  | 'ED25519_PH_SHA_512'
>;
export type MacAlgorithm = Open<'HMAC_SHA_256' | 'HMAC_SHA_384' | 'HMAC_SHA_512' | 'HMAC_SM3'>;
/** `"true"` / `"false"`: booleans that travel as strings. */
export type BoolString = Open<'true' | 'false'>;

/** Optional request serial number (1-36 of `[0-9a-zA-Z-]`): a call carrying it may be retried safely. */
export interface Sequenced {
  sequence?: string;
}

/** Body of the operations that name one key (describe-key, enable-key, get-publickey, ...). */
export interface KeyRequest extends Sequenced {
  key_id: string;
}

// Keys

export interface CreateKeyRequest extends Sequenced {
  key_alias: string;
  key_spec?: KeySpec;
  key_usage?: KeyUsage;
  key_description?: string;
  origin?: Open<'kms' | 'external'>;
  enterprise_project_id?: string;
  keystore_id?: string;
  vm_id?: string;
}
export interface CreateKeyResponse {
  key_info: { key_id: string; domain_id: string; region_id?: string };
}

export interface KeyDetails {
  key_id: string;
  domain_id: string;
  key_alias: string;
  realm: string;
  key_spec: KeySpec;
  key_usage: KeyUsage;
  key_description: string;
  /** Epoch milliseconds, as a string. */
  creation_date: string;
  scheduled_deletion_date: string;
  key_state: KeyState;
  default_key_flag: Open<'0' | '1'>;
  key_type: string;
  expiration_time: string;
  origin: Open<'kms' | 'external'>;
  key_rotation_enabled: BoolString;
  sys_enterprise_project_id: string;
  keystore_id?: string;
}
export interface DescribeKeyResponse {
  key_info: KeyDetails;
}

export interface ListKeysRequest extends Sequenced {
  limit?: string;
  marker?: string;
  key_state?: KeyState;
  key_spec?: Open<KeySpec | 'ALL'>;
  enterprise_project_id?: string;
}
export interface ListKeysResponse {
  keys: string[];
  key_details: KeyDetails[];
  next_marker: string;
  truncated: BoolString;
  total: number;
}

export interface KeyStateResponse {
  key_info: { key_id: string; key_state: KeyState };
}
/** schedule-key-deletion and cancel-key-deletion answer flat, not under `key_info`. */
export interface KeyStateFlatResponse {
  key_id: string;
  key_state: KeyState;
}
export interface ScheduleKeyDeletionRequest extends KeyRequest {
  /** "7" to "1096". */
  pending_days: string;
}
export interface UpdateKeyAliasRequest extends KeyRequest {
  key_alias: string;
}
export interface UpdateKeyAliasResponse {
  key_info: { key_id: string; key_alias: string };
}
export interface UpdateKeyDescriptionRequest extends KeyRequest {
  key_description: string;
}
export interface UpdateKeyDescriptionResponse {
  key_info: { key_id: string; key_description: string };
}

// Small data

export interface EncryptDataRequest extends Sequenced {
  key_id: string;
  /** The plaintext as a UTF-8 string, 1-4096 bytes. */
  plain_text: string;
  encryption_algorithm?: EncryptionAlgorithm;
  /** At most 128 bytes; must be repeated on decrypt. */
  additional_authenticated_data?: string;
}
export interface EncryptDataResponse {
  key_id: string;
  /** Base64. */
  cipher_text: string;
}
export interface DecryptDataRequest extends Sequenced {
  cipher_text: string;
  encryption_algorithm?: EncryptionAlgorithm;
  /** Needed for asymmetric ciphertexts only. */
  key_id?: string;
  additional_authenticated_data?: string;
}
export interface DecryptDataResponse {
  key_id: string;
  plain_text: string;
  /** Authoritative when the plaintext is not text. */
  plain_text_base64: string;
}
export interface ReEncryptRequest {
  source_key_id?: string;
  source_additional_authenticated_data?: string;
  source_encryption_algorithm?: EncryptionAlgorithm;
  destination_key_id: string;
  destination_additional_authenticated_data?: string;
  destination_encryption_algorithm?: EncryptionAlgorithm;
  datakey_cipher_length?: string;
  cipher_text: string;
}
export interface ReEncryptResponse {
  key_id: string;
  source_key_id: string;
  source_encryption_algorithm: EncryptionAlgorithm;
  destination_encryption_algorithm: EncryptionAlgorithm;
  cipher_text: string;
}

// Data keys

export interface CreateDatakeyRequest extends Sequenced {
  key_id: string;
  key_spec?: Open<'AES_256' | 'AES_128' | 'SM4' | 'HMAC_256' | 'HMAC_384' | 'HMAC_512' | 'HMAC_SM3'>;
  /** Bits, a multiple of 8 from 8 to 8192; wins over key_spec. */
  datakey_length?: string;
  additional_authenticated_data?: string;
  pin?: string;
  pin_type?: string;
}
export interface CreateDatakeyResponse {
  key_id: string;
  /** The data key, hex. */
  plain_text: string;
  /** The wrapped data key, hex. */
  cipher_text: string;
}
export interface CreateDatakeyWithoutPlaintextResponse {
  key_id: string;
  cipher_text: string;
}
export interface EncryptDatakeyRequest extends Sequenced {
  key_id: string;
  /** hex(DEK || SHA-256(DEK)), or SM3 for SM4 keys. */
  plain_text: string;
  /** Bytes of the DEK alone. */
  datakey_plain_length: string;
  additional_authenticated_data?: string;
  pin?: string;
  pin_type?: string;
  key_spec?: string;
}
export interface EncryptDatakeyResponse {
  key_id: string;
  cipher_text: string;
  /** Bytes. */
  datakey_length: string;
}
export interface DecryptDatakeyRequest extends Sequenced {
  key_id: string;
  cipher_text: string;
  /** Despite the name: the byte length of the plaintext DEK. */
  datakey_cipher_length: string;
  additional_authenticated_data?: string;
}
export interface DecryptDatakeyResponse {
  /** hex. */
  data_key: string;
  datakey_length: string;
  /** hex SHA-256 (SM3 for SM4 keys) of the DEK. */
  datakey_dgst: string;
}
export interface GenRandomRequest extends Sequenced {
  /** Bits. */
  random_data_length: string;
}
export interface GenRandomResponse {
  /** hex. */
  random_data: string;
}
export interface DatakeyPairRequest extends Sequenced {
  key_id: string;
  key_spec: KeySpec | Open<'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521' | 'ECC_SECG_P256K1'>;
  with_plain_text?: boolean;
  additional_authenticated_data?: string;
  pin?: string;
  pin_type?: string;
}
export interface DatakeyPairResponse {
  key_id: string;
  key_spec: string;
  public_key: string;
  private_key_cipher_text: string;
  private_key_plain_text?: string;
  wrapped_private_key?: string;
  ciphertext_recipient?: string;
}

// Signatures, MACs, key agreement

export interface SignRequest extends Sequenced {
  key_id: string;
  /** Base64 of the digest (DIGEST) or the message (RAW). */
  message: string;
  signing_algorithm: SigningAlgorithm;
  message_type?: Open<'DIGEST' | 'RAW'>;
}
export interface SignResponse {
  key_id: string;
  /** Base64. */
  signature: string;
}
export interface VerifyRequest extends SignRequest {
  signature: string;
}
export interface VerifyResponse {
  key_id: string;
  signature_valid: BoolString;
}
export interface PublicKeyResponse {
  key_id: string;
  /** PEM. */
  public_key: string;
}
export interface GenerateMacRequest {
  key_id: string;
  mac_algorithm: MacAlgorithm;
  /** Base64 of 1-4096 bytes. */
  message: string;
}
export interface GenerateMacResponse {
  key_id: string;
  mac_algorithm: MacAlgorithm;
  mac: string;
}
export interface VerifyMacRequest extends GenerateMacRequest {
  mac: string;
}
export interface VerifyMacResponse {
  key_id: string;
  mac_algorithm: MacAlgorithm;
  mac_valid: boolean;
}
export interface DeriveSharedSecretRequest {
  key_id: string;
  key_agreement_algorithm: Open<'ECDH'>;
  /** Base64 DER SubjectPublicKeyInfo of the peer. */
  public_key: string;
  recipient?: { attestation_document?: string; key_encryption_algorithm?: string };
}
export interface DeriveSharedSecretResponse {
  key_id: string;
  key_agreement_algorithm: string;
  shared_secret: string;
  ciphertext_recipient?: string;
}

// Rotation

export interface UpdateKeyRotationIntervalRequest extends KeyRequest {
  /** Days, 30-365 (a JSON integer). */
  rotation_interval: number;
}
export interface KeyRotationStatusResponse {
  key_rotation_enabled: boolean;
  rotation_interval: number;
  last_rotation_time: string;
  number_of_rotations: number;
  key_materials?: { material_id: string; charge_id?: string; create_time: string; expiration_time?: string; state: number }[];
}
export interface RotateOnDemandRequest {
  key_id: string;
}
export interface RotateOnDemandResponse {
  key_id: string;
}

// Grants

export interface CreateGrantRequest extends Sequenced {
  key_id: string;
  grantee_principal: string;
  operations: string[];
  name?: string;
  retiring_principal?: string;
  grantee_principal_type?: Open<'user' | 'domain'>;
}
export interface CreateGrantResponse {
  grant_id: string;
}
export interface Grant {
  key_id: string;
  grant_id: string;
  grantee_principal: string;
  grantee_principal_type: string;
  operations: string[];
  issuing_principal: string;
  creation_date: string;
  name: string;
  retiring_principal: string;
}
export interface ListGrantsRequest extends Sequenced {
  key_id: string;
  limit?: string;
  marker?: string;
}
export interface ListRetirableGrantsRequest extends Sequenced {
  limit?: string;
  marker?: string;
}
export interface ListGrantsResponse {
  grants: Grant[];
  next_marker: string;
  truncated: BoolString;
  total: number;
}
export interface RevokeGrantRequest extends Sequenced {
  key_id: string;
  grant_id: string;
}

// Import of key material

export interface GetParametersForImportRequest extends Sequenced {
  key_id: string;
  wrapping_algorithm: Open<'RSAES_OAEP_SHA_256' | 'RSAES_OAEP_SHA_1' | 'SM2_ENCRYPT'>;
}
export interface GetParametersForImportResponse {
  key_id: string;
  import_token: string;
  /** Epoch seconds (a JSON integer). */
  expiration_time: number;
  /** Base64 DER. */
  public_key: string;
}
export interface ImportKeyMaterialRequest extends Sequenced {
  key_id: string;
  import_token: string;
  encrypted_key_material: string;
  encrypted_privatekey?: string;
  expiration_time?: number;
}

// Tags

export interface TagItem {
  key: string;
  value?: string;
}
export interface TagFilter {
  key: string;
  values: string[];
}
export interface CreateKmsTagRequest extends Sequenced {
  tag: TagItem;
}
export interface BatchKmsTagsRequest extends Sequenced {
  tags: TagItem[];
  action: Open<'create' | 'delete'>;
}
export interface ShowKmsTagsResponse {
  tags: TagItem[];
  existTagsNum: number;
}
export interface ListKmsTagsResponse {
  tags: TagFilter[];
}
export interface ListKmsByTagsRequest extends Sequenced {
  limit?: string;
  offset?: string;
  action: Open<'filter' | 'count'>;
  tags?: TagFilter[];
  matches?: TagItem[];
}
export interface ListKmsByTagsResponse {
  resources?: { resource_id: string; resource_detail: KeyDetails; resource_name: string; tags: TagItem[] }[];
  total_count: number;
}

// Aliases

export interface AliasEntity {
  domain_id: string;
  key_id: string;
  alias: string;
  alias_urn: string;
  create_time: string;
  update_time: string;
}
export interface CreateAliasRequest {
  key_id: string;
  alias: string;
}
export interface DeleteAliasRequest {
  key_id: string;
  aliases: string[];
}
export interface ListAliasesQuery {
  key_id?: string;
  limit?: string;
  marker?: string;
}
/** The wire answer is a JSON array holding one page. */
export type ListAliasesResponse = { aliases: AliasEntity[]; page_info: { next_marker: string; current_count: number } }[];
export interface AssociateAliasRequest {
  alias: string;
  target_key_id: string;
}

// Quotas, instances, versions, regions, key stores

export interface UserQuotasResponse {
  quotas: { resources: { type: Open<'CMK' | 'grant_per_CMK'>; used: number; quota: number }[] };
}
export interface UserInstancesResponse {
  instance_num: number;
}
export interface ApiVersionDetail {
  id: string;
  links: { href: string; rel: string }[];
  version: string;
  status: Open<'CURRENT' | 'SUPPORTED' | 'DEPRECATED'>;
  updated: string;
  min_version: string;
}
export interface ShowVersionsResponse {
  versions: ApiVersionDetail[];
}
export interface ShowVersionResponse {
  version: ApiVersionDetail;
}
export interface ListRegionsResponse {
  regions: string[];
}
export interface KeystoreDetails {
  keystore_id: string;
  domain_id: string;
  keystore_alias: string;
  keystore_type: string;
  hsm_cluster_id?: string;
  cluster_id?: string;
  create_time: string;
}
export interface ListKeyStoresResponse {
  total: number;
  keystores: KeystoreDetails[];
}

// PINs, key policies, access points, data key capsules (newer SDKs; see docs/kms-api.md for what edgekms does with them)

export interface CreatePinRequest {
  pin_type?: Open<'CipherText' | 'PlainText'>;
  keystore_id?: string;
}
export interface CreatePinResponse {
  pin: string;
}
export interface KeyPolicyDocument {
  version: string;
  validity_period?: { start_time?: string; end_time?: string };
  allowed_access_point?: string[];
  allowed_data_security_zone?: string[];
}
export interface CreateKeyPolicyRequest {
  keyspace_id: string;
  policy_name: string;
  /** The policy document as a JSON string. */
  policy: string;
  description?: string;
}
export interface CreateKeyPolicyResponse {
  policy_id: string;
}
export interface KeyPolicy {
  policy_id: string;
  policy_name: string;
  keyspace_id: string;
  policy: KeyPolicyDocument;
  description?: string;
  created_by: string;
  create_time: string;
  last_modify_time: string;
  last_access_time: string;
}
export interface PageQuery {
  keyspace_id: string;
  limit?: string;
  marker?: string;
}
export interface PageInfo {
  next_marker: string;
  current_count: number;
}
export interface ListKeyPolicyResponse {
  page_info: PageInfo;
  keyspace_policies: KeyPolicy[];
}
export interface UpdateKeyPolicyRequest {
  policy: string;
  description?: string;
}
export interface UpdateKeyPolicyResponse {
  policy_id: string;
  policy: KeyPolicyDocument;
  description?: string;
  last_modify_time: string;
}
export interface CreateAccessPointRequest {
  keyspace_id: string;
  access_point_name: string;
  /** A JSON integer. */
  type: number;
  identity?: string;
  cluster_id?: string;
  description?: string;
}
export interface CreateAccessPointResponse {
  access_point_id: string;
}
export interface AccessPoint {
  access_point_id: string;
  keyspace_id: string;
  access_point_name: string;
  state: number;
  type: number;
  created_by: string;
  create_time: string;
  lsat_modify_time: string;
}
export interface ListAccessPointResponse {
  page_info: PageInfo;
  access_points: AccessPoint[];
}
export interface AccessPointPrivateKeyResponse {
  access_point_id: string;
  private_key: string;
}
export interface CreateDatakeyCapsuleRequest {
  key_id: string;
  datakey_length: string;
  public_key?: string;
  policy_id?: string;
  key_policy?: string;
}
export interface CreateDatakeyCapsuleResponse {
  key_id: string;
  datakey: string;
  datakey_cipher: string;
  datakey_capsule: string;
}
export interface DecryptDatakeyCapsuleRequest {
  key_id: string;
  public_key?: string;
  datakey_capsule: string;
  attestation_document: { ecs_signature?: string; custom_signature?: string; custom_public_key?: string; expire_time?: string; service_token?: string };
}
export interface DecryptDatakeyCapsuleResponse {
  key_id: string;
  instance_id: string;
  datakey: string;
  datakey_cipher: string;
}

// Key stores and multi-region keys

export interface CreateKeyStoreRequest {
  keystore_alias: string;
  hsm_cluster_id?: string;
  hsm_ca_cert?: string;
  cluster_id?: string;
  keystore_type?: Open<'DEFAULT' | 'DHSM' | 'CDMS'>;
}
export interface CreateKeyStoreResponse {
  keystore: { keystore_id: string; domain_id: string };
}
export interface ShowKeyStoreResponse {
  keystore: KeystoreDetails;
}
export interface KeyStoreStateResponse {
  keystore: { keystore_id: string; keystore_state: string };
}
export interface ReplicateKeyRequest {
  key_id: string;
  replica_region: string;
  key_alias: string;
  key_description?: string;
  enterprise_project_id?: string;
  replica_project_id: string;
  tags?: TagItem[];
}
export interface ReplicateKeyResponse {
  key_id: string;
  domain_id: string;
  region: string;
}
export interface UpdatePrimaryRegionRequest {
  key_id: string;
  primary_region: string;
}
export interface UpdatePrimaryRegionResponse {
  key_id: string;
  primary_region: string;
}
