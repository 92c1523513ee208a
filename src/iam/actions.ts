// The policy action of every operation, named the way Huawei IAM names KMS and CSMS actions
// (service:resource-type:operation). docs/iam.md lists the same table; a test checks that every KMS and
// CSMS route has an entry, so no operation escapes policies.
//
// Resource names a policy can match (docs/iam.md, Resources):
//   KMS:<region>:<project>:KeyId:<key id>      KMS:<region>:<project>:KeyAlias:<alias>
//   CSMS:<region>:<project>:secret:<name>       CSMS:<region>:<project>:secretId:<secret id>

export const KMS_ACTIONS: Readonly<Record<string, string>> = {
  'create-key': 'kms:cmk:create',
  'describe-key': 'kms:cmk:get',
  'list-keys': 'kms:cmk:list',
  'enable-key': 'kms:cmk:enable',
  'disable-key': 'kms:cmk:disable',
  'schedule-key-deletion': 'kms:cmk:delete',
  'cancel-key-deletion': 'kms:cmk:update',
  'update-key-alias': 'kms:cmk:update',
  'update-key-description': 'kms:cmk:update',
  'encrypt-data': 'kms:cmk:encrypt',
  'decrypt-data': 'kms:cmk:decrypt',
  're-encrypt': 'kms:cmk:reEncrypt',
  'create-datakey': 'kms:dek:create',
  'create-datakey-without-plaintext': 'kms:dek:create',
  'encrypt-datakey': 'kms:dek:encrypt',
  'decrypt-datakey': 'kms:dek:decrypt',
  'create-rsa-datakey-pair': 'kms:dek:createPair',
  'create-ec-datakey-pair': 'kms:dek:createPair',
  'gen-random': 'kms:cmk:generate',
  sign: 'kms:cmk:sign',
  verify: 'kms:cmk:verify',
  'get-publickey': 'kms:cmk:getPublicKey',
  'derive-shared-secret': 'kms:cmk:deriveSharedSecret',
  'generate-mac': 'kms:cmk:generateMac',
  'verify-mac': 'kms:cmk:verifyMac',
  'enable-key-rotation': 'kms:cmk:enableRotation',
  'disable-key-rotation': 'kms:cmk:disableRotation',
  'update-key-rotation-interval': 'kms:cmk:updateRotation',
  'get-key-rotation-status': 'kms:cmk:getRotation',
  'rotate-on-demand': 'kms:cmk:rotate',
  'create-grant': 'kms:grant:create',
  'list-grants': 'kms:grant:list',
  'list-retirable-grants': 'kms:grant:listRetirable',
  'revoke-grant': 'kms:grant:revoke',
  'retire-grant': 'kms:grant:retire',
  'get-parameters-for-import': 'kms:cmk:getMaterial',
  'import-key-material': 'kms:cmk:importMaterial',
  'delete-imported-key-material': 'kms:cmk:deleteMaterial',
  'show-user-quotas': 'kms:cmk:getQuota',
  'show-user-instances': 'kms:cmk:getInstance',
  'create-kms-tag': 'kms:cmkTag:create',
  'batch-create-kms-tags': 'kms:cmkTag:batch',
  'delete-tag': 'kms:cmkTag:delete',
  'show-kms-tags': 'kms:cmkTag:get',
  'list-kms-tags': 'kms:cmkTag:list',
  'list-kms-by-tags': 'kms:cmkTag:listInstances',
  'create-alias': 'kms:alias:create',
  'delete-alias': 'kms:alias:delete',
  'list-aliases': 'kms:alias:list',
  'associate-alias': 'kms:alias:associate',
  'create-pin': 'kms:cmk:createPin',
  'create-key-policy': 'kms:keyPolicy:create',
  'list-key-policy': 'kms:keyPolicy:list',
  'show-key-policy': 'kms:keyPolicy:get',
  'update-key-policy': 'kms:keyPolicy:update',
  'delete-key-policy': 'kms:keyPolicy:delete',
  'create-access-point': 'kms:accessPoint:create',
  'list-access-point': 'kms:accessPoint:list',
  'delete-access-point': 'kms:accessPoint:delete',
  'enable-access-point': 'kms:accessPoint:enable',
  'disable-access-point': 'kms:accessPoint:disable',
  'download-access-point-private-key': 'kms:accessPoint:getPrivateKey',
  'create-datakey-capsule': 'kms:dek:createCapsule',
  'decrypt-datakey-capsule': 'kms:dek:decryptCapsule',
  'create-key-store': 'kms:keystore:create',
  'list-key-stores': 'kms:keystore:list',
  'show-key-store': 'kms:keystore:get',
  'enable-key-store': 'kms:keystore:enable',
  'disable-key-store': 'kms:keystore:disable',
  'delete-key-store': 'kms:keystore:delete',
  'list-support-regions': 'kms:region:list',
  'replicate-key': 'kms:cmk:replicate',
  'update-primary-region': 'kms:cmk:updatePrimaryRegion',
};

