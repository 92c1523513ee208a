// edgekms as a Cloudflare Worker, in workerd: the bundle `wrangler deploy --dry-run --outdir` produces,
// served by Miniflare with real Durable Object and KV bindings. Huawei's SDK core drives the foundation
// flow over loopback HTTP; a second Worker instance (its own isolate and caches, the same objects and
// namespaces, as another location would have) shows the consistency docs/workers.md promises; the cron
// handler runs the maintenance; a restart on the same persisted state keeps everything.
import { constants, publicEncrypt, createPublicKey, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignedClient } from '../../src/sdk/client.ts';
import { checkFoundationKept, runFoundationFlow, type FoundationState } from '../helpers/foundation-flow.ts';
import { huaweiClient, type HuaweiClient } from '../helpers/huawei-sdk.ts';
import { WORKER_SECRETS as S, bundleWorker, startWorker } from './harness.ts';
import { SealedStore } from '../../src/store/barrier.ts';

let bundle: ReturnType<typeof bundleWorker>;
let persist: string;
let mf: Miniflare;
let url: URL;
let hc: HuaweiClient;

beforeAll(async () => {
  bundle = bundleWorker();
  persist = mkdtempSync(join(tmpdir(), 'edgekms-worker-state-'));
  mf = startWorker(bundle.dir, { second: true, persist });
  url = await mf.ready;
  hc = huaweiClient(url.origin, S.EDGEKMS_ADMIN_AK, S.EDGEKMS_ADMIN_SK, S.EDGEKMS_PROJECT_ID);
}, 120_000);

afterAll(async () => {
  await mf?.dispose();
  rmSync(bundle.dir, { recursive: true, force: true });
  rmSync(persist, { recursive: true, force: true });
});

/** A signed client that reaches the named Worker instance directly (not through the shared loopback URL). */
async function signedVia(name: string): Promise<SignedClient> {
  const worker = await mf.getWorker(name);
  return new SignedClient({
    endpoint: 'http://edgekms.test',
    accessKey: S.EDGEKMS_ADMIN_AK,
    secretKey: S.EDGEKMS_ADMIN_SK,
    projectId: S.EDGEKMS_PROJECT_ID,
    fetch: async (r) => {
      const res = await worker.fetch(r.url, { method: r.method, headers: Object.fromEntries(r.headers), body: r.body ? new Uint8Array(await r.arrayBuffer()) : undefined });
      return new Response(await res.arrayBuffer(), { status: res.status, headers: Object.fromEntries(res.headers) });
    },
  });
}

/** KMS actions through one instance, answering status and body (error bodies included). */
async function instance(name: string): Promise<(action: string, body: unknown) => Promise<{ status: number; body: any }>> {
  const client = await signedVia(name);
  return async (action, body) => {
    try {
      return { status: 200, body: await client.request('POST', `/v1.0/{project_id}/kms/${action}`, body) };
    } catch (e) {
      const err = e as { status?: number; code?: string; body?: unknown };
      return { status: err.status ?? 0, body: err.body ?? { error_code: err.code } };
    }
  };
}

/** Reads a record straight from its Durable Object, bypassing every Worker. */
async function storedRecord(key: string): Promise<any> {
  const ns = await mf.getDurableObjectNamespace('STORE', 'edgekms');
  const shard = /^[^/]+\/([^/]+)\/./.exec(key);
  const stub = ns.get(ns.idFromName(shard ? `project:${shard[1]}` : 'root')) as unknown as { get(k: string): Promise<{ value: Uint8Array } | null> };
  const e = await stub.get(key);
  return e ? JSON.parse(new TextDecoder().decode(SealedStore.unverified(e.value))) : null;
}

describe('the Worker bundle', () => {
  it('wrangler deploy --dry-run --outdir writes the Worker and the WASM core as a separate module, with the bindings of wrangler.toml', () => {
    expect(bundle.files).toContain('worker.js');
    expect(bundle.files.some((f) => f.endsWith('edgekms_core.wasm'))).toBe(true);
    for (const binding of ['env.STORE (StoreObject)', 'Durable Object', 'env.KMS_KV', 'KV Namespace']) expect(bundle.log).toContain(binding);
  });
});

