// The HTTP layer: health, request ids, error bodies, authentication failures, body limits, and a fuzz of
// every route with hostile bodies (never a 500).
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.ts';
import { signRequest } from '../../src/iam/signer.ts';
import { KMS_ROUTES } from '../../src/kms/routes.ts';
import { ADMIN, makeRig } from '../helpers/kms.ts';
import { seeded } from '../helpers/seed.ts';

const rigP = makeRig();

async function raw(method: string, path: string, body?: string | Uint8Array, extraHeaders: Record<string, string> = {}, sign = true): Promise<Response> {
  const rig = await rigP;
  const url = new URL(path, 'http://kms.test');
  const bytes = typeof body === 'string' ? utf8(body) : body;
  let headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
  if (sign) {
    headers = signRequest({ method, path: url.pathname, query: [...url.searchParams], headers, body: bytes }, { accessKey: ADMIN.accessKey, secretKey: ADMIN.secretKey, time: rig.clock.now() });
  }
  return rig.app.fetch(new Request(url, { method, headers, body: bytes as BodyInit | undefined }));
}

const P = `/v1.0/${ADMIN.project}`;

describe('HTTP basics', () => {
  it('GET /healthz answers 200 without authentication, with a request id', async () => {
    const r = await raw('GET', '/healthz', undefined, {}, false);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: 'ok' });
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('unsigned and badly signed requests get 401 APIGW.0301 with request_id', async () => {
    const r = await raw('POST', `${P}/kms/list-keys`, '{}', {}, false);
    expect(r.status).toBe(401);
    const body = await r.json();
    expect(body).toMatchObject({ error_code: 'APIGW.0301' });
    expect(body.request_id).toBe(r.headers.get('x-request-id'));
    const forged = await raw('POST', `${P}/kms/list-keys`, '{}', { authorization: `SDK-HMAC-SHA256 Access=${ADMIN.accessKey}, SignedHeaders=x-sdk-date, Signature=${'0'.repeat(64)}`, 'x-sdk-date': '20240101T000000Z' }, false);
    expect(forged.status).toBe(401);
  });

  it('KMS errors are nested with the pair mirrored at the top level', async () => {
    const r = await raw('POST', `${P}/kms/describe-key`, '{"key_id":"00000000-0000-0000-0000-000000000000"}');
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({
      error_code: 'KMS.0207',
      error_msg: expect.any(String),
      error: { error_code: 'KMS.0207', error_msg: expect.any(String) },
    });
  });

  it('a repeated query parameter is refused before the signature is checked, whatever its order', async () => {
    for (const query of ['?limit=1&limit=2', '?limit=2&limit=1', '?a=1&b=2&a=1']) {
      const r = await raw('GET', `${P}/kms/aliases${query}`);
      expect(r.status, query).toBe(400);
      expect((await r.json()).error_code, query).toBe('KMS.0308');
    }
    expect((await raw('GET', `${P}/kms/aliases?limit=2`)).status).toBe(200);
  });

  it('malformed JSON, non-objects, invalid UTF-8 and over-long bodies are 400s', async () => {
    for (const body of ['{', '[]', '"x"', 'null', '{"key_alias":"a",}']) {
      const r = await raw('POST', `${P}/kms/create-key`, body);
      expect(r.status, body).toBe(400);
      expect((await r.json()).error_code, body).toBe('KMS.0202');
    }
    const badUtf8 = await raw('POST', `${P}/kms/create-key`, new Uint8Array([0x7b, 0xff, 0x7d]));
    expect((await badUtf8.json()).error_code).toBe('KMS.0202');
    const big = await raw('POST', `${P}/kms/create-key`, JSON.stringify({ key_alias: 'a', pad: 'x'.repeat(70_000) }));
    expect(big.status).toBe(400);
    expect((await big.json()).error_code).toBe('KMS.0203');
  });

  it('accepts what each SDK sends: Go’s trailing newline, Python’s spaced JSON, charset content types', async () => {
    const go = await raw('POST', `${P}/kms/create-key`, '{"key_alias":"go-style"}\n', { 'content-type': 'application/json;charset=UTF-8' });
    expect(go.status).toBe(200);
    const py = await raw('POST', `${P}/kms/create-key`, '{"key_alias": "py-style", "key_spec": "AES_256"}', { 'content-type': 'application/json; charset=utf-8' });
    expect(py.status).toBe(200);
  });

  it('verifies the header sets each SDK signs: Go (no content-type, no host), Python (host, user-agent), Node (all)', async () => {
    const rig = await rigP;
    const send = async (body: string, signedHeaders: Record<string, string>, unsignedHeaders: Record<string, string>) => {
      const url = new URL(`http://kms.test${P}/kms/create-key`);
      const signed = signRequest({ method: 'POST', path: url.pathname, query: [], headers: signedHeaders, body: utf8(body) }, { accessKey: ADMIN.accessKey, secretKey: ADMIN.secretKey, time: rig.clock.now() });
      return rig.app.fetch(new Request(url, { method: 'POST', headers: { ...signed, ...unsignedHeaders }, body }));
    };
    const go = await send('{"key_alias":"go-sdk"}\n', { 'user-agent': 'huaweicloud-usdk-go/3.0', 'x-project-id': ADMIN.project }, { 'content-type': 'application/json;charset=UTF-8' });
    expect(go.status).toBe(200);
    expect((await go.clone().text()).length).toBeGreaterThan(0);
    const py = await send('{"key_alias": "py-sdk"}', { 'content-type': 'application/json;charset=UTF-8', host: 'kms.test', 'user-agent': 'huaweicloud-usdk-python/3.0', 'x-project-id': ADMIN.project }, {});
    expect(py.status).toBe(200);
    const node = await send('{"key_alias":"node-sdk"}', { 'content-type': 'application/json', host: 'kms.test', 'x-project-id': ADMIN.project }, { 'user-agent': 'huaweicloud-usdk-nodejs/3.0' });
    expect(node.status).toBe(200);
    // Changing a header that was signed breaks the signature; changing one that was not does not matter.
    const tampered = await send('{"key_alias":"go-sdk-2"}', { 'user-agent': 'a', 'x-project-id': ADMIN.project }, { 'user-agent': 'b' });
    expect(tampered.status).toBe(401);
  });

  it('unknown APIs are 400 with KMS.0201 (Huawei\'s error table); a project the X-Project-Id does not name is 403', async () => {
    const r = await raw('POST', `${P}/kms/no-such-thing`, '{}');
    expect(r.status).toBe(400);
    expect((await r.json()).error_code).toBe('KMS.0201');
    const mismatch = await raw('POST', `${P}/kms/list-keys`, '{}', { 'x-project-id': 'another' });
    expect(mismatch.status).toBe(403);
  });

  it('empty-body operations answer 200 with no body, create-alias 201, delete-alias 204', async () => {
    const key = (await (await raw('POST', `${P}/kms/create-key`, '{"key_alias":"bodies"}')).json()).key_info.key_id;
    const en = await raw('POST', `${P}/kms/enable-key-rotation`, JSON.stringify({ key_id: key }));
    expect(en.status).toBe(200);
    expect(await en.text()).toBe('');
    expect((await raw('POST', `${P}/kms/aliases`, JSON.stringify({ key_id: key, alias: 'b1' }))).status).toBe(201);
    const del = await raw('DELETE', `${P}/kms/aliases`, JSON.stringify({ key_id: key, aliases: ['b1'] }));
    expect(del.status).toBe(204);
    expect(await del.text()).toBe('');
  });
});

