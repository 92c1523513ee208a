// Every CSMS operation edgekms serves, driven by Huawei's official SDK core (its HcClient and AK/SK
// signer) over signed loopback HTTP against `npm start`'s entry point; every answer is checked field by
// field against the model index of the wire reference (test/helpers/csms-models.ts), and error bodies
// against the form (flat or nested) the operation's model declares.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignedClient } from '../../src/sdk/client.ts';
import { check } from '../helpers/csms-models.ts';
import { huaweiClient, type HuaweiClient } from '../helpers/huawei-sdk.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-csms-e2e-'));
let server: RunningServer;
let hc: HuaweiClient;
let raw: SignedClient;
let lastBody: unknown;
const P = '/v1/{project_id}';

beforeAll(async () => {
  server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir });
  const admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
  const sdk = huaweiClient(server.url, admin.access_key, admin.secret_key, admin.project_id);
  // The SDK core adds the HTTP status to every answer it returns; the rest is the body as sent.
  hc = {
    ...sdk,
    call: async (...args: Parameters<HuaweiClient['call']>) => {
      const answer = await sdk.call(...args);
      if (answer && typeof answer === 'object') delete (answer as { httpStatusCode?: number }).httpStatusCode;
      return answer;
    },
  };
  raw = new SignedClient({
    endpoint: server.url,
    accessKey: admin.access_key,
    secretKey: admin.secret_key,
    projectId: admin.project_id,
    fetch: async (r) => {
      const res = await fetch(r);
      lastBody = await res.clone().json().catch(() => undefined);
      return res;
    },
  });
}, 30_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The raw error body of a failing request. */
async function errorBody(method: string, path: string, body?: unknown): Promise<any> {
  lastBody = undefined;
  await raw.request(method, path, body).then(
    () => {
      throw new Error(`${method} ${path} succeeded`);
    },
    () => {},
  );
  return lastBody;
}

