// Credential providers against the real server: temporary credentials (AK/SK + security token) from an
// issuer double whose credentials expire, refreshed before expiry; static and environment credentials.
import { describe, expect, it } from 'vitest';
import type { Credential, CredentialSource } from '../../src/iam/credentials.ts';
import { ManualClock } from '../../src/kms/clock.ts';
import { createApp } from '../../src/server/app.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import { fromEnv, RefreshingCredentials, staticCredentials, type TemporaryCredentials } from '../../src/sdk/credentials.ts';
import { ApiError } from '../../src/sdk/errors.ts';
import { ADMIN, makeRig } from '../helpers/kms.ts';

const LIFETIME = 60_000;

/** Issues temporary credentials the server accepts until they expire (the identity service's part, doubled). */
async function setup() {
  const rig = await makeRig({ clock: new ManualClock(Date.now()) });
  const temporary = new Map<string, Credential>();
  const source: CredentialSource = {
    find: async (ak) => temporary.get(ak) ?? null,
  };
  const app = createApp({ kms: rig.kms, credentials: source, onInternalError: () => {} });
  let issued = 0;
  const issue = async (): Promise<TemporaryCredentials> => {
    issued++;
    const c = { accessKey: `TEMPAK${String(issued).padStart(14, '0')}`, secretKey: `TempSecret${issued}${'0'.repeat(30)}`, securityToken: `token-${issued}-${crypto.randomUUID()}`, expiresAt: rig.clock.now() + LIFETIME };
    temporary.set(c.accessKey, { accessKey: c.accessKey, secretKey: new TextEncoder().encode(c.secretKey), principal: 'admin', projects: '*', role: 'admin', securityToken: c.securityToken, expiresAt: c.expiresAt });
    return c;
  };
  const seen: Request[] = [];
  const fetch = async (r: Request) => {
    seen.push(r.clone());
    return app.fetch(r);
  };
  return { rig, issue, issued: () => issued, fetch, seen };
}

const listKeys = (c: SignedClient) => c.request('POST', '/v1.0/{project_id}/kms/list-keys', { key_spec: 'ALL' }, {}, { idempotent: true });

