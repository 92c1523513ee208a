// Secret tags and finding secrets by tags (ops/tags.ts) in-process, each operation called as its route
// calls it: every key and value rule at its bound with the exact refusal, and every refusal checked to
// leave the whole store as it was; the 20-tag limit; replacement and deletion order; a secret replaced
// under the same name between lookup and write; the project's tag summary; the resource-instance filter,
// count and paging.
import { describe, expect, it } from 'vitest';
import type { Call } from '../../src/kms/operation.ts';
import { csmsFields, type CsmsOperation } from '../../src/secrets/operation.ts';
import { createSecretOp, deleteSecretOp, showSecretOp } from '../../src/secrets/ops/secrets.ts';
import { batchTagsOp, createTagOp, deleteTagOp, listTagsOp, MAX_TAGS, projectTagsOp, resourceInstancesOp } from '../../src/secrets/ops/tags.ts';
import { Secrets } from '../../src/secrets/secrets.ts';
import { listAll } from '../../src/store/store.ts';
import { makeRig, OTHER_PROJECT, rejection } from '../helpers/kms.ts';

const invalid = (field: string, why: string) => ['CSMS.0002', `Invalid ${field}: ${why}.`];
const missing = (field: string) => ['CSMS.0002', `Missing required parameter: ${field}.`];
const notFound = (what: string) => ['CSMS.0005', `The ${what} does not exist.`];
const badId = invalid('secret_id', 'must be a secret id');

async function rig() {
  const t = await makeRig();
  const secrets = new Secrets(t.kms);
  const project = t.client.projectId;
  const run = (op: CsmsOperation, params: Record<string, string> = {}, body: unknown = {}, inProject = project) =>
    op(secrets, { project: inProject, principal: 'admin', role: 'admin', requestId: 'r' } as Call, { body: csmsFields(body), query: new URLSearchParams(), params });
  /** The error code and message of a refused call, after checking that it changed nothing in the store. */
  const refused = async (op: CsmsOperation, params: Record<string, string> = {}, body: unknown = {}) => {
    const before = await snapshot();
    const e = await rejection(run(op, params, body));
    expect(await snapshot(), 'a refused call changes nothing').toEqual(before);
    return [e.code, e.message];
  };
  const snapshot = async () => {
    const out: Record<string, string> = {};
    for (const key of await listAll(t.store, 'csms/')) out[key] = new TextDecoder().decode((await t.store.get(key))!.value);
    return out;
  };
  const secret = async (name: string, inProject = project): Promise<string> => ((await run(createSecretOp, {}, { name, secret_string: 'v' }, inProject)).body as any).secret.id;
  const tags = async (id: string) => (await run(listTagsOp, { secret_id: id })).body as any;
  const tag = (id: string, key: unknown, value?: unknown) => run(createTagOp, { secret_id: id }, { tag: { key, value } });
  const batch = (id: string, action: string, items: unknown[]) => run(batchTagsOp, { secret_id: id }, { action, tags: items });
  const stored = async (name: string) => (await secrets.repo.get(project, name))!;
  return { ...t, secrets, project, run, refused, snapshot, secret, tags, tag, batch, stored };
}

type Rig = Awaited<ReturnType<typeof rig>>;
const pairs = async (t: Rig, id: string) => (await t.tags(id)).tags.map((x: any) => `${x.key}=${x.value}`);

