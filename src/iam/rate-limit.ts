// Request rates per credential and per operation class, as AWS KMS separates them: cryptographic
// operations (encrypt, decrypt, data keys, sign, verify, MACs, random, reading a secret's value) and
// everything else (the control plane). Each (access key, class) pair has a token bucket: `rps` tokens a
// second up to `burst`; a request takes one, and with none left it gets 429 APIGW.0308 with Retry-After
// (whole seconds until a token is back), as Huawei's API gateway answers.
//
// The buckets live in this process's memory: on Node and Deno that is the whole deployment; on Workers
// each isolate has its own, so the limit holds per isolate (docs/iam.md says how to share it).
//
// A third class bounds what callers without a credential cost: every request that fails before or in
// authentication is still audited (a durable write), so failures without a verified credential take a
// token from their source's bucket (the client address, an IPv6 /64, or one global bucket where the
// runtime gives no address) and from a bucket all sources share (UNAUTHENTICATED_TOTAL_FACTOR times the
// per-source limit, since one attacker may hold many addresses: a /48 is 65,536 /64s), and past either
// they get 429 with no audit record (counted in `refused`).

export type OperationClass = 'crypto' | 'control';
export type LimitClass = OperationClass | 'unauthenticated';

export interface BucketLimit {
  /** Tokens added per second. */
  rps: number;
  /** Bucket size: the most requests accepted at once after a quiet spell. */
  burst: number;
}

export interface RateLimits {
  crypto: BucketLimit;
  control: BucketLimit;
  /** Per client address: requests that fail without a verified credential (DEFAULT_RATE_LIMITS' when absent). */
  unauthenticated?: BucketLimit;
}

export const DEFAULT_RATE_LIMITS: Required<RateLimits> = {
  crypto: { rps: 10_000, burst: 20_000 },
  control: { rps: 2_000, burst: 4_000 },
  unauthenticated: { rps: 20, burst: 200 },
};

/** KMS and CSMS operations counted as cryptographic; every other is control-plane. */
const CRYPTO: ReadonlySet<string> = new Set([
  'encrypt-data',
  'decrypt-data',
  're-encrypt',
  'create-datakey',
  'create-datakey-without-plaintext',
  'encrypt-datakey',
  'decrypt-datakey',
  'create-rsa-datakey-pair',
  'create-ec-datakey-pair',
  'gen-random',
  'sign',
  'verify',
  'generate-mac',
  'verify-mac',
  'derive-shared-secret',
  'create-datakey-capsule',
  'decrypt-datakey-capsule',
  'ShowSecretVersion',
  'ShowSecretStage',
]);

export function operationClass(operation: string): OperationClass {
  return CRYPTO.has(operation) ? 'crypto' : 'control';
}

interface Bucket extends BucketLimit {
  tokens: number;
  at: number;
}

/** All sources together may cost this many times one source's rate and burst. */
export const UNAUTHENTICATED_TOTAL_FACTOR = 10;
const ALL_SOURCES = 'all sources';

/** Most buckets kept; past it, full ones (idle credentials) are dropped, which changes nothing for them. */
const MAX_BUCKETS = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** Requests refused per class since start (what /healthz reports). */
  readonly refused: Record<LimitClass, number> = { crypto: 0, control: 0, unauthenticated: 0 };

  constructor(readonly limits: RateLimits = DEFAULT_RATE_LIMITS) {}

  /** Takes a token for `who` (an access key, or a source); returns 0 when the request may go on, else the seconds until it may be retried. */
  take(who: string, cls: LimitClass, now: number): number {
    const wait = this.draw(`${cls}\n${who}`, this.limit(cls), now);
    if (wait !== 0) this.refused[cls]++;
    return wait;
  }

  /**
   * Charges a failed request without a verified credential to its source and to all sources together;
   * returns 0 while both had a token, else the seconds until one is back.
   */
  takeUnauthenticated(address: string | undefined, now: number): number {
    const source = unauthenticatedSource(address);
    let wait = this.draw(`unauthenticated\n${source}`, this.limit('unauthenticated'), now);
    if (wait === 0 && source !== 'global') {
      const { rps, burst } = this.limit('unauthenticated');
      wait = this.draw(`unauthenticated\n${ALL_SOURCES}`, { rps: rps * UNAUTHENTICATED_TOTAL_FACTOR, burst: burst * UNAUTHENTICATED_TOTAL_FACTOR }, now);
    }
    if (wait !== 0) this.refused.unauthenticated++;
    return wait;
  }

  limit(cls: LimitClass): BucketLimit {
    return this.limits[cls] ?? DEFAULT_RATE_LIMITS[cls];
  }

  private draw(id: string, { rps, burst }: BucketLimit, now: number): number {
    const b = this.buckets.get(id) ?? this.newBucket(id, { rps, burst }, now);
    b.tokens = Math.min(burst, b.tokens + (Math.max(0, now - b.at) / 1000) * rps);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rps));
  }

  private newBucket(id: string, limit: BucketLimit, now: number): Bucket {
    if (this.buckets.size >= MAX_BUCKETS) this.dropFull(now);
    const b = { ...limit, tokens: limit.burst, at: now };
    this.buckets.set(id, b);
    return b;
  }

  private dropFull(now: number): void {
    for (const [id, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * b.rps >= b.burst) this.buckets.delete(id);
    // Still full of busy callers: forget the oldest (it restarts with a full bucket).
    while (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
  }
}

/**
 * The bucket an unauthenticated request's failure counts against: its client address (IPv4, or the /64
 * of an IPv6 address, which one host can fill with addresses), or one global bucket when the runtime
 * gives none.
 */
export function unauthenticatedSource(address: string | undefined): string {
  if (!address) return 'global';
  const a = address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (!a.includes(':')) return a;
  const [head, tail = ''] = a.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
