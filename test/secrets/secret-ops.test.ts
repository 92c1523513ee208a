// The secret operations (create, list, show, update, delete, scheduled deletion and restore) through the
// routes, in-process: every field rule at its bound with the exact CSMS refusal, the whole Secret model of
// each answer, the listing's filter and paging, the state rules of deletion and restore, the quota, the
// notification records each operation writes, and the value wiped once sealed.
import { describe, expect, it } from 'vitest';
import { csmsFields } from '../../src/secrets/operation.ts';
import { createSecretOp } from '../../src/secrets/ops/secrets.ts';
import { Secrets } from '../../src/secrets/secrets.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';
import { makeRig, rejection } from '../helpers/kms.ts';
import { observedCrypto } from '../helpers/observed-crypto.ts';

const P = '/v1/{project_id}';
const missing = (field: string) => [400, 'CSMS.0002', `Missing required parameter: ${field}.`];

async function rig(store?: FaultyStore) {
  const observed = observedCrypto();
  const t = await makeRig({ crypto: observed.crypto, ...(store ? { store } : {}) });
  const call = (method: string, path: string, body?: unknown, query?: Record<string, string>) => t.client.request<any>(method, `${P}${path}`, body, query);
  const refused = async (method: string, path: string, body?: unknown, query?: Record<string, string>) => {
    const e = await rejection(call(method, path, body, query));
    return [e.status, e.code, e.message.replace(`${e.code}: `, '')];
  };
  const invalid = (field: string, why: string) => [400, 'CSMS.0002', `Invalid ${field}: ${why}.`];
  const defaultKey = async () => (await call('POST', '/secrets', { name: 'probe', secret_string: 'x' })).secret.kms_key_id as string;
  const event = (name: string) =>
    call('POST', '/csms/events', {
      name,
      event_types: ['SECRET_VERSION_CREATED', 'SECRET_DELETED'],
      state: 'ENABLED',
      notification: { target_type: 'SMN', target_id: 'urn', target_name: 'n' },
    });
  const records = async () => (await call('GET', '/csms/notification-records')).records.map((r: any) => [r.trigger_event_type, JSON.parse(r.notification_content).secret_name]);
  return { ...t, observed, call, refused, invalid, defaultKey, event, records };
}