describe('tag keys and values', () => {
  it('a key of 1-128 characters and a value of 0-255 are taken as given; ListSecretTags answers them and no system tags', async () => {
    const t = await rig();
    const id = await t.secret('s');
    expect(await t.tags(id)).toStrictEqual({ tags: [], sys_tags: [] });
    const keys = ['k', 'x'.repeat(128), 'a b', '_sys', 'x_sys_', 'ключ', '😀'.repeat(64), 'a*<>\\=b'];
    for (const key of keys) expect(await t.tag(id, key, 'v'), key).toStrictEqual({ status: 204 });
    expect(await t.run(createTagOp, { secret_id: id }, { tag: { key: 'long', value: 'y'.repeat(255) } })).toStrictEqual({ status: 204 });
    expect(await t.tags(id)).toStrictEqual({ tags: [...keys.map((key) => ({ key, value: 'v' })), { key: 'long', value: 'y'.repeat(255) }], sys_tags: [] });
  });

  it('an absent or null value is stored as the empty string', async () => {
    const t = await rig();
    const id = await t.secret('s');
    await t.run(createTagOp, { secret_id: id }, { tag: { key: 'absent' } });
    await t.tag(id, 'null', null);
    await t.tag(id, 'empty', '');
    expect((await t.stored('s')).tags).toStrictEqual([
      { key: 'absent', value: '' },
      { key: 'null', value: '' },
      { key: 'empty', value: '' },
    ]);
  });

  it('each key rule refuses with its own message and changes nothing', async () => {
    const t = await rig();
    const id = await t.secret('s');
    await t.tag(id, 'kept', 'v');
    const cases: [unknown, string][] = [
      [undefined, 'must be a string'],
      [5, 'must be a string'],
      [['k'], 'must be a string'],
      ['a\uD800', 'must be a string'],
      ['\uDC00b', 'must be a string'],
      ['', 'must be 1-128 characters'],
      ['x'.repeat(129), 'must be 1-128 characters'],
      ['😀'.repeat(64) + 'x', 'must be 1-128 characters'],
      [' k', 'must not start or end with whitespace'],
      ['k ', 'must not start or end with whitespace'],
      ['\u00a0k', 'must not start or end with whitespace'],
      ['k\n', 'must not start or end with whitespace'],
      ['_sys_', 'must not start with _sys_'],
      ['_sys_k', 'must not start with _sys_'],
      ['a\u0000b', 'must not contain control characters or %'],
      ['a\u001fb', 'must not contain control characters or %'],
      ['a\u0010b', 'must not contain control characters or %'],
      ['a%b', 'must not contain control characters or %'],
      ['%20', 'must not contain control characters or %'],
    ];
    for (const [key, why] of cases) expect(await t.refused(createTagOp, { secret_id: id }, { tag: { key, value: 'v' } }), JSON.stringify(key)).toEqual(invalid('tag key', why));
    expect(await pairs(t, id)).toEqual(['kept=v']);
  });

  it('each value rule refuses with its own message and changes nothing', async () => {
    const t = await rig();
    const id = await t.secret('s');
    const cases: [unknown, string][] = [
      [5, 'must be a string'],
      [false, 'must be a string'],
      [{}, 'must be a string'],
      ['\uD800', 'must be a string'],
      ['x'.repeat(256), 'must be at most 255 characters'],
    ];
    for (const [value, why] of cases) expect(await t.refused(createTagOp, { secret_id: id }, { tag: { key: 'k', value } }), JSON.stringify(value)).toEqual(invalid('tag value', why));
    expect(await t.tags(id)).toStrictEqual({ tags: [], sys_tags: [] });
  });

  it('CreateSecretTag needs a tag object; a batch item that is not an object is refused as a tag', async () => {
    const t = await rig();
    const id = await t.secret('s');
    expect(await t.refused(createTagOp, { secret_id: id }, {})).toEqual(missing('tag'));
    expect(await t.refused(createTagOp, { secret_id: id }, { tag: null })).toEqual(missing('tag'));
    for (const item of ['k', [], 3]) expect(await t.refused(createTagOp, { secret_id: id }, { tag: item })).toEqual(invalid('tag', 'must be a JSON object'));
    for (const item of [null, 'k', [{ key: 'k' }], 3, true]) {
      expect(await t.refused(batchTagsOp, { secret_id: id }, { action: 'create', tags: [{ key: 'ok' }, item] }), JSON.stringify(item)).toEqual(invalid('tag', 'must be an object {key, value}'));
    }
    expect(await t.refused(batchTagsOp, { secret_id: id }, { action: 'create', tags: [{}] })).toEqual(invalid('tag key', 'must be a string'));
    expect(await t.tags(id)).toStrictEqual({ tags: [], sys_tags: [] });
  });
});

