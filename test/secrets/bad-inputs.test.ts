// Every CSMS endpoint's bad inputs answer with the spec's code and change nothing in the store; every
// limit is tried at, below and above its bound; user credentials (users.json) may not touch secrets.
import { beforeEach, describe, expect, it } from 'vitest';
import { createSecret } from '../../src/secrets/ops/secrets.ts';
import { Secrets } from '../../src/secrets/secrets.ts';
import { listAll } from '../../src/store/store.ts';
import { makeRig, rejection, type Rig } from '../helpers/kms.ts';

const P = '/v1/{project_id}';
let t: Rig;
let secretId: string;
let rsaKey: string;
const call = (method: string, path: string, body?: unknown, query?: Record<string, string>) => t.client.request(method, `${P}${path}`, body, query);

/** Every store key with its version: any write changes it. */
async function snapshot(): Promise<string> {
  const out: string[] = [];
  for (const k of await listAll(t.store, '')) out.push(`${k}@${(await t.store.get(k))!.version}`);
  return out.join('\n');
}

beforeEach(async () => {
  t = await makeRig();
  secretId = (await call('POST', '/secrets', { name: 'app', secret_string: 'v1-value' })).secret.id;
  rsaKey = (await t.client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'mac', key_spec: 'HMAC_256', key_usage: 'GENERATE_VERIFY_MAC' })).key_info.key_id;
  await call('POST', '/secrets/app/versions', { secret_string: 'v2-value' });
  await call('POST', '/csms/events', { name: 'ev', event_types: ['SECRET_ROTATED'], state: 'ENABLED', notification: { target_type: 'SMN', target_id: 'urn', target_name: 'n' } });
});

const big = (n: number) => 'x'.repeat(n);
const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64');