describe('create', () => {
  it('answers the whole Secret model: defaults when only a name and value are given', async () => {
    const t = await rig();
    const key = await t.defaultKey();
    const now = t.clock.now();
    const s = (await t.call('POST', '/secrets', { name: 'a', secret_string: 'v' })).secret;
    expect(s).toStrictEqual({
      id: s.id,
      name: 'a',
      state: 'ENABLED',
      kms_key_id: key,
      description: '',
      create_time: now,
      update_time: now,
      secret_type: 'COMMON',
      auto_rotation: false,
      event_subscriptions: [],
      enterprise_project_id: '0',
    });
    expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await t.call('GET', '/secrets/a')).toStrictEqual({ secret: s });
    // The first version holds SYSCURRENT.
    expect((await t.call('GET', '/secrets/a/stages/SYSCURRENT')).stage).toMatchObject({ name: 'SYSCURRENT', version_id: 'v1' });
    // Empty strings count as absent where the API says so.
    const e = (await t.call('POST', '/secrets', { name: 'e', secret_string: 'v', secret_type: '', enterprise_project_id: '', rotation_func_urn: '', rotation_config: '', rotation_period: '' })).secret;
    expect([e.secret_type, e.enterprise_project_id, 'rotation_func_urn' in e, 'rotation_config' in e, 'rotation_period' in e]).toEqual(['COMMON', '0', false, false, false]);
  });

  it('answers every field it was given', async () => {
    const t = await rig();
    await t.event('ev');
    const key = await t.defaultKey();
    const now = t.clock.now();
    const body = {
      name: 'full',
      secret_string: 'v',
      description: 'd',
      secret_type: 'RDS-FG',
      auto_rotation: true,
      rotation_period: '30d',
      rotation_config: '{"SecretSubType":"MultiUser"}',
      event_subscriptions: ['ev'],
      enterprise_project_id: 'ep-1',
      rotation_func_urn: 'urn:fss:x',
    };
    const s = (await t.call('POST', '/secrets', body)).secret;
    expect(s).toStrictEqual({
      id: s.id,
      name: 'full',
      state: 'ENABLED',
      kms_key_id: key,
      description: 'd',
      create_time: now,
      update_time: now,
      secret_type: 'RDS-FG',
      auto_rotation: true,
      rotation_period: '30d',
      rotation_config: '{"SecretSubType":"MultiUser"}',
      ...('rotation_time' in s ? { rotation_time: s.rotation_time } : {}),
      ...('next_rotation_time' in s ? { next_rotation_time: s.next_rotation_time } : {}),
      event_subscriptions: ['ev'],
      enterprise_project_id: 'ep-1',
      rotation_func_urn: 'urn:fss:x',
    });
    // Creating writes SECRET_VERSION_CREATED to a subscribed event.
    expect(await t.records()).toEqual([['SECRET_VERSION_CREATED', 'full']]);
  });

  it('the name: 1-64 of [a-zA-Z0-9._-], unique in the project', async () => {
    const t = await rig();
    expect((await t.call('POST', '/secrets', { name: 'x'.repeat(64), secret_string: 'v' })).secret.name).toBe('x'.repeat(64));
    expect((await t.call('POST', '/secrets', { name: 'a.b_c-D9', secret_string: 'v' })).secret.name).toBe('a.b_c-D9');
    for (const name of ['x'.repeat(65), 'a b', '', 'a/b']) expect(await t.refused('POST', '/secrets', { name, secret_string: 'v' }), name).toEqual(name === '' ? [400, 'CSMS.0002', expect.any(String)] : t.invalid('name', 'has an invalid format'));
    expect(await t.refused('POST', '/secrets', { name: 'a.b_c-D9', secret_string: 'other' })).toEqual(t.invalid('name', 'a secret named a.b_c-D9 already exists'));
    expect((await t.call('GET', '/secrets/a.b_c-D9/versions/latest')).version.secret_string).toBe('v');
    // The name is checked before the value is sealed: a taken name costs no seal.
    t.observed.sealed.length = 0;
    expect(await t.refused('POST', '/secrets', { name: 'a.b_c-D9', secret_binary: 'AAEC' })).toEqual(t.invalid('name', 'a secret named a.b_c-D9 already exists'));
    expect(t.observed.sealed).toEqual([]);
    expect(await t.refused('POST', '/secrets', { secret_string: 'v' })).toEqual(missing('name'));
    expect(await t.refused('POST', '/secrets', { name: 'nv' })).toEqual(t.invalid('secret_string', 'give secret_string or secret_binary'));
    expect(await t.refused('GET', '/secrets/nv')).toEqual([400, 'CSMS.0106', 'The secret nv does not exist.']);
  });

  it('a new secret has no tags', async () => {
    const t = await rig();
    const s = (await t.call('POST', '/secrets', { name: 'a', secret_string: 'v' })).secret;
    expect(await t.call('GET', `/csms/${s.id}/tags`)).toStrictEqual({ tags: [], sys_tags: [] });
  });

  it('description up to 2048 bytes (not characters)', async () => {
    const t = await rig();
    expect((await t.call('POST', '/secrets', { name: 'a', secret_string: 'v', description: 'x'.repeat(2048) })).secret.description).toHaveLength(2048);
    expect(await t.refused('POST', '/secrets', { name: 'b', secret_string: 'v', description: '€'.repeat(683) })).toEqual(t.invalid('description', 'must be at most 2048 bytes'));
    expect(await t.refused('POST', '/secrets', { name: 'b', secret_string: 'v', description: 7 })).toEqual(t.invalid('description', 'must be a JSON string'));
  });

  it('secret_type is one of the four; auto_rotation needs a period; the period is checked', async () => {
    const t = await rig();
    expect(await t.refused('POST', '/secrets', { name: 'a', secret_string: 'v', secret_type: 'OTHER' })).toEqual(t.invalid('secret_type', 'must be one of COMMON, RDS-FG, GaussDB-FG, RDS'));
    expect((await t.call('POST', '/secrets', { name: 'r', secret_string: 'v', secret_type: 'RDS' })).secret.secret_type).toBe('RDS');
    expect(await t.refused('POST', '/secrets', { name: 'a', secret_string: 'v', auto_rotation: 'yes' })).toEqual(t.invalid('auto_rotation', 'must be a JSON boolean'));
    for (const rotation_period of [undefined, '']) {
      expect(await t.refused('POST', '/secrets', { name: 'a', secret_string: 'v', auto_rotation: true, rotation_period })).toEqual(t.invalid('rotation_period', 'is required when auto_rotation is true'));
    }
    expect((await t.refused('POST', '/secrets', { name: 'a', secret_string: 'v', rotation_period: '1x' }))[1]).toBe('CSMS.0002');
    const s = (await t.call('POST', '/secrets', { name: 'p', secret_string: 'v', rotation_period: '6h' })).secret;
    expect([s.auto_rotation, s.rotation_period]).toEqual([false, '6h']);
  });

  it('rotation_config: JSON object text up to 1024 characters, SecretSubType SingleUser or MultiUser, required for the FG types', async () => {
    const t = await rig();
    const config = (c: unknown, type = 'COMMON', name = 'c') => ({ name, secret_string: 'v', secret_type: type, rotation_config: c });
    for (const type of ['RDS-FG', 'GaussDB-FG']) {
      for (const c of [undefined, '']) expect(await t.refused('POST', '/secrets', config(c, type)), type).toEqual(t.invalid('rotation_config', `is required for ${type} secrets`));
    }
    for (const c of ['{', 'x']) expect(await t.refused('POST', '/secrets', config(c)), c).toEqual(t.invalid('rotation_config', 'must be JSON text'));
    for (const c of ['null', '[]', '[1]', '3', '"s"', 'true']) expect(await t.refused('POST', '/secrets', config(c)), c).toEqual(t.invalid('rotation_config', 'must be a JSON object'));
    for (const c of ['{"SecretSubType":"Other"}', '{"SecretSubType":null}', '{"SecretSubType":""}']) {
      expect(await t.refused('POST', '/secrets', config(c)), c).toEqual(t.invalid('rotation_config', 'SecretSubType must be SingleUser or MultiUser'));
    }
    const long = `{"a":"${'x'.repeat(1024 - 8)}"}`;
    expect(long).toHaveLength(1024);
    expect(await t.refused('POST', '/secrets', config(`{"a":"${'x'.repeat(1024 - 7)}"}`))).toEqual(t.invalid('rotation_config', 'must be at most 1024 characters'));
    let i = 0;
    for (const [c, type] of [[long, 'COMMON'], ['{}', 'GaussDB-FG'], ['{"SecretSubType":"SingleUser"}', 'RDS-FG'], ['{"SecretSubType":"MultiUser"}', 'COMMON'], ['{"x":1}', 'RDS']]) {
      const name = `ok${i++}`;
      expect((await t.call('POST', '/secrets', config(c, type, name))).secret.rotation_config, c).toBe(c);
    }
  });

  it('event_subscriptions: at most one existing event with a well-formed name', async () => {
    const t = await rig();
    await t.event('ev');
    await t.event('ev2');
    expect(await t.refused('POST', '/secrets', { name: 'a', secret_string: 'v', event_subscriptions: ['ev', 'ev2'] })).toEqual(t.invalid('event_subscriptions', 'must have at most 1 items'));
    for (const n of ['.ev', 'ev.', 'e v', 'x'.repeat(65)]) {
      expect(await t.refused('POST', '/secrets', { name: 'a', secret_string: 'v', event_subscriptions: [n] }), n).toEqual(t.invalid('event_subscriptions[0]', 'has an invalid format'));
    }
    expect(await t.refused('POST', '/secrets', { name: 'a', secret_string: 'v', event_subscriptions: ['nope'] })).toEqual([400, 'CSMS.0005', expect.stringContaining('event nope')]);
    expect((await t.call('POST', '/secrets', { name: 'a', secret_string: 'v', event_subscriptions: [] })).secret.event_subscriptions).toEqual([]);
    expect((await t.call('POST', '/secrets', { name: 'b', secret_string: 'v', event_subscriptions: ['ev2'] })).secret.event_subscriptions).toEqual(['ev2']);
  });

  it('enterprise_project_id: 1-36 of [0-9a-zA-Z-]; rotation_func_urn up to 2048 characters', async () => {
    const t = await rig();
    for (const id of ['_ab', 'ab_', 'a.b']) expect(await t.refused('POST', '/secrets', { name: 'a', secret_string: 'v', enterprise_project_id: id }), id).toEqual(t.invalid('enterprise_project_id', 'has an invalid format'));
    expect(await t.refused('POST', '/secrets', { name: 'a', secret_string: 'v', enterprise_project_id: 'a'.repeat(37) })).toEqual(t.invalid('enterprise_project_id', 'must be at most 36 characters'));
    for (const [i, id] of ['a', 'ab', 'A-9', 'a'.repeat(36)].entries()) {
      expect((await t.call('POST', '/secrets', { name: `e${i}`, secret_string: 'v', enterprise_project_id: id })).secret.enterprise_project_id).toBe(id);
    }
    expect(await t.refused('POST', '/secrets', { name: 'a', secret_string: 'v', rotation_func_urn: 'u'.repeat(2049) })).toEqual(t.invalid('rotation_func_urn', 'must be at most 2048 characters'));
    expect((await t.call('POST', '/secrets', { name: 'u', secret_string: 'v', rotation_func_urn: 'u'.repeat(2048) })).secret.rotation_func_urn).toHaveLength(2048);
  });

  it('the quota counts the project’s secrets; at it, create is refused with CSMS.0202', async () => {
    const t = await rig();
    const secrets = new Secrets(t.kms, { secretsPerProject: 2 });
    const call = { project: t.client.projectId } as never;
    const create = (name: string) => createSecretOp(secrets, call, { body: csmsFields({ name, secret_string: 'v' }), query: new URLSearchParams(), params: {} });
    await create('one');
    await create('two');
    t.observed.sealed.length = 0;
    const e = await rejection(create('three'));
    expect([e.code, e.message]).toEqual(['CSMS.0202', 'The project has reached its quota of 2 secrets.']);
    // Refused before any work: nothing sealed, and before the name is looked at.
    expect(t.observed.sealed).toHaveLength(0);
    expect((await rejection(create('one'))).code).toBe('CSMS.0202');
    expect((await t.call('GET', '/secrets')).secrets.map((s: any) => s.name)).toEqual(['one', 'two']);
  });

  it('the value is wiped once sealed', async () => {
    const t = await rig();
    await t.defaultKey();
    t.observed.sealed.length = 0;
    await t.call('POST', '/secrets', { name: 'a', secret_string: 'thirteen-char' });
    const sealedValue = t.observed.sealed.filter((b) => b.length === 13);
    expect(sealedValue).toHaveLength(1);
    expect(sealedValue[0].every((b) => b === 0)).toBe(true);
  });
});

