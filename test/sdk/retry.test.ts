// Retry policy over real loopback sockets: a server that throttles, fails, hangs and drops on purpose.
// Time is injected (the waits are recorded, not slept), so the delays are checked exactly.
import { afterEach, describe, expect, it } from 'vitest';
import { SignedClient } from '../../src/sdk/client.ts';
import { ApiError, NetworkError, RequestTimeoutError } from '../../src/sdk/errors.ts';
import { backoffMs, parseRetryAfter, retryPolicy, withRetry, type RetryOptions } from '../../src/sdk/retry.ts';
import { closedPort, fakeTime, startFlakyServer, type FlakyServer, type Step } from '../helpers/flaky-server.ts';

const AK = 'RETRYTESTAK000000000';
const SK = 'RetryTestSecretKey0000000000000000000000';
const PROJECT = '0123456789abcdef0123456789abcdef';
const THROTTLED = { error_code: 'APIGW.0308', error_msg: 'The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second' };
const INTERNAL = { error: { error_code: 'KMS.0101', error_msg: 'kms error.' } };

let server: FlakyServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function clientFor(url: string, retry: RetryOptions = {}) {
  const time = fakeTime();
  // random() = 0.5: every wait is exactly half its full-jitter ceiling.
  const client = new SignedClient({ endpoint: url, accessKey: AK, secretKey: SK, projectId: PROJECT, retry: { random: () => 0.5, now: time.now, sleep: time.sleep, ...retry } });
  return { client, time };
}

async function serve(steps: Step[]) {
  server = await startFlakyServer(steps);
  return server;
}

const describeKey = (c: SignedClient) => c.request('POST', '/v1.0/{project_id}/kms/describe-key', { key_id: 'k' }, {}, { idempotent: true });
const createKey = (c: SignedClient, body: object = { key_alias: 'a' }) => c.request('POST', '/v1.0/{project_id}/kms/create-key', body);

describe('retry of idempotent calls', () => {
  it('retries 429 honouring Retry-After, then succeeds', async () => {
    const s = await serve([
      { status: 429, body: THROTTLED, headers: { 'retry-after': '2' } },
      { status: 429, body: THROTTLED, headers: { 'retry-after': '1' } },
      { status: 200, body: { key_info: { key_id: 'k' } } },
    ]);
    const { client, time } = clientFor(s.url);
    expect(await describeKey(client)).toEqual({ key_info: { key_id: 'k' } });
    expect(s.seen).toHaveLength(3);
    // The server's wait beats the (shorter) jittered backoff of 100 and 200 ms.
    expect(time.delays).toEqual([2000, 1000]);
  });

  it.each([500, 502, 503, 504])('retries %i with full-jitter exponential backoff and gives up after 3 attempts', async (status) => {
    const s = await serve([{ status, body: INTERNAL }]);
    const { client, time } = clientFor(s.url);
    const e = await describeKey(client).catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status, code: 'KMS.0101', requestId: 'req-3', attempts: 3 });
    expect(s.seen).toHaveLength(3);
    expect(time.delays).toEqual([100, 200]); // 0.5 x 200, 0.5 x 400
  });

  it.each([400, 401, 403, 404, 409, 413])('never retries %i', async (status) => {
    const s = await serve([{ status, body: { error_code: 'KMS.0308', error_msg: 'Invalid key_id' } }]);
    const { client, time } = clientFor(s.url);
    const e = await describeKey(client).catch((x) => x);
    expect(e).toMatchObject({ status, code: 'KMS.0308', attempts: 1 });
    expect(s.seen).toHaveLength(1);
    expect(time.delays).toEqual([]);
  });

  it('makes at most 5 attempts when asked, and refuses more', async () => {
    const s = await serve([{ status: 503, body: INTERNAL }]);
    const { client, time } = clientFor(s.url, { maxAttempts: 5 });
    expect(await describeKey(client).catch((x) => x)).toMatchObject({ status: 503, attempts: 5 });
    expect(s.seen).toHaveLength(5);
    expect(time.delays).toEqual([100, 200, 400, 800]);
    expect(() => clientFor(s.url, { maxAttempts: 6 })).toThrow(RangeError);
    expect(() => clientFor(s.url, { maxAttempts: 0 })).toThrow(RangeError);
  });

  it('caps each wait at maxDelayMs', async () => {
    const s = await serve([{ status: 500, body: INTERNAL }]);
    const { client, time } = clientFor(s.url, { maxAttempts: 5, random: () => 0.999999, baseDelayMs: 1000, maxDelayMs: 1500 });
    await describeKey(client).catch(() => {});
    expect(time.delays).toEqual([999, 1499, 1499, 1499]);
  });

  it('stops when the next wait would pass the total time bound', async () => {
    const s = await serve([
      { status: 429, body: THROTTLED, headers: { 'retry-after': '20' } },
      { status: 200, body: {} },
    ]);
    const { client, time } = clientFor(s.url, { maxTotalMs: 10_000 });
    const e = await describeKey(client).catch((x) => x);
    expect(e).toMatchObject({ status: 429, code: 'APIGW.0308', attempts: 1, retryAfterMs: 20_000 });
    expect(s.seen).toHaveLength(1);
    expect(time.delays).toEqual([]);
  });

  it('retries a dropped connection and a timed-out attempt', async () => {
    const s = await serve(['drop', 'hang', { status: 200, body: { ok: 1 } }]);
    const { client, time } = clientFor(s.url, { attemptTimeoutMs: 150 });
    expect(await describeKey(client)).toEqual({ ok: 1 });
    expect(s.seen).toHaveLength(3);
    expect(time.delays).toHaveLength(2);
  });

  it('ends with RequestTimeoutError when every attempt hangs', async () => {
    const s = await serve(['hang']);
    const { client } = clientFor(s.url, { attemptTimeoutMs: 100, maxAttempts: 2 });
    const e = await describeKey(client).catch((x) => x);
    expect(e).toBeInstanceOf(RequestTimeoutError);
    expect(e).toMatchObject({ attempts: 2, timeoutMs: 100 });
    expect(s.seen).toHaveLength(2);
  });

  it('signs each attempt afresh', async () => {
    const s = await serve([{ status: 503, body: INTERNAL }, { status: 200, body: {} }]);
    let t = Date.UTC(2026, 0, 1, 12, 0, 0);
    const time = fakeTime();
    const client = new SignedClient({ endpoint: s.url, accessKey: AK, secretKey: SK, projectId: PROJECT, now: () => (t += 61_000), retry: { now: time.now, sleep: time.sleep } });
    await describeKey(client);
    expect(s.seen.map((r) => r.headers['x-sdk-date'])).toEqual(['20260101T120101Z', '20260101T120202Z']);
  });
});

