// How a KMS keyring names its key inside a message: the EDK's provider id is "huawei-kms" (the API's, so
// edgekms and Huawei Cloud share it) and its provider info is the key URN
//
//   kms:<region>:<project_id>:key:<key_id>
//
// A URN names a key, never a place: the endpoint that serves a region always comes from the reader's own
// configuration, so a message cannot send signed requests (or its EDKs) anywhere its author chooses.
import { fromUtf8, utf8 } from '../../crypto/bytes.ts';
import { InvalidArgumentError } from '../format/errors.ts';

export const KMS_PROVIDER_ID = 'huawei-kms';

export interface KmsKeyUrn {
  region: string;
  projectId: string;
  keyId: string;
}

const REGION = /^[a-z0-9][a-z0-9-]{0,63}$/;
const PROJECT = /^[0-9a-zA-Z-]{1,64}$/;
const KEY_ID = /^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$/;

/** True for a key id (not an alias): the form a URN and the KMS's answers use. */
export function isKeyId(s: string): boolean {
  return KEY_ID.test(s);
}

export function checkRegion(region: string): string {
  if (typeof region !== 'string' || !REGION.test(region)) throw new InvalidArgumentError(`region "${region}" must be 1-64 of a-z, 0-9 and "-"`);
  return region;
}

export function formatKeyUrn(u: KmsKeyUrn): Uint8Array {
  checkRegion(u.region);
  if (!PROJECT.test(u.projectId)) throw new InvalidArgumentError('project id must be 1-64 of [0-9a-zA-Z-]');
  if (!KEY_ID.test(u.keyId)) throw new InvalidArgumentError('a KMS key URN needs a key id, not an alias');
  return utf8(`kms:${u.region}:${u.projectId}:key:${u.keyId}`);
}

/** Parses provider info from a message (hostile): undefined unless it is exactly a well-formed URN. */
export function parseKeyUrn(info: Uint8Array): KmsKeyUrn | undefined {
  if (info.length > 200) return undefined;
  let s: string;
  try {
    s = fromUtf8(info);
  } catch {
    return undefined;
  }
  const m = /^kms:([^:]+):([^:]+):key:([^:]+)$/.exec(s);
  if (!m || !REGION.test(m[1]) || !PROJECT.test(m[2]) || !KEY_ID.test(m[3])) return undefined;
  return { region: m[1], projectId: m[2], keyId: m[3] };
}

export function urnText(u: KmsKeyUrn): string {
  return `kms:${u.region}:${u.projectId}:key:${u.keyId}`;
}
