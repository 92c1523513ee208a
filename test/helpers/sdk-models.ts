// Field lists of Huawei's KMS SDK response models (huaweicloud-sdk-nodejs-v3 3.1.209 and
// huaweicloud-sdk-python-v3 3.1.211 agree on every one: same JSON names, types and required flags), for the
// operations the acceptance tests check field by field. Types: string, integer, boolean, object,
// array<T>, or another model's name; a trailing * marks a field the model requires.
export const SDK_MODELS: Record<string, Record<string, string>> = {
  'ReEncryptResponse': {
    'key_id': 'string',
    'source_key_id': 'string',
    'source_encryption_algorithm': 'string',
    'destination_encryption_algorithm': 'string',
    'cipher_text': 'string'
  },
  'ShowUserInstancesResponse': {
    'instance_num': 'integer'
  },
  'ShowVersionsResponse': {
    'versions': 'array<ApiVersionDetail>'
  },
  'ShowVersionResponse': {
    'version': 'object'
  },
  'ApiVersionDetail': {
    'id': 'string',
    'links': 'array<ApiLink>',
    'version': 'string',
    'status': 'string',
    'updated': 'string',
    'min_version': 'string'
  },
  'ApiLink': {
    'href': 'string',
    'rel': 'string'
  },
  'ListSupportRegionsResponse': {
    'regions': 'array<string>'
  },
  'ListKeyStoresResponse': {
    'total': 'integer',
    'keystores': 'array<KeystoreDetails>'
  },
  'KeystoreDetails': {
    'keystore_id': 'string',
    'domain_id': 'string',
    'keystore_alias': 'string',
    'keystore_type': 'string',
    'hsm_cluster_id': 'string',
    'cluster_id': 'string',
    'create_time': 'string'
  },
  'DeriveSharedSecretResponse': {
    'key_id': 'string',
    'key_agreement_algorithm': 'string',
    'shared_secret': 'string',
    'ciphertext_recipient': 'string'
  },
  'CreateKeyPolicyResponse': {
    'policy_id': 'string'
  },
  'ListKeyPolicyResponse': {
    'page_info': 'ListAccessPointResponseBodyPageInfo',
    'keyspace_policies': 'array<ListKeyPolicyResponseBodyKeyspacePolicies>'
  },
  'ListAccessPointResponseBodyPageInfo': {
    'next_marker': 'string*',
    'current_count': 'integer*'
  },
  'ListKeyPolicyResponseBodyKeyspacePolicies': {
    'policy_id': 'string*',
    'policy_name': 'string*',
    'keyspace_id': 'string*',
    'policy': 'ListKeyPolicyResponseBodyPolicy*',
    'description': 'string',
    'created_by': 'string*',
    'create_time': 'string*',
    'last_modify_time': 'string*',
    'last_access_time': 'string*'
  },
  'ListKeyPolicyResponseBodyPolicy': {
    'version': 'string*',
    'validityPeriod': 'ListKeyPolicyResponseBodyPolicyValidityPeriod',
    'allowedAccessPoint': 'array<string>',
    'allowed_data_security_zone': 'array<string>'
  },
  'ListKeyPolicyResponseBodyPolicyValidityPeriod': {
    'start_time': 'string',
    'end_time': 'string'
  },
  'ShowKeyPolicyResponse': {
    'policy_id': 'string',
    'policy_name': 'string',
    'keyspace_id': 'string',
    'policy': 'ShowKeyPolicyResponseBodyPolicy',
    'description': 'string',
    'created_by': 'string',
    'create_time': 'string',
    'last_modify_time': 'string',
    'last_access_time': 'string'
  },
  'ShowKeyPolicyResponseBodyPolicy': {
    'version': 'string*',
    'validity_period': 'ListKeyPolicyResponseBodyPolicyValidityPeriod',
    'allowed_access_point': 'array<string>',
    'allowed_data_security_zone': 'array<string>'
  },
  'UpdateKeyPolicyResponse': {
    'policy_id': 'string',
    'policy': 'UpdateKeyPolicyResponseBodyPolicy',
    'description': 'string',
    'last_modify_time': 'string'
  },
  'UpdateKeyPolicyResponseBodyPolicy': {
    'version': 'string*',
    'validity_period': 'UpdateKeyPolicyResponseBodyPolicyValidityPeriod',
    'allowed_access_point': 'array<string>',
    'allowed_data_security_zone': 'array<string>'
  },
  'UpdateKeyPolicyResponseBodyPolicyValidityPeriod': {
    'start_time': 'string',
    'end_time': 'string'
  },
  'DeleteKeyPolicyResponse': {},
  'CreateAccessPointResponse': {
    'access_point_id': 'string'
  },
  'ListAccessPointResponse': {
    'page_info': 'ListAccessPointResponseBodyPageInfo',
    'access_points': 'array<ListAccessPointResponseBodyAccessPoints>'
  },
  'ListAccessPointResponseBodyAccessPoints': {
    'access_point_id': 'string*',
    'keyspace_id': 'string*',
    'access_point_name': 'string*',
    'state': 'integer*',
    'type': 'integer*',
    'created_by': 'string*',
    'create_time': 'string*',
    'lsat_modify_time': 'string*'
  },
  'DeleteAccessPointResponse': {},
  'EnableAccessPointResponse': {},
  'DisableAccessPointResponse': {},
  'DownloadAccessPointPrivateKeyResponse': {
    'access_point_id': 'string',
    'private_key': 'string'
  },
  'CreateDatakeyCapsuleResponse': {
    'key_id': 'string',
    'datakey': 'string',
    'datakey_cipher': 'string',
    'datakey_capsule': 'string'
  },
  'DecryptDatakeyCapsuleResponse': {
    'key_id': 'string',
    'instance_id': 'string',
    'datakey': 'string',
    'datakey_cipher': 'string'
  },
  'SignResponse': {
    'key_id': 'string',
    'signature': 'string'
  },
  'ValidateSignatureResponse': {
    'key_id': 'string',
    'signature_valid': 'string'
  },
  'ShowPublicKeyResponse': {
    'key_id': 'string',
    'public_key': 'string'
  },
  'CreateKeyResponse': {
    'key_info': 'KeKInfo'
  },
  'KeKInfo': {
    'key_id': 'string',
    'domain_id': 'string',
    'region_id': 'string'
  },
  'ListKeyDetailResponse': {
    'key_info': 'KeyDetails'
  },
  'KeyDetails': {
    'key_id': 'string',
    'domain_id': 'string',
    'key_alias': 'string',
    'realm': 'string',
    'key_spec': 'string',
    'key_usage': 'string',
    'key_description': 'string',
    'creation_date': 'string',
    'scheduled_deletion_date': 'string',
    'key_state': 'string',
    'default_key_flag': 'string',
    'key_type': 'string',
    'expiration_time': 'string',
    'origin': 'string',
    'key_rotation_enabled': 'string',
    'sys_enterprise_project_id': 'string',
    'keystore_id': 'string'
  },
  'DeleteTagResponse': {}
};

