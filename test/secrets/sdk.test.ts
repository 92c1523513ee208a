// The secrets SDK on its own: SecretsClient has a method for every CSMS route the server serves (same
// method and path); the caching reader serves cached values while refreshing, backs off on errors and
// never serves a value older than its maximum; field resolution as Flink's dew.csms.decrypt.fields.
import { describe, expect, it } from 'vitest';
import { CSMS_ROUTES } from '../../src/secrets/routes.ts';
import { CachingSecretReader, FieldResolutionError, SecretsClient, StaleSecretError, fieldList, resolveFields, resolveSecretFields, type Version } from '../../src/sdk/secrets/index.ts';

describe('SecretsClient', () => {
  it('has a method, with the same method and path, for every route the server has', async () => {
    const seen = new Set<string>();
    const client = new SecretsClient({
      request: async (method: string, path: string) => {
        const rel = path.replace('/v1/{project_id}', '');
        seen.add(`${method} ${rel}`);
        return { secret: {}, version: {}, version_metadata: {}, stage: {}, event: {}, tags: [], secret_blob: '', password: '', page_info: {}, secrets: [] } as any;
      },
    });
    const id = '11111111-2222-4333-8444-555555555555';
    await client.createSecret({ name: 'S' });
    await client.listSecrets();
    await client.showSecret('S');
    await client.updateSecret('S', {});
    await client.deleteSecret('S');
    await client.scheduleDeletion('S', 7);
    await client.restoreSecret('S');
    await client.createVersion('S', { secret_string: 'x' });
    await client.listVersions('S');
    await client.getVersion('S', 'V');
    await client.updateVersion('S', 'V', 1);
    await client.showStage('S', 'G');
    await client.updateStage('S', 'G', 'V');
    await client.deleteStage('S', 'G');
    await client.rotateSecret('S');
    await client.backupSecret('S');
    await client.restoreFromBlob('b');
    await client.batchImport([]);
    await client.createTag(id, { key: 'k' });
    await client.batchTags(id, 'create', []);
    await client.deleteTag(id, 'K');
    await client.listTags(id);
    await client.projectTags();
    await client.resourceInstances({ action: 'count' });
    await client.createEvent({ name: 'e', event_types: [], state: 'ENABLED', notification: { target_type: 'SMN', target_id: 'i', target_name: 'n' } });
    await client.listEvents();
    await client.showEvent('E');
    await client.updateEvent('E', {});
    await client.deleteEvent('E');
    await client.listNotificationRecords();
    await client.listTasks();
    await client.generatePassword();
    await client.showConfig();
    await client.updateConfig(true);
    const template = (p: string) =>
      p
        .replace(':secret_name', 'S')
        .replace(':version_id', 'V')
        .replace(':stage_name', 'G')
        .replace(':secret_id', id)
        .replace(':key', 'K')
        .replace(':event_name', 'E');
    const served = CSMS_ROUTES.map((r) => `${r.method} ${template(r.path)}`).sort();
    expect([...seen].sort()).toEqual(served);
  });
});

function fakeSource() {
  const state = { value: 'one', fail: false, calls: 0 };
  let release: (() => void) | undefined;
  const source = {
    hold: false,
    async getVersion(_name: string, versionId = 'latest'): Promise<Version> {
      state.calls++;
      if (source.hold) await new Promise<void>((r) => (release = r));
      if (state.fail) throw new Error('server down');
      return { version_metadata: { id: versionId, create_time: 0, kms_key_id: 'k', secret_name: 'n', version_stages: [] }, secret_string: state.value };
    },
    release: () => release?.(),
  };
  return { state, source };
}