describe('list', () => {
  it('50 by default, 1-200, in name order below a marker, with page_info', async () => {
    const t = await rig();
    const names = Array.from({ length: 51 }, (_, i) => `s${String(i).padStart(2, '0')}`);
    for (const name of names) await t.call('POST', '/secrets', { name, secret_string: 'v' });
    const list = (query?: Record<string, string>) => t.call('GET', '/secrets', undefined, query);
    const of = (r: any) => [r.secrets.map((s: any) => s.name), r.page_info];
    const all = await list();
    expect(of(all)).toEqual([names.slice(0, 50), { next_marker: 's49', current_count: 50 }]);
    expect(all.secrets[0]).toStrictEqual((await t.call('GET', '/secrets/s00')).secret);
    expect(of(await list({ limit: '', marker: '', event_name: '' }))).toEqual([names.slice(0, 50), { next_marker: 's49', current_count: 50 }]);
    expect(of(await list({ limit: '200' }))).toEqual([names, { current_count: 51 }]);
    expect(of(await list({ limit: '51' }))).toEqual([names, { current_count: 51 }]);
    expect(of(await list({ limit: '1' }))).toEqual([['s00'], { next_marker: 's00', current_count: 1 }]);
    expect(of(await list({ limit: '2', marker: 's10' }))).toEqual([['s11', 's12'], { next_marker: 's12', previous_marker: 's10', current_count: 2 }]);
    expect(of(await list({ marker: 's48' }))).toEqual([['s49', 's50'], { previous_marker: 's48', current_count: 2 }]);
    expect(of(await list({ marker: 's50' }))).toEqual([[], { previous_marker: 's50', current_count: 0 }]);
    // A marker need not name a secret: the page starts after it in name order.
    expect(of(await list({ limit: '1', marker: 's105' }))).toEqual([['s11'], { next_marker: 's11', previous_marker: 's105', current_count: 1 }]);
    for (const limit of ['0', '201', 'x', '1.5', '-1', ' 5']) expect(await t.refused('GET', '/secrets', undefined, { limit }), limit).toEqual(t.invalid('limit', 'must be 1-200'));
    for (const marker of ['a b', 'x'.repeat(65), 'a/b']) expect(await t.refused('GET', '/secrets', undefined, { marker }), marker).toEqual(t.invalid('marker', 'must be a secret name'));
  });

  it('event_name keeps the secrets subscribed to that event', async () => {
    const t = await rig();
    await t.event('ev');
    await t.event('ev2');
    await t.call('POST', '/secrets', { name: 'a', secret_string: 'v', event_subscriptions: ['ev'] });
    await t.call('POST', '/secrets', { name: 'b', secret_string: 'v' });
    await t.call('POST', '/secrets', { name: 'c', secret_string: 'v', event_subscriptions: ['ev2'] });
    await t.call('POST', '/secrets', { name: 'd', secret_string: 'v', event_subscriptions: ['ev'] });
    const names = async (query?: Record<string, string>) => (await t.call('GET', '/secrets', undefined, query)).secrets.map((s: any) => s.name);
    expect(await names({ event_name: 'ev' })).toEqual(['a', 'd']);
    expect(await names({ event_name: 'ev2' })).toEqual(['c']);
    expect(await names({ event_name: 'none' })).toEqual([]);
    expect(await names()).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('update', () => {
  it('changes each given field and only it, and answers the whole model', async () => {
    const t = await rig();
    await t.event('ev');
    const created = (await t.call('POST', '/secrets', { name: 'a', secret_string: 'v', description: 'd0', rotation_func_urn: 'u0' })).secret;
    t.clock.advance(1000);
    const at = t.clock.now();
    const put = async (body: unknown) => (await t.call('PUT', '/secrets/a', body)).secret;
    expect(await put({ description: 'd1' })).toStrictEqual({ ...created, description: 'd1', update_time: at });
    expect(await put({ description: '' })).toStrictEqual({ ...created, description: '', update_time: at });
    expect(await put({ rotation_func_urn: 'u1' })).toStrictEqual({ ...created, description: '', rotation_func_urn: 'u1', update_time: at });
    expect(await put({ rotation_func_urn: '' })).toStrictEqual({ ...created, description: '', rotation_func_urn: '', update_time: at });
    expect(await put({ event_subscriptions: ['ev'] })).toStrictEqual({ ...created, description: '', rotation_func_urn: '', event_subscriptions: ['ev'], update_time: at });
    expect(await put({ event_subscriptions: [] })).toStrictEqual({ ...created, description: '', rotation_func_urn: '', update_time: at });
    expect(await put({ rotation_period: '7d' })).toStrictEqual({ ...created, description: '', rotation_func_urn: '', rotation_period: '7d', update_time: at });
    expect(await put({ rotation_period: '' })).toStrictEqual({ ...created, description: '', rotation_func_urn: '', rotation_period: '7d', update_time: at });
    expect(await put({})).toStrictEqual({ ...created, description: '', rotation_func_urn: '', rotation_period: '7d', update_time: at });
    expect(await t.call('GET', '/secrets/a')).toStrictEqual({ secret: { ...created, description: '', rotation_func_urn: '', rotation_period: '7d', update_time: at } });
  });

  it('turning automatic rotation on needs a period and starts it now; leaving it on keeps the start', async () => {
    const t = await rig();
    await t.call('POST', '/secrets', { name: 'a', secret_string: 'v' });
    expect(await t.refused('PUT', '/secrets/a', { auto_rotation: true })).toEqual(t.invalid('rotation_period', 'is required when auto_rotation is true'));
    expect(await t.refused('PUT', '/secrets/a', { auto_rotation: true, rotation_period: '' })).toEqual(t.invalid('rotation_period', 'is required when auto_rotation is true'));
    const start = t.clock.now();
    const on = (await t.call('PUT', '/secrets/a', { auto_rotation: true, rotation_period: '1d' })).secret;
    expect([on.auto_rotation, on.rotation_period, on.rotation_time, on.next_rotation_time]).toEqual([true, '1d', start, start + 86_400_000]);
    t.clock.advance(1000);
    const again = (await t.call('PUT', '/secrets/a', { auto_rotation: true, description: 'x' })).secret;
    expect([again.auto_rotation, again.rotation_time, again.next_rotation_time]).toEqual([true, start, start + 86_400_000]);
    const off = (await t.call('PUT', '/secrets/a', { auto_rotation: false })).secret;
    expect([off.auto_rotation, off.rotation_time]).toEqual([false, start]);
    t.clock.advance(1000);
    // Turned on again: the earlier start stays.
    const back = (await t.call('PUT', '/secrets/a', { auto_rotation: true })).secret;
    expect([back.auto_rotation, back.rotation_time]).toEqual([true, start]);
    // A secret created with rotation off and a period: turning it on starts the period at that moment.
    await t.call('POST', '/secrets', { name: 'b', secret_string: 'v', rotation_period: '2d' });
    const later = t.clock.now();
    const b = (await t.call('PUT', '/secrets/b', { auto_rotation: true })).secret;
    expect([b.rotation_time, b.next_rotation_time]).toEqual([later, later + 2 * 86_400_000]);
    expect(await t.refused('PUT', '/secrets/b', { auto_rotation: 'on' })).toEqual(t.invalid('auto_rotation', 'must be a JSON boolean'));
  });

  it('field rules: description bytes, the period, subscriptions, the function URN; a bad one changes nothing', async () => {
    const t = await rig();
    await t.event('ev');
    const before = (await t.call('POST', '/secrets', { name: 'a', secret_string: 'v' })).secret;
    expect(await t.refused('PUT', '/secrets/a', { description: '€'.repeat(683) })).toEqual(t.invalid('description', 'must be at most 2048 bytes'));
    expect((await t.refused('PUT', '/secrets/a', { rotation_period: '1x' }))[1]).toBe('CSMS.0002');
    expect(await t.refused('PUT', '/secrets/a', { rotation_func_urn: 'u'.repeat(2049) })).toEqual(t.invalid('rotation_func_urn', 'must be at most 2048 characters'));
    expect(await t.refused('PUT', '/secrets/a', { event_subscriptions: ['.ev'] })).toEqual(t.invalid('event_subscriptions[0]', 'has an invalid format'));
    expect(await t.refused('PUT', '/secrets/a', { event_subscriptions: ['nope'] })).toEqual([400, 'CSMS.0005', expect.stringContaining('event nope')]);
    expect((await t.call('GET', '/secrets/a')).secret).toStrictEqual(before);
    expect((await t.call('PUT', '/secrets/a', { description: 'x'.repeat(2048), rotation_func_urn: 'u'.repeat(2048) })).secret.description).toHaveLength(2048);
  });

  it('a store write that fails leaves the secret as it was; one that lands though it failed leaves it whole', async () => {
    const store = new FaultyStore(new MemoryStore());
    const t = await rig(store);
    await t.event('ev');
    const before = (await t.call('POST', '/secrets', { name: 'a', secret_string: 'v' })).secret;
    const change = { description: 'd', auto_rotation: true, rotation_period: '1d', event_subscriptions: ['ev'], rotation_func_urn: 'u' };
    store.arm(1);
    await rejection(t.call('PUT', '/secrets/a', change));
    expect(store.injected).toBeDefined();
    expect((await t.call('GET', '/secrets/a')).secret).toStrictEqual(before);
    store.arm(1, 'lost-ack');
    await rejection(t.call('PUT', '/secrets/a', change));
    expect(store.injected).toBeDefined();
    store.arm(0);
    const after = (await t.call('GET', '/secrets/a')).secret;
    expect(after).toStrictEqual({
      ...before,
      description: 'd',
      auto_rotation: true,
      rotation_period: '1d',
      rotation_time: t.clock.now(),
      next_rotation_time: t.clock.now() + 86_400_000,
      event_subscriptions: ['ev'],
      rotation_func_urn: 'u',
    });
  });

  it('kms_key_id moves the secret to that key; without it the key stays', async () => {
    const t = await rig();
    const key = (await t.client.request<any>('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'own' })).key_info.key_id;
    const defaultKey = await t.defaultKey();
    expect(defaultKey).not.toBe(key);
    const s = (await t.call('POST', '/secrets', { name: 'a', secret_string: 'v', kms_key_id: key })).secret;
    expect(s.kms_key_id).toBe(key);
    expect((await t.call('PUT', '/secrets/a', { description: 'd' })).secret.kms_key_id).toBe(key);
    await t.call('POST', '/secrets', { name: 'b', secret_string: 'v' });
    expect((await t.call('PUT', '/secrets/b', { kms_key_id: key })).secret.kms_key_id).toBe(key);
  });
});

describe('path names, deletion and restore', () => {
  it('a path name outside ^[a-zA-Z0-9._-]{1,64}$ is invalid on every secret operation; a missing one is not found', async () => {
    const t = await rig();
    const bad = t.invalid('secret_name', 'must match ^[a-zA-Z0-9._-]{1,64}$');
    for (const name of ['x'.repeat(65), 'a%20b', 'a%2Cb']) {
      expect(await t.refused('GET', `/secrets/${name}`), name).toEqual(bad);
      expect(await t.refused('PUT', `/secrets/${name}`, { description: 'd' }), name).toEqual(bad);
      expect(await t.refused('DELETE', `/secrets/${name}`), name).toEqual(bad);
      expect(await t.refused('POST', `/secrets/${name}/scheduled-deleted-tasks/create`, { recovery_window_in_days: 7 }), name).toEqual(bad);
      expect(await t.refused('POST', `/secrets/${name}/scheduled-deleted-tasks/cancel`), name).toEqual(bad);
    }
    const notFound = [400, 'CSMS.0106', 'The secret nope does not exist.'];
    expect(await t.refused('GET', '/secrets/nope')).toEqual(notFound);
    expect(await t.refused('PUT', '/secrets/nope', { description: 'd' })).toEqual(notFound);
    expect(await t.refused('DELETE', '/secrets/nope')).toEqual(notFound);
    expect((await t.call('POST', '/secrets', { name: 'x'.repeat(64), secret_string: 'v' })).secret.name).toHaveLength(64);
    expect((await t.call('GET', `/secrets/${'x'.repeat(64)}`)).secret.name).toHaveLength(64);
  });

  it('scheduled deletion: 7-30 days, once; a pending secret cannot change; restore only a pending one; each writes its record', async () => {
    const t = await rig();
    await t.event('ev');
    const created = (await t.call('POST', '/secrets', { name: 'a', secret_string: 'v', event_subscriptions: ['ev'] })).secret;
    expect(await t.refused('POST', '/secrets/a/scheduled-deleted-tasks/create', {})).toEqual(missing('recovery_window_in_days'));
    for (const days of [6, 31]) {
      expect((await t.refused('POST', '/secrets/a/scheduled-deleted-tasks/create', { recovery_window_in_days: days }))[1], String(days)).toBe('CSMS.0002');
    }
    expect(await t.refused('POST', '/secrets/a/scheduled-deleted-tasks/cancel')).toEqual([400, 'CSMS.0108', 'The secret a is not pending deletion.']);
    t.clock.advance(1000);
    const at = t.clock.now();
    const pending = (await t.call('POST', '/secrets/a/scheduled-deleted-tasks/create', { recovery_window_in_days: 7 })).secret;
    expect(pending).toStrictEqual({ ...created, state: 'PENDING_DELETE', scheduled_delete_time: at + 7 * 86_400_000, update_time: at });
    expect((await t.call('GET', '/secrets/a')).secret).toStrictEqual(pending);
    expect(await t.refused('POST', '/secrets/a/scheduled-deleted-tasks/create', { recovery_window_in_days: 30 })).toEqual([400, 'CSMS.0107', 'The secret a is already pending deletion.']);
    expect(await t.refused('PUT', '/secrets/a', { description: 'd' })).toEqual([400, 'CSMS.0103', 'The secret a is pending deletion and cannot be changed.']);
    t.clock.advance(1000);
    const restored = (await t.call('POST', '/secrets/a/scheduled-deleted-tasks/cancel')).secret;
    expect(restored).toStrictEqual({ ...created, update_time: at + 1000 });
    const thirty = (await t.call('POST', '/secrets/a/scheduled-deleted-tasks/create', { recovery_window_in_days: 30 })).secret;
    expect(thirty.scheduled_delete_time).toBe(at + 1000 + 30 * 86_400_000);
    await t.call('POST', '/secrets/a/scheduled-deleted-tasks/cancel');
    await t.call('DELETE', '/secrets/a');
    expect(await t.refused('GET', '/secrets/a')).toEqual([400, 'CSMS.0106', 'The secret a does not exist.']);
    // Newest first: created, scheduled twice, deleted.
    expect(await t.records()).toEqual([
      ['SECRET_DELETED', 'a'],
      ['SECRET_DELETED', 'a'],
      ['SECRET_DELETED', 'a'],
      ['SECRET_VERSION_CREATED', 'a'],
    ]);
  });
});
