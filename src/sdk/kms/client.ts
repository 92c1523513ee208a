// A typed client of the KMS API: one method per operation, bodies and answers with the wire's field names
// (./types.ts). It talks to edgekms and to Huawei Cloud's KMS alike, over SignedClient (signing,
// credential providers, retry). Errors are ApiError (code, message, HTTP status, request id),
// NetworkError or RequestTimeoutError.
import { SignedClient, type ClientOptions, type RequestOptions } from '../client.ts';
import { KMS_OPERATIONS, operationPath, type OperationName } from './operations.ts';
import type * as T from './types.ts';

/** Per-call options: abort the call (and its retries). */
export type CallOptions = Pick<RequestOptions, 'signal'>;

export class KmsClient {
  /** The signed HTTP client underneath (shared with other clients if it was passed in). */
  readonly http: SignedClient;

  constructor(http: SignedClient | ClientOptions) {
    this.http = http instanceof SignedClient ? http : new SignedClient(http);
  }

  get projectId(): string {
    return this.http.projectId;
  }

  get endpoint(): string {
    return this.http.endpoint;
  }

  /** Calls any operation by name; the typed methods below are shorthands of this. */
  call<R = unknown>(name: OperationName, body?: unknown, options: CallOptions & { params?: Record<string, string>; query?: Record<string, string> } = {}): Promise<R> {
    const spec = KMS_OPERATIONS[name];
    return this.http.request<R>(spec.method, operationPath(name, options.params), body, options.query, { idempotent: spec.idempotent, signal: options.signal });
  }

  // Keys (Huawei SDK names in brackets where they differ)

  createKey(body: T.CreateKeyRequest, o?: CallOptions): Promise<T.CreateKeyResponse> {
    return this.call('create-key', body, o);
  }
  /** [ListKeyDetail] */
  describeKey(body: T.KeyRequest, o?: CallOptions): Promise<T.DescribeKeyResponse> {
    return this.call('describe-key', body, o);
  }
  listKeys(body: T.ListKeysRequest = {}, o?: CallOptions): Promise<T.ListKeysResponse> {
    return this.call('list-keys', body, o);
  }
  enableKey(body: T.KeyRequest, o?: CallOptions): Promise<T.KeyStateResponse> {
    return this.call('enable-key', body, o);
  }
  disableKey(body: T.KeyRequest, o?: CallOptions): Promise<T.KeyStateResponse> {
    return this.call('disable-key', body, o);
  }
  /** [DeleteKey] */
  scheduleKeyDeletion(body: T.ScheduleKeyDeletionRequest, o?: CallOptions): Promise<T.KeyStateFlatResponse> {
    return this.call('schedule-key-deletion', body, o);
  }
  cancelKeyDeletion(body: T.KeyRequest, o?: CallOptions): Promise<T.KeyStateFlatResponse> {
    return this.call('cancel-key-deletion', body, o);
  }
  updateKeyAlias(body: T.UpdateKeyAliasRequest, o?: CallOptions): Promise<T.UpdateKeyAliasResponse> {
    return this.call('update-key-alias', body, o);
  }
  updateKeyDescription(body: T.UpdateKeyDescriptionRequest, o?: CallOptions): Promise<T.UpdateKeyDescriptionResponse> {
    return this.call('update-key-description', body, o);
  }

  // Small data

  encryptData(body: T.EncryptDataRequest, o?: CallOptions): Promise<T.EncryptDataResponse> {
    return this.call('encrypt-data', body, o);
  }
  decryptData(body: T.DecryptDataRequest, o?: CallOptions): Promise<T.DecryptDataResponse> {
    return this.call('decrypt-data', body, o);
  }
  reEncrypt(body: T.ReEncryptRequest, o?: CallOptions): Promise<T.ReEncryptResponse> {
    return this.call('re-encrypt', body, o);
  }

  // Data keys

