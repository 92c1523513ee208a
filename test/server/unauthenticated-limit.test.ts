// What callers without a credential may cost. Every API request is audited (a durable write), so failures
// of requests without a verified credential are limited per client address: past the bucket they get 429
// APIGW.0308 with Retry-After and no audit record. A correctly signed request is never refused by it, even
// from an address whose bucket is empty. In-process with a clock the test moves (the arithmetic), then
// over loopback against npm start (EDGEKMS_RATE_UNAUTHENTICATED_*), with no timed assertions.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/log.ts';
import { StaticCredentials } from '../../src/iam/credentials.ts';
import { RateLimiter, unauthenticatedSource } from '../../src/iam/rate-limit.ts';
import { readEnv } from '../../src/runtime/config.ts';
import { rateLimitsOf } from '../../src/runtime/service.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import { createApp } from '../../src/server/app.ts';
import { ADMIN, makeRig } from '../helpers/kms.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

describe('the source of an unauthenticated request', () => {
  it('is its IPv4 address, the /64 of an IPv6 address, or one global source', () => {
    expect(unauthenticatedSource('192.0.2.7')).toBe('192.0.2.7');
    expect(unauthenticatedSource('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(unauthenticatedSource('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64');
    expect(unauthenticatedSource('2001:DB8:0000:0001:ffff:1:2:3')).toBe('2001:db8:0:1::/64');
    expect(unauthenticatedSource('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(unauthenticatedSource('::1')).toBe('0:0:0:0::/64');
    expect(unauthenticatedSource('2001:db8:0:2::5')).not.toBe(unauthenticatedSource('2001:db8:0:1::5'));
    expect(unauthenticatedSource(undefined)).toBe('global');
    expect(unauthenticatedSource('')).toBe('global');
  });

  it('has documented defaults and reads EDGEKMS_RATE_UNAUTHENTICATED_RPS / _BURST strictly', () => {
    expect(rateLimitsOf(readEnv({})).unauthenticated).toEqual({ rps: 20, burst: 200 });
    expect(rateLimitsOf(readEnv({ EDGEKMS_RATE_UNAUTHENTICATED_RPS: '3' })).unauthenticated).toEqual({ rps: 3, burst: 6 });
    expect(rateLimitsOf(readEnv({ EDGEKMS_RATE_UNAUTHENTICATED_RPS: '3', EDGEKMS_RATE_UNAUTHENTICATED_BURST: '4' })).unauthenticated).toEqual({ rps: 3, burst: 4 });
    for (const bad of ['0', '-1', 'x']) expect(() => readEnv({ EDGEKMS_RATE_UNAUTHENTICATED_BURST: bad }), bad).toThrow(/EDGEKMS_RATE_UNAUTHENTICATED_BURST/);
  });
});

describe('the unauthenticated buckets', () => {
  it('charge the source and all sources together (ten times one source\'s), so many addresses cannot multiply the cost', () => {
    const limiter = new RateLimiter({ crypto: { rps: 1, burst: 1 }, control: { rps: 1, burst: 1 }, unauthenticated: { rps: 1, burst: 2 } });
    const t = 1_000_000;
    // 20 addresses of one /48 (each its own /64) fail once each: all answered; the 21st is not.
    const waits = Array.from({ length: 25 }, (_, i) => limiter.takeUnauthenticated(`2001:db8:0:${i.toString(16)}::1`, t));
    expect(waits.slice(0, 20)).toEqual(Array(20).fill(0));
    expect(waits.slice(20)).toEqual(Array(5).fill(1)); // the total gains 10 a second: one is back within 1 s
    expect(limiter.refused.unauthenticated).toBe(5);
    // A source's own bucket still applies first, and a refusal there takes nothing from the total.
    const one = new RateLimiter({ crypto: { rps: 1, burst: 1 }, control: { rps: 1, burst: 1 }, unauthenticated: { rps: 1, burst: 2 } });
    expect([0, 0, 0].map(() => one.takeUnauthenticated('192.0.2.1', t))).toEqual([0, 0, 1]);
    expect(Array.from({ length: 18 }, (_, i) => one.takeUnauthenticated(`192.0.2.${i + 2}`, t)).every((w) => w === 0)).toBe(true);
    expect(one.takeUnauthenticated('192.0.2.99', t)).toBe(1);
    // Without an address there is only the global bucket.
    const global = new RateLimiter({ crypto: { rps: 1, burst: 1 }, control: { rps: 1, burst: 1 }, unauthenticated: { rps: 1, burst: 2 } });
    expect([0, 0, 0].map(() => global.takeUnauthenticated(undefined, t))).toEqual([0, 0, 1]);
  });
});

describe('the unauthenticated limit in the app (clock under the test\'s control)', () => {
  it('failures take tokens per address; past them 429 with Retry-After and no audit record; signed requests always pass', async () => {
    const rig = await makeRig();
    const audit = new AuditLog(rig.kms.store);
    const limiter = new RateLimiter({ crypto: { rps: 100, burst: 100 }, control: { rps: 100, burst: 100 }, unauthenticated: { rps: 1, burst: 2 } });
    const credentials = new StaticCredentials([{ accessKey: ADMIN.accessKey, secretKey: new TextEncoder().encode(ADMIN.secretKey), principal: 'admin', projects: '*', role: 'admin' }]);
    const app = createApp({ kms: rig.kms, credentials, audit, rateLimiter: limiter, clientAddress: (c) => c.req.header('x-test-peer'), onInternalError: () => {} });
    const anonymous = (peer?: string, path = `/v1.0/${ADMIN.project}/kms/list-keys`) =>
      app.fetch(new Request(`http://kms.test${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(peer ? { 'x-test-peer': peer } : {}) }, body: '{}' }));
    const signed = (peer: string) =>
      new SignedClient({ endpoint: 'http://kms.test', accessKey: ADMIN.accessKey, secretKey: ADMIN.secretKey, projectId: ADMIN.project, retry: false, now: () => rig.clock.now(), fetch: async (r) => app.fetch(new Request(r, { headers: { ...Object.fromEntries(r.headers), 'x-test-peer': peer } })) });
    const records = async () => (await audit.query({ limit: 1000 })).records;

    expect((await anonymous('10.0.0.1')).status).toBe(401);
    expect((await anonymous('10.0.0.1')).status).toBe(401);
    const refused = await anonymous('10.0.0.1');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(await refused.json()).toMatchObject({ error_code: 'APIGW.0308', request_id: refused.headers.get('x-request-id') });
    // A bad signature and an oversized body (refused before the signature is checked) count alike.
    const badSignature = await app.fetch(new Request(`http://kms.test/v1.0/${ADMIN.project}/kms/list-keys`, { method: 'POST', headers: { 'x-test-peer': '10.0.0.1', authorization: `SDK-HMAC-SHA256 Access=${ADMIN.accessKey}, SignedHeaders=x-sdk-date, Signature=${'0'.repeat(64)}`, 'x-sdk-date': '20260101T000000Z' }, body: '{}' }));
    expect(badSignature.status).toBe(429);
    const big = await app.fetch(new Request(`http://kms.test/v1.0/${ADMIN.project}/kms/list-keys`, { method: 'POST', headers: { 'x-test-peer': '10.0.0.1' }, body: 'x'.repeat(70_000) }));
    expect(big.status).toBe(429);
    // The same address, correctly signed: served while its bucket is empty.
    expect((await signed('10.0.0.1').request('POST', '/v1.0/{project_id}/kms/list-keys', {})).total).toBe(0);
    // Another address has its own bucket; without an address the global one.
    expect((await anonymous('10.0.0.2')).status).toBe(401);
    expect((await anonymous(undefined)).status).toBe(401);
    // Only the answered failures have records: 2 + 1 + 1 anonymous ones and the signed success (list-keys
    // changes nothing: its outcome record is its only one).
    let all = await records();
    expect(all.map((r) => r.status)).toEqual([401, 401, 200, 401, 401]);
    expect(all.filter((r) => r.status === 429)).toEqual([]);
    expect(limiter.refused.unauthenticated).toBe(3);
    expect((await audit.verify()).intact).toBe(true);

    // A token is back after 1 s of the clock: one more failure is answered (and recorded), then 429 again.
    rig.clock.advance(999);
    expect((await anonymous('10.0.0.1')).status).toBe(429);
    rig.clock.advance(1);
    expect((await anonymous('10.0.0.1')).status).toBe(401);
    expect((await anonymous('10.0.0.1')).status).toBe(429);
    all = await records();
    expect(all.filter((r) => r.status === 401)).toHaveLength(5);
    // Successes without a credential (the public version documents) and signed failures take nothing.
    const before = limiter.refused.unauthenticated;
    expect((await app.fetch(new Request('http://kms.test/', { headers: { 'x-test-peer': '10.0.0.1' } }))).status).toBe(200);
    const notFound = await signed('10.0.0.1').request('POST', '/v1.0/{project_id}/kms/describe-key', { key_id: '00000000-0000-0000-0000-000000000000' }).catch((e) => e);
    expect([notFound.status, notFound.code]).toEqual([400, 'KMS.0207']); // a signed failure, not 429
    expect(limiter.refused.unauthenticated).toBe(before);
  });
});

describe('the unauthenticated limit over loopback against npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-unauth-'));
  let server: RunningServer;
  let admin: { access_key: string; secret_key: string; project_id: string };
  beforeAll(async () => {
    server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir, EDGEKMS_RATE_UNAUTHENTICATED_RPS: '1', EDGEKMS_RATE_UNAUTHENTICATED_BURST: '3' });
    admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('an anonymous flood gets 429 APIGW.0308 with Retry-After past the burst, only answered failures are audited, signed callers go on', async () => {
    const asAdmin = new SignedClient({ endpoint: server.url, accessKey: admin.access_key, secretKey: admin.secret_key, projectId: admin.project_id, retry: false });
    // 30 at once against a bucket of 3 refilled at 1/s: at least 3 are answered whatever the machine's
    // speed, and some are refused unless the 30 took over 27 s.
    const flood = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 3 === 2
          ? fetch(`${server.url}/openstack/latest/securitykey`, { headers: { 'x-workload-token': 'ekw.nobody.x' } })
          : fetch(`${server.url}/v1.0/${admin.project_id}/kms/list-keys`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }),
      ),
    );
    const answered = flood.filter((r) => r.status === 401);
    const throttled = flood.filter((r) => r.status === 429);
    expect(answered.length + throttled.length).toBe(30);
    expect(answered.length).toBeGreaterThanOrEqual(3);
    expect(throttled.length).toBeGreaterThanOrEqual(1);
    for (const r of throttled) {
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await r.json()).error_code).toBe('APIGW.0308');
    }
    // Signed requests from the same address are served meanwhile.
    expect((await asAdmin.request('POST', '/v1.0/{project_id}/kms/list-keys', {})).total).toBe(0);
    // The log holds a record for each answered failure and none for the refused ones.
    const failures = (await asAdmin.request('GET', '/edgekms/v1/audit', undefined, { result: 'failure', limit: '1000' })).records as { status: number }[];
    expect(failures.filter((r) => r.status === 401)).toHaveLength(answered.length);
    expect(failures.filter((r) => r.status === 429)).toEqual([]);
    expect((await asAdmin.request('GET', '/edgekms/v1/audit/verify')).intact).toBe(true);
    const health = await (await fetch(`${server.url}/healthz`)).json();
    expect(health.rate_limited.unauthenticated).toBe(throttled.length);
  }, 60_000);
});
