// Request rates per credential and per operation class, as AWS KMS separates them: cryptographic
// operations (encrypt, decrypt, data keys, sign, verify, MACs, random, reading a secret's value) and
// everything else (the control plane). Each (access key, class) pair has a token bucket: `rps` tokens a
// second up to `burst`; a request takes one, and with none left it gets 429 APIG.0308 with Retry-After
// (whole seconds until a token is back), as Huawei's API gateway answers.
//
// The buckets live in this process's memory: on Node and Deno that is the whole deployment; on Workers
// each isolate has its own, so the limit holds per isolate (docs/iam.md says how to share it).

export type OperationClass = 'crypto' | 'control';

export interface BucketLimit {
  /** Tokens added per second. */
  rps: number;
  /** Bucket size: the most requests accepted at once after a quiet spell. */
  burst: number;
}

export interface RateLimits {
  crypto: BucketLimit;
  control: BucketLimit;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  crypto: { rps: 10_000, burst: 20_000 },
  control: { rps: 2_000, burst: 4_000 },
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

interface Bucket {
  tokens: number;
  at: number;
}

/** Most buckets kept; past it, full ones (idle credentials) are dropped, which changes nothing for them. */
const MAX_BUCKETS = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(readonly limits: RateLimits = DEFAULT_RATE_LIMITS) {}

  /** Takes a token; returns 0 when the request may go on, else the seconds until it may be retried. */
  take(accessKey: string, cls: OperationClass, now: number): number {
    const { rps, burst } = this.limits[cls];
    const id = `${cls}\n${accessKey}`;
    const b = this.buckets.get(id) ?? this.newBucket(id, burst, now);
    b.tokens = Math.min(burst, b.tokens + (Math.max(0, now - b.at) / 1000) * rps);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rps));
  }

  private newBucket(id: string, burst: number, now: number): Bucket {
    if (this.buckets.size >= MAX_BUCKETS) this.dropFull(now);
    const b = { tokens: burst, at: now };
    this.buckets.set(id, b);
    return b;
  }

  private dropFull(now: number): void {
    for (const [id, b] of this.buckets) {
      const { rps, burst } = this.limits[id.startsWith('crypto\n') ? 'crypto' : 'control'];
      if (b.tokens + ((now - b.at) / 1000) * rps >= burst) this.buckets.delete(id);
    }
    // Still full of busy credentials: forget the oldest (it restarts with a full bucket).
    while (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
  }
}
