// Per-credential rate limits against npm start: a burst past the crypto bucket gets 429 APIGW.0308 with
// Retry-After, the control plane and other credentials are unaffected, and the SDK's retry then succeeds.
// The bucket arithmetic is checked with an explicit clock (no timed assertions).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter, operationClass } from '../../src/iam/rate-limit.ts';
import { readEnv } from '../../src/runtime/config.ts';
import { rateLimitsOf } from '../../src/runtime/service.ts';
import { ApiError } from '../../src/sdk/errors.ts';
import { KmsClient } from '../../src/sdk/kms/client.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

describe('token bucket', () => {
  it('gives burst tokens, then one per 1/rps seconds, per credential and class', () => {
    const limiter = new RateLimiter({ crypto: { rps: 2, burst: 3 }, control: { rps: 1, burst: 1 } });
    const t0 = 1_000_000;
    expect([0, 0, 0].map(() => limiter.take('AK1', 'crypto', t0))).toEqual([0, 0, 0]);
    expect(limiter.take('AK1', 'crypto', t0)).toBe(1); // empty: a token is back in 0.5 s, told as 1 whole second
    expect(limiter.take('AK2', 'crypto', t0)).toBe(0); // another credential has its own bucket
    expect(limiter.take('AK1', 'control', t0)).toBe(0); // and another class
    expect(limiter.take('AK1', 'control', t0)).toBe(1);
    expect(limiter.take('AK1', 'crypto', t0 + 499)).toBe(1);
    expect(limiter.take('AK1', 'crypto', t0 + 500)).toBe(0);
    expect(limiter.take('AK1', 'crypto', t0 + 10_000)).toBe(0); // refilled, but never past the burst
    expect([0, 0].map(() => limiter.take('AK1', 'crypto', t0 + 10_000))).toEqual([0, 0]);
    expect(limiter.take('AK1', 'crypto', t0 + 10_000)).toBe(1);
    const slow = new RateLimiter({ crypto: { rps: 1, burst: 1 }, control: { rps: 1, burst: 1 } });
    slow.take('A', 'crypto', 0);
    expect(slow.take('A', 'crypto', 0)).toBe(1);
  });

  it('classes operations as AWS KMS does', () => {
    expect(['encrypt-data', 'decrypt-datakey', 'sign', 'gen-random', 'ShowSecretVersion'].map(operationClass)).toEqual(['crypto', 'crypto', 'crypto', 'crypto', 'crypto']);
    expect(['create-key', 'list-keys', 'create-grant', 'CreateSecret', 'ListSecrets'].map(operationClass)).toEqual(['control', 'control', 'control', 'control', 'control']);
  });

  it('reads its limits from the environment with documented defaults', () => {
    expect(rateLimitsOf(readEnv({}))).toEqual({ crypto: { rps: 10_000, burst: 20_000 }, control: { rps: 2_000, burst: 4_000 }, unauthenticated: { rps: 20, burst: 200 } });
    expect(rateLimitsOf(readEnv({ EDGEKMS_RATE_CRYPTO_RPS: '5', EDGEKMS_RATE_CONTROL_RPS: '3', EDGEKMS_RATE_CONTROL_BURST: '4' }))).toEqual({
      crypto: { rps: 5, burst: 10 },
      control: { rps: 3, burst: 4 },
      unauthenticated: { rps: 20, burst: 200 },
    });
    expect(() => readEnv({ EDGEKMS_RATE_CRYPTO_RPS: '0' })).toThrow(/EDGEKMS_RATE_CRYPTO_RPS/);
  });
});

describe('rate limits over loopback against npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'edgekms-rate-'));
  let server: RunningServer;
  let admin: { access_key: string; secret_key: string; project_id: string };
  beforeAll(async () => {
    server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir, EDGEKMS_RATE_CRYPTO_RPS: '2', EDGEKMS_RATE_CRYPTO_BURST: '3' });
    admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const client = (retry: false | object) =>
    new KmsClient({ endpoint: server.url, accessKey: admin.access_key, secretKey: admin.secret_key, projectId: admin.project_id, retry: retry as false });

  it('a burst gets 429 APIGW.0308 with Retry-After, the control plane goes on, and the SDK retry succeeds', async () => {
    const once = client(false);
    const keyId = (await once.createKey({ key_alias: 'rated' })).key_info.key_id;
    // 20 at once against a bucket of 3 refilled at 2/s: the first 3 pass whatever the machine's speed, and
    // some are refused unless the 20 took over 8 s.
    const burst = await Promise.allSettled(Array.from({ length: 20 }, () => once.encryptData({ key_id: keyId, plain_text: 'x' })));
    const refused = burst.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as ApiError);
    expect(burst.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(3);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const e of refused) {
      expect(e).toBeInstanceOf(ApiError);
      expect([e.status, e.code]).toEqual([429, 'APIGW.0308']);
      expect(e.retryAfterMs).toBe(1000);
    }
    // The control-plane bucket is separate.
    expect(Number((await once.listKeys({})).total)).toBe(1);
    // With its retry on, the SDK waits as told and gets through.
    const retrying = client({ maxAttempts: 5 });
    for (let i = 0; i < 3; i++) expect((await retrying.encryptData({ key_id: keyId, plain_text: `y${i}` })).key_id).toBe(keyId);
  }, 60_000);
});