describe('temporary credentials', () => {
  it('are sent with a signed X-Security-Token and refreshed before they expire', async () => {
    const s = await setup();
    const now = () => s.rig.clock.now();
    const provider = new RefreshingCredentials(s.issue, { refreshBeforeMs: 10_000, now });
    const client = new SignedClient({ endpoint: 'http://kms.test', credentials: provider, projectId: ADMIN.project, fetch: s.fetch, now });

    await listKeys(client);
    expect(s.issued()).toBe(1);
    const first = s.seen[0];
    expect(first.headers.get('x-security-token')).toMatch(/^token-1-/);
    expect(first.headers.get('authorization')).toMatch(/SignedHeaders=[^,]*x-security-token/);

    s.rig.clock.advance(LIFETIME - 10_001); // still outside the refresh window
    await listKeys(client);
    expect(s.issued()).toBe(1);

    s.rig.clock.advance(2); // inside it: fresh credentials, before the old ones die
    await listKeys(client);
    expect(s.issued()).toBe(2);
    expect(s.seen[2].headers.get('x-security-token')).toMatch(/^token-2-/);
    expect(s.seen[2].headers.get('authorization')).toContain('Access=TEMPAK00000000000002');
  });

  it('expire at the server: a client that keeps old ones is refused, the refreshing one is not', async () => {
    const s = await setup();
    const now = () => s.rig.clock.now();
    const stale = new SignedClient({ endpoint: 'http://kms.test', credentials: staticCredentials(await s.issue()), projectId: ADMIN.project, fetch: s.fetch, now });
    const fresh = new SignedClient({ endpoint: 'http://kms.test', credentials: new RefreshingCredentials(s.issue, { now }), projectId: ADMIN.project, fetch: s.fetch, now });
    await listKeys(stale);
    s.rig.clock.advance(LIFETIME + 1);
    const e = await listKeys(stale).catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(401);
    await expect(listKeys(fresh)).resolves.toBeDefined();
  });

  it('share one issuer call among concurrent requests', async () => {
    const s = await setup();
    const provider = new RefreshingCredentials(s.issue, { now: () => s.rig.clock.now() });
    const creds = await Promise.all([provider.credentials(), provider.credentials(), provider.credentials()]);
    expect(s.issued()).toBe(1);
    expect(new Set(creds.map((c) => c.securityToken)).size).toBe(1);
  });

  it('keep serving the old credentials while a refresh fails, and fail once those expire', async () => {
    let t = 1_000_000;
    let fail = false;
    let n = 0;
    let asked = 0;
    const provider = new RefreshingCredentials(
      async () => {
        asked++;
        if (fail) throw new Error('issuer down');
        n++;
        return { accessKey: `AK${n}`, secretKey: 'sk', securityToken: `tok${n}`, expiresAt: t + LIFETIME };
      },
      { refreshBeforeMs: 10_000, retryAfterFailureMs: 2_000, now: () => t },
    );
    expect((await provider.credentials()).securityToken).toBe('tok1');
    fail = true;
    t += LIFETIME - 5_000;
    expect((await provider.credentials()).securityToken).toBe('tok1');
    expect(asked).toBe(2);
    // The down issuer is not asked again on every request, only after retryAfterFailureMs.
    for (let i = 0; i < 5; i++) expect((await provider.credentials()).securityToken).toBe('tok1');
    expect(asked).toBe(2);
    t += 2_000;
    expect((await provider.credentials()).securityToken).toBe('tok1');
    expect(asked).toBe(3);
    t += 3_000;
    await expect(provider.credentials()).rejects.toThrow('issuer down');
    fail = false;
    expect((await provider.credentials()).securityToken).toBe('tok2');
  });

  it('refuse an issuer answer that is incomplete or already expired', async () => {
    const now = () => 5_000;
    await expect(new RefreshingCredentials(async () => ({ accessKey: 'a', secretKey: 's', securityToken: '', expiresAt: 9_000 }), { now }).credentials()).rejects.toThrow(/incomplete/);
    await expect(new RefreshingCredentials(async () => ({ accessKey: 'a', secretKey: 's', securityToken: 't', expiresAt: 4_000 }), { now }).credentials()).rejects.toThrow(/expired/);
  });
});

describe('static and environment credentials', () => {
  it('reads HUAWEICLOUD_SDK_AK / _SK and EDGEKMS_ENDPOINT', async () => {
    const rig = await makeRig();
    const env = fromEnv({ HUAWEICLOUD_SDK_AK: ADMIN.accessKey, HUAWEICLOUD_SDK_SK: ADMIN.secretKey, EDGEKMS_ENDPOINT: 'http://kms.test', HUAWEICLOUD_SDK_PROJECT_ID: ADMIN.project });
    expect(env.endpoint).toBe('http://kms.test');
    expect(env.projectId).toBe(ADMIN.project);
    const client = new SignedClient({ endpoint: env.endpoint!, projectId: env.projectId!, credentials: env.credentials, fetch: async (r) => rig.app.fetch(r) });
    await expect(listKeys(client)).resolves.toMatchObject({ keys: [] });
    expect((await env.credentials.credentials()).securityToken).toBeUndefined();
  });

  it('refuses an incomplete pair', () => {
    expect(() => fromEnv({ HUAWEICLOUD_SDK_AK: 'x' })).toThrow(/HUAWEICLOUD_SDK_SK/);
    expect(() => fromEnv({})).toThrow(TypeError);
    expect(() => staticCredentials({ accessKey: 'a', secretKey: '' })).toThrow(TypeError);
  });

  it('a wrong secret key is refused by the server', async () => {
    const rig = await makeRig();
    const client = new SignedClient({ endpoint: 'http://kms.test', projectId: ADMIN.project, credentials: staticCredentials({ accessKey: ADMIN.accessKey, secretKey: 'wrong' }), fetch: async (r) => rig.app.fetch(r) });
    await expect(listKeys(client)).rejects.toMatchObject({ status: 401 });
  });
});
