// A typed client for every CSMS v1 operation edgekms serves (docs/csms-api.md), over the signed HTTP
// layer (src/sdk/client.ts: signing, credential providers, retry). Reads and calls whose repetition
// cannot change the outcome are marked idempotent, so the retry policy may repeat them; creating, deleting
// and rotating are repeated only when they never reached the server. Errors are ApiError (code and
// message from either error body form), NetworkError or RequestTimeoutError.
import { SignedClient, type ClientOptions, type RequestOptions } from '../client.ts';
import type {
  CreateSecretRequest,
  CreateVersionRequest,
  NotificationRecord,
  Notification,
  PageInfo,
  PasswordPolicyRequest,
  ResourceInstance,
  Secret,
  SecretEvent,
  SecretTask,
  Stage,
  TagItem,
  UpdateSecretRequest,
  Version,
  VersionMetadata,
} from './types.ts';

export type * from './types.ts';

/** What the client needs from the HTTP layer: SignedClient's request. */
export type Transport = Pick<SignedClient, 'request'>;

const seg = encodeURIComponent;

function query(q: Record<string, string | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) if (v !== undefined) out[k] = String(v);
  return out;
}

/** Calls that may be repeated without changing their outcome, besides every GET. */
const REPEATABLE = /^(PUT |POST .*\/(backup|generate-password|resource_instances\/action|tags|tags\/action|checker\/config)$)/;

export class SecretsClient {
  private readonly transport: Transport;

  constructor(http: Transport | ClientOptions) {
    this.transport = 'request' in http ? http : new SignedClient(http);
  }

  private call<T>(method: string, path: string, body?: unknown, q: Record<string, string | number | undefined> = {}, options: Pick<RequestOptions, 'signal'> = {}): Promise<T> {
    const idempotent = method === 'GET' || REPEATABLE.test(`${method} ${path}`);
    return this.transport.request<T>(method, `/v1/{project_id}${path}`, body, query(q), { ...options, idempotent });
  }

  // --- secrets ---
  async createSecret(request: CreateSecretRequest): Promise<Secret> {
    return (await this.call<{ secret: Secret }>('POST', '/secrets', request)).secret;
  }
  listSecrets(options: { limit?: number; marker?: string; event_name?: string } = {}): Promise<{ secrets: Secret[]; page_info: PageInfo }> {
    return this.call('GET', '/secrets', undefined, options);
  }
  /** Every secret, following the markers page by page. */
  async *allSecrets(pageSize = 200): AsyncGenerator<Secret> {
    let marker: string | undefined;
    do {
      const page = await this.listSecrets({ limit: pageSize, marker });
      yield* page.secrets;
      marker = page.page_info.next_marker;
    } while (marker);
  }
  async showSecret(name: string): Promise<Secret> {
    return (await this.call<{ secret: Secret }>('GET', `/secrets/${seg(name)}`)).secret;
  }
  async updateSecret(name: string, request: UpdateSecretRequest): Promise<Secret> {
    return (await this.call<{ secret: Secret }>('PUT', `/secrets/${seg(name)}`, request)).secret;
  }
  /** Deletes the secret and every version at once, irreversibly. */
  async deleteSecret(name: string): Promise<void> {
    await this.call('DELETE', `/secrets/${seg(name)}`);
  }
  async scheduleDeletion(name: string, recoveryWindowInDays: number): Promise<Secret> {
    return (await this.call<{ secret: Secret }>('POST', `/secrets/${seg(name)}/scheduled-deleted-tasks/create`, { recovery_window_in_days: recoveryWindowInDays })).secret;
  }
  async restoreSecret(name: string): Promise<Secret> {
    return (await this.call<{ secret: Secret }>('POST', `/secrets/${seg(name)}/scheduled-deleted-tasks/cancel`)).secret;
  }

  // --- versions and stages ---
  async createVersion(name: string, request: CreateVersionRequest): Promise<VersionMetadata> {
    return (await this.call<{ version_metadata: VersionMetadata }>('POST', `/secrets/${seg(name)}/versions`, request)).version_metadata;
  }
  listVersions(name: string, options: { limit?: number; marker?: string } = {}): Promise<{ version_metadatas: VersionMetadata[]; page_info: PageInfo }> {
    return this.call('GET', `/secrets/${seg(name)}/versions`, undefined, options);
  }
  /** A version with its value; `versionId` is an id such as "v1" or "latest". */
  async getVersion(name: string, versionId = 'latest'): Promise<Version> {
    return (await this.call<{ version: Version }>('GET', `/secrets/${seg(name)}/versions/${seg(versionId)}`)).version;
  }
  async updateVersion(name: string, versionId: string, expireTime: number): Promise<VersionMetadata> {
    return (await this.call<{ version_metadata: VersionMetadata }>('PUT', `/secrets/${seg(name)}/versions/${seg(versionId)}`, { expire_time: expireTime })).version_metadata;
  }
  async showStage(name: string, stage: string): Promise<Stage> {
    return (await this.call<{ stage: Stage }>('GET', `/secrets/${seg(name)}/stages/${seg(stage)}`)).stage;
  }
  async updateStage(name: string, stage: string, versionId: string): Promise<Stage> {
    return (await this.call<{ stage: Stage }>('PUT', `/secrets/${seg(name)}/stages/${seg(stage)}`, { version_id: versionId })).stage;
  }
  async deleteStage(name: string, stage: string): Promise<void> {
    await this.call('DELETE', `/secrets/${seg(name)}/stages/${seg(stage)}`);
  }

