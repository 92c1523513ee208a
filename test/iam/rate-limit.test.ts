// The token buckets of docs/iam.md (Rate limits), in-process with times the test chooses: which operations
// are cryptographic, the bucket arithmetic and Retry-After, the separation of credentials and classes, what
// happens when the clock steps back, and the bound on how many buckets are kept.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, operationClass, RateLimiter, unauthenticatedSource, type RateLimits } from '../../src/iam/rate-limit.ts';
import { KMS_ROUTES } from '../../src/kms/routes.ts';
import { CSMS_ROUTES } from '../../src/secrets/routes.ts';

// docs/iam.md's crypto row, spelled out ("create-rsa/ec-datakey-pair", "datakey capsules").
const CRYPTO = [
  'encrypt-data', 'decrypt-data', 're-encrypt', 'create-datakey', 'create-datakey-without-plaintext', 'encrypt-datakey', 'decrypt-datakey',
  'create-rsa-datakey-pair', 'create-ec-datakey-pair', 'gen-random', 'sign', 'verify', 'generate-mac', 'verify-mac', 'derive-shared-secret',
  'create-datakey-capsule', 'decrypt-datakey-capsule', 'ShowSecretVersion', 'ShowSecretStage',
];

const limits = (rps: number, burst: number): RateLimits => ({ crypto: { rps, burst }, control: { rps, burst }, unauthenticated: { rps, burst } });

describe('operation classes', () => {
  it('the documented operations are crypto, every other KMS and CSMS route is control', () => {
    const routes = [...KMS_ROUTES, ...CSMS_ROUTES].map((r) => r.name);
    for (const op of CRYPTO) expect(routes, op).toContain(op);
    for (const op of routes) expect(operationClass(op), op).toBe(CRYPTO.includes(op) ? 'crypto' : 'control');
    expect(operationClass('unknown-operation')).toBe('control');
  });

  it('defaults are the documented rates and bursts', () => {
    expect(DEFAULT_RATE_LIMITS).toEqual({ crypto: { rps: 10_000, burst: 20_000 }, control: { rps: 2_000, burst: 4_000 }, unauthenticated: { rps: 20, burst: 200 } });
    const limiter = new RateLimiter();
    expect(limiter.limits).toBe(DEFAULT_RATE_LIMITS);
    // A configuration without the unauthenticated class gets its default.
    const partial = new RateLimiter({ crypto: { rps: 1, burst: 1 }, control: { rps: 2, burst: 2 } });
    expect(partial.limit('unauthenticated')).toEqual({ rps: 20, burst: 200 });
    expect(partial.limit('control')).toEqual({ rps: 2, burst: 2 });
  });
});

describe('a bucket', () => {
  it('starts full: BURST requests at one instant pass, the next waits', () => {
    const limiter = new RateLimiter(limits(1, 3));
    expect([0, 0, 0].map(() => limiter.take('AK1', 'crypto', 1000))).toEqual([0, 0, 0]);
    expect(limiter.take('AK1', 'crypto', 1000)).toBe(1);
    expect(limiter.refused).toEqual({ crypto: 1, control: 0, unauthenticated: 0 });
  });

  it('a burst of one lets exactly one through', () => {
    const limiter = new RateLimiter(limits(1, 1));
    expect(limiter.take('AK1', 'control', 0)).toBe(0);
    expect(limiter.take('AK1', 'control', 0)).toBe(1);
  });

  it('gains RPS tokens a second, up to BURST', () => {
    const limiter = new RateLimiter(limits(2, 4));
    for (let i = 0; i < 4; i++) expect(limiter.take('AK1', 'crypto', 0)).toBe(0);
    expect(limiter.take('AK1', 'crypto', 0)).toBe(1);
    // Half a second: one token.
    expect(limiter.take('AK1', 'crypto', 500)).toBe(0);
    expect(limiter.take('AK1', 'crypto', 500)).toBe(1);
    // An hour idle refills to BURST and no further.
    const later = 3_600_000;
    for (let i = 0; i < 4; i++) expect(limiter.take('AK1', 'crypto', later)).toBe(0);
    expect(limiter.take('AK1', 'crypto', later)).toBe(1);
    expect(limiter.refused.crypto).toBe(3);
  });

  it('Retry-After is the whole seconds until a token is back, at least 1', () => {
    const slow = new RateLimiter(limits(0.25, 1));
    expect(slow.take('AK1', 'control', 0)).toBe(0);
    expect(slow.take('AK1', 'control', 0)).toBe(4);
    expect(slow.take('AK1', 'control', 2000)).toBe(2); // half a token back: 2 s more
    expect(slow.take('AK1', 'control', 3900)).toBe(1); // 0.975 of a token: under a second, still 1
    expect(slow.take('AK1', 'control', 4000)).toBe(0);
    const fast = new RateLimiter(limits(100, 1));
    expect(fast.take('AK1', 'control', 0)).toBe(0);
    expect(fast.take('AK1', 'control', 0)).toBe(1); // 10 ms away, reported as 1 s
    expect(slow.refused.control + fast.refused.control).toBe(4);
  });

  it('a clock that steps back gives no tokens and takes none', () => {
    const limiter = new RateLimiter(limits(1, 1));
    expect(limiter.take('AK1', 'crypto', 10_000)).toBe(0);
    expect(limiter.take('AK1', 'crypto', 4_000)).toBe(1);
    expect(limiter.take('AK1', 'crypto', 5_000)).toBe(0);
  });

  it('is per access key and per class', () => {
    const limiter = new RateLimiter({ crypto: { rps: 1, burst: 1 }, control: { rps: 1, burst: 2 }, unauthenticated: { rps: 1, burst: 1 } });
    expect(limiter.take('AK1', 'crypto', 0)).toBe(0);
    expect(limiter.take('AK1', 'crypto', 0)).toBe(1);
    expect(limiter.take('AK2', 'crypto', 0)).toBe(0);
    expect(limiter.take('AK1', 'control', 0)).toBe(0);
    expect(limiter.take('AK1', 'control', 0)).toBe(0);
    expect(limiter.take('AK1', 'control', 0)).toBe(1);
    expect(limiter.take('AK1', 'unauthenticated', 0)).toBe(0);
    expect(limiter.take('AK1', 'unauthenticated', 0)).toBe(1);
    expect(limiter.refused).toEqual({ crypto: 1, control: 1, unauthenticated: 1 });
  });
});

