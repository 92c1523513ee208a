// The unauthenticated limit in workerd (the wrangler bundle in Miniflare): the Worker takes the client's
// address from CF-Connecting-IP, so failed unsigned requests are limited per address and one address past
// its burst leaves another's untouched; signed requests go on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Miniflare } from 'miniflare';
import { SignedClient } from '../../src/sdk/client.ts';
import { WORKER_SECRETS as S, bundleWorker, startWorker } from './harness.ts';

let mf: Miniflare;
let url: URL;
beforeAll(async () => {
  const bundle = bundleWorker();
  mf = startWorker(bundle.dir, { bindings: { ...S, EDGEKMS_RATE_UNAUTHENTICATED_RPS: '1', EDGEKMS_RATE_UNAUTHENTICATED_BURST: '2' } });
  url = await mf.ready;
}, 120_000);
afterAll(async () => {
  await mf?.dispose();
});

describe('the unauthenticated limit on Workers', () => {
  it('counts per CF-Connecting-IP: one address past its burst gets 429, another still 401, signed requests 200', async () => {
    const unsigned = (ip: string) => fetch(new URL(`/v1.0/${S.EDGEKMS_PROJECT_ID}/kms/list-keys`, url), { method: 'POST', body: '{}', headers: { 'cf-connecting-ip': ip } });
    // 12 at once against a bucket of 2 refilled at 1/s: at least 2 are answered, and some refused unless
    // the 12 took over 10 s.
    const flood = await Promise.all(Array.from({ length: 12 }, () => unsigned('198.51.100.7')));
    const statuses = flood.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(2);
    const refused = flood.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const r of refused) {
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await r.json()).error_code).toBe('APIGW.0308');
    }
    expect((await unsigned('203.0.113.9')).status).toBe(401); // another address, its own bucket
    const admin = new SignedClient({ endpoint: url.origin, accessKey: S.EDGEKMS_ADMIN_AK, secretKey: S.EDGEKMS_ADMIN_SK, projectId: S.EDGEKMS_PROJECT_ID, retry: false });
    expect((await admin.request('POST', '/v1.0/{project_id}/kms/list-keys', {})).total).toBeGreaterThanOrEqual(0);
  }, 60_000);
});
