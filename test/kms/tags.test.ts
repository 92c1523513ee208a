// Key tags over signed HTTP (in-process, raw responses so status codes and empty bodies are visible):
// create, batch create/delete, delete, show, project tags, and finding keys by tags, with the limits and
// KMS.04xx errors of the wire reference.
import { beforeEach, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.ts';
import { signRequest } from '../../src/iam/signer.ts';
import { ADMIN, makeRig, type Rig } from '../helpers/kms.ts';

let rig: Rig;
let key: string;
const P = `/v1.0/${ADMIN.project}/kms`;

/** A signed request answered with the raw Response. */
async function raw(method: string, path: string, body?: unknown): Promise<Response> {
  const url = new URL(P + path, 'http://kms.test');
  const bytes = body === undefined ? undefined : utf8(JSON.stringify(body));
  const headers = signRequest(
    { method, path: url.pathname, query: [...url.searchParams], headers: { 'content-type': 'application/json' }, body: bytes },
    { accessKey: ADMIN.accessKey, secretKey: ADMIN.secretKey, time: rig.clock.now() },
  );
  return rig.app.fetch(new Request(url, { method, headers, body: bytes as BodyInit | undefined }));
}

async function json(method: string, path: string, body?: unknown): Promise<any> {
  const r = await raw(method, path, body);
  expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(200);
  return r.json();
}

/** Expects 204 with an empty body. */
async function noContent(method: string, path: string, body?: unknown): Promise<void> {
  const r = await raw(method, path, body);
  expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(204);
  expect(await r.text()).toBe('');
}

async function error(method: string, path: string, body?: unknown): Promise<string> {
  const r = await raw(method, path, body);
  expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
  return (await r.json()).error_code;
}

const createKey = async (alias: string) => (await json('POST', '/create-key', { key_alias: alias })).key_info.key_id as string;

beforeEach(async () => {
  rig = await makeRig();
  key = await createKey('tagged');
});

describe('tags on a key', () => {
  it('creates, replaces, shows and deletes tags with 204 / empty bodies', async () => {
    await noContent('POST', `/${key}/tags`, { tag: { key: 'env', value: 'prod' } });
    await noContent('POST', `/${key}/tags`, { tag: { key: 'owner', value: '' } });
    await noContent('POST', `/${key}/tags`, { tag: { key: 'env', value: 'staging' } }); // replaces
    expect(await json('GET', `/${key}/tags`)).toEqual({
      tags: [
        { key: 'owner', value: '' },
        { key: 'env', value: 'staging' },
      ],
      existTagsNum: 2,
    });
    await noContent('DELETE', `/${key}/tags/env`);
    await noContent('DELETE', `/${key}/tags/env`); // already gone: still 204
    expect(await json('GET', `/${key}/tags`)).toEqual({ tags: [{ key: 'owner', value: '' }], existTagsNum: 1 });
  });

  it('batch create and delete are all-or-nothing', async () => {
    await noContent('POST', `/${key}/tags/action`, { action: 'create', tags: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'c' }] });
    expect((await json('GET', `/${key}/tags`)).existTagsNum).toBe(3);
    // One bad tag in a batch: nothing is applied.
    expect(await error('POST', `/${key}/tags/action`, { action: 'create', tags: [{ key: 'd', value: '4' }, { key: 'bad=key', value: '5' }] })).toBe('KMS.0406');
    expect((await json('GET', `/${key}/tags`)).existTagsNum).toBe(3);
    await noContent('POST', `/${key}/tags/action`, { action: 'delete', tags: [{ key: 'a' }, { key: 'zzz' }] });
    expect((await json('GET', `/${key}/tags`)).tags.map((t: { key: string }) => t.key)).toEqual(['b', 'c']);
  });

  it('handles Unicode tag keys in the path and in bodies', async () => {
    await noContent('POST', `/${key}/tags`, { tag: { key: '部门', value: 'финансы' } });
    expect((await json('GET', `/${key}/tags`)).tags).toEqual([{ key: '部门', value: 'финансы' }]);
    await noContent('DELETE', `/${key}/tags/${encodeURIComponent('部门')}`);
    expect((await json('GET', `/${key}/tags`)).existTagsNum).toBe(0);
  });

  it('enforces the limits and codes: 10 tags per key, key and value lengths and characters, batch shape', async () => {
    const ten = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    await noContent('POST', `/${key}/tags/action`, { action: 'create', tags: ten });
    expect(await error('POST', `/${key}/tags`, { tag: { key: 'eleventh', value: 'x' } })).toBe('KMS.0409');
    await noContent('POST', `/${key}/tags`, { tag: { key: 'k0', value: 'replaced' } }); // a replacement is not an eleventh
    const other = await createKey('limits');
    const cases: [string, string, unknown, string][] = [
      ['POST', `/${other}/tags`, { tag: { key: 'x'.repeat(37), value: 'v' } }, 'KMS.0411'],
      ['POST', `/${other}/tags`, { tag: { key: '', value: 'v' } }, 'KMS.0411'],
      ['POST', `/${other}/tags`, { tag: { key: 'a*b', value: 'v' } }, 'KMS.0406'],
      ['POST', `/${other}/tags`, { tag: { key: 'a\u0001', value: 'v' } }, 'KMS.0406'],
      ['POST', `/${other}/tags`, { tag: { key: 7, value: 'v' } }, 'KMS.0406'],
      ['POST', `/${other}/tags`, { tag: { key: 'k', value: 'v'.repeat(44) } }, 'KMS.0410'],
      ['POST', `/${other}/tags`, { tag: { key: 'k', value: 'a<b' } }, 'KMS.0405'],
      ['POST', `/${other}/tags`, { tag: { key: 'k', value: 5 } }, 'KMS.0405'],
      ['POST', `/${other}/tags`, {}, 'KMS.0204'],
      ['POST', `/${other}/tags/action`, { action: 'create', tags: [] }, 'KMS.0401'],
      ['POST', `/${other}/tags/action`, { action: 'create', tags: [...ten, { key: 'k10' }] }, 'KMS.0407'],
      ['POST', `/${other}/tags/action`, { action: 'update', tags: [{ key: 'k' }] }, 'KMS.0404'],
      ['POST', `/${other}/tags/action`, { tags: [{ key: 'k' }] }, 'KMS.0204'],
      ['POST', `/${other}/tags/action`, { action: 'create', tags: [{ key: 'k' }, { key: 'k' }] }, 'KMS.0406'],
      ['POST', `/not-a-key/tags`, { tag: { key: 'k' } }, 'KMS.0205'],
      ['POST', `/00000000-0000-0000-0000-000000000000/tags`, { tag: { key: 'k' } }, 'KMS.0207'],
      ['GET', `/00000000-0000-0000-0000-000000000000/tags`, undefined, 'KMS.0207'],
    ];
    for (const [method, path, body, code] of cases) expect(await error(method, path, body), `${path} ${JSON.stringify(body)}`).toBe(code);
    expect((await json('GET', `/${other}/tags`)).existTagsNum).toBe(0);
    expect(await json('GET', `/${key}/tags`)).toMatchObject({ existTagsNum: 10 });
  });

  it('a key pending deletion keeps and shows its tags but refuses changes (KMS.0210)', async () => {
    await noContent('POST', `/${key}/tags`, { tag: { key: 'k', value: 'v' } });
    await json('POST', '/schedule-key-deletion', { key_id: key, pending_days: '7' });
    expect(await error('POST', `/${key}/tags`, { tag: { key: 'k2' } })).toBe('KMS.0210');
    expect(await error('DELETE', `/${key}/tags/k`)).toBe('KMS.0210');
    expect((await json('GET', `/${key}/tags`)).existTagsNum).toBe(1);
  });
});