describe('the secret a tag operation names', () => {
  it('is named by a lower-case secret id of this project; anything else is refused before the store is read', async () => {
    const t = await rig();
    const id = await t.secret('s');
    const other = await t.secret('o', OTHER_PROJECT);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const ops: [CsmsOperation, Record<string, string>, unknown][] = [
      [createTagOp, {}, { tag: { key: 'k' } }],
      [batchTagsOp, {}, { action: 'create', tags: [{ key: 'k' }] }],
      [deleteTagOp, { key: 'k' }, {}],
      [listTagsOp, {}, {}],
    ];
    for (const [op, params, body] of ops) {
      for (const bad of [id.toUpperCase(), `x${id}`, `${id}x`, id.slice(1), id.replaceAll('-', ''), `${id.slice(0, 8)}_${id.slice(9)}`, 'g'.repeat(8) + id.slice(8), '']) {
        expect(await t.refused(op, { ...params, secret_id: bad }, body), `${op.name} ${bad}`).toEqual(badId);
      }
      expect(await t.refused(op, params, body), `${op.name} without an id`).toEqual(badId);
      expect(await t.refused(op, { ...params, secret_id: unknown }, body)).toEqual(notFound(`secret ${unknown}`));
      // Another project's secret is not found from this one.
      expect(await t.refused(op, { ...params, secret_id: other }, body)).toEqual(notFound(`secret ${other}`));
    }
    expect(await t.tags(id)).toStrictEqual({ tags: [], sys_tags: [] });
  });

  it('a secret replaced by another of the same name between lookup and write is not found, and the new one is untouched', async () => {
    const t = await rig();
    const old = await t.secret('s');
    const byId = t.secrets.repo.byId.bind(t.secrets.repo);
    let replacement = '';
    t.secrets.repo.byId = async (project, id) => {
      const found = await byId(project, id);
      await t.run(deleteSecretOp, { secret_name: 's' });
      replacement = await t.secret('s');
      return found;
    };
    const e = await rejection(t.tag(old, 'k', 'v'));
    expect([e.code, e.message]).toEqual(notFound(`secret ${old}`));
    t.secrets.repo.byId = byId;
    expect(replacement).not.toBe(old);
    expect(await t.tags(replacement)).toStrictEqual({ tags: [], sys_tags: [] });
  });
});

