// The verifier's own checks, each on its boundary and each with the message that names it, so a check
// removed or loosened fails here and not only in a test that drives `npm start` in a child process.
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.ts';
import { sha256Hex } from '../../src/crypto/hash.ts';
import { StaticCredentials, type Credential, type CredentialSource } from '../../src/iam/credentials.ts';
import { nobleHashes, type HashImplementation } from '../../src/crypto/hash.ts';
import { nodeHashes } from '../../src/runtime/node-crypto.ts';
import { sdkDate, signRequest } from '../../src/iam/signer.ts';
import { AuthError, MAX_CLOCK_SKEW_MS, mayAccessProject, verifyRequest, type IncomingRequest } from '../../src/iam/verify.ts';
import { ADMIN, OTHER_PROJECT, USERS, makeRig, rejection } from '../helpers/kms.ts';

const SK = 'VerifierSecret000000000000000000000000000';
const NOW = Date.UTC(2024, 0, 1, 12);
const base: Credential = { accessKey: 'VERIFYAK', secretKey: utf8(SK), principal: 'p', projects: '*', role: 'admin' };
const creds = (c: Partial<Credential> = {}) => new StaticCredentials([{ ...base, ...c }]);

function request(options: { body?: string; headers?: Record<string, string>; time?: number; after?: Record<string, string> } = {}): IncomingRequest {
  const url = new URL('http://h.test/v1.0/p1/kms/encrypt-data?b=2&a=1');
  const body = utf8(options.body ?? '{"a":1}');
  const headers = signRequest(
    { method: 'POST', path: url.pathname, query: [...url.searchParams], headers: { 'content-type': 'application/json', host: url.host, ...options.headers }, body },
    { accessKey: 'VERIFYAK', secretKey: SK, time: options.time ?? NOW },
  );
  return { method: 'POST', url, rawPath: url.pathname, headers: new Headers({ ...headers, ...options.after }), body };
}

// The verifier runs with the hashes npm start uses (node:crypto) and with the portable ones (@noble).
const HASHES: [string, HashImplementation][] = [
  ['node:crypto', nodeHashes],
  ['noble', nobleHashes],
];

async function refusal(req: IncomingRequest, source: CredentialSource, now: number, hashes: HashImplementation): Promise<string> {
  const e = await rejection(verifyRequest(req, source, now, hashes));
  expect(e).toBeInstanceOf(AuthError);
  expect((e as AuthError).name).toBe('AuthError');
  return (e as AuthError).message;
}

