// The database-password flow of the product, against `npm start`'s entry point over loopback, with the
// SDK's SecretsClient and its caching reader: create db-cred, read latest and v1, put a new version (the
// reader sees it after its refresh while v1 still reads the old value and SYSPREVIOUS points at v1),
// schedule deletion, restore, read again, restart the server - everything still there. Then the secret's
// CMK: disabled -> reads fail with KMS.0209, enabled -> they work again.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SignedClient } from '../../src/sdk/client.ts';
import { ApiError } from '../../src/sdk/errors.ts';
import { CachingSecretReader, SecretsClient, resolveSecretFields } from '../../src/sdk/secrets/index.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-csms-flow-'));
const running: RunningServer[] = [];
interface Running {
  server: RunningServer;
  http: SignedClient;
  secrets: SecretsClient;
}
let current: Running;
afterAll(async () => {
  for (const s of running) await s.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(port = '0'): Promise<Running> {
  // The access log on, as npm start ships: it must name the operations and never carry a value.
  const s = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir, PORT: port, EDGEKMS_LOG: 'info' });
  running.push(s);
  const admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
  const http = new SignedClient({ endpoint: s.url, accessKey: admin.access_key, secretKey: admin.secret_key, projectId: admin.project_id, retry: false });
  current = { server: s, http, secrets: new SecretsClient(http) };
  return current;
}

describe('database password flow against npm start', () => {
  it('create, read, new version seen after refresh, schedule deletion, restore, restart', async () => {
    let { server, secrets } = await start();
    const cred1 = { username: 'orders_app', password: 'first-Pa55' };
    const created = await secrets.createSecret({ name: 'db-cred', secret_string: JSON.stringify(cred1) });
    expect(created.state).toBe('ENABLED');

    let now = 1_000_000;
    const reader = new CachingSecretReader(secrets, { refreshMs: 60_000, maxAgeMs: 300_000, now: () => now });
    // 2. latest and v1
    expect(await reader.getSecretJson('db-cred')).toEqual(cred1);
    expect(await reader.getSecretJson('db-cred', 'v1')).toEqual(cred1);
    // An app opens its connection with the latest username and password; a Flink-style config resolves its fields.
    const config = await resolveSecretFields(reader, { url: 'jdbc:mysql://db/orders', user: 'username', pass: 'password' }, { secretName: 'db-cred', fields: 'user,pass' });
    expect(config).toEqual({ url: 'jdbc:mysql://db/orders', user: 'orders_app', pass: 'first-Pa55' });

    // 3. a new version
    const cred2 = { username: 'orders_app', password: 'second-Pa55' };
    const v2 = await secrets.createVersion('db-cred', { secret_string: JSON.stringify(cred2) });
    expect(v2.id).toBe('v2');
    expect(await reader.getSecretJson('db-cred')).toEqual(cred1); // still fresh in the cache
    now += 60_000; // refresh due: the cached value is served while the refresh runs
    expect(await reader.getSecretJson('db-cred')).toEqual(cred1);
    await vi.waitFor(async () => expect(await reader.getSecretJson('db-cred')).toEqual(cred2));
    expect(await reader.getSecretJson('db-cred', 'v1')).toEqual(cred1);
    expect(JSON.parse((await secrets.getVersion('db-cred', 'v1')).secret_string!)).toEqual(cred1);
    expect(await secrets.showStage('db-cred', 'SYSPREVIOUS')).toMatchObject({ version_id: 'v1' });
    expect(await secrets.showStage('db-cred', 'SYSCURRENT')).toMatchObject({ version_id: 'v2' });

    // 4. schedule deletion, restore, read
    const pending = await secrets.scheduleDeletion('db-cred', 7);
    expect(pending.state).toBe('PENDING_DELETE');
    const refused = await secrets.getVersion('db-cred').catch((e: any) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused.code).toBe('CSMS.0103');
    expect((await secrets.restoreSecret('db-cred')).state).toBe('ENABLED');
    expect(JSON.parse((await secrets.getVersion('db-cred')).secret_string!)).toEqual(cred2);

    // 5. restart: everything is still there
    expect(await server.stop()).toBe(0);
    ({ server, secrets } = await start());
    expect(await secrets.showSecret('db-cred')).toMatchObject({ id: created.id, state: 'ENABLED', kms_key_id: created.kms_key_id });
    expect(JSON.parse((await secrets.getVersion('db-cred', 'latest')).secret_string!)).toEqual(cred2);
    expect(JSON.parse((await secrets.getVersion('db-cred', 'v1')).secret_string!)).toEqual(cred1);
    expect((await secrets.listVersions('db-cred')).version_metadatas.map((v) => [v.id, v.version_stages])).toEqual([
      ['v2', ['SYSCURRENT']],
      ['v1', ['SYSPREVIOUS']],
    ]);
    // The server's log names every operation and carries no value.
    const log = () => running.map((s) => s.output()).join('\n');
    // The last line is written after the answer went out: wait for it.
    await vi.waitFor(() => expect(log()).toContain('"operation":"ListSecretVersions"'));
    for (const op of ['CreateSecret', 'ShowSecretVersion', 'CreateSecretVersion', 'ShowSecretStage', 'DeleteSecretForSchedule', 'RestoreSecret', 'ShowSecret']) {
      expect(log()).toContain(`"operation":"${op}"`);
    }
    expect(log()).toContain('"error_code":"CSMS.0103"');
    expect(log()).not.toMatch(/Pa55/);
  });

  it('disabling the secret CMK makes reads fail with KMS.0209; enabling it makes them work again', async () => {
    const { http, secrets } = current; // the server the first test restarted
    const key = (await http.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'db-secrets' })).key_info.key_id;
    await secrets.createSecret({ name: 'db-cred-own-key', secret_string: '{"password":"x-Pa55"}', kms_key_id: key });
    await http.request('POST', '/v1.0/{project_id}/kms/disable-key', { key_id: key });
    const e = await secrets.getVersion('db-cred-own-key').catch((x: any) => x);
    expect([e.status, e.code]).toEqual([400, 'KMS.0209']);
    expect(e.message).not.toContain('Pa55');
    await http.request('POST', '/v1.0/{project_id}/kms/enable-key', { key_id: key });
    expect((await secrets.getVersion('db-cred-own-key')).secret_string).toBe('{"password":"x-Pa55"}');
  });
});
