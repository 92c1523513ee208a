// Where each KMS operation lives on the wire and whether repeating it is harmless. "Idempotent" here means
// a repeat cannot change the outcome: reads, cryptographic operations (a second encrypt-data gives another
// valid ciphertext and changes nothing), and setters whose repeat sets the same value. Everything else
// (create-key, create-grant, enable-key whose repeat would report KMS.1201, ...) is retried only under the
// rules of src/sdk/retry.ts.

export interface OperationSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to `/v1.0/{project_id}` unless it starts with `/v2/` or is a version path (`absolute`). */
  path: string;
  idempotent: boolean;
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
  'list-key-stores': { method: 'GET', path: '/keystores', idempotent: true },
  'list-support-regions': { method: 'GET', path: '/v2/{project_id}/kms/regions', idempotent: true, absolute: true },
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
  const path = spec.path.replace(/\{(key_id|key|version_id)\}/g, (_, p: string) => {
    const v = params[p];
    if (v === undefined || v === '') throw new TypeError(`${name} needs ${p}`);
    return encodeURIComponent(v);
  });
  return spec.absolute ? path : `/v1.0/{project_id}${path}`;
}
