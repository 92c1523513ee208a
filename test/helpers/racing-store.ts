// A memory store where other writers act between a caller's read and its write: entries vanish after
// they were listed, or something runs just before a get, a put or a delete (once per key), so
// compare-and-set paths and "listed, then gone" paths can be tested without timing.
import { MemoryStore } from '../../src/store/memory.ts';
import type { DeleteOptions, PutOptions } from '../../src/store/store.ts';

export class RacingStore extends MemoryStore {
  /** get() answers null for these, as if deleted after they were listed. */
  readonly vanished = new Set<string>();
  /** Runs before the next put of the key. */
  readonly beforePut = new Map<string, () => Promise<void>>();
  /** Runs before the next delete of the key. */
  readonly beforeDelete = new Map<string, () => Promise<void>>();
  /** Runs before the next get of the key. */
  readonly beforeGet = new Map<string, () => Promise<void>>();

  override async get(key: string) {
    await RacingStore.once(this.beforeGet, key);
    return this.vanished.has(key) ? null : super.get(key);
  }

  override async put(key: string, value: Uint8Array, options?: PutOptions) {
    await RacingStore.once(this.beforePut, key);
    return super.put(key, value, options);
  }

  override async delete(key: string, options?: DeleteOptions) {
    await RacingStore.once(this.beforeDelete, key);
    return super.delete(key, options);
  }

  private static async once(hooks: Map<string, () => Promise<void>>, key: string): Promise<void> {
    const hook = hooks.get(key);
    hooks.delete(key);
    await hook?.();
  }
}
