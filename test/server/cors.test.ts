// CORS for browser callers, against `npm start` over loopback: none by default; with
// EDGEKMS_CORS_ORIGINS, preflights from a listed origin are answered without authentication and allow every
// header the AK/SK signature uses, the answer to a signed call lets the page read X-Request-Id, and an
// unlisted origin gets no CORS headers. A malformed origin list stops start-up.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SignedClient } from '../../src/sdk/client.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const dirs: string[] = [];
const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}): Promise<{ url: string; admin: { access_key: string; secret_key: string; project_id: string } }> {
  const dir = mkdtempSync(join(tmpdir(), 'edgekms-cors-'));
  dirs.push(dir);
  const s = await startNodeServer({ EDGEKMS_DATA_DIR: dir, ...env });
  running.push(s);
  return { url: s.url, admin: JSON.parse(readFileSync(join(dir, 'admin.json'), 'utf8')) };
}

const preflight = (url: string, origin: string) =>
  fetch(`${url}/v1.0/0123456789abcdef0123456789abcdef/kms/encrypt-data`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-sdk-date,x-project-id' },
  });

describe('CORS', () => {
  it('is off by default: a preflight gets no CORS headers', async () => {
    const { url } = await start();
    const res = await preflight(url, 'http://app.test');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('with EDGEKMS_CORS_ORIGINS: listed origins get unauthenticated preflights and can read X-Request-Id; others get nothing', async () => {
    const { url, admin } = await start({ EDGEKMS_CORS_ORIGINS: 'http://app.test, https://admin.example:8443' });
    const ok = await preflight(url, 'https://admin.example:8443');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://admin.example:8443');
    const allowed = ok.headers.get('access-control-allow-headers')!.toLowerCase().split(/,\s*/);
    for (const h of ['authorization', 'content-type', 'x-sdk-date', 'x-sdk-content-sha256', 'x-project-id', 'x-security-token']) expect(allowed).toContain(h);
    expect(ok.headers.get('access-control-allow-methods')).toMatch(/POST/);

    const unlisted = await preflight(url, 'http://evil.test');
    expect(unlisted.headers.get('access-control-allow-origin')).toBeNull();

    let seen: Response | undefined;
    const client = new SignedClient({
      endpoint: url,
      accessKey: admin.access_key,
      secretKey: admin.secret_key,
      projectId: admin.project_id,
      fetch: async (r) => {
        const h = new Headers(r.headers);
        h.set('origin', 'http://app.test');
        seen = await fetch(new Request(r, { headers: h }));
        return seen.clone();
      },
    });
    await client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'from-a-page' });
    expect(seen!.headers.get('access-control-allow-origin')).toBe('http://app.test');
    expect(seen!.headers.get('access-control-expose-headers')).toMatch(/X-Request-Id/i);
    expect(seen!.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses to start with something that is not an origin in the list', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgekms-cors-bad-'));
    dirs.push(dir);
    const e = (await startNodeServer({ EDGEKMS_DATA_DIR: dir, EDGEKMS_CORS_ORIGINS: 'http://app.test/path' }).catch((x: Error) => x)) as Error;
    expect(e.message).toMatch(/EDGEKMS_CORS_ORIGINS: "http:\/\/app\.test\/path" is not an origin/);
  });
});