describe('hostile input never causes a 500', () => {
  const values: unknown[] = [
    null, true, 0, -1, 1.5, 1e309 === Infinity ? 1e308 : 0, '', ' ', 'x'.repeat(5000), '\u0000', '\ud800', '../../etc', 'alias/', 'obs/default',
    '00000000-0000-0000-0000-000000000000', 'ZZ', '==', 'QUJD', 'AAAA'.repeat(40), [], ['x'], [1, 2], {}, { a: 1 }, '9'.repeat(30), '-5', '1e3',
  ];
  const fieldNames = ['key_id', 'key_alias', 'key_spec', 'key_usage', 'key_description', 'origin', 'plain_text', 'cipher_text', 'additional_authenticated_data', 'encryption_algorithm', 'datakey_length', 'datakey_plain_length', 'datakey_cipher_length', 'random_data_length', 'pending_days', 'limit', 'marker', 'key_state', 'rotation_interval', 'alias', 'aliases', 'target_key_id', 'sequence', 'enterprise_project_id', 'keystore_id'];

  it('fuzzes every route with random bodies and query strings', async () => {
    const random = seeded('http hostile input');
    const rand = random.int;
    for (const route of KMS_ROUTES) {
      for (let i = 0; i < 25; i++) {
        const body: Record<string, unknown> = {};
        for (const f of fieldNames) if (rand(3) === 0) body[f] = values[rand(values.length)];
        const query = route.method === 'GET' ? `?limit=${encodeURIComponent(String(values[rand(values.length)]).toWellFormed())}&key_id=${encodeURIComponent(String(values[rand(values.length)]).toWellFormed())}` : '';
        const r = await raw(route.method, `${P}${route.path}${query}`, route.method === 'GET' ? undefined : JSON.stringify(body));
        expect(r.status, `seed ${random.seed}: ${route.method} ${route.path} ${JSON.stringify(body).slice(0, 200)}`).toBeLessThan(500);
      }
    }
  });
});
