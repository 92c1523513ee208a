// The key quota on Workers, in workerd (the wrangler bundle in Miniflare): a project's keys live in its
// Durable Object, which every isolate writes, so the store is not one isolate's alone and each quota check
// lists the project's keys. Keys created through one instance (an isolate of its own, the same objects) are
// counted by another once written. Creates at once through one instance stop at the quota; here workerd
// served them without overlapping one's check and another's write, so the holds that keep overlapping
// creates to the quota are shown by test/kms/concurrent-quotas.test.ts over a store shared the same way.
import { rmSync } from 'node:fs';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignedClient } from '../../src/sdk/client.ts';
import type { ApiError } from '../../src/sdk/errors.ts';
import { WORKER_SECRETS as S, bundleWorker, startWorker } from './harness.ts';

let bundle: ReturnType<typeof bundleWorker>;
let mf: Miniflare;
let url: URL;

beforeAll(async () => {
  bundle = bundleWorker();
  mf = startWorker(bundle.dir, { bindings: { ...S, EDGEKMS_QUOTA_KEYS: '4' }, second: true });
  url = await mf.ready;
}, 120_000);

afterAll(async () => {
  await mf?.dispose();
  rmSync(bundle.dir, { recursive: true, force: true });
});

/**
 * Creates a key through a Worker instance: 'ok', or the refusal's [status, code, message]. The first
 * instance is reached over loopback HTTP (requests at once on their own connections, served concurrently);
 * the second through Miniflare's dispatch to it by name.
 */
async function creator(name: 'edgekms' | 'edgekms-b'): Promise<(alias: string) => Promise<'ok' | unknown[]>> {
  const worker = name === 'edgekms' ? undefined : await mf.getWorker(name);
  const client = new SignedClient({
    endpoint: worker ? 'http://edgekms.test' : url.origin,
    accessKey: S.EDGEKMS_ADMIN_AK,
    secretKey: S.EDGEKMS_ADMIN_SK,
    projectId: S.EDGEKMS_PROJECT_ID,
    retry: false,
    ...(worker && {
      fetch: async (r: Request) => {
        const res = await worker.fetch(r.url, { method: r.method, headers: Object.fromEntries(r.headers), body: r.body ? new Uint8Array(await r.arrayBuffer()) : undefined });
        return new Response(await res.arrayBuffer(), { status: res.status, headers: Object.fromEntries(res.headers) });
      },
    }),
  });
  return (alias) =>
    client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: alias }).then(
      () => 'ok' as const,
      (e: ApiError) => [e.status, e.code, e.message],
    );
}

describe('the key quota on Workers', () => {
  it('eight creates at once through one instance with room for three make three; the other instance counts them from the Durable Object', async () => {
    const here = await creator('edgekms');
    const there = await creator('edgekms-b');
    const full = [400, 'KMS.1105', 'KMS.1105: The project has reached its quota of 4 keys.'];
    expect(await there('first')).toBe('ok');
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => here(`k${i}`)));
    expect(results.filter((r) => r === 'ok')).toHaveLength(3);
    expect(results.filter((r) => r !== 'ok')).toEqual(Array(5).fill(full));
    // The other isolate lists the Durable Object: it sees the keys written through this one.
    expect(await there('late')).toEqual(full);
    expect(await here('late')).toEqual(full);
  }, 60_000);
});