describe('create, batch and delete', () => {
  it('creating a key that exists replaces its value and moves it last; the rest of the secret is untouched', async () => {
    const t = await rig();
    const id = await t.secret('s');
    for (const [k, v] of [['a', '1'], ['b', '2'], ['c', '3']]) await t.tag(id, k, v);
    const before = await t.stored('s');
    t.clock.advance(60_000);
    await t.tag(id, 'a', '9');
    expect(await t.stored('s')).toStrictEqual({ ...before, tags: [{ key: 'b', value: '2' }, { key: 'c', value: '3' }, { key: 'a', value: '9' }] });
    await t.tag(id, 'c', '3');
    expect(await pairs(t, id)).toEqual(['b=2', 'a=9', 'c=3']);
  });

  it('a secret holds at most 20 tags: the 21st is refused by create and batch alike, replacing at 20 is allowed', async () => {
    const t = await rig();
    const id = await t.secret('s');
    const keys = Array.from({ length: MAX_TAGS }, (_, i) => `k${i}`);
    expect(MAX_TAGS).toBe(20);
    expect(await t.batch(id, 'create', keys.map((key) => ({ key, value: 'v' })))).toStrictEqual({ status: 204 });
    const full = invalid('tags', 'a secret may have at most 20 tags');
    expect(await t.refused(createTagOp, { secret_id: id }, { tag: { key: 'k20' } })).toEqual(full);
    expect(await t.refused(batchTagsOp, { secret_id: id }, { action: 'create', tags: [{ key: 'k19', value: 'x' }, { key: 'k20' }] })).toEqual(full);
    await t.tag(id, 'k5', 'new');
    expect((await t.tags(id)).tags).toHaveLength(20);
    await t.batch(id, 'delete', [{ key: 'k0' }]);
    await t.tag(id, 'k20', 'last');
    expect(await pairs(t, id)).toEqual([...keys.slice(1).filter((k) => k !== 'k5').map((k) => `${k}=v`), 'k5=new', 'k20=last']);
  });

  it('a batch creates (replacing existing keys) or deletes (ignoring absent keys and values) all at once', async () => {
    const t = await rig();
    const id = await t.secret('s');
    const other = await t.secret('other');
    await t.tag(other, 'a', 'kept');
    for (const [k, v] of [['a', '1'], ['b', '2'], ['c', '3']]) await t.tag(id, k, v);
    expect(await t.batch(id, 'create', [{ key: 'b', value: '8' }, { key: 'd', value: '4' }])).toStrictEqual({ status: 204 });
    expect(await pairs(t, id)).toEqual(['a=1', 'c=3', 'b=8', 'd=4']);
    expect(await t.batch(id, 'delete', [{ key: 'a' }, { key: 'zz' }, { key: 'b', value: 'not its value' }])).toStrictEqual({ status: 204 });
    expect(await pairs(t, id)).toEqual(['c=3', 'd=4']);
    expect(await pairs(t, other)).toEqual(['a=kept']);
  });

  it('a batch is refused whole, with the field at fault, and changes nothing', async () => {
    const t = await rig();
    const id = await t.secret('s');
    await t.tag(id, 'a', '1');
    const body = (over: Record<string, unknown>) => ({ action: 'create', tags: [{ key: 'b' }], ...over });
    const cases: [Record<string, unknown>, string[]][] = [
      [{ tags: undefined }, missing('tags')],
      [{ tags: [] }, invalid('tags', 'must have at least 1 items')],
      [{ tags: Array.from({ length: 21 }, (_, i) => ({ key: `n${i}` })) }, invalid('tags', 'must have at most 20 items')],
      [{ action: undefined }, missing('action')],
      [{ action: 'purge' }, invalid('action', 'must be one of create, delete')],
      [{ sequence: 's'.repeat(37) }, invalid('sequence', 'must be at most 36 characters')],
      [{ sequence: 5 }, invalid('sequence', 'must be a JSON string')],
      [{ tags: [{ key: 'b' }, { key: 'c' }, { key: 'b', value: 'x' }] }, invalid('tags', 'names a key twice')],
      [{ action: 'delete', tags: [{ key: 'a' }, { key: 'a' }] }, invalid('tags', 'names a key twice')],
      [{ tags: [{ key: 'b' }, { key: 'c', value: 'x'.repeat(256) }] }, invalid('tag value', 'must be at most 255 characters')],
      [{ action: 'delete', tags: [{ key: 'a' }, { key: '_sys_a' }] }, invalid('tag key', 'must not start with _sys_')],
    ];
    for (const [over, expected] of cases) expect(await t.refused(batchTagsOp, { secret_id: id }, body(over)), JSON.stringify(over).slice(0, 80)).toEqual(expected);
    // The bounds themselves are accepted: a sequence of 36 characters, 20 items.
    await t.batch(id, 'delete', [{ key: 'a' }]);
    expect(await t.run(batchTagsOp, { secret_id: id }, body({ sequence: 's'.repeat(36), tags: Array.from({ length: 20 }, (_, i) => ({ key: `n${i}` })) }))).toStrictEqual({ status: 204 });
    expect((await t.tags(id)).tags).toHaveLength(20);
  });

  it('DeleteSecretTag removes that key and keeps the others in order; an absent or malformed key is refused', async () => {
    const t = await rig();
    const id = await t.secret('s');
    for (const k of ['a', 'b', 'c']) await t.tag(id, k, k);
    expect(await t.run(deleteTagOp, { secret_id: id, key: 'b' })).toStrictEqual({ status: 204 });
    expect(await pairs(t, id)).toEqual(['a=a', 'c=c']);
    expect(await t.refused(deleteTagOp, { secret_id: id, key: 'b' })).toEqual(notFound('tag b'));
    expect(await t.refused(deleteTagOp, { secret_id: id, key: 'A' })).toEqual(notFound('tag A'));
    expect(await t.refused(deleteTagOp, { secret_id: id, key: '_sys_a' })).toEqual(invalid('key', 'must not start with _sys_'));
    expect(await t.refused(deleteTagOp, { secret_id: id, key: '' })).toEqual(invalid('key', 'must be 1-128 characters'));
    expect(await t.refused(deleteTagOp, { secret_id: id })).toEqual(invalid('key', 'must be a string'));
    expect(await t.refused(deleteTagOp, { secret_id: id, key: 'a%62' })).toEqual(invalid('key', 'must not contain control characters or %'));
    expect(await pairs(t, id)).toEqual(['a=a', 'c=c']);
    await t.run(deleteTagOp, { secret_id: id, key: 'a' });
    await t.run(deleteTagOp, { secret_id: id, key: 'c' });
    expect(await t.tags(id)).toStrictEqual({ tags: [], sys_tags: [] });
  });
});