export const CSMS_ACTIONS: Readonly<Record<string, string>> = {
  CreateSecret: 'csms:secret:create',
  ListSecrets: 'csms:secret:list',
  UploadSecretBlob: 'csms:secret:restoreBlob',
  BatchImportSecrets: 'csms:secret:batchImport',
  ShowSecret: 'csms:secret:get',
  UpdateSecret: 'csms:secret:update',
  DeleteSecret: 'csms:secret:delete',
  DeleteSecretForSchedule: 'csms:secret:scheduleDelete',
  RestoreSecret: 'csms:secret:cancelDelete',
  CreateSecretVersion: 'csms:secretVersion:create',
  ListSecretVersions: 'csms:secretVersion:list',
  ShowSecretVersion: 'csms:secretVersion:get',
  UpdateVersion: 'csms:secretVersion:update',
  ShowSecretStage: 'csms:secretStage:get',
  UpdateSecretStage: 'csms:secretStage:update',
  DeleteSecretStage: 'csms:secretStage:delete',
  RotateSecret: 'csms:secret:rotate',
  DownloadSecretBlob: 'csms:secret:backup',
  ListProjectSecretsTags: 'csms:secretTag:list',
  ListResourceInstances: 'csms:secretTag:listInstances',
  CreateSecretTag: 'csms:secretTag:create',
  BatchCreateOrDeleteTags: 'csms:secretTag:batch',
  DeleteSecretTag: 'csms:secretTag:delete',
  ListSecretTags: 'csms:secretTag:get',
  CreateSecretEvent: 'csms:event:create',
  ListSecretEvents: 'csms:event:list',
  ShowSecretEvent: 'csms:event:get',
  UpdateSecretEvent: 'csms:event:update',
  DeleteSecretEvent: 'csms:event:delete',
  ListNotificationRecords: 'csms:event:listRecords',
  ListSecretTask: 'csms:task:list',
  GenerateRandomPassword: 'csms:secret:generatePassword',
  ShowSecretsConfig: 'csms:config:get',
  UpdateSecretsConfig: 'csms:config:update',
};

/** Names a KMS key goes by, as policies match them. */
export function keyResources(region: string, project: string, id: string, alias?: string): string[] {
  const out = [`KMS:${region}:${project}:KeyId:${id}`];
  if (alias) out.push(`KMS:${region}:${project}:KeyAlias:${alias}`);
  return out;
}

/** Names a secret goes by in a CSMS request (by name on /secrets/{name}, by id on /csms/{id}/tags). */
export function secretResources(region: string, project: string, params: Record<string, string>, bodyName?: unknown): string[] {
  const out: string[] = [];
  const name = params.secret_name ?? (typeof bodyName === 'string' ? bodyName : undefined);
  if (name) out.push(`CSMS:${region}:${project}:secret:${name}`);
  if (params.secret_id) out.push(`CSMS:${region}:${project}:secretId:${params.secret_id}`);
  return out;
}
