// The in-memory half shared by the memory and file stores: values with versions, compare-and-set, and
// prefix listing over a sorted key index (sorted once, then kept in order).
import { ConflictError, MAX_LIST_LIMIT, checkKey, type ListOptions, type ListResult, type StoredEntry } from './store.ts';

export class OrderedMap {
  private readonly entries = new Map<string, StoredEntry>();
  private sorted: string[] | null = null;
  private counter = 0;

  get(key: string): StoredEntry | null {
    checkKey(key);
    return this.entries.get(key) ?? null;
  }

  /** Checks a compare-and-set condition without writing. */
  check(key: string, ifVersion: string | null | undefined): void {
    if (ifVersion === undefined) return;
    const cur = this.entries.get(key);
    if (ifVersion === null ? cur !== undefined : cur?.version !== ifVersion) throw new ConflictError(key);
  }

  nextVersion(): string {
    return String(++this.counter);
  }

  set(key: string, value: Uint8Array, version: string): void {
    // A new key goes into its place in the sorted index (a binary search and one move), so a write never
    // costs a sort of the whole store.
    if (!this.entries.has(key) && this.sorted) this.sorted.splice(this.firstAtOrAfter(key), 0, key);
    this.entries.set(key, { value, version });
  }

  remove(key: string): boolean {
    const had = this.entries.delete(key);
    if (had && this.sorted) this.sorted.splice(this.firstAtOrAfter(key), 1);
    return had;
  }

  private firstAtOrAfter(key: string): number {
    const keys = this.sorted!;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  list(prefix: string, options: ListOptions = {}): ListResult {
    const limit = Math.min(Math.max(1, options.limit ?? MAX_LIST_LIMIT), MAX_LIST_LIMIT);
    this.sorted ??= [...this.entries.keys()].sort(); // UTF-16 code unit order, as `<` compares
    const keys = this.sorted;
    const start = options.cursor ?? prefix;
    // Binary search for the first key > cursor (or >= prefix).
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (options.cursor ? keys[mid] <= start : keys[mid] < start) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < keys.length && keys[i].startsWith(prefix); i++) {
      if (out.length === limit) return { keys: out, cursor: out[out.length - 1] };
      out.push(keys[i]);
    }
    return { keys: out };
  }
}
