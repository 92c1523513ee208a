// Every KMS operation and where it lives on the wire (paths relative to /v1.0/{project_id}; docs/kms-api.md).
// Each operation is wrapped by `authorized` (authorize.ts): no route reaches an operation unchecked.
import { associateAliasOp, createAliasOp, deleteAliasOp, listAliasesOp } from './aliases.ts';
import { createEcDatakeyPairOp, createRsaDatakeyPairOp, deriveSharedSecretOp, getPublicKeyOp, signOp, verifyOp } from './asymmetric.ts';
import { authorized } from './authorize.ts';
import {
  createDatakeyOp,
  createDatakeyWithoutPlaintextOp,
  decryptDataOp,
  decryptDatakeyOp,
  encryptDataOp,
  encryptDatakeyOp,
} from './data.ts';
import {
  cancelKeyDeletionOp,
  createKeyOp,
  describeKeyOp,
  disableKeyOp,
  enableKeyOp,
  genRandomOp,
  listKeysOp,
  scheduleKeyDeletionOp,
  updateKeyAliasOp,
  updateKeyDescriptionOp,
} from './keys.ts';
import { createGrantOp, listGrantsOp, listRetirableGrantsOp, retireGrantOp, revokeGrantOp } from './grants.ts';
import { deleteImportedKeyMaterialOp, getParametersForImportOp, importKeyMaterialOp } from './import.ts';
import { generateMacOp, verifyMacOp } from './mac.ts';
import type { Operation } from './operation.ts';
import { userQuotasOp } from './quotas.ts';
import {
  disableKeyRotationOp,
  enableKeyRotationOp,
  getKeyRotationStatusOp,
  rotateOnDemandOp,
  updateKeyRotationIntervalOp,
} from './rotation.ts';
import {
  createAccessPointOp,
  deleteAccessPointOp,
  disableAccessPointOp,
  enableAccessPointOp,
  getAccessPointPrivateKeyOp,
  listAccessPointsOp,
} from './keyspaces/access-points.ts';
import { createDatakeyCapsuleOp, decryptDatakeyCapsuleOp } from './keyspaces/capsules.ts';
import { createKeyPolicyOp, deleteKeyPolicyOp, listKeyPoliciesOp, showKeyPolicyOp, updateKeyPolicyOp } from './keyspaces/policies.ts';
import { reEncryptOp } from './re-encrypt.ts';
import { listSupportRegionsOp, userInstancesOp } from './service/deployment.ts';
import { createKeyStoreOp, createPinOp, keyStoreOp, listKeyStoresOp, replicateKeyOp, updatePrimaryRegionOp } from './service/not-here.ts';
import { batchKmsTagsOp, createKmsTagOp, deleteTagOp, listKmsByTagsOp, listKmsTagsOp, showKmsTagsOp } from './tags.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Route {
  method: Method;
  /** Relative to the versioned project prefix; `:name` segments become params. */
  path: string;
  /** The path's API version: /v1.0/{project_id} unless 'v2' (/v2/{project_id}, multi-region operations). */
  version?: 'v2';
  /** The operation's name in logs and grants. */
  name: string;
  op: Operation;
}

const action = (name: string, op: Operation): Route => ({ method: 'POST', path: `/kms/${name}`, name, op });

