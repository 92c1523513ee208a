// A bounded map that forgets its least recently used entry first, and tells the owner about every entry
// it drops (so cached key material can be wiped the moment it leaves).

export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(
    readonly capacity: number,
    private readonly onEvict: (value: V, key: K) => void = () => {},
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const v = this.entries.get(key);
    if (v !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      if (old !== value) this.onEvict(old, key);
    }
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const [oldest, v] = this.entries.entries().next().value as [K, V];
      this.entries.delete(oldest);
      this.onEvict(v, oldest);
    }
  }

  delete(key: K): void {
    const v = this.entries.get(key);
    if (v === undefined) return;
    this.entries.delete(key);
    this.onEvict(v, key);
  }

  clear(): void {
    for (const [k, v] of [...this.entries]) {
      this.entries.delete(k);
      this.onEvict(v, k);
    }
  }
}
