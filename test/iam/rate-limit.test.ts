// The token buckets of docs/iam.md (Rate limits), in-process with times the test chooses: which operations
// are cryptographic, the bucket arithmetic and Retry-After, the separation of credentials and classes, what
// happens when the clock steps back, and the bound on how many buckets are kept.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, operationClass, RateLimiter, UNAUTHENTICATED_TOTAL_FACTOR, unauthenticatedSource, type RateLimits } from '../../src/iam/rate-limit.ts';
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

describe('failures without a credential (docs/iam.md, Callers without a credential)', () => {
  // Each source: rps 1, burst 2; all sources together: ten times that (rps 10, burst 20).
  const limiter = () => new RateLimiter({ crypto: { rps: 1000, burst: 1000 }, control: { rps: 1000, burst: 1000 }, unauthenticated: { rps: 1, burst: 2 } });
  const addresses = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `198.51.100.${i + from}`);

  it('take a token from their source’s bucket', () => {
    const l = limiter();
    expect([0, 0, 0].map(() => l.takeUnauthenticated('198.51.100.1', 0))).toEqual([0, 0, 1]);
    expect(l.takeUnauthenticated('198.51.100.2', 0)).toBe(0);
    expect(l.takeUnauthenticated('198.51.100.1', 1000)).toBe(0);
    expect(l.refused).toEqual({ crypto: 0, control: 0, unauthenticated: 1 });
  });

  it('and from one bucket of all sources, ten times one source’s, so many addresses cannot multiply the cost', () => {
    expect(UNAUTHENTICATED_TOTAL_FACTOR).toBe(10);
    const l = limiter();
    for (const a of addresses(10)) expect([a, l.takeUnauthenticated(a, 0), l.takeUnauthenticated(a, 0)]).toEqual([a, 0, 0]);
    expect(l.takeUnauthenticated('198.51.100.11', 0)).toBe(1); // its own bucket is full, the shared one empty
    expect(l.refused.unauthenticated).toBe(1);
    // The shared bucket gains ten tokens a second: one in a tenth of a second.
    expect(l.takeUnauthenticated('198.51.100.12', 100)).toBe(0);
    expect(l.takeUnauthenticated('198.51.100.13', 100)).toBe(1);
  });

  it('a source already refused takes nothing from the shared bucket', () => {
    const l = limiter();
    for (let i = 0; i < 50; i++) l.takeUnauthenticated('198.51.100.1', 0);
    expect(l.refused.unauthenticated).toBe(48);
    // The shared bucket still holds 18 tokens: nine more sources get their two each.
    for (const a of addresses(9, 2)) expect([l.takeUnauthenticated(a, 0), l.takeUnauthenticated(a, 0)]).toEqual([0, 0]);
    expect(l.takeUnauthenticated('198.51.100.99', 0)).toBe(1);
  });

  it('without an address they share one global bucket, which is not charged to all sources again', () => {
    const l = limiter();
    expect([0, 0, 0].map(() => l.takeUnauthenticated(undefined, 0))).toEqual([0, 0, 1]);
    expect(l.takeUnauthenticated('', 0)).toBe(1);
    for (const a of addresses(10)) expect([l.takeUnauthenticated(a, 0), l.takeUnauthenticated(a, 0)]).toEqual([0, 0]);
    expect(l.refused.unauthenticated).toBe(2);
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