// [method, path, body, query, expected code, what]
const BAD: [string, string, unknown, Record<string, string> | undefined, string, string][] = [
  ['POST', '/secrets', { secret_string: 'x' }, undefined, 'CSMS.0002', 'missing name'],
  ['POST', '/secrets', { name: 'n', secret_string: 'x', secret_binary: 'AA==' }, undefined, 'CSMS.0002', 'both value forms'],
  ['POST', '/secrets', { name: 'n' }, undefined, 'CSMS.0002', 'no value'],
  ['POST', '/secrets', { name: 7, secret_string: 'x' }, undefined, 'CSMS.0002', 'name of the wrong JSON type'],
  ['POST', '/secrets', { name: 'a/b', secret_string: 'x' }, undefined, 'CSMS.0002', 'name with a slash'],
  ['POST', '/secrets', { name: big(65), secret_string: 'x' }, undefined, 'CSMS.0002', 'name over 64'],
  ['POST', '/secrets', { name: 'n', secret_string: big(32 * 1024 + 1) }, undefined, 'CSMS.0002', 'oversize secret_string'],
  ['POST', '/secrets', { name: 'n', secret_binary: b64(32 * 1024 + 1) }, undefined, 'CSMS.0002', 'oversize secret_binary'],
  ['POST', '/secrets', { name: 'n', secret_binary: 'not base64!' }, undefined, 'CSMS.0002', 'secret_binary not base64'],
  ['POST', '/secrets', { name: 'n', secret_string: 'x', description: big(2049) }, undefined, 'CSMS.0002', 'description over 2048 bytes'],
  ['POST', '/secrets', { name: 'n', secret_string: 'x', auto_rotation: 'yes' }, undefined, 'CSMS.0002', 'auto_rotation not a boolean'],
  ['POST', '/secrets', { name: 'n', secret_string: 'x', auto_rotation: true }, undefined, 'CSMS.0002', 'auto_rotation without a period'],
  ['POST', '/secrets', { name: 'n', secret_string: 'x', rotation_period: '5h' }, undefined, 'CSMS.0002', 'rotation_period under 6h'],
  ['POST', '/secrets', { name: 'n', secret_string: 'x', rotation_period: '8761h' }, undefined, 'CSMS.0002', 'rotation_period over 8760h'],
  ['POST', '/secrets', { name: 'n', secret_string: 'x', secret_type: 'MAGIC' }, undefined, 'CSMS.0002', 'unknown secret_type'],
  ['POST', '/secrets', { name: 'n', secret_string: 'x', secret_type: 'RDS-FG' }, undefined, 'CSMS.0002', 'RDS-FG without rotation_config'],
  ['POST', '/secrets', { name: 'n', secret_string: 'x', event_subscriptions: ['nope'] }, undefined, 'CSMS.0005', 'unknown event'],
  ['POST', '/secrets', { name: 'n', secret_string: 'x', event_subscriptions: ['ev', 'ev'] }, undefined, 'CSMS.0002', 'two events'],
  ['POST', '/secrets', { name: 'n', secret_string: 'x', kms_key_id: '00000000-0000-0000-0000-000000000000' }, undefined, 'KMS.0207', 'unknown CMK'],
  ['POST', '/secrets', { name: 'app', secret_string: 'x' }, undefined, 'CSMS.0002', 'name taken'],
  ['POST', '/secrets', { name: 'n', secret_string: 'x', kms_key_id: 'RSAKEY' }, undefined, 'CSMS.0002', 'a CMK that cannot wrap data keys'],
  ['PUT', '/secrets/app', { kms_key_id: 'RSAKEY' }, undefined, 'CSMS.0002', 'update to a CMK that cannot wrap data keys'],
  ['GET', '/secrets', undefined, { limit: '0' }, 'CSMS.0002', 'limit 0'],
  ['GET', '/secrets', undefined, { limit: '201' }, 'CSMS.0002', 'limit over 200'],
  ['GET', '/secrets', undefined, { limit: 'ten' }, 'CSMS.0002', 'limit not a number'],
  ['GET', '/secrets/nope', undefined, undefined, 'CSMS.0106', 'unknown secret'],
  ['PUT', '/secrets/app', { description: 5 }, undefined, 'CSMS.0002', 'description of the wrong type'],
  ['PUT', '/secrets/app', { rotation_period: '1x' }, undefined, 'CSMS.0002', 'bad rotation_period'],
  ['PUT', '/secrets/app', { auto_rotation: true }, undefined, 'CSMS.0002', 'auto_rotation without a period'],
  ['PUT', '/secrets/nope', { description: 'd' }, undefined, 'CSMS.0106', 'update unknown secret'],
  ['DELETE', '/secrets/nope', undefined, undefined, 'CSMS.0106', 'delete unknown secret'],
  ['POST', '/secrets/app/scheduled-deleted-tasks/create', {}, undefined, 'CSMS.0002', 'no recovery window'],
  ['POST', '/secrets/app/scheduled-deleted-tasks/create', { recovery_window_in_days: 6 }, undefined, 'CSMS.0002', 'recovery window 6'],
  ['POST', '/secrets/app/scheduled-deleted-tasks/create', { recovery_window_in_days: 31 }, undefined, 'CSMS.0002', 'recovery window 31'],
  ['POST', '/secrets/app/scheduled-deleted-tasks/create', { recovery_window_in_days: '7' }, undefined, 'CSMS.0002', 'recovery window as a string'],
  ['POST', '/secrets/app/scheduled-deleted-tasks/cancel', undefined, undefined, 'CSMS.0108', 'restore a secret not pending deletion'],
  ['POST', '/secrets/app/versions', {}, undefined, 'CSMS.0002', 'version without a value'],
  ['POST', '/secrets/app/versions', { secret_string: big(32 * 1024 + 1) }, undefined, 'CSMS.0002', 'oversize version'],
  ['POST', '/secrets/app/versions', { secret_string: 'x', version_stages: [] }, undefined, 'CSMS.0002', 'empty version_stages'],
  ['POST', '/secrets/app/versions', { secret_string: 'x', version_stages: Array.from({ length: 13 }, (_, i) => `s${i}`) }, undefined, 'CSMS.0002', '13 version_stages'],
  ['POST', '/secrets/app/versions', { secret_string: 'x', version_stages: ['bad stage'] }, undefined, 'CSMS.0002', 'wrong stage name'],
  ['POST', '/secrets/app/versions', { secret_string: 'x', version_stages: [big(65)] }, undefined, 'CSMS.0002', 'stage name over 64'],
  ['POST', '/secrets/app/versions', { secret_string: 'x', version_stages: 'SYSCURRENT' }, undefined, 'CSMS.0002', 'version_stages not an array'],
  ['POST', '/secrets/app/versions', { secret_string: 'x', expire_time: '1' }, undefined, 'CSMS.0002', 'expire_time as a string'],
  ['POST', '/secrets/nope/versions', { secret_string: 'x' }, undefined, 'CSMS.0106', 'version of unknown secret'],
  ['GET', '/secrets/app/versions', undefined, { marker: 'x1' }, 'CSMS.0002', 'bad version marker'],
  ['GET', '/secrets/app/versions/v9', undefined, undefined, 'CSMS.0005', 'unknown version'],
  ['GET', '/secrets/app/versions/first', undefined, undefined, 'CSMS.0005', 'version id that cannot exist'],
  ['PUT', '/secrets/app/versions/v1', {}, undefined, 'CSMS.0002', 'expiry missing'],
  ['PUT', '/secrets/app/versions/v1', { expire_time: 1.5 }, undefined, 'CSMS.0002', 'expiry not an integer'],
  ['PUT', '/secrets/app/versions/v9', { expire_time: 1 }, undefined, 'CSMS.0005', 'expiry of unknown version'],
  ['GET', '/secrets/app/stages/nope', undefined, undefined, 'CSMS.0005', 'unknown stage'],
  ['GET', '/secrets/app/stages/bad%20stage', undefined, undefined, 'CSMS.0002', 'wrong stage name in the path'],
  ['PUT', '/secrets/app/stages/blue', {}, undefined, 'CSMS.0002', 'stage without version_id'],
  ['PUT', '/secrets/app/stages/blue', { version_id: 'v9' }, undefined, 'CSMS.0005', 'stage onto unknown version'],
  ['PUT', '/secrets/app/stages/blue', { version_id: 2 }, undefined, 'CSMS.0002', 'version_id not a string'],
  ['DELETE', '/secrets/app/stages/SYSCURRENT', undefined, undefined, 'CSMS.0105', 'delete SYSCURRENT'],
  ['DELETE', '/secrets/app/stages/SYSPREVIOUS', undefined, undefined, 'CSMS.0105', 'delete SYSPREVIOUS'],
  ['DELETE', '/secrets/app/stages/nope', undefined, undefined, 'CSMS.0005', 'delete unknown stage'],
  ['POST', '/secrets/nope/rotate', undefined, undefined, 'CSMS.0106', 'rotate unknown secret'],
  ['POST', '/secrets/nope/backup', undefined, undefined, 'CSMS.0106', 'back up unknown secret'],
  ['POST', '/secrets/restore', {}, undefined, 'CSMS.0002', 'restore without a blob'],
  ['POST', '/secrets/restore', { secret_blob: 'AAAA' }, undefined, 'CSMS.0002', 'restore a bad blob'],
  ['POST', '/secrets/batch-import', {}, undefined, 'CSMS.0002', 'import without secrets'],
  ['POST', '/secrets/batch-import', { secrets: [] }, undefined, 'CSMS.0002', 'import of nothing'],
  ['POST', '/csms/not-an-id/tags', { tag: { key: 'k', value: 'v' } }, undefined, 'CSMS.0002', 'tag on a malformed id'],
  ['POST', '/csms/00000000-0000-4000-8000-000000000000/tags', { tag: { key: 'k' } }, undefined, 'CSMS.0005', 'tag on unknown secret'],
  ['POST', '/csms/SECRETID/tags', {}, undefined, 'CSMS.0002', 'tag missing'],
  ['POST', '/csms/SECRETID/tags', { tag: { key: '_sys_x' } }, undefined, 'CSMS.0002', 'reserved tag key'],
  ['POST', '/csms/SECRETID/tags', { tag: { key: ' k' } }, undefined, 'CSMS.0002', 'tag key with leading space'],
  ['POST', '/csms/SECRETID/tags', { tag: { key: 'a%20b' } }, undefined, 'CSMS.0002', 'tag key with %'],
  ['POST', '/csms/SECRETID/tags', { tag: { key: big(129) } }, undefined, 'CSMS.0002', 'tag key over 128'],
  ['POST', '/csms/SECRETID/tags', { tag: { key: 'k', value: big(256) } }, undefined, 'CSMS.0002', 'tag value over 255'],
  ['POST', '/csms/SECRETID/tags/action', { action: 'purge', tags: [{ key: 'k' }] }, undefined, 'CSMS.0002', 'unknown tag action'],
  ['POST', '/csms/SECRETID/tags/action', { action: 'create', tags: Array.from({ length: 21 }, (_, i) => ({ key: `k${i}` })) }, undefined, 'CSMS.0002', '21 tags'],
  ['DELETE', '/csms/SECRETID/tags/nope', undefined, undefined, 'CSMS.0005', 'delete unknown tag'],
  ['POST', '/csms/resource_instances/action', { action: 'sum' }, undefined, 'CSMS.0002', 'unknown resource action'],
  ['POST', '/csms/resource_instances/action', { action: 'filter', limit: '0' }, undefined, 'CSMS.0002', 'resource limit 0'],
  ['POST', '/csms/resource_instances/action', { action: 'filter', matches: [{ key: 'resource_id', value: 'x' }] }, undefined, 'CSMS.0002', 'match key not resource_name'],
  ['POST', '/csms/events', { name: 'e2', event_types: ['SECRET_ROTATED'], state: 'ENABLED' }, undefined, 'CSMS.0002', 'event without notification'],
  ['POST', '/csms/events', { name: 'e2', event_types: ['NOPE'], state: 'ENABLED', notification: { target_type: 'SMN', target_id: 'u', target_name: 'n' } }, undefined, 'CSMS.0002', 'unknown event type'],
  ['POST', '/csms/events', { name: 'ev', event_types: ['SECRET_ROTATED'], state: 'ENABLED', notification: { target_type: 'SMN', target_id: 'u', target_name: 'n' } }, undefined, 'CSMS.0002', 'event name taken'],
  ['PUT', '/csms/events/ev', { state: 'ON' }, undefined, 'CSMS.0002', 'bad event state'],
  ['GET', '/csms/events/nope', undefined, undefined, 'CSMS.0005', 'unknown event'],
  ['DELETE', '/csms/events/nope', undefined, undefined, 'CSMS.0005', 'delete unknown event'],
  ['GET', '/csms/tasks', undefined, { status: 'DONE' }, 'CSMS.0002', 'bad task status'],
  ['POST', '/csms/generate-password', { length: 7 }, undefined, 'CSMS.0002', 'password length 7'],
  ['POST', '/secrets/checker/config', { checking_secret_strength: 1 }, undefined, 'CSMS.0002', 'config switch not a boolean'],
  ['POST', '/csms/generate-password', { length: 8, exclude_lowercase: true, exclude_uppercase: true, exclude_numbers: true, exclude_punctuation: true }, undefined, 'CSMS.0002', 'password of no characters'],
];