describe.each(HASHES)('verifier checks (%s)', (_name, hashes) => {
  const refused = (req: IncomingRequest, source = creds(), now = NOW) => refusal(req, source, now, hashes);
  it('refuses UNSIGNED-PAYLOAD even when the client signed it, so a seen request cannot have its body swapped', async () => {
    const req = request({ headers: { 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD' } });
    expect(await refused(req)).toMatch(/unsigned payloads are not accepted/);
    expect(await refused({ ...req, body: utf8('{"a":"swapped"}') })).toMatch(/unsigned payloads are not accepted/);
  });

  it('accepts a signed X-Sdk-Content-Sha256 equal to the body hash, in either case', async () => {
    const hash = sha256Hex(utf8('{"a":1}'));
    await expect(verifyRequest(request({ headers: { 'x-sdk-content-sha256': hash } }), creds(), NOW, hashes)).resolves.toMatchObject({ accessKey: 'VERIFYAK' });
    await expect(verifyRequest(request({ headers: { 'x-sdk-content-sha256': hash.toUpperCase() } }), creds(), NOW, hashes)).resolves.toMatchObject({ accessKey: 'VERIFYAK' });
    const empty = request({ body: '', headers: { 'x-sdk-content-sha256': sha256Hex(new Uint8Array()) } });
    await expect(verifyRequest(empty, creds(), NOW, hashes)).resolves.toMatchObject({ accessKey: 'VERIFYAK' });
    expect(await refused(request({ headers: { 'x-sdk-content-sha256': sha256Hex(utf8('other')) } }))).toMatch(/does not match the body/);
  });

  it('allows exactly 15 minutes of clock skew either way and not a second more', async () => {
    expect(MAX_CLOCK_SKEW_MS).toBe(15 * 60 * 1000);
    for (const t of [NOW - MAX_CLOCK_SKEW_MS, NOW + MAX_CLOCK_SKEW_MS]) {
      await expect(verifyRequest(request({ time: t }), creds(), NOW, hashes), sdkDate(t)).resolves.toMatchObject({ accessKey: 'VERIFYAK' });
    }
    for (const t of [NOW - MAX_CLOCK_SKEW_MS - 1000, NOW + MAX_CLOCK_SKEW_MS + 1000]) {
      expect(await refused(request({ time: t })), sdkDate(t)).toMatch(/more than 15 minutes/);
    }
  });

  it('refuses a malformed or missing X-Sdk-Date', async () => {
    expect(await refused(request({ headers: { 'x-sdk-date': '2024-01-01T12:00:00Z' } }))).toMatch(/must look like 20240101T120000Z/);
    const signedNoDate = request({ after: { 'x-sdk-date': '' } });
    expect(await refused(signedNoDate)).toMatch(/must look like/);
  });

  it('takes at most 64 SignedHeaders, each a lower-case token', async () => {
    const extra = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-h${String(i).padStart(2, '0')}`, 'v']));
    // content-type, host and x-sdk-date are signed too.
    await expect(verifyRequest(request({ headers: extra(61) }), creds(), NOW, hashes)).resolves.toMatchObject({ accessKey: 'VERIFYAK' });
    expect(await refused(request({ headers: extra(62) }))).toMatch(/SignedHeaders is malformed/);
    const upper = request();
    upper.headers.set('authorization', upper.headers.get('authorization')!.replace('SignedHeaders=content-type', 'SignedHeaders=Content-Type'));
    expect(await refused(upper)).toMatch(/SignedHeaders is malformed/);
  });

  it('names what is wrong with the Authorization header', async () => {
    const req = request();
    const auth = req.headers.get('authorization')!;
    const withAuth = (value: string) => ({ ...req, headers: new Headers([...req.headers].filter(([k]) => k !== 'authorization').concat([['authorization', value]])) });
    expect(await refused(withAuth(auth.replace('SDK-HMAC-SHA256', 'AWS4-HMAC-SHA256')))).toMatch(/only SDK-HMAC-SHA256 and SDK-HMAC-SM3 signatures are accepted/);
    expect(await refused(withAuth(auth.replace(/Signature=[0-9a-f]+/, 'Signature=zz')))).toMatch(/Authorization header is malformed/);
    expect(await refused(withAuth(auth + ', Extra=1'))).toMatch(/Authorization header is malformed/);
    // Upper-case hex is the same signature.
    await expect(verifyRequest(withAuth(auth.replace(/Signature=([0-9a-f]+)/, (_, h: string) => `Signature=${h.toUpperCase()}`)), creds(), NOW, hashes)).resolves.toMatchObject({
      accessKey: 'VERIFYAK',
    });
  });

  it('reads the Authorization header as the SDKs write it: spacing around commas, and nothing before or after', async () => {
    const req = request();
    const auth = req.headers.get('authorization')!;
    const withAuth = (value: string) => ({ ...req, headers: new Headers([...req.headers].filter(([k]) => k !== 'authorization').concat([['authorization', value]])) });
    const accepted = (value: string) => expect(verifyRequest(withAuth(value), creds(), NOW, hashes), value).resolves.toMatchObject({ accessKey: 'VERIFYAK' });
    await accepted(auth.replace('SDK-HMAC-SHA256 ', 'SDK-HMAC-SHA256  '));
    await accepted(auth.replace(/, /g, ','));
    await accepted(auth.replace(/, /g, ' , '));
    await accepted(auth.replace(/, /g, ',\t'));
    // A second scheme name after the first, an extra hex digit, junk after the signature: malformed.
    expect(await refused(withAuth(auth.replace('SDK-HMAC-SHA256 ', 'SDK-HMAC-SHA256 x SDK-HMAC-SHA256 ')))).toMatch(/Authorization header is malformed/);
    expect(await refused(withAuth(auth + '0'))).toMatch(/Authorization header is malformed/);
    expect(await refused(withAuth(auth + 'zz'))).toMatch(/Authorization header is malformed/);
  });

  it('a signed header name must be a lower-case token throughout, not only at its start', async () => {
    const req = request();
    req.headers.set('authorization', req.headers.get('authorization')!.replace('SignedHeaders=content-type', 'SignedHeaders=content-Type'));
    expect(await refused(req)).toMatch(/SignedHeaders is malformed/);
  });

  it('a signed header the request does not carry counts as empty (as a client that signed an empty value sent it)', async () => {
    const req = request({ headers: { 'x-empty': '' } });
    expect(req.headers.get('authorization')).toMatch(/SignedHeaders=[^,]*x-empty/);
    req.headers.delete('x-empty');
    await expect(verifyRequest(req, creds(), NOW, hashes)).resolves.toMatchObject({ accessKey: 'VERIFYAK' });
  });

  it('accepts the as-sent canonical path Huawei’s Node SDK signs for a percent-encoded path, and only for that path', async () => {
    const rawPath = '/v1.0/p1/kms/a%20b';
    const url = new URL(`http://h.test${rawPath}`);
    const body = utf8('{}');
    // Signing the path with every % escaped once more makes the signer's decoded form equal the as-sent form.
    const headers = signRequest(
      { method: 'POST', path: rawPath.replace(/%/g, '%25'), query: [], headers: { 'content-type': 'application/json' }, body },
      { accessKey: 'VERIFYAK', secretKey: SK, time: NOW },
    );
    const req = { method: 'POST', url, rawPath, headers: new Headers(headers), body };
    await expect(verifyRequest(req, creds(), NOW, hashes)).resolves.toMatchObject({ accessKey: 'VERIFYAK' });
    const other = '/v1.0/p1/kms/a%20c';
    expect(await refused({ ...req, rawPath: other, url: new URL(`http://h.test${other}`) })).toMatch(/verify aksk signature fail/);
  });

  it('an X-Security-Token must be signed', async () => {
    const req = request();
    req.headers.set('x-security-token', 'tok');
    expect(await refused(req)).toMatch(/X-Security-Token must be signed/);
  });

  it('a temporary credential works until its expiry and only with its own security token', async () => {
    const temp = (expiresAt: number) => creds({ securityToken: 'token-1', expiresAt });
    const withToken = (token: string) => request({ headers: { 'x-security-token': token } });
    await expect(verifyRequest(withToken('token-1'), temp(NOW + 1), NOW, hashes)).resolves.toMatchObject({ accessKey: 'VERIFYAK' });
    expect(await refused(withToken('token-1'), temp(NOW))).toMatch(/temporary credential has expired/);
    expect(await refused(withToken('token-1'), temp(NOW - 1))).toMatch(/temporary credential has expired/);
    expect(await refused(withToken('token-2'), temp(NOW + 1))).toMatch(/security token is missing or wrong/);
    expect(await refused(withToken('token-'), temp(NOW + 1))).toMatch(/security token is missing or wrong/);
    expect(await refused(request(), temp(NOW + 1))).toMatch(/security token is missing or wrong/);
    // A permanent credential ignores a (signed) token header.
    await expect(verifyRequest(withToken('anything'), creds(), NOW, hashes)).resolves.toMatchObject({ accessKey: 'VERIFYAK' });
  });

  it('mayAccessProject: the administrator everywhere, anyone else only in its own projects', () => {
    expect(mayAccessProject({ ...base, projects: '*' }, 'any')).toBe(true);
    expect(mayAccessProject({ ...base, projects: ['p1', 'p2'] }, 'p2')).toBe(true);
    expect(mayAccessProject({ ...base, projects: ['p1', 'p2'] }, 'p3')).toBe(false);
    expect(mayAccessProject({ ...base, projects: [] }, 'p1')).toBe(false);
  });

  it('the server refuses a credential outside its project, and an X-Project-Id naming another project', async () => {
    const rig = await makeRig();
    const post = async (who: { accessKey: string; secretKey: string }, project: string, headers: Record<string, string> = {}) => {
      const path = `/v1.0/${project}/kms/list-keys`;
      const signed = signRequest(
        { method: 'POST', path, query: [], headers: { 'content-type': 'application/json', ...headers }, body: utf8('{}') },
        { accessKey: who.accessKey, secretKey: who.secretKey, time: rig.clock.now() },
      );
      const r = await rig.app.fetch(new Request(`http://kms.test${path}`, { method: 'POST', headers: signed, body: '{}' }));
      return { status: r.status, text: await r.text() };
    };
    const NOT_HERE = /KMS\.0307.*may not act in project/;
    expect(await post(USERS.alice, OTHER_PROJECT)).toMatchObject({ status: 403, text: expect.stringMatching(NOT_HERE) });
    expect((await post(USERS.alice, ADMIN.project)).text).not.toMatch(NOT_HERE);
    expect(await post(ADMIN, OTHER_PROJECT)).toMatchObject({ status: 200 });
    expect(await post(ADMIN, ADMIN.project, { 'x-project-id': OTHER_PROJECT })).toMatchObject({ status: 403, text: expect.stringMatching(NOT_HERE) });
    expect(await post(ADMIN, ADMIN.project, { 'x-project-id': ADMIN.project })).toMatchObject({ status: 200 });
  });
});
