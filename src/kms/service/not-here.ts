// Operations of the current SDKs whose subject cannot exist in a self-hosted, single-region KMS. Each
// answers deliberately, with the API's shapes and error body, instead of 404:
// - key stores (/keystores): dedicated HSM (DHSM) and CDMS clusters. list-key-stores is an empty list;
//   every keystore id names nothing (KMS.0308); create-key-store is refused (KMS.0308). Keys live in the
//   default keystore "0", as create-key's keystore_id says.
// - create-pin: PINs of Level-4 compliance key stores, refused (KMS.0308).
// - replicate-key and update-primary-region (/v2/.../kms/keys/{key_id}/...): multi-region keys. The key is
//   looked up as usual (KMS.0207 if absent), then refused (KMS.0308): there is no other region.
import { Code, KmsError } from '../errors.ts';
import { usableKey } from '../keys.ts';
import { ok, type Operation } from '../operation.ts';
import { nonNegativeQuery } from './deployment.ts';

const noKeystores = () => new KmsError(Code.InvalidParameter, 'Dedicated key stores (DHSM, CDMS) cannot exist in edgekms: every key is in the default keystore "0".');

export const listKeyStoresOp: Operation = async (_kms, _call, input) => {
  nonNegativeQuery(input.query, 'limit', Code.InvalidLimit);
  nonNegativeQuery(input.query, 'offset', Code.InvalidOffset);
  return ok({ total: 0, keystores: [] });
};

export const createKeyStoreOp: Operation = async () => {
  throw noKeystores();
};

export const keyStoreOp: Operation = async (_kms, _call, input) => {
  throw new KmsError(Code.InvalidParameter, `The keystore ${String(input.params.keystore_id).slice(0, 64)} does not exist: edgekms has only the default keystore "0".`);
};

export const createPinOp: Operation = async () => {
  throw new KmsError(Code.InvalidParameter, 'PINs belong to dedicated HSM key stores (Level-4 compliance), which edgekms does not have.');
};

function singleRegion(what: string): Operation {
  return async (kms, call, input) => {
    await usableKey(kms, call.project, input.params.key_id ?? '', 'read');
    throw new KmsError(Code.InvalidParameter, `edgekms serves one region (${kms.region}): keys cannot be ${what}.`);
  };
}

export const replicateKeyOp = singleRegion('replicated to another region');
export const updatePrimaryRegionOp = singleRegion('given another primary region');

