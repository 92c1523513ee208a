// Retrying failed requests, as Huawei's DEW best practice asks of every client: 429, 500, 502, 503 and 504
// answers and network failures are retried with exponential backoff and full jitter (a random wait in
// [0, min(cap, base * 2^n)), which spreads a crowd of throttled clients out instead of synchronising
// them), 3 attempts by default and never more than 5, a per-attempt timeout (5-8 s after a 502/504, as
// Huawei advises for its gateway), `Retry-After` honoured, and the whole call bounded in time. Any other
// 4xx is the caller's mistake and is never retried.
//
// A call that changes state (create-key, create-grant, ...) may have taken effect even when its answer
// was lost, so it is retried only when the server can recognise the repeat (the body carries the API's
// `sequence` serial number) or when the request certainly never left (the connection was never made).
import { ApiError, NetworkError, RequestTimeoutError } from './errors.ts';

/** HTTP statuses worth another attempt. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);
/** Huawei's DEW guidance: 3-5 attempts. */
export const MAX_ATTEMPTS = 5;

export interface RetryOptions {
  /** Attempts in all, 1 (no retry) to 5; default 3. */
  maxAttempts?: number;
  /** The backoff doubles from this (default 200 ms)... */
  baseDelayMs?: number;
  /** ...up to this cap (default 5 s). */
  maxDelayMs?: number;
  /** Timeout of one attempt (default 10 s). */
  attemptTimeoutMs?: number;
  /** Timeout of an attempt that follows a 502 or 504, 5-8 s (default 8 s). */
  gatewayTimeoutMs?: number;
  /** Bound on the whole call including waits (default 30 s): no retry starts that would end past it. */
  maxTotalMs?: number;
  /** Injected for tests: wait (default setTimeout), read the time (default Date.now), draw in [0, 1). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Told before each wait; for logs and metrics. */
  onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  error: unknown;
}

export type RetryPolicy = Required<Omit<RetryOptions, 'onRetry'>> & Pick<RetryOptions, 'onRetry'>;

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', abort, { once: true });
  });

/** The policy with defaults filled in and limits checked; `false` means a single attempt. */
export function retryPolicy(options: RetryOptions | false = {}): RetryPolicy {
  const o = options === false ? { maxAttempts: 1 } : options;
  const p: RetryPolicy = {
    maxAttempts: o.maxAttempts ?? 3,
    baseDelayMs: o.baseDelayMs ?? 200,
    maxDelayMs: o.maxDelayMs ?? 5_000,
    attemptTimeoutMs: o.attemptTimeoutMs ?? 10_000,
    gatewayTimeoutMs: o.gatewayTimeoutMs ?? 8_000,
    maxTotalMs: o.maxTotalMs ?? 30_000,
    sleep: o.sleep ?? defaultSleep,
    now: o.now ?? Date.now,
    random: o.random ?? Math.random,
    onRetry: o.onRetry,
  };
  if (!Number.isInteger(p.maxAttempts) || p.maxAttempts < 1 || p.maxAttempts > MAX_ATTEMPTS) {
    throw new RangeError(`maxAttempts must be an integer from 1 to ${MAX_ATTEMPTS}`);
  }
  if (!(p.gatewayTimeoutMs >= 5_000 && p.gatewayTimeoutMs <= 8_000)) throw new RangeError('gatewayTimeoutMs must be 5000-8000 ms');
  for (const k of ['baseDelayMs', 'maxDelayMs', 'attemptTimeoutMs', 'maxTotalMs'] as const) {
    if (!(p[k] > 0) || !Number.isFinite(p[k])) throw new RangeError(`${k} must be a positive number of milliseconds`);
  }
  return p;
}

/** Full jitter: a uniform wait in [0, min(maxDelay, base * 2^(attempt-1))) after failed attempt `attempt`. */
export function backoffMs(policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'random'>, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(policy.random() * ceiling);
}

/** `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110 10.2.3); undefined when absent or malformed. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (/^\d{1,9}$/.test(v)) return Number(v) * 1000;
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

interface Verdict {
  retryable: boolean;
  /** The request never reached the server: safe to repeat even when it changes state. */
  unsent: boolean;
  /** A 502/504: the next attempt gets the gateway timeout. */
  gateway: boolean;
  retryAfterMs?: number;
}

function judge(e: unknown): Verdict {
  if (e instanceof ApiError) {
    return { retryable: RETRYABLE_STATUSES.has(e.status), unsent: false, gateway: e.status === 502 || e.status === 504, retryAfterMs: e.retryAfterMs };
  }
  if (e instanceof NetworkError) return { retryable: true, unsent: e.unsent, gateway: false };
  if (e instanceof RequestTimeoutError) return { retryable: true, unsent: false, gateway: false };
  return { retryable: false, unsent: false, gateway: false };
}

export interface Attempt {
  /** 1-based. */
  attempt: number;
  /** What this attempt may take at most. */
  timeoutMs: number;
}

/**
 * Runs `send` until it succeeds, fails for good, or the policy says stop; throws the last error with its
 * `attempts` count set. `idempotent`: repeating the call cannot change the outcome (or it carries a
 * `sequence`); otherwise only failures before sending are retried.
 */
export async function withRetry<T>(policy: RetryPolicy, idempotent: boolean, send: (a: Attempt) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const start = policy.now();
  let timeoutMs = policy.attemptTimeoutMs;
  for (let attempt = 1; ; attempt++) {
    const left = policy.maxTotalMs - (policy.now() - start);
    try {
      return await send({ attempt, timeoutMs: Math.max(1, Math.min(timeoutMs, left)) });
    } catch (e) {
      if (e instanceof Error && 'attempts' in e) (e as { attempts: number }).attempts = attempt;
      const v = judge(e);
      if (!v.retryable || !(idempotent || v.unsent) || attempt >= policy.maxAttempts || signal?.aborted) throw e;
      const delayMs = Math.max(backoffMs(policy, attempt), v.retryAfterMs ?? 0);
      // A wait that would use up the budget leaves no time for the attempt it waits for.
      if (policy.now() - start + delayMs >= policy.maxTotalMs) throw e;
      policy.onRetry?.({ attempt, delayMs, error: e });
      await policy.sleep(delayMs, signal);
      timeoutMs = v.gateway ? policy.gatewayTimeoutMs : policy.attemptTimeoutMs;
    }
  }
}