const ROUTES: Route[] = [
  action('create-key', createKeyOp),
  action('describe-key', describeKeyOp),
  action('list-keys', listKeysOp),
  action('enable-key', enableKeyOp),
  action('disable-key', disableKeyOp),
  action('schedule-key-deletion', scheduleKeyDeletionOp),
  action('cancel-key-deletion', cancelKeyDeletionOp),
  action('update-key-alias', updateKeyAliasOp),
  action('update-key-description', updateKeyDescriptionOp),
  action('encrypt-data', encryptDataOp),
  action('decrypt-data', decryptDataOp),
  action('create-datakey', createDatakeyOp),
  action('create-datakey-without-plaintext', createDatakeyWithoutPlaintextOp),
  action('encrypt-datakey', encryptDatakeyOp),
  action('decrypt-datakey', decryptDatakeyOp),
  action('gen-random', genRandomOp),
  action('sign', signOp),
  action('verify', verifyOp),
  action('get-publickey', getPublicKeyOp),
  action('create-rsa-datakey-pair', createRsaDatakeyPairOp),
  action('create-ec-datakey-pair', createEcDatakeyPairOp),
  action('generate-mac', generateMacOp),
  action('verify-mac', verifyMacOp),
  action('enable-key-rotation', enableKeyRotationOp),
  action('disable-key-rotation', disableKeyRotationOp),
  action('update-key-rotation-interval', updateKeyRotationIntervalOp),
  action('get-key-rotation-status', getKeyRotationStatusOp),
  action('rotate-on-demand', rotateOnDemandOp),
  action('create-grant', createGrantOp),
  action('list-grants', listGrantsOp),
  action('list-retirable-grants', listRetirableGrantsOp),
  action('revoke-grant', revokeGrantOp),
  action('retire-grant', retireGrantOp),
  action('get-parameters-for-import', getParametersForImportOp),
  action('import-key-material', importKeyMaterialOp),
  action('delete-imported-key-material', deleteImportedKeyMaterialOp),
  { method: 'GET', path: '/kms/user-quotas', name: 'show-user-quotas', op: userQuotasOp },
  { method: 'POST', path: '/kms/:key_id/tags', name: 'create-kms-tag', op: createKmsTagOp },
  { method: 'POST', path: '/kms/:key_id/tags/action', name: 'batch-create-kms-tags', op: batchKmsTagsOp },
  { method: 'DELETE', path: '/kms/:key_id/tags/:key', name: 'delete-tag', op: deleteTagOp },
  { method: 'GET', path: '/kms/:key_id/tags', name: 'show-kms-tags', op: showKmsTagsOp },
  { method: 'GET', path: '/kms/tags', name: 'list-kms-tags', op: listKmsTagsOp },
  { method: 'POST', path: '/kms/resource_instances/action', name: 'list-kms-by-tags', op: listKmsByTagsOp },
  { method: 'POST', path: '/kms/aliases', name: 'create-alias', op: createAliasOp },
  { method: 'DELETE', path: '/kms/aliases', name: 'delete-alias', op: deleteAliasOp },
  { method: 'GET', path: '/kms/aliases', name: 'list-aliases', op: listAliasesOp },
  { method: 'POST', path: '/kms/alias/associate', name: 'associate-alias', op: associateAliasOp },
  action('re-encrypt', reEncryptOp),
  action('derive-shared-secret', deriveSharedSecretOp),
  action('create-pin', createPinOp),
  { method: 'GET', path: '/kms/user-instances', name: 'show-user-instances', op: userInstancesOp },
  { method: 'POST', path: '/kms/key-policies', name: 'create-key-policy', op: createKeyPolicyOp },
  { method: 'GET', path: '/kms/key-policies', name: 'list-key-policy', op: listKeyPoliciesOp },
  { method: 'GET', path: '/kms/key-policies/:policy_id', name: 'show-key-policy', op: showKeyPolicyOp },
  { method: 'PUT', path: '/kms/key-policies/:policy_id', name: 'update-key-policy', op: updateKeyPolicyOp },
  { method: 'DELETE', path: '/kms/key-policies/:policy_id', name: 'delete-key-policy', op: deleteKeyPolicyOp },
  { method: 'POST', path: '/kms/access-points', name: 'create-access-point', op: createAccessPointOp },
  { method: 'GET', path: '/kms/access-points', name: 'list-access-point', op: listAccessPointsOp },
  { method: 'DELETE', path: '/kms/access-points/:access_point_id', name: 'delete-access-point', op: deleteAccessPointOp },
  { method: 'POST', path: '/kms/access-points/:access_point_id/enable', name: 'enable-access-point', op: enableAccessPointOp },
  { method: 'POST', path: '/kms/access-points/:access_point_id/disable', name: 'disable-access-point', op: disableAccessPointOp },
  { method: 'POST', path: '/kms/access-points/:access_point_id/get-privatekey', name: 'download-access-point-private-key', op: getAccessPointPrivateKeyOp },
  { method: 'POST', path: '/kms/datakey-capsule/create', name: 'create-datakey-capsule', op: createDatakeyCapsuleOp },
  { method: 'POST', path: '/kms/datakey-capsule/decrypt', name: 'decrypt-datakey-capsule', op: decryptDatakeyCapsuleOp },
  { method: 'POST', path: '/keystores', name: 'create-key-store', op: createKeyStoreOp },
  { method: 'GET', path: '/keystores', name: 'list-key-stores', op: listKeyStoresOp },
  { method: 'GET', path: '/keystores/:keystore_id', name: 'show-key-store', op: keyStoreOp },
  { method: 'POST', path: '/keystores/:keystore_id/enable', name: 'enable-key-store', op: keyStoreOp },
  { method: 'POST', path: '/keystores/:keystore_id/disable', name: 'disable-key-store', op: keyStoreOp },
  { method: 'DELETE', path: '/keystores/:keystore_id', name: 'delete-key-store', op: keyStoreOp },
  { method: 'GET', path: '/kms/regions', name: 'list-support-regions', op: listSupportRegionsOp, version: 'v2' },
  { method: 'POST', path: '/kms/keys/:key_id/replicate', name: 'replicate-key', op: replicateKeyOp, version: 'v2' },
  { method: 'PUT', path: '/kms/keys/:key_id/update-primary-region', name: 'update-primary-region', op: updatePrimaryRegionOp, version: 'v2' },
];

export const KMS_ROUTES: Route[] = ROUTES.map((r) => ({ ...r, op: authorized(r.name, r.op) }));
