// Which requests need a request record before their operation runs (docs/iam.md, "Audit log").
//
// The request record exists so that no change happens unaudited: it is durable before the operation runs,
// so a crash (or a failed outcome write) after a change still leaves a record naming it. An operation that
// changes nothing needs none: it runs, and its one record (the outcome) is durable before the answer leaves;
// when that write fails the answer is dropped, so nothing happened that the log does not show. That saves a
// durable write, the larger part of what a cryptographic request costs the server.
//
// Fail closed: only the operations listed here, which read keys or secrets and write nothing, go without a
// request record; every other one (and any added later) keeps it. A request naming a service default key
// (`obs/default`, …) keeps it too, since the operation creates that key on first use.
import { DEFAULT_KEY_NAME } from '../kms/keys.ts';

/**
 * KMS and CSMS operations that write nothing to the store (they may read and use keys, never change them;
 * test/audit/read-only.test.ts runs each against a store that records writes). A key whose deletion date or
 * imported material's expiry has passed is destroyed or stripped on the first read after it, as maintenance
 * would: the effect of the earlier request that scheduled it, not of the read.
 */
export const READ_ONLY_OPERATIONS: ReadonlySet<string> = new Set([
  // KMS: cryptographic use of a key. Seals are counted in memory (src/kms/seal-counter.ts); the counts'
  // write-back and the rotation at 2^31 seals are the KMS's own upkeep, like a scheduled rotation.
  'encrypt-data',
  'decrypt-data',
  'create-datakey',
  'create-datakey-without-plaintext',
  'encrypt-datakey',
  'decrypt-datakey',
  'gen-random',
  'sign',
  'verify',
  'generate-mac',
  'verify-mac',
  'get-publickey',
  // KMS: descriptions and lists.
  'describe-key',
  'list-keys',
  'get-key-rotation-status',
  'list-grants',
  'list-retirable-grants',
  'list-aliases',
  'show-kms-tags',
  'list-kms-tags',
  'show-user-quotas',
  // CSMS: reading secrets and their versions.
  'ListSecrets',
  'ShowSecret',
  'ListSecretVersions',
  'ShowSecretVersion',
  'ShowSecretStage',
]);

/**
 * Whether a request must have its request record written before its operation runs: true unless the
 * operation is known to change nothing and the request names no service default key.
 */
export function needsRequestRecord(operation: string | undefined, resource: string | undefined): boolean {
  if (operation === undefined || !READ_ONLY_OPERATIONS.has(operation)) return true;
  return resource !== undefined && DEFAULT_KEY_NAME.test(resource);
}
