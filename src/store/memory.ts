// A store that lives in memory: for tests, the browser, and ephemeral runs. Values are copied in and
// out so callers can never mutate stored state by accident.
import { OrderedMap } from './ordered-map.ts';
import type { DeleteOptions, ListOptions, ListResult, PutOptions, Store, StoredEntry } from './store.ts';
import { checkKey } from './store.ts';

export class MemoryStore implements Store {
  private readonly map = new OrderedMap();
  /** Private to this process. */
  readonly exclusive = true;

  async get(key: string): Promise<StoredEntry | null> {
    const e = this.map.get(key);
    return e ? { value: e.value.slice(), version: e.version } : null;
  }

  async put(key: string, value: Uint8Array, options: PutOptions = {}): Promise<string> {
    checkKey(key);
    this.map.check(key, options.ifVersion);
    const version = this.map.nextVersion();
    this.map.set(key, value.slice(), version);
    return version;
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    checkKey(key);
    this.map.check(key, options.ifVersion);
    return this.map.remove(key);
  }

  async list(prefix: string, options?: ListOptions): Promise<ListResult> {
    return this.map.list(prefix, options);
  }
}