describe('ListProjectSecretsTags', () => {
  it('answers each key of the project once, in code-unit order, with its distinct values sorted', async () => {
    const t = await rig();
    expect(await t.run(projectTagsOp)).toStrictEqual({ status: 200, body: { tags: [] } });
    const a = await t.secret('a');
    const b = await t.secret('b');
    await t.secret('untagged');
    const elsewhere = await t.secret('x', OTHER_PROJECT);
    await t.run(createTagOp, { secret_id: elsewhere }, { tag: { key: 'other-project', value: 'v' } }, OTHER_PROJECT);
    await t.batch(a, 'create', [{ key: 'm', value: 'z' }, { key: 'env', value: 'prod' }, { key: 'Zeta', value: '1' }, { key: 'b', value: '' }]);
    await t.batch(b, 'create', [{ key: 'env', value: 'dev' }, { key: 'm', value: 'a' }, { key: 'c' }, { key: 'Zeta', value: '1' }, { key: 'a', value: 'q' }]);
    expect(await t.run(projectTagsOp)).toStrictEqual({
      status: 200,
      body: {
        tags: [
          { key: 'Zeta', values: ['1'] },
          { key: 'a', values: ['q'] },
          { key: 'b', values: [''] },
          { key: 'c', values: [''] },
          { key: 'env', values: ['dev', 'prod'] },
          { key: 'm', values: ['a', 'z'] },
        ],
      },
    });
  });
});

