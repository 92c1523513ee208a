// The CSMS v1 wire models (JSON field names and types as the API sends them; times are epoch ms).

export interface Secret {
  id: string;
  name: string;
  state: 'ENABLED' | 'DISABLED' | 'PENDING_DELETE' | 'FROZEN';
  kms_key_id: string;
  description: string;
  create_time: number;
  update_time: number;
  scheduled_delete_time?: number;
  secret_type: string;
  auto_rotation: boolean;
  rotation_period?: string;
  rotation_config?: string;
  rotation_time?: number;
  next_rotation_time?: number;
  event_subscriptions: string[];
  enterprise_project_id: string;
  rotation_func_urn?: string;
}

export interface CreateSecretRequest {
  name: string;
  kms_key_id?: string;
  description?: string;
  secret_string?: string;
  secret_binary?: string;
  secret_type?: 'COMMON' | 'RDS-FG' | 'GaussDB-FG';
  auto_rotation?: boolean;
  rotation_period?: string;
  rotation_config?: string;
  event_subscriptions?: string[];
  enterprise_project_id?: string;
  rotation_func_urn?: string;
}

export type UpdateSecretRequest = Partial<Pick<CreateSecretRequest, 'kms_key_id' | 'description' | 'auto_rotation' | 'rotation_period' | 'event_subscriptions' | 'rotation_func_urn'>>;

export interface VersionMetadata {
  id: string;
  create_time: number;
  expire_time?: number;
  kms_key_id: string;
  secret_name: string;
  version_stages: string[];
}

export interface Version {
  version_metadata: VersionMetadata;
  secret_string?: string;
  secret_binary?: string;
}

export interface CreateVersionRequest {
  secret_string?: string;
  secret_binary?: string;
  version_stages?: string[];
  expire_time?: number;
}

export interface Stage {
  name: string;
  update_time: number;
  secret_name: string;
  version_id: string;
}

export interface PageInfo {
  next_marker?: string;
  previous_marker?: string;
  current_count: number;
}

export interface TagItem {
  key: string;
  value?: string;
}

export interface Notification {
  target_type: 'SMN';
  target_id: string;
  target_name: string;
}

export interface SecretEvent {
  name: string;
  event_id: string;
  event_types: string[];
  state: 'ENABLED' | 'DISABLED';
  create_time: number;
  update_time: number;
  notification: Notification;
}

export interface NotificationRecord {
  event_name: string;
  trigger_event_type: string;
  create_time: number;
  secret_name: string;
  secret_type: string;
  notification_target_name: string;
  notification_target_id: string;
  notification_content: string;
  notification_status: string;
}

export interface SecretTask {
  task_id: string;
  secret_name: string;
  rotation_func_urn?: string;
  task_status: string;
  operate_type: string;
  task_time: number;
  attempt_nums: number;
  task_error_code?: string;
  task_error_msg?: string;
}

export interface ResourceInstance {
  resource_id: string;
  resource_detail: Secret;
  resource_name: string;
  tags: TagItem[];
  sys_tags: TagItem[];
}

export interface PasswordPolicyRequest {
  password_policy_name?: string;
  length?: number;
  exclude_characters?: string;
  exclude_lowercase?: boolean;
  exclude_uppercase?: boolean;
  exclude_numbers?: boolean;
  exclude_punctuation?: boolean;
  include_space?: boolean;
  require_each_included_type?: boolean;
}