  // --- rotation, backup, import ---
  rotateSecret(name: string): Promise<{ version_id: string; secret_name: string; rotation_task_id: string }> {
    return this.call('POST', `/secrets/${seg(name)}/rotate`);
  }
  async backupSecret(name: string): Promise<string> {
    return (await this.call<{ secret_blob: string }>('POST', `/secrets/${seg(name)}/backup`)).secret_blob;
  }
  async restoreFromBlob(blob: string): Promise<Secret> {
    return (await this.call<{ secret: Secret }>('POST', '/secrets/restore', { secret_blob: blob })).secret;
  }
  batchImport(secrets: CreateSecretRequest[]): Promise<{ error_list: { name: string; error_msg: string }[]; total: number; success: number; failed: number }> {
    return this.call('POST', '/secrets/batch-import', { secrets });
  }

  // --- tags (by secret id) ---
  async createTag(secretId: string, tag: TagItem): Promise<void> {
    await this.call('POST', `/csms/${seg(secretId)}/tags`, { tag });
  }
  async batchTags(secretId: string, action: 'create' | 'delete', tags: TagItem[]): Promise<void> {
    await this.call('POST', `/csms/${seg(secretId)}/tags/action`, { action, tags });
  }
  async deleteTag(secretId: string, key: string): Promise<void> {
    await this.call('DELETE', `/csms/${seg(secretId)}/tags/${seg(key)}`);
  }
  listTags(secretId: string): Promise<{ tags: TagItem[]; sys_tags: TagItem[] }> {
    return this.call('GET', `/csms/${seg(secretId)}/tags`);
  }
  async projectTags(): Promise<{ key: string; values: string[] }[]> {
    return (await this.call<{ tags: { key: string; values: string[] }[] }>('GET', '/csms/tags')).tags;
  }
  resourceInstances(request: {
    action: 'filter' | 'count';
    limit?: string;
    offset?: string;
    tags?: { key: string; values: string[] }[];
    matches?: { key: 'resource_name'; value: string }[];
  }): Promise<{ resources?: ResourceInstance[]; total_count: number }> {
    return this.call('POST', '/csms/resource_instances/action', request);
  }

  // --- events, notification records, tasks, passwords ---
  async createEvent(request: { name: string; event_types: string[]; state: 'ENABLED' | 'DISABLED'; notification: Notification }): Promise<SecretEvent> {
    return (await this.call<{ event: SecretEvent }>('POST', '/csms/events', request)).event;
  }
  listEvents(options: { limit?: number; marker?: string } = {}): Promise<{ events: SecretEvent[]; page_info: PageInfo }> {
    return this.call('GET', '/csms/events', undefined, options);
  }
  async showEvent(name: string): Promise<SecretEvent> {
    return (await this.call<{ event: SecretEvent }>('GET', `/csms/events/${seg(name)}`)).event;
  }
  async updateEvent(name: string, request: { state?: 'ENABLED' | 'DISABLED'; event_types?: string[]; notification?: Notification }): Promise<SecretEvent> {
    return (await this.call<{ event: SecretEvent }>('PUT', `/csms/events/${seg(name)}`, request)).event;
  }
  async deleteEvent(name: string): Promise<void> {
    await this.call('DELETE', `/csms/events/${seg(name)}`);
  }
  listNotificationRecords(options: { limit?: number; marker?: string } = {}): Promise<{ records: NotificationRecord[]; page_info: PageInfo }> {
    return this.call('GET', '/csms/notification-records', undefined, options);
  }
  listTasks(options: { secret_name?: string; status?: 'SUCCESS' | 'FAILED'; task_id?: string; limit?: number; marker?: string } = {}): Promise<{ total: number; tasks: SecretTask[]; next_marker?: string }> {
    return this.call('GET', '/csms/tasks', undefined, options);
  }
  async showConfig(): Promise<{ checking_secret_strength: boolean }> {
    return this.call('GET', '/secrets/checker/config');
  }
  /** Stored as given; edgekms checks no secret strength. */
  async updateConfig(checkingSecretStrength: boolean): Promise<{ checking_secret_strength: boolean }> {
    return this.call('POST', '/secrets/checker/config', { checking_secret_strength: checkingSecretStrength });
  }
  async generatePassword(policy: PasswordPolicyRequest = {}): Promise<string> {
    return (await this.call<{ password: string }>('POST', '/csms/generate-password', policy)).password;
  }
}
