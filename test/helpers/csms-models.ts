// The CSMS response models of the wire reference's model index (Appendix A.2), as field -> JSON type.
// `check` asserts that an answer has only the model's fields, each of the model's type, recursing into
// nested models, so a renamed field, a number sent as a string or an extra field fails the test.
import { expect } from 'vitest';

type FieldType = 'string' | 'integer' | 'boolean' | 'object' | `model:${string}` | `array<${string}>`;

export const MODELS: Record<string, Record<string, FieldType>> = {
  Secret: {
    id: 'string', name: 'string', state: 'string', kms_key_id: 'string', description: 'string', create_time: 'integer', update_time: 'integer',
    scheduled_delete_time: 'integer', secret_type: 'string', auto_rotation: 'boolean', rotation_period: 'string', rotation_config: 'string',
    rotation_time: 'integer', next_rotation_time: 'integer', event_subscriptions: 'array<string>', enterprise_project_id: 'string', rotation_func_urn: 'string',
  },
  VersionMetadata: { id: 'string', create_time: 'integer', expire_time: 'integer', kms_key_id: 'string', secret_name: 'string', version_stages: 'array<string>' },
  Version: { version_metadata: 'model:VersionMetadata', secret_binary: 'string', secret_string: 'string' },
  Stage: { name: 'string', update_time: 'integer', secret_name: 'string', version_id: 'string' },
  PageInfo: { next_marker: 'string', previous_marker: 'string', current_count: 'integer' },
  TagItem: { key: 'string', value: 'string' },
  SysTag: { key: 'string', value: 'string' },
  TagResponse: { key: 'string', values: 'array<string>' },
  ActionResources: { resource_id: 'string', resource_detail: 'model:Secret', resource_name: 'string', tags: 'array<model:TagItem>', sys_tags: 'array<model:SysTag>' },
  Notification: { target_type: 'string', target_id: 'string', target_name: 'string' },
  Event: { name: 'string', event_id: 'string', event_types: 'array<string>', state: 'string', create_time: 'integer', update_time: 'integer', notification: 'model:Notification' },
  Record: {
    event_name: 'string', trigger_event_type: 'string', create_time: 'integer', secret_name: 'string', secret_type: 'string', notification_target_name: 'string',
    notification_target_id: 'string', notification_content: 'string', notification_status: 'string',
  },
  SecretTask: {
    task_id: 'string', secret_name: 'string', rotation_func_urn: 'string', task_status: 'string', operate_type: 'string', task_time: 'integer',
    attempt_nums: 'integer', task_error_code: 'string', task_error_msg: 'string',
  },
  ErrorInfo: { name: 'string', error_msg: 'string' },
  // Responses
  CreateSecretResponse: { secret: 'model:Secret' },
  ListSecretsResponse: { secrets: 'array<model:Secret>', page_info: 'model:PageInfo' },
  ShowSecretVersionResponse: { version: 'model:Version' },
  VersionMetadataResponse: { version_metadata: 'model:VersionMetadata' },
  ListSecretVersionsResponse: { version_metadatas: 'array<model:VersionMetadata>', page_info: 'model:PageInfo' },
  StageResponse: { stage: 'model:Stage' },
  RotateSecretResponse: { version_id: 'string', secret_name: 'string', rotation_task_id: 'string' },
  DownloadSecretBlobResponse: { secret_blob: 'string' },
  BatchImportSecretsResponse: { error_list: 'array<model:ErrorInfo>', total: 'integer', success: 'integer', failed: 'integer' },
  ListSecretTagsResponse: { tags: 'array<model:TagItem>', sys_tags: 'array<model:SysTag>' },
  ListProjectSecretsTagsResponse: { tags: 'array<model:TagResponse>' },
  ListResourceInstancesResponse: { resources: 'array<model:ActionResources>', total_count: 'integer' },
  EventResponse: { event: 'model:Event' },
  ListSecretEventsResponse: { events: 'array<model:Event>', page_info: 'model:PageInfo' },
  ListNotificationRecordsResponse: { records: 'array<model:Record>', page_info: 'model:PageInfo' },
  ListSecretTaskResponse: { total: 'integer', tasks: 'array<model:SecretTask>', next_marker: 'string' },
  GenerateRandomPasswordResponse: { password: 'string' },
  SecretsConfigResponse: { checking_secret_strength: 'boolean' },
};

function checkValue(value: unknown, type: FieldType, where: string): void {
  if (type === 'string') expect(typeof value, where).toBe('string');
  else if (type === 'integer') expect(Number.isSafeInteger(value), `${where} must be a JSON integer, got ${JSON.stringify(value)}`).toBe(true);
  else if (type === 'boolean') expect(typeof value, where).toBe('boolean');
  else if (type === 'object') expect(value !== null && typeof value === 'object', where).toBe(true);
  else if (type.startsWith('model:')) check(value, type.slice(6), where);
  else {
    expect(Array.isArray(value), `${where} must be an array`).toBe(true);
    const item = type.slice(6, -1) as FieldType;
    (value as unknown[]).forEach((v, i) => checkValue(v, item, `${where}[${i}]`));
  }
}

/** Asserts `value` is an instance of `model`: no field outside it, each of its type. Returns the value. */
export function check<T = any>(value: unknown, model: string, where = model): T {
  const fields = MODELS[model];
  if (!fields) throw new Error(`no model ${model}`);
  expect(value !== null && typeof value === 'object' && !Array.isArray(value), `${where} must be an object`).toBe(true);
  for (const [k, v] of Object.entries(value as object)) {
    expect(Object.hasOwn(fields, k), `${where}.${k} is not a field of ${model}`).toBe(true);
    checkValue(v, fields[k], `${where}.${k}`);
  }
  return value as T;
}