describe('CachingSecretReader', () => {
  it('serves from memory until refreshMs, then the cached value while one refresh runs, then the new value', async () => {
    const { state, source } = fakeSource();
    let now = 0;
    const reader = new CachingSecretReader(source, { refreshMs: 1000, maxAgeMs: 5000, now: () => now });
    expect(await reader.getSecret('n')).toBe('one');
    state.value = 'two';
    now = 999;
    expect(await reader.getSecret('n')).toBe('one');
    expect(state.calls).toBe(1);
    now = 1000;
    source.hold = true;
    expect(await reader.getSecret('n')).toBe('one'); // stale-while-refresh
    expect(await reader.getSecret('n')).toBe('one');
    expect(state.calls).toBe(2); // one refresh in flight, not one per read
    source.release();
    await new Promise((r) => setTimeout(r, 0));
    source.hold = false;
    expect(await reader.getSecret('n')).toBe('two');
  });

  it('backs off after failed refreshes and never serves a value older than maxAgeMs', async () => {
    const { state, source } = fakeSource();
    let now = 0;
    const errors: unknown[] = [];
    const reader = new CachingSecretReader(source, { refreshMs: 1000, maxAgeMs: 3000, initialBackoffMs: 400, maxBackoffMs: 800, now: () => now, onError: (e) => errors.push(e) });
    await reader.getSecret('n');
    state.fail = true;
    now = 1000;
    expect(await reader.getSecret('n')).toBe('one');
    await new Promise((r) => setTimeout(r, 0));
    expect(errors).toHaveLength(1);
    // Within the backoff (at most 400 ms after the failure) no new attempt is made.
    now = 1100;
    await reader.getSecret('n');
    expect(state.calls).toBe(2);
    now = 1500; // past any first backoff: one more attempt, which fails too
    expect(await reader.getSecret('n')).toBe('one');
    await new Promise((r) => setTimeout(r, 0));
    expect(state.calls).toBe(3);
    // At maxAgeMs the old value is no longer served.
    now = 3000;
    const e = await reader.getSecret('n').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StaleSecretError);
    expect(String((e as Error).message)).not.toContain('one');
    // Back up: the next read fetches and serves the new value.
    state.fail = false;
    state.value = 'three';
    now = 5000;
    expect(await reader.getSecret('n')).toBe('three');
  });

  it('keeps versions apart, parses JSON without echoing the value, and needs refreshMs <= maxAgeMs', async () => {
    const { state, source } = fakeSource();
    state.value = '{"username":"u","password":"p"}';
    const reader = new CachingSecretReader(source);
    expect(await reader.getSecretJson('n', 'v1')).toEqual({ username: 'u', password: 'p' });
    expect(state.calls).toBe(1);
    await reader.getSecret('n', 'latest');
    expect(state.calls).toBe(2);
    state.value = 'not json secret-text';
    reader.clear('n');
    const e = await reader.getSecretJson('n').catch((x: unknown) => x);
    expect(String(e)).toContain('is not JSON');
    expect(String(e)).not.toContain('secret-text');
    expect(() => new CachingSecretReader(source, { refreshMs: 10, maxAgeMs: 5 })).toThrow(RangeError);
  });
});

describe('field resolution (dew.csms.decrypt.fields)', () => {
  const secret = { db_user: 'orders_app', db_pass: 'Pa55', port: 5432 };
  it('replaces each named field by the value of the key it holds, leaving the rest', () => {
    const config = { url: 'jdbc:mysql://db/orders', username: 'db_user', password: 'db_pass', port: 'port', table: 'orders' };
    expect(resolveFields(config, secret, 'username, password,port')).toEqual({ url: 'jdbc:mysql://db/orders', username: 'orders_app', password: 'Pa55', port: '5432', table: 'orders' });
    expect(config.password).toBe('db_pass'); // the input is not changed
    expect(fieldList(['a', ' b ', ''])).toEqual(['a', 'b']);
  });

  it('a missing key or field is an error naming it, never the value', async () => {
    expect(() => resolveFields({ password: 'nope' }, secret, ['password'], 'secret db')).toThrow(new FieldResolutionError('secret db has no key nope (named by field password)'));
    expect(() => resolveFields({}, secret, ['password'])).toThrow(/field password is listed for decryption but the configuration has no such field/);
    expect(() => resolveFields({ password: 3 }, secret, ['password'])).toThrow(FieldResolutionError);
    const reader = { getSecretJson: async () => ['not', 'an', 'object'] } as any;
    await expect(resolveSecretFields(reader, { a: 'b' }, { secretName: 'x', fields: 'a' })).rejects.toThrow(/not a JSON object/);
  });
});
