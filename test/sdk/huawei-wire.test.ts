// The client as Huawei Cloud's KMS sees it: the request line, headers and SDK-HMAC-SHA256 signature (checked
// by an independent node:crypto computation from the wire reference's algorithm), and the answer and error
// body shapes Huawei's services and API gateway actually send.
import { createHash, createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, parseErrorBody } from '../../src/sdk/errors.ts';
import { KmsClient } from '../../src/sdk/kms/client.ts';
import { startFlakyServer, type FlakyServer } from '../helpers/flaky-server.ts';

const AK = 'HPUAEXAMPLEAK0000000';
const SK = 'ExampleSecretKey0000000000000000000000000';
const PROJECT = '0123456789abcdef0123456789abcdef';
const TIME = Date.UTC(2024, 0, 1, 12, 0, 0);

let server: FlakyServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const client = (url: string) => new KmsClient({ endpoint: url, accessKey: AK, secretKey: SK, projectId: PROJECT, now: () => TIME, retry: false });

describe('requests as Huawei Cloud KMS expects them', () => {
  it('encrypt-data: path, headers and a signature an independent implementation reproduces', async () => {
    server = await startFlakyServer([{ status: 200, body: { key_id: 'k', cipher_text: 'AgDo' } }]);
    await client(server.url).encryptData({ key_id: '0d0466b0-e727-4d9c-b35d-f84bb474a37f', plain_text: 'hello world' });
    const [r] = server.seen;
    expect(r.method).toBe('POST');
    expect(r.path).toBe(`/v1.0/${PROJECT}/kms/encrypt-data`);
    expect(r.headers['x-project-id']).toBe(PROJECT);
    expect(r.headers['x-sdk-date']).toBe('20240101T120000Z');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.body).toBe('{"key_id":"0d0466b0-e727-4d9c-b35d-f84bb474a37f","plain_text":"hello world"}');
    const m = /^SDK-HMAC-SHA256 Access=(\w+), SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(r.headers.authorization!);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(AK);
    expect(m![2]).toBe('content-type;x-project-id;x-sdk-date');
    // Section 5.2 of the wire reference, written out again here with node:crypto.
    const canonical = [
      'POST',
      `/v1.0/${PROJECT}/kms/encrypt-data/`,
      '',
      `content-type:application/json\nx-project-id:${PROJECT}\nx-sdk-date:20240101T120000Z\n`,
      'content-type;x-project-id;x-sdk-date',
      createHash('sha256').update(r.body).digest('hex'),
    ].join('\n');
    const sts = `SDK-HMAC-SHA256\n20240101T120000Z\n${createHash('sha256').update(canonical).digest('hex')}`;
    expect(m![3]).toBe(createHmac('sha256', SK).update(sts).digest('hex'));
  });

  it('signs a security token, encodes path parameters and query strings', async () => {
    server = await startFlakyServer([{ status: 204 }, { status: 200, body: [{ aliases: [], page_info: { next_marker: '', current_count: 0 } }] }]);
    const c = new KmsClient({ endpoint: server.url, accessKey: AK, secretKey: SK, securityToken: 'sts-token', projectId: PROJECT, retry: false });
    expect(await c.deleteTag('0d0466b0-e727-4d9c-b35d-f84bb474a37f', 'cost center')).toBeUndefined();
    expect(await c.listAliases({ key_id: 'k', limit: '10' })).toHaveLength(1);
    expect(server.seen[0].path).toBe(`/v1.0/${PROJECT}/kms/0d0466b0-e727-4d9c-b35d-f84bb474a37f/tags/cost%20center`);
    expect(server.seen[0].method).toBe('DELETE');
    expect(server.seen[0].headers['x-security-token']).toBe('sts-token');
    expect(server.seen[0].headers.authorization).toContain('SignedHeaders=content-type;x-project-id;x-sdk-date;x-security-token,');
    expect(server.seen[1].path).toBe(`/v1.0/${PROJECT}/kms/aliases?key_id=k&limit=10`);
  });

  it('reads the documented decrypt-data answer', async () => {
    server = await startFlakyServer([{ status: 200, body: { key_id: '0d0466b0-e727-4d9c-b35d-f84bb474a37f', plain_text: 'hello world', plain_text_base64: 'aGVsbG8gd29ybGQ=' } }]);
    const r = await client(server.url).decryptData({ cipher_text: 'AgDoAG7EsEc2OHpQxz4g' });
    expect(r.plain_text_base64).toBe('aGVsbG8gd29ybGQ=');
  });
});

describe('error bodies as Huawei sends them', () => {
  it.each([
    ['KMS, nested', 500, { error: { error_code: 'KMS.0101', error_msg: 'kms error.' } }, 'KMS.0101', 'kms error.', undefined],
    ['edgekms, mirrored', 400, { error_code: 'KMS.0207', error_msg: 'gone', error: { error_code: 'KMS.0207', error_msg: 'gone' } }, 'KMS.0207', 'gone', undefined],
    ['API gateway, flat with request_id', 429, { error_code: 'APIGW.0308', error_msg: 'The throttling threshold has been reached', request_id: 'r-1' }, 'APIGW.0308', 'The throttling threshold has been reached', 'r-1'],
    ['CSMS, flat', 400, { error_code: 'CSMS.0005', error_msg: 'no such secret' }, 'CSMS.0005', 'no such secret', undefined],
    ['code/message', 403, { error: { code: 'IAM.0001', message: 'denied' } }, 'IAM.0001', 'denied', undefined],
    ['not JSON', 502, undefined, '502', 'HTTP 502', undefined],
  ])('%s', (_, status, body, code, message, requestId) => {
    const e = parseErrorBody(status, body);
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code, e.detail, e.requestId]).toEqual([status, code, message, requestId]);
  });

  it('prefers the X-Request-Id header and bounds what it keeps of a hostile body', async () => {
    server = await startFlakyServer([{ status: 400, body: { error_code: 'X'.repeat(10_000), error_msg: 'y'.repeat(100_000) }, headers: { 'x-request-id': 'hdr-7' } }]);
    const e = await client(server.url).describeKey({ key_id: 'k' }).catch((x) => x);
    expect(e.requestId).toBe('hdr-7');
    expect(e.code).toHaveLength(64);
    expect(e.detail.length).toBeLessThanOrEqual(1024);
  });

  it('refuses an answer larger than maxResponseBytes without retrying', async () => {
    server = await startFlakyServer([{ status: 200, body: { data: 'z'.repeat(5000) } }]);
    const c = new KmsClient({ endpoint: server.url, accessKey: AK, secretKey: SK, projectId: PROJECT, maxResponseBytes: 1000 });
    await expect(c.listKeys()).rejects.toMatchObject({ name: 'BadResponseError', attempts: 1 });
    expect(server.seen).toHaveLength(1);
  });
});
