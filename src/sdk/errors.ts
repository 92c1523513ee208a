// The errors a client call ends with: an error answer of the API (ApiError), no answer in time
// (RequestTimeoutError), no answer at all (NetworkError), or an answer too large to read
// (BadResponseError). Each says how many attempts were made.

/** An error answer from an edgekms (or Huawei DEW) endpoint. */
export class ApiError extends Error {
  override name = 'ApiError';
  /** How many attempts the client made before giving up (set by the retry loop). */
  attempts = 1;
  constructor(
    /** The HTTP status. */
    readonly status: number,
    /** The API's error code, e.g. `KMS.0207` or `APIGW.0308`; the status as a string when the body had none. */
    readonly code: string,
    message: string,
    /** The `X-Request-Id` of the answer, for the server's logs. */
    readonly requestId?: string,
    /** The wait the server asked for with `Retry-After`, in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(`${code}: ${message}`);
  }

  /** The server's message without the code prefix. */
  get detail(): string {
    return this.message.slice(this.code.length + 2);
  }
}

/** The request failed without an HTTP answer (connection refused, reset, DNS, TLS). */
export class NetworkError extends Error {
  override name = 'NetworkError';
  attempts = 1;
  constructor(
    message: string,
    /** True when the request certainly never reached the server (the connection was never made). */
    readonly unsent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An attempt got no complete answer within its per-attempt timeout. */
export class RequestTimeoutError extends Error {
  override name = 'RequestTimeoutError';
  attempts = 1;
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/** The answer could not be used (too large); retrying would not help. */
export class BadResponseError extends Error {
  override name = 'BadResponseError';
  attempts = 1;
}

/** Reads the error code and message from any of the API's error body shapes (docs/kms-api.md and docs/csms-api.md, "Errors"). */
export function parseErrorBody(status: number, body: unknown, requestId?: string, retryAfterMs?: number): ApiError {
  const o = (body !== null && typeof body === 'object' ? body : {}) as Record<string, any>;
  const nested = (o.error !== null && typeof o.error === 'object' ? o.error : {}) as Record<string, any>;
  const code = o.error_code ?? nested.error_code ?? nested.code ?? o.code ?? String(status);
  const message = o.error_msg ?? nested.error_msg ?? nested.message ?? o.message ?? `HTTP ${status}`;
  const id = requestId ?? (typeof o.request_id === 'string' ? o.request_id.slice(0, 128) : undefined);
  return new ApiError(status, String(code).slice(0, 64), String(message).slice(0, 1024), id, retryAfterMs);
}
