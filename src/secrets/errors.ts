// CSMS errors carry the API's error code and HTTP status. Which body form an error takes is decided by
// the route, not the error: the core secret, version, stage, scheduling, backup and import operations
// answer flat `{"error_code","error_msg"}`, the tag, event, resource-instance, rotation, notification-record
// and task operations nested `{"error":{…}}` (with the pair mirrored at the top level for Huawei's Node
// SDK, as the KMS routes do). Errors of the secret's CMK (KMS.0207, KMS.0209, KMS.0210) keep their KMS code.
//
// Messages describe the request, never secret values: they may be logged and are returned to callers.

export class CsmsError extends Error {
  override name = 'CsmsError';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Codes of the CSMS error table, named for what they mean. */
export const CsmsCode = {
  InvalidParameter: 'CSMS.0002',
  InvalidRequest: 'CSMS.0003',
  MalformedBody: 'CSMS.0004',
  NotFound: 'CSMS.0005',
  PendingDeletion: 'CSMS.0103',
  SystemStage: 'CSMS.0105',
  SecretNotFound: 'CSMS.0106',
  AlreadyPendingDeletion: 'CSMS.0107',
  NotPendingDeletion: 'CSMS.0108',
  SecretQuota: 'CSMS.0202',
  StageQuota: 'CSMS.0203',
} as const;

export const invalidParameter = (field: string, why: string) => new CsmsError(CsmsCode.InvalidParameter, `Invalid ${field}: ${why}.`);
export const secretNotFound = (name: string) => new CsmsError(CsmsCode.SecretNotFound, `The secret ${name} does not exist.`);
export const secretQuotaReached = (quota: number) => new CsmsError(CsmsCode.SecretQuota, `The project has reached its quota of ${quota} secrets.`);
export const resourceNotFound = (what: string) => new CsmsError(CsmsCode.NotFound, `The ${what} does not exist.`);
