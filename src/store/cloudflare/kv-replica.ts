// Workers KV as a read replica in front of the Durable Object store, for write-once entries only.
//
// KV is eventually consistent (a write can take 60 s or more to be seen elsewhere, and a "not found" is
// cached too), allows one write per second per key and has no compare-and-set. So it never holds
// anything mutable: key records, names, aliases and grants change and are read from their Durable
// Object every time. An entry whose key matches `writeOnce` is created once (compare-and-set against the
// Durable Object) and never changed or deleted; for such an entry a KV hit is always the current value,
// and a miss (not there yet, or not propagated) falls through to the Durable Object and fills KV in.
// Each such key is therefore written to KV at most a handful of times in its life, far from the limit.
import type { DeleteOptions, ListOptions, ListResult, PutOptions, Store, StoredEntry } from '../store.ts';
import { StoreError } from '../store.ts';

/** Entries created once and never changed: the deployment record (domain id, root-key check value). */
export const WRITE_ONCE_KEYS: readonly RegExp[] = [/^meta\/deployment$/];

/** KV limits values to 25 MiB and metadata to 1 KiB; a version token is far below both. */
const KV_MAX_VALUE_BYTES = 25 * 1024 * 1024;

interface ReplicaMeta {
  version: string;
}

export class KvReplicatedStore implements Store {
  constructor(
    private readonly primary: Store,
    private readonly kv: KVNamespace,
    private readonly writeOnce: readonly RegExp[] = WRITE_ONCE_KEYS,
  ) {}

  private replicated(key: string): boolean {
    return this.writeOnce.some((r) => r.test(key));
  }

  async get(key: string): Promise<StoredEntry | null> {
    if (!this.replicated(key)) return this.primary.get(key);
    const hit = await this.kv.getWithMetadata<ReplicaMeta>(key, 'arrayBuffer').catch(() => null);
    if (hit?.value && hit.metadata?.version) return { value: new Uint8Array(hit.value), version: hit.metadata.version };
    const entry = await this.primary.get(key);
    if (entry) await this.fill(key, entry);
    return entry;
  }

  async put(key: string, value: Uint8Array, options: PutOptions = {}): Promise<string> {
    if (!this.replicated(key)) return this.primary.put(key, value, options);
    if (options.ifVersion !== null) throw new StoreError(`${key} is write-once: create it with ifVersion null`);
    const version = await this.primary.put(key, value, options);
    await this.fill(key, { value, version });
    return version;
  }

  async delete(key: string, options?: DeleteOptions): Promise<boolean> {
    if (this.replicated(key)) throw new StoreError(`${key} is write-once and cannot be deleted`);
    return this.primary.delete(key, options);
  }

  list(prefix: string, options?: ListOptions): Promise<ListResult> {
    return this.primary.list(prefix, options);
  }

  /** Best effort: the Durable Object holds the value; a refused KV write (rate limit) only costs a later miss. */
  private async fill(key: string, entry: StoredEntry): Promise<void> {
    if (entry.value.byteLength > KV_MAX_VALUE_BYTES) return;
    await this.kv.put(key, entry.value, { metadata: { version: entry.version } satisfies ReplicaMeta }).catch(() => {});
  }
}
