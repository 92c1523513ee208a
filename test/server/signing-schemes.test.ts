// The two request-signing quirks of Huawei's SDKs, against `npm start` over loopback:
// - SDK-HMAC-SM3 (Python's HttpConfig.signing_algorithm = HMAC_SM3): Python's SM3Signer algorithm
//   reimplemented here on sm-crypto's SM3 and HMAC-SM3 (independent of the server's WASM core), with the
//   headers and json.dumps body bytes Python sends;
// - the Node SDK's as-sent path: a tag key with a space deleted through @huaweicloud/huaweicloud-sdk-core's
//   own signer and Node's URL handling, which sign "cost%2520center" for the wire path "cost%20center".
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error sm-crypto ships no types
import smCrypto from 'sm-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { huaweiClient, type HuaweiClient } from '../helpers/huawei-sdk.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-schemes-'));
let server: RunningServer;
let admin: { access_key: string; secret_key: string; project_id: string };
let hc: HuaweiClient;

beforeAll(async () => {
  server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir });
  admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
  hc = huaweiClient(server.url, admin.access_key, admin.secret_key, admin.project_id);
});
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const bytes = (s: string) => [...Buffer.from(s, 'utf8')];
const sm3Hex = (s: string): string => smCrypto.sm3(bytes(s));
const hmacSm3Hex = (key: string, s: string): string => smCrypto.sm3(bytes(s), { key: bytes(key) });

/** Python's urllib quote(s, safe='~'): everything but unreserved characters escaped, upper-case hex. */
const quote = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

/** huaweicloudsdkcore.signer.SM3Signer.sign, for a request whose headers are all signed (none has '_'). */
function pythonSm3Sign(method: string, path: string, query: Record<string, string>, headers: Record<string, string>, body: string, ak: string, sk: string) {
  const canonicalUri = decodeURIComponent(path).split('/').map(quote).join('/').replace(/\/?$/, '/');
  const canonicalQuery = Object.keys(query).sort().map((k) => `${quote(k)}=${quote(query[k])}`).join('&');
  const signed = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = signed.map((h) => `${h}:${lower[h].trim()}\n`).join('');
  const payloadHash = lower['x-sdk-content-sm3'] ?? sm3Hex(body);
  const canonical = [method, canonicalUri, canonicalQuery, canonicalHeaders, signed.join(';'), payloadHash].join('\n');
  const sts = `SDK-HMAC-SM3\n${lower['x-sdk-date']}\n${sm3Hex(canonical)}`;
  return `SDK-HMAC-SM3 Access=${ak}, SignedHeaders=${signed.join(';')}, Signature=${hmacSm3Hex(sk, sts)}`;
}

function send(method: string, pathAndQuery: string, headers: Record<string, string>, body: string): Promise<{ status: number; json: any }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path: pathAndQuery, headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, json: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A request as Python's SDK sends it with HMAC_SM3 signing. */
async function pythonSm3(method: string, path: string, data?: object, query: Record<string, string> = {}, tweak?: (h: Record<string, string>) => void) {
  const date = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  const headers: Record<string, string> = {
    'Content-Type': 'application/json;charset=UTF-8',
    Host: new URL(server.url).host,
    'User-Agent': 'huaweicloud-usdk-python/3.0',
    'X-Project-Id': admin.project_id,
    'X-Sdk-Date': date,
  };
  tweak?.(headers);
  // json.dumps with its default separators.
  const body = data === undefined ? '' : JSON.stringify(data).replace(/","/g, '", "').replace(/":"/g, '": "');
  headers.Authorization = pythonSm3Sign(method, path, query, headers, body, admin.access_key, admin.secret_key);
  const qs = Object.keys(query).length ? '?' + new URLSearchParams(query).toString() : '';
  return send(method, path + qs, headers, body);
}

describe('SDK-HMAC-SM3 as Huawei\'s Python SDK signs it', () => {
  it('sm-crypto agrees with the GB/T 32905 vector the reimplementation relies on', () => {
    expect(sm3Hex('abc')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    expect(sm3Hex('')).toBe('1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b');
  });

  it('accepts signed POST (json.dumps body) and GET (empty body, query) requests', async () => {
    const keyId = (await hc.call('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'sm3-signed' })).key_info.key_id;
    const p = `/v1.0/${admin.project_id}/kms`;
    const enc = await pythonSm3('POST', `${p}/encrypt-data`, { key_id: keyId, plain_text: 'signed with SM3' });
    expect(enc.status).toBe(200);
    const dec = await pythonSm3('POST', `${p}/decrypt-data`, { cipher_text: enc.json.cipher_text });
    expect(dec.json.plain_text).toBe('signed with SM3');
    const list = await pythonSm3('GET', `${p}/aliases`, undefined, { limit: '10', key_id: keyId });
    expect(list.status).toBe(200);
    expect(Array.isArray(list.json)).toBe(true);
    const withHash = await pythonSm3('POST', `${p}/describe-key`, { key_id: keyId }, {}, (h) => {
      h['X-Sdk-Content-Sm3'] = sm3Hex(JSON.stringify({ key_id: keyId }).replace(/":"/g, '": "'));
    });
    expect(withHash.status).toBe(200);
  });

  it('refuses a wrong signature, an unsigned payload and a body that is not the one signed (401 APIGW.0301)', async () => {
    const p = `/v1.0/${admin.project_id}/kms/list-keys`;
    const wrongSk = await (async () => {
      const saved = admin.secret_key;
      admin.secret_key = saved.slice(0, -1) + (saved.endsWith('A') ? 'B' : 'A');
      try {
        return await pythonSm3('POST', p, { limit: '10' });
      } finally {
        admin.secret_key = saved;
      }
    })();
    expect(wrongSk.status).toBe(401);
    expect(wrongSk.json.error_code).toBe('APIGW.0301');
    const unsigned = await pythonSm3('POST', p, { limit: '10' }, {}, (h) => void (h['X-Sdk-Content-Sm3'] = 'UNSIGNED-PAYLOAD'));
    expect(unsigned.status).toBe(401);
    // A SHA-256 signature presented as SM3 is refused too.
    const date = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
    const mislabeled = await send('POST', p, { 'X-Sdk-Date': date, Authorization: `SDK-HMAC-SM3 Access=${admin.access_key}, SignedHeaders=x-sdk-date, Signature=${'0'.repeat(64)}` }, '{}');
    expect(mislabeled.status).toBe(401);
  });
});

describe('the Node SDK core\'s as-sent path signature', () => {
  it('deletes a tag whose key has a space (signed as cost%2520center, sent as cost%20center)', async () => {
    const keyId = (await hc.call('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'tag-space' })).key_info.key_id;
    await hc.call('POST', `/v1.0/{project_id}/kms/${keyId}/tags`, { tag: { key: 'cost center', value: 'ops' } });
    expect((await hc.call('GET', `/v1.0/{project_id}/kms/${keyId}/tags`)).tags).toEqual([{ key: 'cost center', value: 'ops' }]);
    await hc.call('DELETE', `/v1.0/{project_id}/kms/${keyId}/tags/cost center`);
    expect((await hc.call('GET', `/v1.0/{project_id}/kms/${keyId}/tags`)).tags).toEqual([]);
  });

  it('refuses tag keys with "%", so no key is the escaped form of another', async () => {
    const keyId = (await hc.call('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'tag-percent' })).key_info.key_id;
    const e = await hc.fail('POST', `/v1.0/{project_id}/kms/${keyId}/tags`, { tag: { key: 'cost%20center', value: 'ops' } });
    expect([e.httpStatusCode, e.errorCode]).toEqual([400, 'KMS.0406']);
  });
});