/** Problems of `value` against model `name`: fields the model lacks, wrong JSON types, missing required fields. */
export function modelProblems(name: string, value: unknown, at = name): string[] {
  const model = SDK_MODELS[name];
  if (!model) return [`${at}: no model ${name}`];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${at}: not an object`];
  const problems: string[] = [];
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) if (!(key in model)) problems.push(`${at}.${key}: not in ${name}`);
  for (const [key, type] of Object.entries(model)) {
    const required = type.endsWith('*');
    const t = required ? type.slice(0, -1) : type;
    if (!(key in v)) {
      if (required) problems.push(`${at}.${key}: required by ${name}, missing`);
      continue;
    }
    problems.push(...typeProblems(t, v[key], `${at}.${key}`));
  }
  return problems;
}

function typeProblems(type: string, value: unknown, at: string): string[] {
  const array = /^array<(.+)>$/.exec(type);
  if (array) return Array.isArray(value) ? value.flatMap((x, i) => typeProblems(array[1], x, `${at}[${i}]`)) : [`${at}: not an array`];
  switch (type) {
    case 'string':
      return typeof value === 'string' ? [] : [`${at}: not a string`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${at}: not an integer`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at}: not a boolean`];
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value) ? [] : [`${at}: not an object`];
    default:
      return modelProblems(type, value, at);
  }
}
