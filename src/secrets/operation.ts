// The shape of a CSMS operation: like a KMS operation (src/kms/operation.ts) it takes the caller and the
// parsed request and answers with a status and a JSON body in the wire shape, but it works on the
// secrets service and reads fields with CSMS error codes.
import { FieldReader, type FieldErrors } from '../api/fields.ts';
import type { Call, Reply } from '../kms/operation.ts';
import { CsmsCode, CsmsError } from './errors.ts';
import type { Secrets } from './secrets.ts';

export type { Call, Reply } from '../kms/operation.ts';
export { ok, noContent } from '../kms/operation.ts';

export interface CsmsInput {
  body: FieldReader;
  query: URLSearchParams;
  params: Record<string, string>;
}

export type CsmsOperation = (secrets: Secrets, call: Call, input: CsmsInput) => Promise<Reply>;

export const CSMS_FIELDS: FieldErrors = {
  missing: (field) => new CsmsError(CsmsCode.InvalidParameter, `Missing required parameter: ${field}.`),
  invalid: (field, why) => new CsmsError(CsmsCode.InvalidParameter, `Invalid ${field}: ${why}.`),
};

/** Reads a JSON object nested in a request with CSMS error spelling. */
export function csmsFields(body: unknown, what = 'request body'): FieldReader {
  return FieldReader.of(body, CSMS_FIELDS, what);
}