describe('bad inputs', () => {
  const cases = BAD.map(([method, path, body, query, code, what]) => ({ method, path, body, query, code, what }));
  it.each(cases)('$method $path, $what: $code', async ({ method, path, body, query, code }) => {
    const before = await snapshot();
    const e = await rejection(call(method, path.replace('SECRETID', secretId), JSON.parse(JSON.stringify(body ?? null)?.replace('RSAKEY', rsaKey)) ?? undefined, query));
    expect(e.code).toBe(code);
    expect([400, 403]).toContain(e.status);
    expect(await snapshot()).toBe(before);
  });

  it('a body that is not a JSON object is CSMS.0004 and changes nothing', async () => {
    const before = await snapshot();
    for (const text of ['{', '[1]', '"x"']) {
      const res = await t.app.fetch(new Request('http://kms.test/v1/x/secrets', { method: 'POST', body: text }));
      expect(res.status).toBe(401); // unsigned requests stop at the gateway
    }
    // Signed: the SignedClient always sends JSON, so send a JSON array.
    const e = await rejection(t.client.request('POST', `${P}/secrets`, [1]));
    expect(e.code).toBe('CSMS.0004');
    expect(await snapshot()).toBe(before);
  });

  it('user credentials of users.json may not touch secrets (403 KMS.0307), whatever they read', async () => {
    const alice = t.userClient('alice');
    for (const [method, path] of [['GET', '/secrets'], ['GET', '/secrets/app/versions/latest'], ['POST', '/secrets/app/rotate'], ['GET', '/csms/events']] as const) {
      const e = await rejection(alice.request(method, `${P}${path}`));
      expect([e.status, e.code]).toEqual([403, 'KMS.0307']);
    }
  });
});