describe('the number of buckets kept', () => {
  const MAX = 10_000;

  it('past 10000, full buckets (idle credentials) are dropped and busy ones kept', () => {
    const limiter = new RateLimiter({ crypto: { rps: 1, burst: 2 }, control: { rps: 0.001, burst: 1 }, unauthenticated: { rps: 1, burst: 2 } });
    const T = 5_000; // not zero: what a bucket gained is counted from its own last time
    expect(limiter.take('busy', 'crypto', T)).toBe(0);
    expect(limiter.take('busy', 'crypto', T)).toBe(0);
    // Idle ones: one token taken each, refilled a second later. A control bucket refills a thousand times slower.
    for (let i = 0; i < MAX - 2; i++) expect(limiter.take(`idle${i}`, 'crypto', T)).toBe(0);
    expect(limiter.take('slow', 'control', T)).toBe(0);
    // At 1 s: 'busy' has one token back of two, 'slow' a thousandth of one; the 10001st bucket drops the full ones.
    expect(limiter.take('newcomer', 'unauthenticated', T + 1000)).toBe(0);
    expect(limiter.take('busy', 'crypto', T + 1000)).toBe(0);
    expect(limiter.take('busy', 'crypto', T + 1000)).toBe(1); // kept: it had one token, not two
    expect(limiter.take('slow', 'control', T + 1000)).toBeGreaterThan(1); // kept, judged by its own class's rate
  });

  it('with every bucket busy, the oldest is forgotten and starts over full', () => {
    const limiter = new RateLimiter(limits(1, 1));
    for (let i = 0; i < MAX; i++) expect(limiter.take(`k${i}`, 'crypto', 0)).toBe(0);
    expect(limiter.take('k0', 'crypto', 0)).toBe(1);
    expect(limiter.take('newcomer', 'crypto', 0)).toBe(0);
    expect(limiter.take('k0', 'crypto', 0)).toBe(0); // forgotten, so full again
    expect(limiter.take('k2', 'crypto', 0)).toBe(1); // not forgotten
  });

  it('up to 10000 buckets nothing is forgotten', () => {
    const limiter = new RateLimiter(limits(1, 1));
    for (let i = 0; i < MAX; i++) expect(limiter.take(`k${i}`, 'crypto', 0)).toBe(0);
    expect(limiter.take('k0', 'crypto', 0)).toBe(1);
    expect(limiter.take(`k${MAX - 1}`, 'crypto', 0)).toBe(1);
  });
});

describe('the source of a request without a credential', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['::FFFF:203.0.113.9', '203.0.113.9'],
    ['::ffff:192.168.10.20', '192.168.10.20'],
    ['::ffff:1.2.3.4.5', '0:0:0:0::/64'],
    ['1::ffff:1.2.3.4', '1:0:0:0::/64'],
    ['1::3:4:5:6:7:8', '1:0:3:4::/64'],
    ['::3:4:5:6:7:8', '0:0:3:4::/64'],
    ['::ffff:abcd', '0:0:0:0::/64'],
    ['2001:0db8:0000:0042:0000:8a2e:0370:7334', '2001:db8:0:42::/64'],
    ['2001:DB8:0:42:1::1', '2001:db8:0:42::/64'],
    ['2001:db8:42::', '2001:db8:42:0::/64'],
    ['fe80::1', 'fe80:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4::/64'],
    ['1:2:3::8', '1:2:3:0::/64'],
    ['1:2:3:4:5::', '1:2:3:4::/64'],
    [undefined, 'global'],
    ['', 'global'],
  ])('%s counts as %s', (address, source) => {
    expect(unauthenticatedSource(address)).toBe(source);
  });
});