describe('retry of calls that change state', () => {
  it('does not repeat a create-key whose answer was a 500 or a 429', async () => {
    for (const step of [{ status: 500, body: INTERNAL }, { status: 429, body: THROTTLED }, 'drop' as const]) {
      const s = await serve([step, { status: 200, body: {} }]);
      const { client } = clientFor(s.url);
      await expect(createKey(client)).rejects.toMatchObject({ attempts: 1 });
      expect(s.seen).toHaveLength(1);
      await s.close();
      server = undefined;
    }
  });

  it('repeats it when the body carries a sequence number', async () => {
    const s = await serve([{ status: 500, body: INTERNAL }, 'drop', { status: 200, body: { key_info: { key_id: 'k' } } }]);
    const { client } = clientFor(s.url);
    const sequence = '919c82d4-8046-4722-9094-35c3c6524cff';
    expect(await createKey(client, { key_alias: 'a', sequence })).toEqual({ key_info: { key_id: 'k' } });
    expect(s.seen.map((r) => JSON.parse(r.body).sequence)).toEqual([sequence, sequence, sequence]);
  });

  it('repeats it when the connection was never made', async () => {
    const port = await closedPort();
    const { client, time } = clientFor(`http://127.0.0.1:${port}`);
    const e = await createKey(client).catch((x) => x);
    expect(e).toBeInstanceOf(NetworkError);
    expect(e).toMatchObject({ unsent: true, attempts: 3 });
    expect(time.delays).toEqual([100, 200]);
  });

  it('does not repeat it after a timeout (it may have been applied)', async () => {
    const s = await serve(['hang', { status: 200, body: {} }]);
    const { client } = clientFor(s.url, { attemptTimeoutMs: 100 });
    await expect(createKey(client)).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(s.seen).toHaveLength(1);
  });
});

describe('policy pieces', () => {
  it('gives the attempt after a 502/504 the gateway timeout', async () => {
    const time = fakeTime();
    const policy = retryPolicy({ maxAttempts: 4, attemptTimeoutMs: 20_000, gatewayTimeoutMs: 6_000, maxTotalMs: 60_000, now: time.now, sleep: time.sleep, random: () => 0 });
    const timeouts: number[] = [];
    const answers = [new ApiError(504, 'APIGW.0504', 'gateway timeout'), new ApiError(500, 'KMS.0101', 'x'), new ApiError(502, 'APIGW.0502', 'bad gateway')];
    const result = await withRetry(policy, true, async (a) => {
      timeouts.push(a.timeoutMs);
      if (a.attempt <= answers.length) throw answers[a.attempt - 1];
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(timeouts).toEqual([20_000, 6_000, 20_000, 6_000]);
    expect(() => retryPolicy({ gatewayTimeoutMs: 4_000 })).toThrow(RangeError);
    expect(() => retryPolicy({ gatewayTimeoutMs: 9_000 })).toThrow(RangeError);
  });

  it('shrinks the last attempt timeout to what is left of the total bound', async () => {
    const time = fakeTime();
    const policy = retryPolicy({ attemptTimeoutMs: 10_000, maxTotalMs: 12_000, now: time.now, sleep: time.sleep, random: () => 0 });
    const timeouts: number[] = [];
    await withRetry(policy, true, async (a) => {
      timeouts.push(a.timeoutMs);
      time.advance(a.attempt === 1 ? 9_000 : 0);
      if (a.attempt === 1) throw new ApiError(503, 'X', 'busy');
      return 1;
    });
    expect(timeouts).toEqual([10_000, 3_000]);
  });

  it('does not retry a call its caller aborted', async () => {
    const policy = retryPolicy({ sleep: async () => {}, random: () => 0 });
    const ac = new AbortController();
    let n = 0;
    await expect(
      withRetry(policy, true, async () => {
        n++;
        ac.abort();
        throw new ApiError(503, 'X', 'busy');
      }, ac.signal),
    ).rejects.toBeInstanceOf(ApiError);
    expect(n).toBe(1);
  });

  it('draws full jitter from [0, ceiling)', () => {
    const p = { baseDelayMs: 200, maxDelayMs: 5000 };
    expect(backoffMs({ ...p, random: () => 0 }, 3)).toBe(0);
    expect(backoffMs({ ...p, random: () => 0.999 }, 1)).toBe(199);
    expect(backoffMs({ ...p, random: () => 0.5 }, 3)).toBe(400);
    expect(backoffMs({ ...p, random: () => 0.5 }, 10)).toBe(2500);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