describe('project tags and finding keys by tags', () => {
  it('lists the project’s tag keys with all their values', async () => {
    const other = await createKey('second');
    await noContent('POST', `/${key}/tags/action`, { action: 'create', tags: [{ key: 'env', value: 'prod' }, { key: 'team', value: 'a' }] });
    await noContent('POST', `/${other}/tags/action`, { action: 'create', tags: [{ key: 'env', value: 'dev' }] });
    expect(await json('GET', '/tags')).toEqual({
      tags: [
        { key: 'env', values: ['dev', 'prod'] },
        { key: 'team', values: ['a'] },
      ],
    });
  });

  it('filters and counts keys by tags (values OR-ed, tags AND-ed) and by resource name, with paging', async () => {
    const ids: string[] = [key];
    for (let i = 1; i < 5; i++) {
      rig.clock.advance(1); // keys list in creation order
      ids.push(await createKey(`tagged-${i}`));
    }
    for (let i = 0; i < 5; i++) {
      await noContent('POST', `/${ids[i]}/tags/action`, { action: 'create', tags: [{ key: 'env', value: i % 2 ? 'dev' : 'prod' }, { key: 'n', value: String(i) }] });
    }
    const filter = (body: object) => json('POST', '/resource_instances/action', { action: 'filter', ...body });
    const prod = await filter({ tags: [{ key: 'env', values: ['prod'] }] });
    expect(prod.total_count).toBe(3);
    expect(prod.resources.map((r: { resource_id: string }) => r.resource_id)).toEqual([ids[0], ids[2], ids[4]]);
    expect(prod.resources[0]).toEqual({
      resource_id: ids[0],
      resource_detail: expect.objectContaining({ key_id: ids[0], key_alias: 'tagged', key_state: '2' }),
      resource_name: 'tagged',
      tags: [{ key: 'env', value: 'prod' }, { key: 'n', value: '0' }],
    });
    expect((await filter({ tags: [{ key: 'env', values: ['prod', 'dev'] }, { key: 'n', values: ['1', '2'] }] })).total_count).toBe(2);
    expect((await filter({ tags: [{ key: 'n', values: [] }] })).total_count).toBe(5);
    expect((await filter({ tags: [{ key: 'missing', values: [] }] })).total_count).toBe(0);
    expect((await filter({ matches: [{ key: 'resource_name', value: 'tagged-' }] })).total_count).toBe(4);
    const paged = await filter({ limit: '2', offset: '3' });
    expect([paged.resources.length, paged.total_count]).toEqual([2, 5]);
    expect(paged.resources.map((r: { resource_id: string }) => r.resource_id)).toEqual([ids[3], ids[4]]);
    expect((await filter({})).resources.length).toBe(5); // default limit 10
    expect(await json('POST', '/resource_instances/action', { action: 'count', tags: [{ key: 'env', values: ['dev'] }] })).toEqual({ total_count: 2 });
  });

  it('refuses bad filters with the KMS.04xx codes', async () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ key: `k${i}`, values: [] }));
    const cases: [unknown, string][] = [
      [{ action: 'list' }, 'KMS.0404'],
      [{}, 'KMS.0404'],
      [{ action: 'filter', offset: '-1' }, 'KMS.0417'],
      [{ action: 'filter', offset: 3 }, 'KMS.0417'],
      [{ action: 'filter', limit: '0' }, 'KMS.1601'],
      [{ action: 'filter', limit: '1001' }, 'KMS.1601'],
      [{ action: 'filter', tags: many }, 'KMS.0412'],
      [{ action: 'filter', tags: [{ key: 'k', values: Array.from({ length: 11 }, (_, i) => String(i)) }] }, 'KMS.0413'],
      [{ action: 'filter', tags: [{ key: 'k=', values: [] }] }, 'KMS.0406'],
      [{ action: 'filter', tags: [{ key: 'k', values: ['a>'] }] }, 'KMS.0405'],
      [{ action: 'filter', matches: [{ key: 'resource_id', value: 'x' }] }, 'KMS.0403'],
      [{ action: 'filter', matches: [{ key: 'resource_name', value: 5 }] }, 'KMS.0402'],
    ];
    for (const [body, code] of cases) expect(await error('POST', '/resource_instances/action', body), JSON.stringify(body)).toBe(code);
  });
});
