// Hostile input for every CSMS route: random bodies, query strings and path segments built from the
// operations' own field names (mostly valid values, hostile ones mixed in), by the administrator and by a
// user credential. Never a 5xx, every error has a code, and no answer or error carries a stored value.
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.ts';
import { signRequest } from '../../src/iam/signer.ts';
import { CSMS_ROUTES } from '../../src/secrets/routes.ts';
import { ADMIN, USERS, makeRig } from '../helpers/kms.ts';
import { seeded } from '../helpers/seed.ts';

const SECRET_VALUE = 'fuzz-secret-value-7f3a';

describe('CSMS routes never answer 5xx to hostile input', () => {
  it('fuzzes every route, as admin and as a user', async () => {
    const rig = await makeRig();
    const call = (method: string, path: string, body?: unknown) => rig.client.request(method, `/v1/{project_id}${path}`, body);
    const id = (await call('POST', '/secrets', { name: 'fz', secret_string: SECRET_VALUE })).secret.id;
    await call('POST', '/secrets/fz/versions', { secret_string: SECRET_VALUE + '-2' });
    await call('POST', '/csms/events', { name: 'fzev', event_types: ['SECRET_ROTATED'], state: 'ENABLED', notification: { target_type: 'SMN', target_id: 't', target_name: 'n' } });
    const blob = (await call('POST', '/secrets/fz/backup')).secret_blob;

    const values: unknown[] = [
      null, true, false, 0, -1, 7, 30, 31, 1.5, 2 ** 53, 1e308, '', ' ', 'x'.repeat(40_000), '\u0000', '\ud800', 'AAAA', 'QQ==', '====', '%', '../x',
      'SYSCURRENT', 'SYSPREVIOUS', 'v1', 'v2', 'v0', 'latest', 'fz', 'nope', id, '00000000-0000-4000-8000-000000000000', 'csms/default', 'alias/none',
      '6h', '1d', '5h', 'ENABLED', 'DISABLED', 'SMN', 'filter', 'count', 'create', 'delete', 'COMMON', 'RDS-FG', '{"InstanceId":"i"}', '{',
      [], [null], ['SYSCURRENT'], ['SECRET_ROTATED'], ['fzev'], [{ key: 'k', value: 'v' }], [{ key: 'k', values: ['v'] }], [{ key: 5 }],
      [{ key: 'resource_name', value: 'f' }], { key: 'k', value: 'v' }, { target_type: 'SMN', target_id: 'i', target_name: 'n' }, {}, [[]], blob,
    ];
    const VALID: Record<string, unknown[]> = {
      name: ['fz-new', 'fz'],
      secret_string: ['new value'],
      secret_binary: ['AAEC'],
      kms_key_id: ['csms/default'],
      description: ['d'],
      secret_type: ['COMMON'],
      auto_rotation: [true, false],
      rotation_period: ['6h', '30d'],
      event_subscriptions: [['fzev'], []],
      recovery_window_in_days: [7, 30],
      version_stages: [['SYSCURRENT'], ['blue']],
      expire_time: [4102444800000],
      version_id: ['v1', 'v2', 'latest'],
      secret_blob: [blob],
      secrets: [[{ name: 'fz-imp', secret_string: 'x' }]],
      tag: [{ key: 'k', value: 'v' }],
      tags: [[{ key: 'k', value: 'v' }]],
      action: ['create', 'delete', 'filter', 'count'],
      event_types: [['SECRET_ROTATED']],
      state: ['ENABLED', 'DISABLED'],
      notification: [{ target_type: 'SMN', target_id: 'i', target_name: 'n' }],
      length: [16],
      limit: ['10'],
      offset: ['0'],
      matches: [[{ key: 'resource_name', value: 'f' }]],
    };
    const fields = [...Object.keys(VALID), 'rotation_config', 'rotation_func_urn', 'enterprise_project_id', 'sequence', 'exclude_characters', 'include_space', 'exclude_lowercase'];
    const segments = ['fz', 'fz', 'nope', 'v1', 'latest', 'SYSCURRENT', 'blue', 'fzev', id, id, 'k', '%E2%9C%93', 'x'.repeat(80), '..', 'a=b', '00000000-0000-4000-8000-000000000000'];
    const queries = [{}, { limit: '1' }, { limit: '0' }, { limit: 'x' }, { marker: 'fz' }, { marker: 'v1' }, { event_name: 'fzev' }, { status: 'SUCCESS' }, { limit: '1', marker: '%' }];
    const random = seeded('fuzz-csms');
    const users = [ADMIN, { accessKey: USERS.alice.accessKey, secretKey: USERS.alice.secretKey }];
    const statuses = new Map<string, number>();
    const ROUNDS = 25;
    for (const route of CSMS_ROUTES) {
      for (let i = 0; i < ROUNDS; i++) {
        const who = users[i % 5 === 4 ? 1 : 0];
        const body: Record<string, unknown> = {};
        for (const f of fields) {
          if (random.int(3) === 0) continue;
          body[f] = VALID[f] && random.int(6) !== 0 ? random.pick(VALID[f]) : random.pick(values);
        }
        // Exactly one value form, most of the time.
        if (random.int(4) !== 0) delete body[random.int(2) ? 'secret_binary' : 'secret_string'];
        let path = `/v1/${ADMIN.project}${route.path}`;
        for (const p of ['secret_name', 'version_id', 'stage_name', 'secret_id', 'key', 'event_name']) path = path.replace(`:${p}`, random.pick(segments));
        const url = new URL(path, 'http://kms.test');
        for (const [k, v] of Object.entries(random.pick(queries))) url.searchParams.set(k, v as string);
        const bytes = route.method === 'GET' || route.method === 'DELETE' ? undefined : utf8(JSON.stringify(body));
        const headers = signRequest(
          { method: route.method, path: url.pathname, query: [...url.searchParams], headers: { 'content-type': 'application/json' }, body: bytes },
          { accessKey: who.accessKey, secretKey: who.secretKey, time: rig.clock.now() },
        );
        const r = await rig.app.fetch(new Request(url, { method: route.method, headers, body: bytes as BodyInit | undefined }));
        const text = await r.text();
        const where = `seed ${random.seed}: ${route.method} ${url.pathname}${url.search} ${JSON.stringify(body).slice(0, 300)}`;
        expect(r.status, where).toBeLessThan(500);
        let code = String(r.status);
        if (r.status >= 400) {
          code = (JSON.parse(text) as { error_code?: string }).error_code ?? 'none';
          expect(code, where).toMatch(/^(CSMS|KMS|APIGW)\.\d{4}$/);
          expect(text, where).not.toContain(SECRET_VALUE);
        }
        statuses.set(code, (statuses.get(code) ?? 0) + 1);
      }
    }
    console.log(`[fuzz-csms] seed ${random.seed}: ${CSMS_ROUTES.length * ROUNDS} requests`, Object.fromEntries(statuses));
    // The fuzz reaches the operations: a good share succeeds.
    const total = CSMS_ROUTES.length * ROUNDS;
    const succeeded = [...statuses].filter(([s]) => /^2\d\d$/.test(s)).reduce((n, [, c]) => n + c, 0);
    expect(succeeded / total, `seed ${random.seed}: share that succeeded`).toBeGreaterThan(0.06);
  });
});