describe('ListResourceInstances', () => {
  async function tagged() {
    const t = await rig();
    const ids: Record<string, string> = {};
    const given: [string, [string, string][]][] = [
      ['app-prod', [['env', 'prod'], ['team', 'x']]],
      ['app-dev', [['env', 'dev']]],
      ['db-prod', [['env', 'prod'], ['team', 'y']]],
      ['plain', []],
      ['db-test', [['env', ''], ['team', 'x']]],
    ];
    for (const [name, tags] of given) {
      ids[name] = await t.secret(name);
      if (tags.length) await t.batch(ids[name], 'create', tags.map(([key, value]) => ({ key, value })));
    }
    await t.secret('app-elsewhere', OTHER_PROJECT);
    const find = async (body: Record<string, unknown>) => {
      const r = (await t.run(resourceInstancesOp, {}, { action: 'filter', ...body })).body as any;
      return [r.resources.map((x: any) => x.resource_name), r.total_count];
    };
    const count = async (body: Record<string, unknown>) => (await t.run(resourceInstancesOp, {}, { action: 'count', ...body })).body;
    return { ...t, ids, find, count };
  }

  it('filter answers each matching secret whole: its id, its Secret model, its name and tags, no system tags', async () => {
    const t = await tagged();
    const reply = await t.run(resourceInstancesOp, {}, { action: 'filter', tags: [{ key: 'team', values: ['x'] }] });
    const resource = async (name: string) => ({
      resource_id: t.ids[name],
      resource_detail: ((await t.run(showSecretOp, { secret_name: name })).body as any).secret,
      resource_name: name,
      tags: (await t.tags(t.ids[name])).tags,
      sys_tags: [],
    });
    expect(reply).toStrictEqual({ status: 200, body: { resources: [await resource('app-prod'), await resource('db-test')], total_count: 2 } });
    expect(await t.count({ tags: [{ key: 'team', values: ['x'] }] })).toStrictEqual({ total_count: 2 });
  });

  it('a secret must carry every key given, with one of its values (any value when none are given), and contain the name match', async () => {
    const t = await tagged();
    const all = ['app-dev', 'app-prod', 'db-prod', 'db-test', 'plain'];
    expect(await t.find({})).toEqual([all, 5]);
    expect(await t.find({ tags: [] })).toEqual([all, 5]);
    expect(await t.find({ tags: [{ key: 'env' }] })).toEqual([['app-dev', 'app-prod', 'db-prod', 'db-test'], 4]);
    expect(await t.find({ tags: [{ key: 'env', values: [] }] })).toEqual([['app-dev', 'app-prod', 'db-prod', 'db-test'], 4]);
    expect(await t.find({ tags: [{ key: 'env', values: ['prod'] }] })).toEqual([['app-prod', 'db-prod'], 2]);
    expect(await t.find({ tags: [{ key: 'env', values: ['dev', 'prod'] }] })).toEqual([['app-dev', 'app-prod', 'db-prod'], 3]);
    expect(await t.find({ tags: [{ key: 'env', values: [null] }] })).toEqual([['db-test'], 1]);
    expect(await t.find({ tags: [{ key: 'env', values: ['prod'] }, { key: 'team', values: ['y', 'z'] }] })).toEqual([['db-prod'], 1]);
    expect(await t.find({ tags: [{ key: 'team' }, { key: 'env', values: ['dev'] }] })).toEqual([[], 0]);
    expect(await t.find({ tags: [{ key: 'nobody' }] })).toEqual([[], 0]);
    expect(await t.find({ tags: [{ key: 'prod' }] })).toEqual([[], 0]);
    expect(await t.find({ matches: [{ key: 'resource_name', value: 'prod' }] })).toEqual([['app-prod', 'db-prod'], 2]);
    expect(await t.find({ matches: [{ key: 'resource_name', value: 'p-' }] })).toEqual([['app-dev', 'app-prod'], 2]);
    expect(await t.find({ matches: [{ key: 'resource_name', value: '' }] })).toEqual([all, 5]);
    expect(await t.find({ matches: [] })).toEqual([all, 5]);
    expect(await t.find({ tags: [{ key: 'team', values: ['x'] }], matches: [{ key: 'resource_name', value: 'app' }] })).toEqual([['app-prod'], 1]);
    expect(await t.count({ tags: [{ key: 'env', values: ['prod'] }] })).toStrictEqual({ total_count: 2 });
    expect(await t.count({ matches: [{ key: 'resource_name', value: 'db' }] })).toStrictEqual({ total_count: 2 });
    expect(await t.count({ limit: '1', offset: '4' })).toStrictEqual({ total_count: 5 });
  });

  it('filter pages with limit (default 1000) and offset (default 0); total_count counts every match', async () => {
    const t = await tagged();
    const all = ['app-dev', 'app-prod', 'db-prod', 'db-test', 'plain'];
    expect(await t.find({ limit: '2' })).toEqual([all.slice(0, 2), 5]);
    expect(await t.find({ limit: '2', offset: '2' })).toEqual([all.slice(2, 4), 5]);
    expect(await t.find({ limit: '2', offset: '4' })).toEqual([all.slice(4), 5]);
    expect(await t.find({ offset: '5' })).toEqual([[], 5]);
    expect(await t.find({ offset: '1' })).toEqual([all.slice(1), 5]);
    expect(await t.find({ limit: '1', offset: '0' })).toEqual([all.slice(0, 1), 5]);
    expect(await t.find({ limit: '', offset: '' })).toEqual([all, 5]);
    expect(await t.find({ limit: '1000', offset: '3' })).toEqual([all.slice(3), 5]);
    expect(await t.find({ limit: '1', tags: [{ key: 'env', values: ['prod'] }], offset: '1' })).toEqual([['db-prod'], 2]);
  });

  it('filter reaches past the first 1000 only through offset', async () => {
    const t = await rig();
    // The listing comes from the repository; a thousand and one records are written as the repository stores them.
    const names = Array.from({ length: 1001 }, (_, i) => `s${String(i).padStart(4, '0')}`);
    const first = await t.secret(names[0]);
    const template = await t.stored(names[0]);
    for (const name of names.slice(1)) await t.secrets.repo.create({ ...template, name, id: crypto.randomUUID() });
    const page = (await t.run(resourceInstancesOp, {}, { action: 'filter' })).body as any;
    expect([page.resources.length, page.resources[0].resource_id, page.resources[999].resource_name, page.total_count]).toEqual([1000, first, names[999], 1001]);
    const rest = (await t.run(resourceInstancesOp, {}, { action: 'filter', offset: '1000' })).body as any;
    expect(rest.resources.map((r: any) => r.resource_name)).toEqual([names[1000]]);
  });

  it('each field rule refuses with the field at fault; the bounds are accepted', async () => {
    const t = await tagged();
    const cases: [Record<string, unknown>, string[]][] = [
      [{ action: undefined }, missing('action')],
      [{ action: 'list' }, invalid('action', 'must be one of filter, count')],
      ...['0', '1001', '01', '-1', '1.5', 'ten', ' 5', '99999999999'].map((limit): [Record<string, unknown>, string[]] => [{ limit }, invalid('limit', 'must be 1-1000')]),
      [{ limit: 5 }, invalid('limit', 'must be a JSON string')],
      ...['-1', '01', '00', 'x', '1e3', '99999999999'].map((offset): [Record<string, unknown>, string[]] => [{ offset }, invalid('offset', 'must be a decimal >= 0')]),
      [{ offset: 0 }, invalid('offset', 'must be a JSON string')],
      [{ sequence: 's'.repeat(37) }, invalid('sequence', 'must be at most 36 characters')],
      [{ tags: {} }, invalid('tags', 'must be a JSON array')],
      [{ tags: Array.from({ length: 21 }, (_, i) => ({ key: `k${i}` })) }, invalid('tags', 'must have at most 20 items')],
      [{ tags: [{ key: 'env' }, null] }, invalid('tags[1].key', 'must be a string')],
      [{ tags: ['env'] }, invalid('tags[0].key', 'must be a string')],
      [{ tags: [['env']] }, invalid('tags[0].key', 'must be a string')],
      [{ tags: [{ key: 'env' }, { key: '_sys_env' }] }, invalid('tags[1].key', 'must not start with _sys_')],
      [{ tags: [{ key: ' env' }] }, invalid('tags[0].key', 'must not start or end with whitespace')],
      [{ tags: [{ key: 'env', values: 'prod' }] }, invalid('tags[0].values', 'must be an array of at most 20 values')],
      [{ tags: [{ key: 'env', values: null }] }, invalid('tags[0].values', 'must be an array of at most 20 values')],
      [{ tags: [{ key: 'env' }, { key: 'team', values: Array.from({ length: 21 }, (_, i) => `v${i}`) }] }, invalid('tags[1].values', 'must be an array of at most 20 values')],
      [{ tags: [{ key: 'env', values: ['prod', 5] }] }, invalid('tag value', 'must be a string')],
      [{ tags: [{ key: 'env', values: ['x'.repeat(256)] }] }, invalid('tag value', 'must be at most 255 characters')],
      [{ matches: {} }, invalid('matches', 'must be a JSON array')],
      [{ matches: [{ key: 'resource_name', value: 'a' }, { key: 'resource_name', value: 'b' }] }, invalid('matches', 'must have at most 1 items')],
      [{ matches: [{ key: 'name', value: 'a' }] }, invalid('matches', 'key must be resource_name')],
      [{ matches: [{ value: 'a' }] }, invalid('matches', 'key must be resource_name')],
      [{ matches: [null] }, invalid('matches', 'key must be resource_name')],
      [{ matches: ['resource_name'] }, invalid('matches', 'key must be resource_name')],
      [{ matches: [{ key: 'resource_name' }] }, invalid('matches', 'value must be a string of at most 255 characters')],
      [{ matches: [{ key: 'resource_name', value: 5 }] }, invalid('matches', 'value must be a string of at most 255 characters')],
      [{ matches: [{ key: 'resource_name', value: 'x'.repeat(256) }] }, invalid('matches', 'value must be a string of at most 255 characters')],
    ];
    for (const [over, expected] of cases) {
      expect(await t.refused(resourceInstancesOp, {}, { action: 'filter', ...over }), JSON.stringify(over).slice(0, 80)).toEqual(expected);
    }
    const bounds = {
      limit: '1000',
      offset: '0',
      sequence: 's'.repeat(36),
      tags: Array.from({ length: 20 }, (_, i) => ({ key: i ? `k${i}` : 'env', values: i ? undefined : Array.from({ length: 20 }, (_, j) => (j ? `v${j}` : 'prod')) })),
      matches: [{ key: 'resource_name', value: 'x'.repeat(255) }],
    };
    expect(await t.find(bounds)).toEqual([[], 0]);
    expect(await t.find({ ...bounds, tags: bounds.tags.slice(0, 1), matches: [{ key: 'resource_name', value: 'prod' }] })).toEqual([['app-prod', 'db-prod'], 2]);
    expect(await t.find({ limit: '1' })).toEqual([['app-dev'], 5]);
  });
});
