// The storage contract every backend implements. It is shaped for Cloudflare Workers KV so that the
// same core runs there: string keys, byte values, prefix listing with a cursor, and compare-and-set on
// one key at a time. There are no multi-key transactions; the KMS orders its writes so that any prefix of
// them leaves a consistent state (see src/kms/repository.ts).
import { utf8Length } from '../crypto/bytes.ts';

export interface StoredEntry {
  value: Uint8Array;
  /** Opaque version token for compare-and-set; changes on every write. */
  version: string;
}

export interface PutOptions {
  /**
   * Compare-and-set: `null` writes only if the key is absent; a version string writes only if the
   * current version matches. Omitted: unconditional write.
   */
  ifVersion?: string | null;
}

export interface DeleteOptions {
  /** Delete only if the current version matches. */
  ifVersion?: string;
}

export interface ListOptions {
  /** Continue after this key (the `cursor` of the previous page). */
  cursor?: string;
  /** Page size; at most 1000 (the Workers KV ceiling). */
  limit?: number;
}

export interface ListResult {
  keys: string[];
  /** Present when there may be more keys. */
  cursor?: string;
}

export interface Store {
  get(key: string): Promise<StoredEntry | null>;
  /** Returns the new version. Throws ConflictError when `ifVersion` does not hold. */
  put(key: string, value: Uint8Array, options?: PutOptions): Promise<string>;
  /** Returns whether a value was deleted. Throws ConflictError when `ifVersion` does not hold. */
  delete(key: string, options?: DeleteOptions): Promise<boolean>;
  /** Keys with the prefix in ascending byte order. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  close?(): Promise<void>;
  /**
   * True when this process is the store's only writer (the file store under its directory's lock, a
   * memory store), so a caller may keep what it derives from the store (an index) in memory.
   */
  readonly exclusive?: boolean;
}

/** A compare-and-set condition did not hold: someone else wrote first. */
export class ConflictError extends Error {
  override name = 'ConflictError';
  constructor(readonly key: string) {
    super(`concurrent modification of ${key}`);
  }
}

/**
 * The backend failed (I/O error, unavailable) or a record failed its integrity check. `unknownOutcome`
 * marks a write that may have taken effect (it failed after its commit point); otherwise it did not.
 */
export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    message: string,
    readonly unknownOutcome = false,
    /** Safe to show a caller (names a record, never a value); otherwise callers get a generic message. */
    readonly shownToCaller = false,
  ) {
    super(message);
  }
}

/** What an API caller is told about a store failure. */
export function storeFailureMessage(err: StoreError): string {
  if (err.shownToCaller) return err.message;
  if (err.unknownOutcome) return 'The key store failed after the change was written; it may or may not have taken effect. Check before retrying.';
  return 'The key store failed; the operation did not complete. Try again.';
}

/** Workers KV limits keys to 512 bytes; every backend enforces the same bound. */
export const MAX_KEY_BYTES = 512;
export const MAX_LIST_LIMIT = 1000;

export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new StoreError('store key must be a non-empty string');
  // Every read checks its key: its UTF-8 length is counted, not encoded.
  if (utf8Length(key) > MAX_KEY_BYTES) throw new StoreError(`store key longer than ${MAX_KEY_BYTES} bytes`);
}

export async function getJson<T>(store: Store, key: string): Promise<{ value: T; version: string } | null> {
  const e = await store.get(key);
  if (!e) return null;
  return { value: JSON.parse(new TextDecoder().decode(e.value)) as T, version: e.version };
}

export function putJson(store: Store, key: string, value: unknown, options?: PutOptions): Promise<string> {
  return store.put(key, new TextEncoder().encode(JSON.stringify(value)), options);
}

/** Every key under a prefix, following cursors. */
export async function listAll(store: Store, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(prefix, { cursor, limit: MAX_LIST_LIMIT });
    out.push(...page.keys);
    cursor = page.cursor;
  } while (cursor);
  return out;
}
