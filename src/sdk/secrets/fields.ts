// Field resolution as Huawei's Flink connectors do it with `dew.csms.decrypt.fields`: a configuration
// names which of its fields hold secret JSON keys; each such field is replaced by the secret's value for
// the key it currently holds. A field or key that is not there is an error naming it (never the value).
import type { CachingSecretReader } from './cache.ts';

export class FieldResolutionError extends Error {
  override name = 'FieldResolutionError';
}

/** `fields` as a list or as the connector's comma-separated text ("username,password"). */
export function fieldList(fields: string | readonly string[]): string[] {
  const list = typeof fields === 'string' ? fields.split(',') : [...fields];
  return list.map((f) => f.trim()).filter((f) => f.length > 0);
}

/** A copy of `config` with each named field replaced by `secret[config[field]]`. */
export function resolveFields<T extends Record<string, unknown>>(config: T, secret: Record<string, unknown>, fields: string | readonly string[], secretName = 'the secret'): T {
  const out: Record<string, unknown> = { ...config };
  for (const field of fieldList(fields)) {
    if (!Object.hasOwn(config, field)) throw new FieldResolutionError(`field ${field} is listed for decryption but the configuration has no such field`);
    const key = config[field];
    if (typeof key !== 'string') throw new FieldResolutionError(`field ${field} must hold the name of a key of ${secretName}`);
    if (!Object.hasOwn(secret, key)) throw new FieldResolutionError(`${secretName} has no key ${key} (named by field ${field})`);
    const value = secret[key];
    out[field] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out as T;
}

/** Reads the secret (through the cache) and resolves the fields of `config` from its JSON. */
export async function resolveSecretFields<T extends Record<string, unknown>>(
  reader: Pick<CachingSecretReader, 'getSecretJson'>,
  config: T,
  options: { secretName: string; version?: string; fields: string | readonly string[] },
): Promise<T> {
  const secret = await reader.getSecretJson<Record<string, unknown>>(options.secretName, options.version ?? 'latest');
  if (secret === null || typeof secret !== 'object' || Array.isArray(secret)) throw new FieldResolutionError(`secret ${options.secretName} is not a JSON object`);
  return resolveFields(config, secret, options.fields, `secret ${options.secretName}`);
}
