/** An error answer from an edgekms (or Huawei DEW) endpoint. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Reads the error code and message from any of the API's error body shapes (spec section 4.1). */
export function parseErrorBody(status: number, body: unknown, requestId?: string): ApiError {
  const o = (body ?? {}) as Record<string, any>;
  const nested = (o.error ?? {}) as Record<string, any>;
  const code = o.error_code ?? nested.error_code ?? nested.code ?? String(status);
  const message = o.error_msg ?? nested.error_msg ?? nested.message ?? `HTTP ${status}`;
  return new ApiError(status, String(code), String(message), requestId);
}
