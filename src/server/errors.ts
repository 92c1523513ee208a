// How errors look on the wire (docs/kms-api.md, "Errors"). KMS errors are nested, with the same pair mirrored at
// the top level for Huawei's Node SDK; gateway (authentication) errors are flat with a request_id.
import { KmsError } from '../kms/errors.ts';

export function kmsErrorBody(code: string, message: string): unknown {
  return { error_code: code, error_msg: message, error: { error_code: code, error_msg: message } };
}

/** CSMS errors: flat, or nested like the KMS's (with the pair mirrored at the top level), as the route's model says. */
export function csmsErrorBody(form: 'flat' | 'nested', code: string, message: string): unknown {
  return form === 'flat' ? { error_code: code, error_msg: message } : kmsErrorBody(code, message);
}

export function gatewayErrorBody(code: string, message: string, requestId: string): unknown {
  return { error_code: code, error_msg: message, request_id: requestId };
}

/** An error a handler may throw that already knows its status and body. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === 'object' && body && 'error_msg' in body ? String((body as { error_msg: unknown }).error_msg) : `HTTP ${status}`);
  }
}

export function kmsHttpError(e: KmsError): HttpError {
  return new HttpError(e.status, kmsErrorBody(e.code, e.message));
}
