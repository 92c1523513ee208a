// The shape of a KMS API operation: it takes the caller, the parsed request and answers with a status and
// a JSON body in the exact wire shape. Runtimes and the HTTP layer only route to these.
import { FieldReader, type FieldErrors } from '../api/fields.ts';
import type { Role } from '../iam/credentials.ts';
import type { Statement } from '../iam/policy.ts';
import { Code, KmsError } from './errors.ts';
import type { Kms } from './kms.ts';

export interface Call {
  project: string;
  /** Who is calling (the access key's principal). */
  principal: string;
  /** 'admin' may do everything in its projects; 'user' only what grants give it (authorize.ts). */
  role: Role;
  requestId: string;
  /** The caller's identity policy statements (src/iam/policy.ts); absent: grants alone decide for a user. */
  policies?: readonly Statement[];
  /** A temporary credential's narrowing policy (src/iam/policy.ts decide). */
  narrowing?: readonly Statement[];
}

export interface Input {
  body: FieldReader;
  query: URLSearchParams;
  params: Record<string, string>;
}

export interface Reply {
  status: number;
  /** undefined: empty body. */
  body?: unknown;
}

export type Operation = (kms: Kms, call: Call, input: Input) => Promise<Reply>;

export const ok = (body?: unknown): Reply => ({ status: 200, body });
export const created = (body: unknown): Reply => ({ status: 201, body });
export const noContent = (): Reply => ({ status: 204 });

/** Field names whose invalid values have their own KMS code (docs/kms-api.md, "Errors"). */
const FIELD_CODES: Record<string, string> = {
  key_id: Code.InvalidKeyId,
  sequence: Code.InvalidSequence,
  additional_authenticated_data: Code.InvalidAad,
  key_alias: Code.InvalidKeyAlias,
  key_description: Code.InvalidDescription,
  pending_days: Code.InvalidPendingDays,
  limit: Code.InvalidLimit,
  marker: Code.InvalidMarker,
  random_data_length: Code.InvalidRandomLength,
  datakey_length: Code.InvalidDatakeyLength,
  datakey_plain_length: Code.InvalidDatakeyPlainLength,
  datakey_cipher_length: Code.InvalidDatakeyCipherLength,
};

/** KMS spelling of field errors; `codes` overrides the code for fields of one operation. */
export function kmsFieldErrors(codes: Record<string, string> = {}): FieldErrors {
  return {
    missing: (field) => new KmsError(Code.MissingParameter, `Missing required parameter: ${field}.`),
    invalid: (field, why) => new KmsError(codes[field] ?? FIELD_CODES[field] ?? Code.InvalidParameter, `Invalid ${field}: ${why}.`),
  };
}

export const KMS_FIELDS = kmsFieldErrors();

/** Reads a body's fields with per-operation error codes. */
export function fields(input: Input, codes: Record<string, string>): FieldReader {
  return new FieldReader(input.body.body, kmsFieldErrors(codes));
}
