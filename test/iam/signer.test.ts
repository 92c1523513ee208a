// SDK-HMAC-SHA256 against the official vectors of Huawei's Go and Python SDK tests and a worked example
// of an encrypt-data request as Huawei's Node SDK signs it, and the verifier against what the signer produces.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.ts';
import { toHex } from '../../src/crypto/encoding.ts';
import { sha256Hex } from '../../src/crypto/hash.ts';
import { StaticCredentials } from '../../src/iam/credentials.ts';
import { canonicalQuery, canonicalRequest, canonicalUri, computeSignature, parseSdkDate, sdkDate, signRequest, stringToSign, URI_CACHE_LIMIT, uriCache } from '../../src/iam/signer.ts';
import { AuthError, verifyRequest } from '../../src/iam/verify.ts';
import { nodeHashes } from '../../src/runtime/node-crypto.ts';

function signature(sk: string, req: Parameters<typeof canonicalRequest>[0], signed: string[]): string {
  return toHex(computeSignature(utf8(sk), stringToSign(canonicalRequest(req, signed), req.headers['x-sdk-date'])), false);
}

describe('SDK-HMAC-SHA256 vectors', () => {
  it('Go signer_test.go test1: GET with query, underscore header excluded', () => {
    // The Go SDK does not sign headers with an underscore; a header left out of SignedHeaders must not
    // reach the canonical request, so the vector holds with it present.
    const headers = { 'x-sdk-date': '20060102T150405Z', x_sdk_underscore: 'ignored' };
    const sig = signature('SecretKey', { method: 'GET', path: '/path', query: [['limit', '1']], headers, payloadHash: sha256Hex(new Uint8Array()) }, ['x-sdk-date']);
    expect(sig).toBe('5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624');
  });

  it('Go signer_test.go test2: POST whose body carries Go’s trailing newline', () => {
    const body = utf8('{"Name":"test","Id":1}\n');
    const sig = signature('SecretKey', { method: 'POST', path: '/path', query: [['key', 'value']], headers: { 'x-sdk-date': '20060102T150405Z' }, payloadHash: sha256Hex(body) }, ['x-sdk-date']);
    expect(sig).toBe('cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59');
  });

  it('Python test_signer.py test_signer1: Host signed', () => {
    const sig = signature(
      'SecretKey',
      { method: 'GET', path: '/resources', query: [['size', '1']], headers: { host: 'service.endpoint.myhuaweicloud.com', 'x-sdk-date': '20200608T023900Z' }, payloadHash: sha256Hex(new Uint8Array()) },
      ['host', 'x-sdk-date'],
    );
    expect(sig).toBe('cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842');
  });

  it('Python test_signer.py test_signer2: POST body', () => {
    const sig = signature(
      'SecretKey',
      { method: 'POST', path: '/resources', query: [['size', '1']], headers: { host: 'service.endpoint.myhuaweicloud.com', 'x-sdk-date': '20200608T023900Z' }, payloadHash: sha256Hex(utf8('{"name":"test","id":1}')) },
      ['host', 'x-sdk-date'],
    );
    expect(sig).toBe('436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f');
  });

  const example = {
    ak: 'HPUAEXAMPLEAK0000000',
    sk: 'ExampleSecretKey0000000000000000000000000',
    project: '0123456789abcdef0123456789abcdef',
    headers: {
      'content-type': 'application/json',
      host: 'kms.cn-north-4.myhuaweicloud.com',
      'x-project-id': '0123456789abcdef0123456789abcdef',
      'x-sdk-date': '20240101T120000Z',
    },
  };

  it('worked example: encrypt-data as the Node SDK sends it', () => {
    const body = utf8('{"key_id":"0d0466b0-e727-4d9c-b35d-f84bb474a37f","plain_text":"hello world"}');
    const req = { method: 'POST', path: `/v1.0/${example.project}/kms/encrypt-data`, query: [] as [string, string][], headers: example.headers, payloadHash: sha256Hex(body) };
    const signed = ['content-type', 'host', 'x-project-id', 'x-sdk-date'];
    const canonical = canonicalRequest(req, signed);
    expect(canonical).toBe(
      [
        'POST',
        `/v1.0/${example.project}/kms/encrypt-data/`,
        '',
        'content-type:application/json\nhost:kms.cn-north-4.myhuaweicloud.com\nx-project-id:0123456789abcdef0123456789abcdef\nx-sdk-date:20240101T120000Z\n',
        'content-type;host;x-project-id;x-sdk-date',
        '202ec78c1e4c2c3cafeee5bcde3a2730d4e0c7dccc6366fd33133d2c8dd3c6cc',
      ].join('\n'),
    );
    expect(stringToSign(canonical, '20240101T120000Z')).toBe('SDK-HMAC-SHA256\n20240101T120000Z\n8bb4cf42de3c38250bdbe500621acae1ce70e148bdd404615f058c0218cc2481');
    expect(signature(example.sk, req, signed)).toBe('acd0e378305cef71c6952dc1064321e65927934355fc76fd5f95fab7eb71665b');
    // The client-side signer produces the same Authorization header.
    const headers = signRequest({ method: 'POST', path: req.path, query: [], headers: example.headers, body }, { accessKey: example.ak, secretKey: example.sk });
    expect(headers.authorization).toBe(
      'SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000000, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=acd0e378305cef71c6952dc1064321e65927934355fc76fd5f95fab7eb71665b',
    );
  });

  it('second example: GET with query parameters sorted', () => {
    const query: [string, string][] = [['limit', '10'], ['key_id', '0d0466b0-e727-4d9c-b35d-f84bb474a37f']];
    expect(canonicalQuery(query)).toBe('key_id=0d0466b0-e727-4d9c-b35d-f84bb474a37f&limit=10');
    const sig = signature(example.sk, { method: 'GET', path: `/v1.0/${example.project}/kms/aliases`, query, headers: example.headers, payloadHash: sha256Hex(new Uint8Array()) }, ['content-type', 'host', 'x-project-id', 'x-sdk-date']);
    expect(sig).toBe('fb29d92229bb2fb87b85d5264a4adc1167bc3db5882e13e06ef1547179ab09c0');
  });

  it('Go canonical query vector: repeated keys, reserved characters, UTF-8', () => {
    const q: [string, string][] = [['test', '一 (&=?!#%.*)'], ['path', '/tmp/123'], ['multi', '3'], ['enable', 'true'], ['multi', '1'], ['limit', '1'], ['multi', '2']];
    expect(canonicalQuery(q)).toBe('enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29');
  });

  it('parses X-Sdk-Date strictly', () => {
    expect(parseSdkDate('20240101T120000Z')).toBe(Date.UTC(2024, 0, 1, 12));
    expect(parseSdkDate('20240229T235959Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59));
    expect(parseSdkDate('01000101T000000Z')).toBe(Date.UTC(100, 0, 1) - 0);
    const bad = [
      '2024-01-01T12:00:00Z', '20240101T120000', '', 'x20240101T120000Z', '20240101T120000Zx', '20240101T120000Z\n',
      '20240230T120000Z', '20230229T120000Z', '20241301T120000Z', '20240100T120000Z', '20240132T120000Z',
      // fields that roll over into the next minute, hour or day, and a year Date.UTC would read as 1950
      '20240115T240000Z', '20240115T126000Z', '20240115T120060Z', '20240115T129999Z', '00500101T000000Z',
    ];
    for (const s of bad) expect(parseSdkDate(s), s).toBeNaN();
    // The same text twice in a row (the parser keeps the last one), then others: each answer is its own.
    for (const [s, t] of [['20240101T120000Z', Date.UTC(2024, 0, 1, 12)], ['20240101T120000Z', Date.UTC(2024, 0, 1, 12)], ['20240230T120000Z', NaN], ['20240230T120000Z', NaN], ['20240101T120001Z', Date.UTC(2024, 0, 1, 12, 0, 1)]] as const) {
      expect(parseSdkDate(s), s).toBe(t);
    }
  });

  it('prints X-Sdk-Date as YYYYMMDDTHHMMSSZ, dropping milliseconds, and parses it back', () => {
    const t = Date.UTC(2024, 11, 31, 23, 59, 58, 999);
    expect(sdkDate(t)).toBe('20241231T235958Z');
    expect(parseSdkDate(sdkDate(t))).toBe(t - 999);
  });
});

describe('canonical request parts', () => {
  // Distinct paths per test: canonicalUri memoises, and a path computed earlier would answer from the cache.
  it('canonical URI: decoded by default, each segment decoded then encoded, always ending in "/"', () => {
    expect(canonicalUri('/v1.0/p/kms/a%20b')).toBe('/v1.0/p/kms/a%20b/');
    expect(canonicalUri('/v1.0/p/kms/a%20b', 'decoded')).toBe('/v1.0/p/kms/a%20b/');
    expect(canonicalUri('/v1.0/p/kms/a%20b', 'as-sent')).toBe('/v1.0/p/kms/a%2520b/');
    expect(canonicalUri('/v1.0/p/kms/é*(x)')).toBe('/v1.0/p/kms/%C3%A9%2A%28x%29/');
    expect(canonicalUri('/v1.0/p/kms/ends-in-slash/')).toBe('/v1.0/p/kms/ends-in-slash/');
    expect(canonicalUri('/v1.0/p/kms/ends-in-slash/', 'as-sent')).toBe('/v1.0/p/kms/ends-in-slash/');
    expect(canonicalUri('')).toBe('/');
  });

  it('canonical URI: a segment whose escapes do not decode is encoded as it is', () => {
    expect(canonicalUri('/v1.0/p/kms/%zz/%E0%A4%A')).toBe('/v1.0/p/kms/%25zz/%25E0%25A4%25A/');
  });

  it('canonical URI: the two forms of one path are memoised apart', () => {
    const path = `/v1.0/p/kms/memo%20${Date.now()}`;
    expect(canonicalUri(path, 'as-sent')).toBe(path.replace('%20', '%2520') + '/');
    expect(canonicalUri(path, 'decoded')).toBe(path + '/');
    expect(canonicalUri(path, 'as-sent')).toBe(path.replace('%20', '%2520') + '/');
  });

  it('canonical URI: the memo holds at most URI_CACHE_LIMIT paths (hostile paths cannot grow it), then starts over', () => {
    uriCache.clear();
    const paths = Array.from({ length: URI_CACHE_LIMIT }, (_, i) => `/v1.0/bound/${i}`);
    for (const p of paths) expect(canonicalUri(p)).toBe(p + '/');
    expect(uriCache.size).toBe(URI_CACHE_LIMIT);
    expect(canonicalUri('/v1.0/bound/one-more')).toBe('/v1.0/bound/one-more/');
    expect(uriCache.size).toBe(1);
    expect(URI_CACHE_LIMIT).toBe(1024);
  });

  it('canonical headers: values trimmed, a signed header that is absent is empty, names listed as signed', () => {
    const canonical = canonicalRequest(
      { method: 'post', path: '/p', query: [], headers: { 'x-a': '  padded value \t', 'x-sdk-date': '20240101T120000Z' }, payloadHash: 'h' },
      ['x-a', 'x-absent', 'x-sdk-date'],
    );
    expect(canonical).toBe(['POST', '/p/', '', 'x-a:padded value\nx-absent:\nx-sdk-date:20240101T120000Z\n', 'x-a;x-absent;x-sdk-date', 'h'].join('\n'));
  });

  it('computeSignature takes the SK bytes or a prepared MAC', () => {
    const sts = 'SDK-HMAC-SHA256\n20240101T120000Z\nabc';
    const prepared = (data: string) => utf8(`mac of ${data}`);
    expect(computeSignature(prepared, sts)).toEqual(utf8(`mac of ${sts}`));
    expect(toHex(computeSignature(utf8('key'), sts), false)).toBe(createHmac('sha256', 'key').update(sts).digest('hex'));
  });

  it('signRequest signs every header given, sorted by name whatever order they come in, lower-cased', () => {
    const body = utf8('{"key_id":"0d0466b0-e727-4d9c-b35d-f84bb474a37f","plain_text":"hello world"}');
    const headers = signRequest(
      {
        method: 'POST',
        path: '/v1.0/0123456789abcdef0123456789abcdef/kms/encrypt-data',
        query: [],
        headers: { 'X-Sdk-Date': '20240101T120000Z', 'X-Project-Id': '0123456789abcdef0123456789abcdef', Host: 'kms.cn-north-4.myhuaweicloud.com', 'Content-Type': 'application/json' },
        body,
      },
      { accessKey: 'HPUAEXAMPLEAK0000000', secretKey: 'ExampleSecretKey0000000000000000000000000' },
    );
    // The worked example's signature (below), whose headers arrive in sorted order.
    expect(headers.authorization).toBe(
      'SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000000, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=acd0e378305cef71c6952dc1064321e65927934355fc76fd5f95fab7eb71665b',
    );
  });
});

describe('verifier', () => {
  const sk = 'VerifierSecret000000000000000000000000000';
  const creds = new StaticCredentials([{ accessKey: 'VERIFYAK', secretKey: utf8(sk), principal: 'p', projects: '*', role: 'admin' }]);
  const now = Date.UTC(2024, 0, 1, 12);

  function signed(body: string, overrides: Record<string, string> = {}, time = now) {
    const url = new URL('http://h.test/v1.0/p1/kms/encrypt-data?b=2&a=1');
    const headers = signRequest(
      { method: 'POST', path: url.pathname, query: [...url.searchParams], headers: { 'content-type': 'application/json', host: url.host }, body: utf8(body) },
      { accessKey: 'VERIFYAK', secretKey: sk, time },
    );
    return { method: 'POST', url, rawPath: url.pathname, headers: new Headers({ ...headers, ...overrides }), body: utf8(body) };
  }

  it('accepts what the signer produced and returns the credential', async () => {
    await expect(verifyRequest(signed('{"a":1}'), creds, now, nodeHashes)).resolves.toMatchObject({ accessKey: 'VERIFYAK' });
  });

  it('rejects a changed body, method, query, path, date, unknown AK, wrong SK, missing header, skew, unsigned payload', async () => {
    const ok = signed('{"a":1}');
    const SIGNATURE = /verify aksk signature fail/;
    const withHeaders = (edit: (h: Headers) => void) => {
      const headers = new Headers(ok.headers);
      edit(headers);
      return { ...ok, headers };
    };
    const cases: [string, ReturnType<typeof signed>, RegExp][] = [
      ['body', { ...ok, body: utf8('{"a":2}') }, SIGNATURE],
      ['method', { ...ok, method: 'PUT' }, SIGNATURE],
      ['query', { ...ok, url: new URL('http://h.test/v1.0/p1/kms/encrypt-data?b=3&a=1') }, SIGNATURE],
      ['path', { ...ok, rawPath: '/v1.0/p2/kms/encrypt-data' }, SIGNATURE],
      // Another well-formed date one second later, well inside the allowed skew.
      ['date', withHeaders((h) => h.set('x-sdk-date', '20240101T120001Z')), SIGNATURE],
      ['missing signed header', withHeaders((h) => h.delete('content-type')), SIGNATURE],
      ['no auth', { ...ok, headers: new Headers({ 'x-sdk-date': '20240101T120000Z' }) }, /Authorization header is missing/],
      ['skew', signed('{"a":1}', {}, now - 16 * 60 * 1000), /differs from the server time by more than 15 minutes/],
      // The content hash header set after signing: refused before the MAC is even compared.
      ['unsigned payload', signed('{"a":1}', { 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD' }), /unsigned payloads are not accepted/],
    ];
    for (const [name, req, message] of cases) {
      const err = await verifyRequest(req, creds, now, nodeHashes).catch((e) => e);
      expect(err, name).toBeInstanceOf(AuthError);
      expect(err.message, name).toMatch(message);
    }
    const otherSk = new StaticCredentials([{ accessKey: 'VERIFYAK', secretKey: utf8('another'), principal: 'p', projects: '*', role: 'admin' }]);
    await expect(verifyRequest(ok, otherSk, now, nodeHashes)).rejects.toThrow(SIGNATURE);
    await expect(verifyRequest(ok, new StaticCredentials([]), now, nodeHashes)).rejects.toThrow(SIGNATURE);
  });

  it('rejects a signature that does not cover X-Sdk-Date', async () => {
    const req = signed('{}');
    const auth = req.headers.get('authorization')!.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=content-type;host');
    req.headers.set('authorization', auth);
    await expect(verifyRequest(req, creds, now, nodeHashes)).rejects.toThrow(/X-Sdk-Date must be signed/);
  });
});