describe('limits at, below and above their bounds', () => {
  it('secret name 64 characters and value 32 KB (string and binary) are accepted; one more is refused', async () => {
    await call('POST', '/secrets', { name: big(63), secret_string: big(32 * 1024 - 1) });
    await call('POST', '/secrets', { name: big(64), secret_string: big(32 * 1024) });
    expect((await call('GET', `/secrets/${big(64)}/versions/latest`)).version.secret_string).toHaveLength(32 * 1024);
    await call('POST', '/secrets', { name: 'bin', secret_binary: b64(32 * 1024) });
    await call('POST', '/secrets/bin/versions', { secret_binary: b64(32 * 1024 - 1) });
    expect((await rejection(call('POST', '/secrets/bin/versions', { secret_binary: b64(32 * 1024 + 1) }))).code).toBe('CSMS.0002');
    // Multi-byte characters count as UTF-8 bytes: 16384 two-byte characters are 32 KB.
    await call('POST', '/secrets/bin/versions', { secret_string: 'é'.repeat(16 * 1024) });
    expect((await rejection(call('POST', '/secrets/bin/versions', { secret_string: 'é'.repeat(16 * 1024) + 'x' }))).code).toBe('CSMS.0002');
  });

  it('recovery window 7 and 30 days are accepted', async () => {
    for (const days of [7, 30]) {
      await call('POST', '/secrets/app/scheduled-deleted-tasks/create', { recovery_window_in_days: days });
      expect((await call('GET', '/secrets/app')).secret.state).toBe('PENDING_DELETE');
      await call('POST', '/secrets/app/scheduled-deleted-tasks/cancel');
      expect((await call('GET', '/secrets/app')).secret.state).toBe('ENABLED');
    }
  });

  it('stages per secret: 11 and 12 accepted, the 13th refused with CSMS.0203 and nothing changed', async () => {
    // SYSCURRENT and SYSPREVIOUS exist: add custom stages up to 12 in all.
    for (let i = 0; i < 9; i++) await call('PUT', `/secrets/app/stages/s${i}`, { version_id: 'v1' });
    expect(Object.keys((await call('GET', '/secrets/app/versions/v1')).version.version_metadata.version_stages)).toHaveLength(10);
    await call('PUT', '/secrets/app/stages/s9', { version_id: 'v1' }); // 12
    const before = await snapshot();
    expect((await rejection(call('PUT', '/secrets/app/stages/s10', { version_id: 'v1' }))).code).toBe('CSMS.0203');
    expect((await rejection(call('POST', '/secrets/app/versions', { secret_string: 'x', version_stages: ['s11'] }))).code).toBe('CSMS.0203');
    expect(await snapshot()).toBe(before);
    // Moving an existing stage is not a new one.
    await call('PUT', '/secrets/app/stages/s9', { version_id: 'v2' });
  });

  it('tags per secret: 20 accepted, the 21st refused', async () => {
    await call('POST', `/csms/${secretId}/tags/action`, { action: 'create', tags: Array.from({ length: 19 }, (_, i) => ({ key: `k${i}`, value: 'v' })) });
    await call('POST', `/csms/${secretId}/tags`, { tag: { key: 'k19', value: big(255) } });
    const before = await snapshot();
    expect((await rejection(call('POST', `/csms/${secretId}/tags`, { tag: { key: 'k20' } }))).code).toBe('CSMS.0002');
    expect(await snapshot()).toBe(before);
    await call('POST', `/csms/${secretId}/tags`, { tag: { key: 'k19', value: 'replaced' } }); // same key: a replacement
  });

  it('rotation periods of 6h and 8760h are accepted', async () => {
    for (const period of ['6h', '365d', '8760h']) {
      await call('PUT', '/secrets/app', { auto_rotation: true, rotation_period: period });
      expect((await call('GET', '/secrets/app')).secret.rotation_period).toBe(period);
    }
  });

  it('secrets per project: up to the quota, then CSMS.0202', async () => {
    const secrets = new Secrets(t.kms, { secretsPerProject: 3 });
    const v = () => ({ kind: 'string' as const, bytes: new TextEncoder().encode('x') });
    const base = { description: '', secretType: 'COMMON', autoRotation: false, eventSubscriptions: [], enterpriseProjectId: '0' };
    await createSecret(secrets, t.client.projectId, { ...base, name: 'q2' }, v()); // 2 of 3
    await createSecret(secrets, t.client.projectId, { ...base, name: 'q3' }, v()); // 3 of 3
    const e = await rejection(createSecret(secrets, t.client.projectId, { ...base, name: 'q4' }, v()));
    expect(e.code).toBe('CSMS.0202');
  });
});
