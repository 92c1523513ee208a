// The secrets SDK: a typed CSMS client, a caching reader for applications, and field resolution.
export { SecretsClient, type Transport } from './client.ts';
export { CachingSecretReader, StaleSecretError, type CachingReaderOptions, type VersionSource } from './cache.ts';
export { FieldResolutionError, fieldList, resolveFields, resolveSecretFields } from './fields.ts';
export type * from './types.ts';