describe('edgekms in workerd with Durable Objects and KV', () => {
  let flow: FoundationState;

  it('serves the foundation flow to Huawei SDK core: create, encrypt, decrypt, data keys, disable, rotate', async () => {
    const health = await fetch(new URL('/healthz', url));
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    flow = await runFoundationFlow(hc, 'worker');
    const unsigned = await fetch(new URL(`/v1.0/${S.EDGEKMS_PROJECT_ID}/kms/list-keys`, url), { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(401);
  });

  it('runs the WASM core imported as a module: SM4 keys encrypt and decrypt', async () => {
    const id = (await hc.call('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'worker-sm4', key_spec: 'SM4' })).key_info.key_id;
    const enc = await hc.call('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: id, plain_text: 'sm4 at the edge' });
    expect(Buffer.from(enc.cipher_text, 'base64')[3]).toBe(2); // algorithm byte: SM4-GCM
    expect((await hc.call('POST', '/v1.0/{project_id}/kms/decrypt-data', { cipher_text: enc.cipher_text })).plain_text).toBe('sm4 at the edge');
  });

  it('keeps mutable records in the project\'s Durable Object and the write-once deployment record in KV too', async () => {
    expect((await storedRecord(`kms/${S.EDGEKMS_PROJECT_ID}/key/${flow.keyId}`)).state).toBe('2');
    const kv = await mf.getKVNamespace('KMS_KV', 'edgekms');
    const replica = JSON.parse(new TextDecoder().decode(SealedStore.unverified(new Uint8Array((await kv.get('meta/deployment', 'arrayBuffer'))!))));
    expect(replica).toEqual(await storedRecord('meta/deployment'));
    expect(await kv.get(`kms/${S.EDGEKMS_PROJECT_ID}/key/${flow.keyId}`)).toBeNull();
  });

  it('a state written through one instance is what another instance reads at once: create, disable, enable', async () => {
    const a = await instance('edgekms');
    const b = await instance('edgekms-b');
    const created = await a('create-key', { key_alias: 'two-places' });
    const id = created.body.key_info.key_id;
    // Read-your-writes elsewhere: a key created in A encrypts in B immediately.
    const first = await b('encrypt-data', { key_id: id, plain_text: 'warm b cache' });
    expect(first.status).toBe(200);
    // Once disable-key has returned in A, B refuses to encrypt with it, although B has the material cached.
    expect((await a('disable-key', { key_id: id })).status).toBe(200);
    const refused = await b('encrypt-data', { key_id: id, plain_text: 'x' });
    expect([refused.status, refused.body.error_code]).toEqual([400, 'KMS.0209']);
    expect((await b('decrypt-data', { cipher_text: first.body.cipher_text })).body.error_code).toBe('KMS.0209');
    expect((await b('enable-key', { key_id: id })).status).toBe(200);
    expect((await a('encrypt-data', { key_id: id, plain_text: 'again' })).status).toBe(200);
    // A rotation in B is the primary version in A at once.
    expect((await b('rotate-on-demand', { key_id: id })).status).toBe(200);
    const v2 = await a('encrypt-data', { key_id: id, plain_text: 'v2' });
    expect(Buffer.from(v2.body.cipher_text, 'base64').readUInt32BE(40)).toBe(2); // key version field
  });

  it('compare-and-set holds across instances: concurrent rotations through both give distinct consecutive versions', async () => {
    const a = await instance('edgekms');
    const b = await instance('edgekms-b');
    const id = (await a('create-key', { key_alias: 'racing' })).body.key_info.key_id;
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b)('rotate-on-demand', { key_id: id })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const record = await storedRecord(`kms/${S.EDGEKMS_PROJECT_ID}/key/${id}`);
    expect(record.versions.map((v: { v: number }) => v.v)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect((await b('get-key-rotation-status', { key_id: id })).body.number_of_rotations).toBe(6);
  });

  it('the cron trigger runs the maintenance: imported material past its expiration_time is removed from the store', async () => {
    const id = (await hc.call('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'expiring', origin: 'external' })).key_info.key_id;
    const p = await hc.call('POST', '/v1.0/{project_id}/kms/get-parameters-for-import', { key_id: id, wrapping_algorithm: 'RSAES_OAEP_SHA_256' });
    const wrappingKey = createPublicKey({ key: Buffer.from(p.public_key, 'base64'), format: 'der', type: 'spki' });
    const wrapped = publicEncrypt({ key: wrappingKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, randomBytes(32));
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    await hc.call('POST', '/v1.0/{project_id}/kms/import-key-material', { key_id: id, import_token: p.import_token, encrypted_key_material: wrapped.toString('base64'), expiration_time: expiresAt });
    const path = `kms/${S.EDGEKMS_PROJECT_ID}/key/${id}`;
    expect((await storedRecord(path)).state).toBe('2');
    while (Date.now() < expiresAt * 1000 + 200) await new Promise((r) => setTimeout(r, 100));
    // Past its expiry the stored record still holds the material until maintenance removes it.
    expect((await storedRecord(path)).versions.length).toBe(1);
    const worker = await mf.getWorker('edgekms');
    expect((await worker.scheduled({ cron: '* * * * *' })).outcome).toBe('ok');
    const after = await storedRecord(path);
    expect(after.state).toBe('5');
    expect(after.versions).toEqual([]);
  });

  it('serves the secrets API (CSMS) to Huawei SDK core: create, versions, stages, across instances', async () => {
    const P = '/v1/{project_id}';
    await hc.call('POST', `${P}/secrets`, { name: 'edge-db', secret_string: 'pw-1' });
    await hc.call('POST', `${P}/secrets/edge-db/versions`, { secret_string: 'pw-2' });
    expect((await hc.call('GET', `${P}/secrets/edge-db/versions/latest`)).version.secret_string).toBe('pw-2');
    expect((await hc.call('GET', `${P}/secrets/edge-db/versions/v1`)).version.secret_string).toBe('pw-1');
    // A stage moved through one instance is what the other reads at once.
    const b = await signedVia('edgekms-b');
    const viaB = (path: string) => b.request('GET', path);
    expect((await viaB(`${P}/secrets/edge-db/stages/SYSCURRENT`)).stage.version_id).toBe('v2');
    await hc.call('PUT', `${P}/secrets/edge-db/stages/SYSCURRENT`, { version_id: 'v1' });
    expect((await viaB(`${P}/secrets/edge-db/stages/SYSCURRENT`)).stage.version_id).toBe('v1');
  });

  it('writes its seal counts back within seconds of use, although no isolate is ever told it is shutting down', async () => {
    const id = (await hc.call('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'counted' })).key_info.key_id;
    for (let i = 0; i < 5; i++) await hc.call('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: id, plain_text: `m${i}` });
    const path = `kms/${S.EDGEKMS_PROJECT_ID}/key/${id}`;
    expect((await storedRecord(path)).versions[0].seals ?? 0).toBe(0); // counted in memory so far
    // Past the Worker's write-back interval (10 s), the next answer schedules the write-back.
    await new Promise((r) => setTimeout(r, 10_500));
    await hc.call('POST', '/v1.0/{project_id}/kms/describe-key', { key_id: id });
    let seals = 0;
    for (let i = 0; i < 50 && seals < 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seals = (await storedRecord(path)).versions[0].seals ?? 0;
    }
    expect(seals).toBe(5);
  }, 30_000);

  it('keeps everything across a restart on the same persisted state', async () => {
    await mf.dispose();
    mf = startWorker(bundle.dir, { second: true, persist });
    url = await mf.ready;
    hc = huaweiClient(url.origin, S.EDGEKMS_ADMIN_AK, S.EDGEKMS_ADMIN_SK, S.EDGEKMS_PROJECT_ID);
    await checkFoundationKept(hc, flow);
  });
});

describe('Worker configuration from secrets', () => {
  it('EDGEKMS_USERS (users.json as a secret): a user may use a key only through a grant; a malformed list is one 503 answer', async () => {
    const user = { access_key: 'WORKERUSERAK0001', secret_key: 'WorkerUserSecretKey000000000', principal: 'app1', projects: [S.EDGEKMS_PROJECT_ID] };
    const m = startWorker(bundle.dir, { bindings: { ...S, EDGEKMS_USERS: JSON.stringify([user]) } });
    try {
      const base = (await m.ready).origin;
      const admin = huaweiClient(base, S.EDGEKMS_ADMIN_AK, S.EDGEKMS_ADMIN_SK, S.EDGEKMS_PROJECT_ID);
      const app = huaweiClient(base, user.access_key, user.secret_key, S.EDGEKMS_PROJECT_ID);
      const id = (await admin.call('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'granted' })).key_info.key_id;
      expect((await app.fail('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: id, plain_text: 'x' })).httpStatusCode).toBe(403);
      await admin.call('POST', '/v1.0/{project_id}/kms/create-grant', { key_id: id, grantee_principal: 'app1', operations: ['encrypt-data', 'decrypt-data'] });
      const ct = (await app.call('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: id, plain_text: 'through a grant' })).cipher_text;
      expect((await app.call('POST', '/v1.0/{project_id}/kms/decrypt-data', { cipher_text: ct })).plain_text).toBe('through a grant');
    } finally {
      await m.dispose();
    }
    const bad = startWorker(bundle.dir, { bindings: { ...S, EDGEKMS_USERS: '{"not": "a list"}' } });
    try {
      const res = await fetch(new URL('/healthz', await bad.ready));
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error_msg: string }).error_msg).toMatch(/EDGEKMS_USERS: users file must hold a JSON array/);
    } finally {
      await bad.dispose();
    }
    // JSON.parse quotes the text near its fault; an unquoted secret_key must not reach the 503 answer.
    const unparsable = startWorker(bundle.dir, { bindings: { ...S, EDGEKMS_USERS: '[{"access_key":"WORKERUSERAK0001","secret_key":LeakedSecretKey0001}]' } });
    try {
      const res = await fetch(new URL('/healthz', await unparsable.ready));
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text).error_msg).toMatch(/EDGEKMS_USERS: users file is not JSON/);
      expect(text).not.toMatch(/LeakedSec/);
    } finally {
      await unparsable.dispose();
    }
  });

  it('EDGEKMS_CORS_ORIGINS as a var: listed origins get unauthenticated preflights; a malformed list is one 503 answer', async () => {
    const cors = startWorker(bundle.dir, { bindings: { ...S, EDGEKMS_CORS_ORIGINS: 'http://app.test' } });
    try {
      const res = await fetch(new URL(`/v1.0/${S.EDGEKMS_PROJECT_ID}/kms/encrypt-data`, await cors.ready), {
        method: 'OPTIONS',
        headers: { origin: 'http://app.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-sdk-date' },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://app.test');
    } finally {
      await cors.dispose();
    }
    const bad = startWorker(bundle.dir, { bindings: { ...S, EDGEKMS_CORS_ORIGINS: 'app.test' } });
    try {
      const res = await fetch(new URL('/healthz', await bad.ready));
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error_msg: string }).error_msg).toMatch(/EDGEKMS_CORS_ORIGINS: "app\.test" is not an origin/);
    } finally {
      await bad.dispose();
    }
  });

  const cases: [string, Record<string, string>, RegExp][] = [
    ['no root key', { ...S, EDGEKMS_ROOT_KEY: '' }, /EDGEKMS_ROOT_KEY is not set/],
    ['a root key of 16 bytes', { ...S, EDGEKMS_ROOT_KEY: Buffer.alloc(16, 1).toString('base64') }, /EDGEKMS_ROOT_KEY must be the base64 of exactly 32 bytes/],
    ['a root key that is not base64', { ...S, EDGEKMS_ROOT_KEY: 'not base64!' }, /EDGEKMS_ROOT_KEY must be the base64 of exactly 32 bytes/],
    ['no admin secret key', { ...S, EDGEKMS_ADMIN_SK: '' }, /set both EDGEKMS_ADMIN_AK and EDGEKMS_ADMIN_SK/],
    ['no project id', { ...S, EDGEKMS_PROJECT_ID: '' }, /EDGEKMS_PROJECT_ID not set/],
    ['a malformed access key', { ...S, EDGEKMS_ADMIN_AK: 'short' }, /EDGEKMS_ADMIN_AK must be 8-128 letters and digits/],
  ];
  for (const [what, bindings, message] of cases) {
    it(`with ${what}: every request gets one 503 answer naming it, and nothing is written`, async () => {
      const bad = startWorker(bundle.dir, { bindings });
      try {
        const base = await bad.ready;
        for (const path of ['/healthz', `/v1.0/${S.EDGEKMS_PROJECT_ID}/kms/list-keys`]) {
          const res = await fetch(new URL(path, base), { method: path === '/healthz' ? 'GET' : 'POST', body: path === '/healthz' ? undefined : '{}' });
          expect(res.status).toBe(503);
          const body = (await res.json()) as { error_code: string; error_msg: string };
          expect(body.error_code).toBe('KMS.0101');
          expect(body.error_msg).toMatch(message);
          expect(body.error_msg).not.toContain(S.EDGEKMS_ADMIN_SK);
        }
        const ns = await bad.getDurableObjectNamespace('STORE', 'edgekms');
        const root = ns.get(ns.idFromName('root')) as unknown as { get(k: string): Promise<unknown>; shards(): Promise<string[]> };
        expect(await root.get('meta/deployment')).toBeNull();
      } finally {
        await bad.dispose();
      }
    });
  }
});

describe('the root key as a secret key binding (a non-extractable CryptoKey)', () => {
  it('serves with it, and it is the same root key as the base64 secret of the same bytes; another key is refused', async () => {
    const state = mkdtempSync(join(tmpdir(), 'edgekms-worker-sk-'));
    const { EDGEKMS_ROOT_KEY, ...credentials } = S;
    try {
      let m = startWorker(bundle.dir, { bindings: credentials, rootCryptoKey: EDGEKMS_ROOT_KEY, persist: state });
      let client = huaweiClient((await m.ready).origin, S.EDGEKMS_ADMIN_AK, S.EDGEKMS_ADMIN_SK, S.EDGEKMS_PROJECT_ID);
      const id = (await client.call('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'bound' })).key_info.key_id;
      const ct = (await client.call('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: id, plain_text: 'sealed by a bound key' })).cipher_text;
      // The deployment was created with the CryptoKey: its fingerprint is the key check value form.
      const ns = await m.getDurableObjectNamespace('STORE', 'edgekms');
      const root = ns.get(ns.idFromName('root')) as unknown as { get(k: string): Promise<{ value: Uint8Array } | null> };
      const meta = JSON.parse(new TextDecoder().decode(SealedStore.unverified((await root.get('meta/deployment'))!.value)));
      expect(meta.rootFingerprint).toMatch(/^kcv:[0-9a-f]{16}$/);
      await m.dispose();

      m = startWorker(bundle.dir, { bindings: S, persist: state });
      client = huaweiClient((await m.ready).origin, S.EDGEKMS_ADMIN_AK, S.EDGEKMS_ADMIN_SK, S.EDGEKMS_PROJECT_ID);
      expect((await client.call('POST', '/v1.0/{project_id}/kms/decrypt-data', { cipher_text: ct })).plain_text).toBe('sealed by a bound key');
      await m.dispose();

      m = startWorker(bundle.dir, { bindings: credentials, rootCryptoKey: Buffer.alloc(32, 7).toString('base64'), persist: state });
      const res = await fetch(new URL('/healthz', await m.ready));
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error_msg: string }).error_msg).toMatch(/EDGEKMS_ROOT_KEY: the root key \(fingerprint kcv:[0-9a-f]{16}\) is not the one that protects this store/);
      await m.dispose();
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});
