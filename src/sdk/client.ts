// The signed HTTP layer every edgekms client stands on (KMS, secrets, the CLI, tests, benchmarks): one
// request function that signs with the same SDK-HMAC-SHA256 code the server verifies with
// (src/iam/signer.ts), asks a credential provider before each attempt, retries by src/sdk/retry.ts, and
// reads answers with a size bound. Only fetch, AbortController and web streams: it runs unchanged on
// Node, Deno, Workers and in browsers.
import { utf8 } from '../crypto/bytes.ts';
import { signRequest } from '../iam/signer.ts';
import { staticCredentials, type CredentialProvider } from './credentials.ts';
import { ApiError, BadResponseError, NetworkError, parseErrorBody, RequestTimeoutError } from './errors.ts';
import { parseRetryAfter, retryPolicy, withRetry, type RetryOptions, type RetryPolicy } from './retry.ts';

export interface ClientOptions {
  /** e.g. http://127.0.0.1:8787 or https://kms.cn-north-4.myhuaweicloud.com */
  endpoint: string;
  projectId: string;
  /** Where the AK/SK come from; or give `accessKey`/`secretKey` (and `securityToken`) directly. */
  credentials?: CredentialProvider;
  accessKey?: string;
  secretKey?: string;
  /** Temporary credentials: sent as X-Security-Token (signed). */
  securityToken?: string;
  /** Defaults to globalThis.fetch. */
  fetch?: (request: Request) => Promise<Response>;
  /** The time used for X-Sdk-Date; defaults to Date.now. */
  now?: () => number;
  /** Retry policy (src/sdk/retry.ts); `false` for a single attempt. */
  retry?: RetryOptions | false;
  /** Largest answer body accepted (default 16 MiB); a larger one is a BadResponseError. */
  maxResponseBytes?: number;
}

export interface RequestOptions {
  /**
   * Repeating the call cannot change its outcome (reads, crypto operations). Default false: the call is
   * then retried only when its body carries `sequence` or when it never reached the server.
   */
  idempotent?: boolean;
  /** Aborts the call, including its retries. */
  signal?: AbortSignal;
}

// Connection-level failures that happen before a byte of the request is written (Node/undici codes,
// Deno's and browsers' wording). Anything else may have reached the server.
const UNSENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);
const UNSENT_TEXT = /connection refused|tcp connect error|dns error|failed to lookup address/i;

function unsent(e: unknown): boolean {
  for (let c: any = e, depth = 0; c && depth < 4; c = c.cause, depth++) {
    if (c.unsent === true || UNSENT_CODES.has(c.code) || UNSENT_TEXT.test(String(c.message ?? ''))) return true;
  }
  return false;
}

export class SignedClient {
  private readonly base: URL;
  private readonly doFetch: (request: Request) => Promise<Response>;
  private readonly credentials: CredentialProvider;
  private readonly maxResponseBytes: number;
  readonly retry: RetryPolicy;

  constructor(private readonly options: ClientOptions) {
    this.base = new URL(options.endpoint);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new TypeError('endpoint must be an http(s) URL');
    this.doFetch = options.fetch ?? ((r) => fetch(r));
    this.credentials =
      options.credentials ??
      staticCredentials({ accessKey: options.accessKey ?? '', secretKey: options.secretKey ?? '', securityToken: options.securityToken });
    this.maxResponseBytes = options.maxResponseBytes ?? 16 << 20;
    this.retry = retryPolicy(options.retry);
  }

  get projectId(): string {
    return this.options.projectId;
  }

  get endpoint(): string {
    return this.base.origin;
  }

  /**
   * Sends a signed request. `path` may contain `{project_id}`. Resolves to the parsed JSON body
   * (undefined for an empty body); throws ApiError for a 4xx/5xx answer, NetworkError or
   * RequestTimeoutError when no answer came, after the retries the policy allows.
   */
  async request<T = any>(method: string, path: string, body?: unknown, query: Record<string, string> = {}, options: RequestOptions = {}): Promise<T> {
    const url = new URL(path.replace('{project_id}', encodeURIComponent(this.options.projectId)), this.base);
    for (const [k, v] of Object.entries(query)) url.searchParams.append(k, v);
    const bytes = body === undefined ? undefined : utf8(JSON.stringify(body));
    const sequenced = typeof (body as { sequence?: unknown } | undefined)?.sequence === 'string';
    return withRetry(this.retry, options.idempotent === true || sequenced, (a) => this.attempt<T>(method, url, bytes, a.timeoutMs, options.signal), options.signal);
  }

  private async attempt<T>(method: string, url: URL, bytes: Uint8Array | undefined, timeoutMs: number, signal?: AbortSignal): Promise<T> {
    const c = await this.credentials.credentials();
    // Host is not signed (as in Huawei's Go SDK): browsers and fetch set it themselves.
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-project-id': this.options.projectId };
    if (c.securityToken) headers['x-security-token'] = c.securityToken;
    const signed = signRequest(
      { method, path: url.pathname, query: [...url.searchParams], headers, body: bytes },
      { accessKey: c.accessKey, secretKey: c.secretKey, time: (this.options.now ?? Date.now)() },
    );
    const abort = new AbortController();
    const onAbort = () => abort.abort(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new RequestTimeoutError(timeoutMs);
        abort.abort(e);
        reject(e);
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exchange<T>(new Request(url, { method, headers: signed, body: bytes as BodyInit | undefined, signal: abort.signal })), timeout]);
    } catch (e) {
      if (e instanceof ApiError || e instanceof BadResponseError || e instanceof RequestTimeoutError || signal?.aborted) throw e;
      if (abort.signal.reason instanceof RequestTimeoutError) throw abort.signal.reason;
      if (e instanceof NetworkError) throw e;
      throw new NetworkError(`request to ${url.origin} failed: ${(e as Error)?.message ?? e}`, unsent(e), { cause: e });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async exchange<T>(request: Request): Promise<T> {
    const res = await this.doFetch(request);
    const text = await this.readBody(res);
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.status >= 400) {
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'), this.retry.now());
      throw parseErrorBody(res.status, parsed ?? { error_msg: text.slice(0, 200) }, res.headers.get('x-request-id') ?? undefined, retryAfter);
    }
    return parsed as T;
  }

  private async readBody(res: Response): Promise<string> {
    const limit = this.maxResponseBytes;
    if (!res.body) return '';
    if (Number(res.headers.get('content-length') ?? 0) > limit) {
      await res.body.cancel().catch(() => {});
      throw new BadResponseError(`answer larger than ${limit} bytes`);
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let total = 0;
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        throw new BadResponseError(`answer larger than ${limit} bytes`);
      }
      text += decoder.decode(value, { stream: true });
    }
    return text + decoder.decode();
  }
}

export { ApiError };