  createDatakey(body: T.CreateDatakeyRequest, o?: CallOptions): Promise<T.CreateDatakeyResponse> {
    return this.call('create-datakey', body, o);
  }
  createDatakeyWithoutPlaintext(body: T.CreateDatakeyRequest, o?: CallOptions): Promise<T.CreateDatakeyWithoutPlaintextResponse> {
    return this.call('create-datakey-without-plaintext', body, o);
  }
  encryptDatakey(body: T.EncryptDatakeyRequest, o?: CallOptions): Promise<T.EncryptDatakeyResponse> {
    return this.call('encrypt-datakey', body, o);
  }
  decryptDatakey(body: T.DecryptDatakeyRequest, o?: CallOptions): Promise<T.DecryptDatakeyResponse> {
    return this.call('decrypt-datakey', body, o);
  }
  /** [CreateRandom] */
  genRandom(body: T.GenRandomRequest, o?: CallOptions): Promise<T.GenRandomResponse> {
    return this.call('gen-random', body, o);
  }
  createRsaDatakeyPair(body: T.DatakeyPairRequest, o?: CallOptions): Promise<T.DatakeyPairResponse> {
    return this.call('create-rsa-datakey-pair', body, o);
  }
  createEcDatakeyPair(body: T.DatakeyPairRequest, o?: CallOptions): Promise<T.DatakeyPairResponse> {
    return this.call('create-ec-datakey-pair', body, o);
  }

  // Signatures, MACs, key agreement

  sign(body: T.SignRequest, o?: CallOptions): Promise<T.SignResponse> {
    return this.call('sign', body, o);
  }
  /** [ValidateSignature] */
  verify(body: T.VerifyRequest, o?: CallOptions): Promise<T.VerifyResponse> {
    return this.call('verify', body, o);
  }
  /** [ShowPublicKey] */
  getPublicKey(body: T.KeyRequest, o?: CallOptions): Promise<T.PublicKeyResponse> {
    return this.call('get-publickey', body, o);
  }
  generateMac(body: T.GenerateMacRequest, o?: CallOptions): Promise<T.GenerateMacResponse> {
    return this.call('generate-mac', body, o);
  }
  verifyMac(body: T.VerifyMacRequest, o?: CallOptions): Promise<T.VerifyMacResponse> {
    return this.call('verify-mac', body, o);
  }
  deriveSharedSecret(body: T.DeriveSharedSecretRequest, o?: CallOptions): Promise<T.DeriveSharedSecretResponse> {
    return this.call('derive-shared-secret', body, o);
  }

  // Rotation

  enableKeyRotation(body: T.KeyRequest, o?: CallOptions): Promise<void> {
    return this.call('enable-key-rotation', body, o);
  }
  disableKeyRotation(body: T.KeyRequest, o?: CallOptions): Promise<void> {
    return this.call('disable-key-rotation', body, o);
  }
  updateKeyRotationInterval(body: T.UpdateKeyRotationIntervalRequest, o?: CallOptions): Promise<void> {
    return this.call('update-key-rotation-interval', body, o);
  }
  /** [ShowKeyRotationStatus] */
  getKeyRotationStatus(body: T.KeyRequest, o?: CallOptions): Promise<T.KeyRotationStatusResponse> {
    return this.call('get-key-rotation-status', body, o);
  }
  rotateOnDemand(body: T.RotateOnDemandRequest, o?: CallOptions): Promise<T.RotateOnDemandResponse> {
    return this.call('rotate-on-demand', body, o);
  }

  // Grants

  createGrant(body: T.CreateGrantRequest, o?: CallOptions): Promise<T.CreateGrantResponse> {
    return this.call('create-grant', body, o);
  }
  listGrants(body: T.ListGrantsRequest, o?: CallOptions): Promise<T.ListGrantsResponse> {
    return this.call('list-grants', body, o);
  }
  listRetirableGrants(body: T.ListRetirableGrantsRequest = {}, o?: CallOptions): Promise<T.ListGrantsResponse> {
    return this.call('list-retirable-grants', body, o);
  }
  /** [CancelGrant] */
  revokeGrant(body: T.RevokeGrantRequest, o?: CallOptions): Promise<void> {
    return this.call('revoke-grant', body, o);
  }
  /** [CancelSelfGrant] */
  retireGrant(body: T.RevokeGrantRequest, o?: CallOptions): Promise<void> {
    return this.call('retire-grant', body, o);
  }

  // Import of key material

