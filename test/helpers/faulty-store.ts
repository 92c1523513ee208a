// Wraps a store and fails its Nth write (put or delete) with a StoreError, before the write takes effect
// ("fail") or after it ("lost-ack": the write happened but the caller is told it failed). With
// `blindAfterFault`, the first read after the fault of a key containing that text fails too (the read-back
// that would tell whether the write landed).
import { StoreError, type DeleteOptions, type ListOptions, type PutOptions, type Store } from '../../src/store/store.ts';

export class FaultyStore implements Store {
  writes = 0;
  failAt = 0;
  /** The fault thrown since the last arm(), so a test can tell it from any other error. */
  injected: StoreError | undefined;
  mode: 'fail' | 'lost-ack' = 'fail';
  blindAfterFault: string | undefined;
  private blindOnce = false;

  constructor(readonly inner: Store) {}

  get exclusive() {
    return this.inner.exclusive;
  }

  /** Fail the nth write from now (1-based); 0 disables. */
  arm(n: number, mode: 'fail' | 'lost-ack' = 'fail'): void {
    this.writes = 0;
    this.injected = undefined;
    this.failAt = n;
    this.mode = mode;
  }

  private async write<T>(op: () => Promise<T>): Promise<T> {
    this.writes++;
    if (this.failAt && this.writes === this.failAt) {
      if (this.mode === 'lost-ack') await op();
      this.injected = new StoreError(`injected failure at write ${this.writes}`);
      this.blindOnce = this.blindAfterFault !== undefined;
      throw this.injected;
    }
    return op();
  }

  async get(key: string) {
    if (this.blindOnce && key.includes(this.blindAfterFault!)) {
      this.blindOnce = false;
      throw new StoreError('injected read failure');
    }
    return this.inner.get(key);
  }
  put(key: string, value: Uint8Array, options?: PutOptions) {
    return this.write(() => this.inner.put(key, value, options));
  }
  delete(key: string, options?: DeleteOptions) {
    return this.write(() => this.inner.delete(key, options));
  }
  list(prefix: string, options?: ListOptions) {
    return this.inner.list(prefix, options);
  }
}
