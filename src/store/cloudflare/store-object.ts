// The strongly consistent half of the Workers store: a SQLite-backed Durable Object that owns a shard of
// store keys (one object per project, plus one for the deployment; see durable-store.ts). A Durable
// Object runs one request at a time and each method below finishes its SQL without awaiting, so a
// compare-and-set is atomic and every read sees every acknowledged write, from any location.
import { DurableObject } from 'cloudflare:workers';

/** DO SQLite limits a row to 2 MB; keep the same bound with room for the key. */
export const MAX_VALUE_BYTES = 2_000_000;

/** `conflict`: the compare-and-set condition did not hold and nothing was written. */
export interface PutResult {
  conflict: boolean;
  version: string;
}
export interface DeleteResult {
  conflict: boolean;
  deleted: boolean;
}
export interface GetResult {
  value: Uint8Array;
  version: string;
}

export class StoreObject extends DurableObject<Record<string, unknown>> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Record<string, unknown>) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec('CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value BLOB NOT NULL, version TEXT NOT NULL)');
    this.sql.exec('CREATE TABLE IF NOT EXISTS shards (name TEXT PRIMARY KEY)');
  }

  private current(key: string): { value: ArrayBuffer; version: string } | undefined {
    return this.sql.exec<{ value: ArrayBuffer; version: string }>('SELECT value, version FROM entries WHERE key = ?', key).toArray()[0];
  }

  get(key: string): GetResult | null {
    const row = this.current(key);
    return row ? { value: new Uint8Array(row.value), version: row.version } : null;
  }

  /** `ifVersion`: undefined = unconditional, null = only if absent, string = only if it is the current version. */
  put(key: string, value: Uint8Array, ifVersion: string | null | undefined): PutResult {
    if (value.byteLength > MAX_VALUE_BYTES) throw new RangeError(`store value longer than ${MAX_VALUE_BYTES} bytes`);
    if (ifVersion !== undefined && (this.current(key)?.version ?? null) !== ifVersion) return { conflict: true, version: '' };
    const version = newVersion();
    this.sql.exec('INSERT OR REPLACE INTO entries (key, value, version) VALUES (?, ?, ?)', key, value, version);
    return { conflict: false, version };
  }

  delete(key: string, ifVersion: string | undefined): DeleteResult {
    const row = this.current(key);
    if (ifVersion !== undefined && row?.version !== ifVersion) return { conflict: true, deleted: false };
    if (!row) return { conflict: false, deleted: false };
    this.sql.exec('DELETE FROM entries WHERE key = ?', key);
    return { conflict: false, deleted: true };
  }

  /** Keys with the prefix after `cursor`, in byte order (SQLite compares TEXT as UTF-8 bytes). */
  list(prefix: string, cursor: string | undefined, limit: number): { keys: string[]; more: boolean } {
    const from = cursor !== undefined && cursor > prefix ? cursor : prefix;
    const op = cursor !== undefined && cursor >= prefix ? '>' : '>=';
    const keys: string[] = [];
    // Keys sharing the prefix are contiguous in this order, so stop at the first one without it.
    for (const row of this.sql.exec<{ key: string }>(`SELECT key FROM entries WHERE key ${op} ? ORDER BY key LIMIT ?`, from, limit + 1)) {
      if (!row.key.startsWith(prefix)) break;
      keys.push(row.key);
    }
    const more = keys.length > limit;
    return { keys: more ? keys.slice(0, limit) : keys, more };
  }

  /** The deployment's object records which project objects exist, so a listing across projects finds them. */
  registerShard(name: string): void {
    this.sql.exec('INSERT OR IGNORE INTO shards (name) VALUES (?)', name);
  }

  shards(): string[] {
    return this.sql.exec<{ name: string }>('SELECT name FROM shards ORDER BY name').toArray().map((r) => r.name);
  }
}

function newVersion(): string {
  const b = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