  /** [CreateParametersForImport] */
  getParametersForImport(body: T.GetParametersForImportRequest, o?: CallOptions): Promise<T.GetParametersForImportResponse> {
    return this.call('get-parameters-for-import', body, o);
  }
  importKeyMaterial(body: T.ImportKeyMaterialRequest, o?: CallOptions): Promise<void> {
    return this.call('import-key-material', body, o);
  }
  deleteImportedKeyMaterial(body: T.KeyRequest, o?: CallOptions): Promise<void> {
    return this.call('delete-imported-key-material', body, o);
  }
  createPin(body: T.CreatePinRequest = {}, o?: CallOptions): Promise<T.CreatePinResponse> {
    return this.call('create-pin', body, o);
  }

  // Key policies, access points, data key capsules

  createKeyPolicy(body: T.CreateKeyPolicyRequest, o?: CallOptions): Promise<T.CreateKeyPolicyResponse> {
    return this.call('create-key-policy', body, o);
  }
  listKeyPolicy(query: T.PageQuery, o?: CallOptions): Promise<T.ListKeyPolicyResponse> {
    return this.call('list-key-policy', undefined, { ...o, query: definedOnly(query) });
  }
  showKeyPolicy(policyId: string, o?: CallOptions): Promise<T.KeyPolicy> {
    return this.call('show-key-policy', undefined, { ...o, params: { policy_id: policyId } });
  }
  updateKeyPolicy(policyId: string, body: T.UpdateKeyPolicyRequest, o?: CallOptions): Promise<T.UpdateKeyPolicyResponse> {
    return this.call('update-key-policy', body, { ...o, params: { policy_id: policyId } });
  }
  deleteKeyPolicy(policyId: string, o?: CallOptions): Promise<void> {
    return this.call('delete-key-policy', undefined, { ...o, params: { policy_id: policyId } });
  }
  createAccessPoint(body: T.CreateAccessPointRequest, o?: CallOptions): Promise<T.CreateAccessPointResponse> {
    return this.call('create-access-point', body, o);
  }
  listAccessPoint(query: T.PageQuery, o?: CallOptions): Promise<T.ListAccessPointResponse> {
    return this.call('list-access-point', undefined, { ...o, query: definedOnly(query) });
  }
  deleteAccessPoint(accessPointId: string, o?: CallOptions): Promise<void> {
    return this.call('delete-access-point', undefined, { ...o, params: { access_point_id: accessPointId } });
  }
  enableAccessPoint(accessPointId: string, o?: CallOptions): Promise<void> {
    return this.call('enable-access-point', undefined, { ...o, params: { access_point_id: accessPointId } });
  }
  disableAccessPoint(accessPointId: string, o?: CallOptions): Promise<void> {
    return this.call('disable-access-point', undefined, { ...o, params: { access_point_id: accessPointId } });
  }
  downloadAccessPointPrivateKey(accessPointId: string, o?: CallOptions): Promise<T.AccessPointPrivateKeyResponse> {
    return this.call('download-access-point-private-key', undefined, { ...o, params: { access_point_id: accessPointId } });
  }
  createDatakeyCapsule(body: T.CreateDatakeyCapsuleRequest, o?: CallOptions): Promise<T.CreateDatakeyCapsuleResponse> {
    return this.call('create-datakey-capsule', body, o);
  }
  decryptDatakeyCapsule(body: T.DecryptDatakeyCapsuleRequest, o?: CallOptions): Promise<T.DecryptDatakeyCapsuleResponse> {
    return this.call('decrypt-datakey-capsule', body, o);
  }

  // Tags