describe('CSMS over npm start with Huawei SDK core', () => {
  const ids: { secret?: string } = {};

  it('secrets: create, list (limit, marker, event_name), show, update', async () => {
    const event = check(await hc.call('POST', `${P}/csms/events`, { name: 'ev1', event_types: ['SECRET_VERSION_CREATED', 'SECRET_ROTATED'], state: 'ENABLED', notification: { target_type: 'SMN', target_id: 'urn:smn:local-1:0:topic', target_name: 'topic' } }), 'EventResponse');
    expect(event.event).toMatchObject({ name: 'ev1', state: 'ENABLED', event_types: ['SECRET_VERSION_CREATED', 'SECRET_ROTATED'] });
    const created = check(await hc.call('POST', `${P}/secrets`, { name: 'db-cred', secret_string: JSON.stringify({ username: 'app', password: 'pw-1' }), description: 'orders DB', event_subscriptions: ['ev1'] }), 'CreateSecretResponse');
    ids.secret = created.secret.id;
    expect(created.secret).toMatchObject({ name: 'db-cred', state: 'ENABLED', description: 'orders DB', secret_type: 'COMMON', auto_rotation: false, event_subscriptions: ['ev1'], enterprise_project_id: '0' });
    for (const name of ['b-one', 'c-two']) check(await hc.call('POST', `${P}/secrets`, { name, secret_binary: 'AAECAwQ=' }), 'CreateSecretResponse');

    const page1 = check(await hc.call('GET', `${P}/secrets`, undefined, { limit: '2' }), 'ListSecretsResponse');
    expect(page1.secrets.map((s: any) => s.name)).toEqual(['b-one', 'c-two']);
    expect(page1.page_info).toEqual({ next_marker: 'c-two', current_count: 2 });
    const page2 = check(await hc.call('GET', `${P}/secrets`, undefined, { limit: '2', marker: 'c-two' }), 'ListSecretsResponse');
    expect(page2.secrets.map((s: any) => s.name)).toEqual(['db-cred']);
    expect(page2.page_info).toEqual({ previous_marker: 'c-two', current_count: 1 });
    const byEvent = check(await hc.call('GET', `${P}/secrets`, undefined, { event_name: 'ev1' }), 'ListSecretsResponse');
    expect(byEvent.secrets.map((s: any) => s.name)).toEqual(['db-cred']);

    const shown = check(await hc.call('GET', `${P}/secrets/db-cred`), 'CreateSecretResponse');
    expect(shown.secret).toEqual(created.secret);
    const updated = check(await hc.call('PUT', `${P}/secrets/db-cred`, { description: 'orders database', auto_rotation: true, rotation_period: '30d', rotation_func_urn: 'urn:fss:local-1:0:function:default:rotate' }), 'CreateSecretResponse');
    expect(updated.secret).toMatchObject({ description: 'orders database', auto_rotation: true, rotation_period: '30d', rotation_func_urn: 'urn:fss:local-1:0:function:default:rotate' });
    expect(updated.secret.next_rotation_time).toBe(updated.secret.rotation_time + 30 * 86_400_000);
  });

  it('versions: create, list, show (latest, v1), update expiry', async () => {
    const v2 = check(await hc.call('POST', `${P}/secrets/db-cred/versions`, { secret_string: JSON.stringify({ username: 'app', password: 'pw-2' }), expire_time: 4102444800000 }), 'VersionMetadataResponse');
    expect(v2.version_metadata).toMatchObject({ id: 'v2', secret_name: 'db-cred', version_stages: ['SYSCURRENT'], expire_time: 4102444800000 });
    const list = check(await hc.call('GET', `${P}/secrets/db-cred/versions`, undefined, { limit: '1' }), 'ListSecretVersionsResponse');
    expect(list.version_metadatas.map((v: any) => v.id)).toEqual(['v2']);
    expect(list.page_info).toEqual({ next_marker: 'v2', current_count: 1 });
    const list2 = check(await hc.call('GET', `${P}/secrets/db-cred/versions`, undefined, { limit: '1', marker: 'v2' }), 'ListSecretVersionsResponse');
    expect(list2.version_metadatas.map((v: any) => [v.id, v.version_stages])).toEqual([['v1', ['SYSPREVIOUS']]]);
    const latest = check(await hc.call('GET', `${P}/secrets/db-cred/versions/latest`), 'ShowSecretVersionResponse');
    expect(JSON.parse(latest.version.secret_string).password).toBe('pw-2');
    const v1 = check(await hc.call('GET', `${P}/secrets/db-cred/versions/v1`), 'ShowSecretVersionResponse');
    expect(JSON.parse(v1.version.secret_string).password).toBe('pw-1');
    const bin = check(await hc.call('GET', `${P}/secrets/b-one/versions/v1`), 'ShowSecretVersionResponse');
    expect(bin.version.secret_binary).toBe('AAECAwQ=');
    expect(bin.version.secret_string).toBeUndefined();
    const upd = check(await hc.call('PUT', `${P}/secrets/db-cred/versions/v1`, { expire_time: 4102444800001 }), 'VersionMetadataResponse');
    expect(upd.version_metadata).toMatchObject({ id: 'v1', expire_time: 4102444800001 });
  });

  it('stages: show, update, delete', async () => {
    const cur = check(await hc.call('GET', `${P}/secrets/db-cred/stages/SYSCURRENT`), 'StageResponse');
    expect(cur.stage).toMatchObject({ name: 'SYSCURRENT', secret_name: 'db-cred', version_id: 'v2' });
    const blue = check(await hc.call('PUT', `${P}/secrets/db-cred/stages/blue`, { version_id: 'v1' }), 'StageResponse');
    expect(blue.stage).toMatchObject({ name: 'blue', version_id: 'v1' });
    expect(await hc.call('DELETE', `${P}/secrets/db-cred/stages/blue`)).toBeDefined();
    expect((await hc.fail('GET', `${P}/secrets/db-cred/stages/blue`)).errorCode).toBe('CSMS.0005');
    const e = await hc.fail('DELETE', `${P}/secrets/db-cred/stages/SYSPREVIOUS`);
    expect([e.httpStatusCode, e.errorCode]).toEqual([400, 'CSMS.0105']);
  });

  it('rotation, backup and restore from the blob, batch import', async () => {
    const rotated = check(await hc.call('POST', `${P}/secrets/c-two/rotate`), 'RotateSecretResponse');
    expect(rotated).toMatchObject({ version_id: 'v2', secret_name: 'c-two' });
    const tasks = check(await hc.call('GET', `${P}/csms/tasks`, undefined, { secret_name: 'c-two' }), 'ListSecretTaskResponse');
    expect(tasks.total).toBe(1);
    expect(tasks.tasks[0]).toMatchObject({ task_id: rotated.rotation_task_id, task_status: 'SUCCESS', operate_type: 'ROTATE', attempt_nums: 1 });
    const blob = check(await hc.call('POST', `${P}/secrets/c-two/backup`), 'DownloadSecretBlobResponse');
    await hc.call('DELETE', `${P}/secrets/c-two`);
    expect((await hc.fail('GET', `${P}/secrets/c-two`)).errorCode).toBe('CSMS.0106');
    const restored = check(await hc.call('POST', `${P}/secrets/restore`, { secret_blob: blob.secret_blob }), 'CreateSecretResponse');
    expect(restored.secret.name).toBe('c-two');
    const after = check(await hc.call('GET', `${P}/secrets/c-two/versions/latest`), 'ShowSecretVersionResponse');
    expect(after.version.version_metadata.id).toBe('v2');
    const imported = check(
      await hc.call('POST', `${P}/secrets/batch-import`, { secrets: [{ name: 'imp-1', secret_string: 'a' }, { name: 'db-cred', secret_string: 'dup' }, { name: 'bad name!', secret_string: 'x' }] }),
      'BatchImportSecretsResponse',
    );
    expect(imported).toMatchObject({ total: 3, success: 1, failed: 2 });
    expect(imported.error_list.map((e: any) => e.name)).toEqual(['db-cred', 'bad name!']);
  });

  it('tags and resource instances', async () => {
    const id = ids.secret!;
    await hc.call('POST', `${P}/csms/${id}/tags`, { tag: { key: 'team', value: 'orders' } });
    await hc.call('POST', `${P}/csms/${id}/tags/action`, { action: 'create', tags: [{ key: 'env', value: 'prod' }, { key: 'tmp', value: '' }] });
    await hc.call('DELETE', `${P}/csms/${id}/tags/tmp`);
    const tags = check(await hc.call('GET', `${P}/csms/${id}/tags`), 'ListSecretTagsResponse');
    expect(tags).toEqual({ tags: [{ key: 'team', value: 'orders' }, { key: 'env', value: 'prod' }], sys_tags: [] });
    const project = check(await hc.call('GET', `${P}/csms/tags`), 'ListProjectSecretsTagsResponse');
    expect(project.tags).toEqual([{ key: 'env', values: ['prod'] }, { key: 'team', values: ['orders'] }]);
    const found = check(await hc.call('POST', `${P}/csms/resource_instances/action`, { action: 'filter', limit: '10', offset: '0', tags: [{ key: 'env', values: ['prod'] }] }), 'ListResourceInstancesResponse');
    expect(found.total_count).toBe(1);
    expect(found.resources[0]).toMatchObject({ resource_id: id, resource_name: 'db-cred', resource_detail: { name: 'db-cred' } });
    const counted = check(await hc.call('POST', `${P}/csms/resource_instances/action`, { action: 'count', matches: [{ key: 'resource_name', value: 'db' }] }), 'ListResourceInstancesResponse');
    expect(counted).toEqual({ total_count: 1 });
    await hc.call('POST', `${P}/csms/${id}/tags/action`, { action: 'delete', tags: [{ key: 'env' }] });
    expect((await hc.call('GET', `${P}/csms/${id}/tags`)).tags).toEqual([{ key: 'team', value: 'orders' }]);
  });

  it('events, notification records and random passwords', async () => {
    const list = check(await hc.call('GET', `${P}/csms/events`), 'ListSecretEventsResponse');
    expect(list.events.map((e: any) => e.name)).toEqual(['ev1']);
    check(await hc.call('GET', `${P}/csms/events/ev1`), 'EventResponse');
    const upd = check(await hc.call('PUT', `${P}/csms/events/ev1`, { state: 'DISABLED' }), 'EventResponse');
    expect(upd.event.state).toBe('DISABLED');
    const records = check(await hc.call('GET', `${P}/csms/notification-records`), 'ListNotificationRecordsResponse');
    // db-cred subscribes ev1 (version created: v1 and v2); nothing carries a value.
    expect(records.records.map((r: any) => [r.event_name, r.trigger_event_type, r.secret_name, r.notification_status])).toEqual([
      ['ev1', 'SECRET_VERSION_CREATED', 'db-cred', 'INVALID'],
      ['ev1', 'SECRET_VERSION_CREATED', 'db-cred', 'INVALID'],
    ]);
    expect(JSON.stringify(records)).not.toContain('pw-');
    const inUse = await hc.fail('DELETE', `${P}/csms/events/ev1`);
    expect(inUse.errorCode).toBe('CSMS.0003');
    await hc.call('PUT', `${P}/secrets/db-cred`, { event_subscriptions: [] });
    await hc.call('DELETE', `${P}/csms/events/ev1`);
    expect((await hc.fail('GET', `${P}/csms/events/ev1`)).errorCode).toBe('CSMS.0005');
    const pw = check(await hc.call('POST', `${P}/csms/generate-password`, { length: 20, exclude_punctuation: true }), 'GenerateRandomPasswordResponse');
    expect(pw.password).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(check(await hc.call('GET', `${P}/secrets/checker/config`), 'SecretsConfigResponse')).toEqual({ checking_secret_strength: false });
    expect(check(await hc.call('POST', `${P}/secrets/checker/config`, { checking_secret_strength: true }), 'SecretsConfigResponse')).toEqual({ checking_secret_strength: true });
    expect(await hc.call('GET', `${P}/secrets/checker/config`)).toEqual({ checking_secret_strength: true });
    expect((await hc.fail('POST', `${P}/secrets/checker/config`, { checking_secret_strength: 'yes' })).errorCode).toBe('CSMS.0002');
  });

  it('scheduled deletion, restore, and delete now', async () => {
    const s = check(await hc.call('POST', `${P}/secrets/imp-1/scheduled-deleted-tasks/create`, { recovery_window_in_days: 7 }), 'CreateSecretResponse');
    expect(s.secret.state).toBe('PENDING_DELETE');
    expect(typeof s.secret.scheduled_delete_time).toBe('number');
    expect((await hc.fail('GET', `${P}/secrets/imp-1/versions/latest`)).errorCode).toBe('CSMS.0103');
    const r = check(await hc.call('POST', `${P}/secrets/imp-1/scheduled-deleted-tasks/cancel`), 'CreateSecretResponse');
    expect(r.secret.state).toBe('ENABLED');
    await hc.call('DELETE', `${P}/secrets/imp-1`);
    expect((await hc.fail('GET', `${P}/secrets/imp-1`)).errorCode).toBe('CSMS.0106');
  });

  it('errors are flat for secret operations and nested for tag, event and rotation operations', async () => {
    expect(await errorBody('GET', `${P}/secrets/nope`)).toEqual({ error_code: 'CSMS.0106', error_msg: 'The secret nope does not exist.' });
    expect(await errorBody('POST', `${P}/secrets`, { name: 'x' })).toMatchObject({ error_code: 'CSMS.0002' });
    expect(Object.keys(await errorBody('POST', `${P}/secrets`, { name: 'x' }))).toEqual(['error_code', 'error_msg']);
    const nested = await errorBody('POST', `${P}/secrets/nope/rotate`);
    expect(nested.error).toEqual({ error_code: 'CSMS.0106', error_msg: 'The secret nope does not exist.' });
    const ev = await errorBody('GET', `${P}/csms/events/nope`);
    expect(ev.error.error_code).toBe('CSMS.0005');
    const tag = await errorBody('GET', `${P}/csms/00000000-0000-4000-8000-000000000000/tags`);
    expect(tag.error.error_code).toBe('CSMS.0005');
    // Huawei's Node SDK reads the code of both forms.
    expect((await hc.fail('POST', `${P}/secrets/nope/rotate`)).errorCode).toBe('CSMS.0106');
    // Operations that are not served (docs/csms-api.md) answer 404 with the gateway's code.
    for (const [method, path, body] of [
      ['POST', `${P}/secrets/checker/check`, { type: 'password', data: {} }],
      ['GET', '/v1/csms/agencies', undefined],
      ['GET', '/v1/csms/function-templates', undefined],
      ['GET', `${P}/csms/grants`, undefined],
    ] as const) {
      const e = await hc.fail(method, path, body, method === 'GET' && path.includes('agencies') ? { secret_type: 'RDS-FG' } : {});
      expect([e.httpStatusCode, e.errorCode], `${method} ${path}`).toEqual([404, 'APIGW.0101']);
    }
    const badJson = await fetch(`${server.url}/v1/x/secrets`, { method: 'POST', body: '{' });
    expect(badJson.status).toBe(401); // unsigned: the gateway refuses before anything else
  });
});
