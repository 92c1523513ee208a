// Where each KMS operation lives on the wire and whether repeating it is harmless. "Idempotent" here means
// a repeat cannot change the outcome: reads, cryptographic operations (a second encrypt-data gives another
// valid ciphertext and changes nothing), and setters whose repeat sets the same value. Everything else
// (create-key, create-grant, enable-key whose repeat would report KMS.1201, ...) is retried only under the
// rules of src/sdk/retry.ts.

export interface OperationSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to `/<version>/{project_id}`, unless `absolute` (the version paths). */
  path: string;
  idempotent: boolean;
  /** The API version prefix (default `v1.0`; the multi-region operations are `v2`). */
  version?: 'v2';
  absolute?: boolean;
}

const post = (idempotent: boolean): OperationSpec => ({ method: 'POST', path: '', idempotent });

const ACTIONS = {
  'create-key': post(false),
  'describe-key': post(true),
  'list-keys': post(true),
  'enable-key': post(false),
  'disable-key': post(false),
  'schedule-key-deletion': post(false),
  'cancel-key-deletion': post(false),
  'update-key-alias': post(true),
  'update-key-description': post(true),
  'encrypt-data': post(true),
  'decrypt-data': post(true),
  're-encrypt': post(true),
  'create-datakey': post(true),
  'create-datakey-without-plaintext': post(true),
  'encrypt-datakey': post(true),
  'decrypt-datakey': post(true),
  'gen-random': post(true),
  sign: post(true),
  verify: post(true),
  'get-publickey': post(true),
  'create-rsa-datakey-pair': post(true),
  'create-ec-datakey-pair': post(true),
  'generate-mac': post(true),
  'verify-mac': post(true),
  'derive-shared-secret': post(true),
  'enable-key-rotation': post(true),
  'disable-key-rotation': post(true),
  'update-key-rotation-interval': post(true),
  'get-key-rotation-status': post(true),
  'rotate-on-demand': post(false),
  'create-grant': post(false),
  'list-grants': post(true),
  'list-retirable-grants': post(true),
  'revoke-grant': post(false),
  'retire-grant': post(false),
  'get-parameters-for-import': post(false),
  'import-key-material': post(false),
  'delete-imported-key-material': post(false),
  'create-pin': post(true),
} satisfies Record<string, OperationSpec>;

const OTHERS = {
  'show-user-quotas': { method: 'GET', path: '/kms/user-quotas', idempotent: true },
  'show-user-instances': { method: 'GET', path: '/kms/user-instances', idempotent: true },
  'create-kms-tag': { method: 'POST', path: '/kms/{key_id}/tags', idempotent: true },
  'batch-create-kms-tags': { method: 'POST', path: '/kms/{key_id}/tags/action', idempotent: false },
  'delete-tag': { method: 'DELETE', path: '/kms/{key_id}/tags/{key}', idempotent: false },
  'show-kms-tags': { method: 'GET', path: '/kms/{key_id}/tags', idempotent: true },
  'list-kms-tags': { method: 'GET', path: '/kms/tags', idempotent: true },
  'list-kms-by-tags': { method: 'POST', path: '/kms/resource_instances/action', idempotent: true },
  'create-alias': { method: 'POST', path: '/kms/aliases', idempotent: false },
  'delete-alias': { method: 'DELETE', path: '/kms/aliases', idempotent: false },
  'list-aliases': { method: 'GET', path: '/kms/aliases', idempotent: true },
  'associate-alias': { method: 'POST', path: '/kms/alias/associate', idempotent: true },
  'create-key-policy': { method: 'POST', path: '/kms/key-policies', idempotent: false },
  'list-key-policy': { method: 'GET', path: '/kms/key-policies', idempotent: true },
  'show-key-policy': { method: 'GET', path: '/kms/key-policies/{policy_id}', idempotent: true },
  'update-key-policy': { method: 'PUT', path: '/kms/key-policies/{policy_id}', idempotent: true },
  'delete-key-policy': { method: 'DELETE', path: '/kms/key-policies/{policy_id}', idempotent: false },
  'create-access-point': { method: 'POST', path: '/kms/access-points', idempotent: false },
  'list-access-point': { method: 'GET', path: '/kms/access-points', idempotent: true },
  'delete-access-point': { method: 'DELETE', path: '/kms/access-points/{access_point_id}', idempotent: false },
  'enable-access-point': { method: 'POST', path: '/kms/access-points/{access_point_id}/enable', idempotent: false },
  'disable-access-point': { method: 'POST', path: '/kms/access-points/{access_point_id}/disable', idempotent: false },
  'download-access-point-private-key': { method: 'POST', path: '/kms/access-points/{access_point_id}/get-privatekey', idempotent: true },
  'create-datakey-capsule': { method: 'POST', path: '/kms/datakey-capsule/create', idempotent: true },
  'decrypt-datakey-capsule': { method: 'POST', path: '/kms/datakey-capsule/decrypt', idempotent: true },
  'create-key-store': { method: 'POST', path: '/keystores', idempotent: false },
  'list-key-stores': { method: 'GET', path: '/keystores', idempotent: true },
  'show-key-store': { method: 'GET', path: '/keystores/{keystore_id}', idempotent: true },
  'enable-key-store': { method: 'POST', path: '/keystores/{keystore_id}/enable', idempotent: false },
  'disable-key-store': { method: 'POST', path: '/keystores/{keystore_id}/disable', idempotent: false },
  'delete-key-store': { method: 'DELETE', path: '/keystores/{keystore_id}', idempotent: false },
  'list-support-regions': { method: 'GET', path: '/kms/regions', idempotent: true, version: 'v2' },
  'replicate-key': { method: 'POST', path: '/kms/keys/{key_id}/replicate', idempotent: false, version: 'v2' },
  'update-primary-region': { method: 'PUT', path: '/kms/keys/{key_id}/update-primary-region', idempotent: true, version: 'v2' },
  'show-versions': { method: 'GET', path: '/', idempotent: true, absolute: true },
  'show-version': { method: 'GET', path: '/{version_id}', idempotent: true, absolute: true },
} satisfies Record<string, OperationSpec>;

export type OperationName = keyof typeof ACTIONS | keyof typeof OTHERS;

/** Every KMS operation the client knows, by the name the server logs it under. */
export const KMS_OPERATIONS: Readonly<Record<OperationName, OperationSpec>> = {
  ...Object.fromEntries(Object.entries(ACTIONS).map(([name, spec]) => [name, { ...spec, path: `/kms/${name}` }])),
  ...OTHERS,
} as Record<OperationName, OperationSpec>;

/** The request path of an operation with its path parameters filled in (each percent-encoded). */
export function operationPath(name: OperationName, params: Record<string, string> = {}): string {
  const spec = KMS_OPERATIONS[name];
  const path = spec.path.replace(/\{(\w+)\}/g, (_, p: string) => {
    const v = params[p];
    if (typeof v !== 'string' || v === '') throw new TypeError(`${name} needs ${p}`);
    return encodeURIComponent(v);
  });
  return spec.absolute ? path : `/${spec.version ?? 'v1.0'}/{project_id}${path}`;
}
