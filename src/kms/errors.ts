// KMS errors carry the API's error code and HTTP status. The server renders them as
// {"error":{"error_code","error_msg"}} (the KMS form) with the same pair mirrored at the top level,
// because Huawei's Node SDK reads only the top-level pair (docs/kms-api.md, "Errors").
//
// Messages describe the request, never secret values: they may be logged and are returned to callers.

export class KmsError extends Error {
  override name = 'KmsError';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Codes from docs/kms-api.md, "Errors", named for what they mean. */
export const Code = {
  Internal: 'KMS.0101',
  StoreIo: 'KMS.0102',
  InvalidUrl: 'KMS.0201',
  InvalidJson: 'KMS.0202',
  BodyTooLong: 'KMS.0203',
  MissingParameter: 'KMS.0204',
  InvalidKeyId: 'KMS.0205',
  InvalidSequence: 'KMS.0206',
  KeyNotFound: 'KMS.0207',
  InvalidAad: 'KMS.0208',
  KeyDisabled: 'KMS.0209',
  KeyPendingDeletion: 'KMS.0210',
  DefaultKey: 'KMS.0211',
  NoKeyPermission: 'KMS.0306',
  NoApiPermission: 'KMS.0307',
  InvalidParameter: 'KMS.0308',
  NotExternalKey: 'KMS.0309',
  NotPendingImport: 'KMS.0310',
  TagListEmpty: 'KMS.0401',
  InvalidMatchValue: 'KMS.0402',
  InvalidMatchKey: 'KMS.0403',
  InvalidTagAction: 'KMS.0404',
  InvalidTagValue: 'KMS.0405',
  InvalidTagKey: 'KMS.0406',
  InvalidTagListLength: 'KMS.0407',
  TagQuota: 'KMS.0409',
  InvalidTagValueLength: 'KMS.0410',
  InvalidTagKeyLength: 'KMS.0411',
  InvalidTagFilterLength: 'KMS.0412',
  InvalidTagFilterValues: 'KMS.0413',
  InvalidOffset: 'KMS.0417',
  InvalidKeyAlias: 'KMS.1101',
  InvalidDescription: 'KMS.1103',
  AliasExists: 'KMS.1104',
  KeyQuota: 'KMS.1105',
  EnableNotDisabled: 'KMS.1201',
  DisableNotEnabled: 'KMS.1301',
  InvalidPendingDays: 'KMS.1401',
  AlreadyPendingDeletion: 'KMS.1402',
  NotPendingDeletion: 'KMS.1501',
  InvalidLimit: 'KMS.1601',
  InvalidMarker: 'KMS.1602',
  InvalidRandomLength: 'KMS.1801',
  InvalidDatakeyLength: 'KMS.1901',
  InvalidDatakeyPlaintext: 'KMS.2101',
  InvalidDatakeyPlainLength: 'KMS.2102',
  DatakeyHashMismatch: 'KMS.2103',
  InvalidCiphertext: 'KMS.2201',
  InvalidDatakeyCipherLength: 'KMS.2202',
  GrantOnlyCreateGrant: 'KMS.2401',
  InvalidGrantPrincipal: 'KMS.2402',
  GrantQuota: 'KMS.2404',
  GrantNotFound: 'KMS.2501',
  GrantKeyMismatch: 'KMS.2502',
  InvalidImportToken: 'KMS.2601',
  ExpirationInPast: 'KMS.2602',
  ImportTokenKeyMismatch: 'KMS.2603',
  InvalidMaterialLength: 'KMS.2604',
  ImportTokenRejected: 'KMS.2605',
  MaterialDiffers: 'KMS.2606',
  MaterialNotDeletable: 'KMS.2701',
} as const;

export const invalid = (field: string, why?: string) => new KmsError(Code.InvalidParameter, `Invalid ${field}${why ? `: ${why}` : ''}.`);
export const missing = (field: string) => new KmsError(Code.MissingParameter, `Missing required parameter: ${field}.`);