  createKmsTag(keyId: string, body: T.CreateKmsTagRequest, o?: CallOptions): Promise<void> {
    return this.call('create-kms-tag', body, { ...o, params: { key_id: keyId } });
  }
  batchCreateKmsTags(keyId: string, body: T.BatchKmsTagsRequest, o?: CallOptions): Promise<void> {
    return this.call('batch-create-kms-tags', body, { ...o, params: { key_id: keyId } });
  }
  deleteTag(keyId: string, tagKey: string, o?: CallOptions): Promise<void> {
    return this.call('delete-tag', undefined, { ...o, params: { key_id: keyId, key: tagKey } });
  }
  showKmsTags(keyId: string, o?: CallOptions): Promise<T.ShowKmsTagsResponse> {
    return this.call('show-kms-tags', undefined, { ...o, params: { key_id: keyId } });
  }
  /** Every tag key of the project with its values. */
  listKmsTags(o?: CallOptions): Promise<T.ListKmsTagsResponse> {
    return this.call('list-kms-tags', undefined, o);
  }
  listKmsByTags(body: T.ListKmsByTagsRequest, o?: CallOptions): Promise<T.ListKmsByTagsResponse> {
    return this.call('list-kms-by-tags', body, o);
  }

  // Aliases

  createAlias(body: T.CreateAliasRequest, o?: CallOptions): Promise<T.AliasEntity> {
    return this.call('create-alias', body, o);
  }
  deleteAlias(body: T.DeleteAliasRequest, o?: CallOptions): Promise<void> {
    return this.call('delete-alias', body, o);
  }
  listAliases(query: T.ListAliasesQuery = {}, o?: CallOptions): Promise<T.ListAliasesResponse> {
    return this.call('list-aliases', undefined, { ...o, query: definedOnly(query) });
  }
  associateAlias(body: T.AssociateAliasRequest, o?: CallOptions): Promise<T.AliasEntity> {
    return this.call('associate-alias', body, o);
  }

  // Quotas, instances, key stores, regions, versions

  showUserQuotas(o?: CallOptions): Promise<T.UserQuotasResponse> {
    return this.call('show-user-quotas', undefined, o);
  }
  showUserInstances(o?: CallOptions): Promise<T.UserInstancesResponse> {
    return this.call('show-user-instances', undefined, o);
  }
  createKeyStore(body: T.CreateKeyStoreRequest, o?: CallOptions): Promise<T.CreateKeyStoreResponse> {
    return this.call('create-key-store', body, o);
  }
  listKeyStores(query: { limit?: number; offset?: number } = {}, o?: CallOptions): Promise<T.ListKeyStoresResponse> {
    return this.call('list-key-stores', undefined, { ...o, query: definedOnly(query) });
  }
  showKeyStore(keystoreId: string, o?: CallOptions): Promise<T.ShowKeyStoreResponse> {
    return this.call('show-key-store', undefined, { ...o, params: { keystore_id: keystoreId } });
  }
  enableKeyStore(keystoreId: string, o?: CallOptions): Promise<T.KeyStoreStateResponse> {
    return this.call('enable-key-store', undefined, { ...o, params: { keystore_id: keystoreId } });
  }
  disableKeyStore(keystoreId: string, o?: CallOptions): Promise<T.KeyStoreStateResponse> {
    return this.call('disable-key-store', undefined, { ...o, params: { keystore_id: keystoreId } });
  }
  deleteKeyStore(keystoreId: string, o?: CallOptions): Promise<void> {
    return this.call('delete-key-store', undefined, { ...o, params: { keystore_id: keystoreId } });
  }
  listSupportRegions(query: { limit?: number; offset?: number } = {}, o?: CallOptions): Promise<T.ListRegionsResponse> {
    return this.call('list-support-regions', undefined, { ...o, query: definedOnly(query) });
  }
  replicateKey(body: T.ReplicateKeyRequest, o?: CallOptions): Promise<T.ReplicateKeyResponse> {
    return this.call('replicate-key', body, { ...o, params: { key_id: body.key_id } });
  }
  updatePrimaryRegion(body: T.UpdatePrimaryRegionRequest, o?: CallOptions): Promise<T.UpdatePrimaryRegionResponse> {
    return this.call('update-primary-region', body, { ...o, params: { key_id: body.key_id } });
  }
  showVersions(o?: CallOptions): Promise<T.ShowVersionsResponse> {
    return this.call('show-versions', undefined, o);
  }
  showVersion(versionId = 'v1.0', o?: CallOptions): Promise<T.ShowVersionResponse> {
    return this.call('show-version', undefined, { ...o, params: { version_id: versionId } });
  }
}

function definedOnly(q: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) if (v !== undefined) out[k] = String(v);
  return out;
}
