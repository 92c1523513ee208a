// Version expiry reporting on its own: only the versions past their expire_time are marked (each once),
// a version expiring later is reported when it does, and a run with nothing newly expired writes nothing.
import { describe, expect, it } from 'vitest';
import { notifyExpired } from '../../src/secrets/expiry.ts';
import type { SecretRecord } from '../../src/secrets/record.ts';
import { Secrets } from '../../src/secrets/secrets.ts';
import { getJson } from '../../src/store/store.ts';
import { ADMIN, makeRig } from '../helpers/kms.ts';

const P = '/v1/{project_id}';

describe('version expiry', () => {
  it('marks and reports each version when its own expire_time passes, and writes nothing when none did', async () => {
    const t = await makeRig();
    const secrets = new Secrets(t.kms);
    const call = (method: string, path: string, body?: unknown) => t.client.request(method, `${P}${path}`, body);
    await call('POST', '/csms/events', { name: 'exp', event_types: ['SECRET_VERSION_EXPIRED'], state: 'ENABLED', notification: { target_type: 'SMN', target_id: 'urn', target_name: 'n' } });
    await call('POST', '/secrets', { name: 's', secret_string: 'v1', event_subscriptions: ['exp'] });
    await call('POST', '/secrets/s/versions', { secret_string: 'v2', expire_time: t.clock.now() + 1000 });
    await call('POST', '/secrets/s/versions', { secret_string: 'v3', expire_time: t.clock.now() + 5000 });
    const doc = async () => (await getJson<SecretRecord>(t.store, `csms/${ADMIN.project}/secret/s`))!;
    const notified = async () => (await doc()).value.versions.filter((v) => v.expiryNotified).map((v) => v.id);

    const before = (await doc()).version;
    expect(await notifyExpired(secrets, ADMIN.project)).toBe(0);
    expect((await doc()).version).toBe(before);

    t.clock.advance(1000);
    expect(await notifyExpired(secrets, ADMIN.project)).toBe(1);
    expect(await notified()).toEqual(['v2']);
    const marked = (await doc()).version;
    expect(await notifyExpired(secrets, ADMIN.project)).toBe(0);
    expect((await doc()).version).toBe(marked);

    t.clock.advance(4000);
    expect(await notifyExpired(secrets, ADMIN.project)).toBe(1);
    expect(await notified()).toEqual(['v2', 'v3']);
    const records = (await call('GET', '/csms/notification-records')).records.filter((r: any) => r.trigger_event_type === 'SECRET_VERSION_EXPIRED');
    expect(records.map((r: any) => JSON.parse(r.notification_content).version_id).sort()).toEqual(['v2', 'v3']);
  });
});
