// The store barrier: every record goes to the backend with a MAC under a key derived from the root key,
// bound to the store key it is written under, and is verified on every read. Someone who can write the
// data directory (or the KV namespace) but does not hold the root key can therefore not edit a record
// (a public key, a grant, a key state), forge one, or move one to another name: the read is refused with
// an error naming the record. What remains possible is replaying an older record of the same name (a
// rollback) or deleting one; docs/architecture.md says what would stop that.
//
// The barrier wraps any Store, so every backend gets it without knowing about it:
//
//   "EKB1" | HMAC-SHA256(barrier key, "edgekms/store-record/v1" ‖ u32 len ‖ store key ‖ value) | value
//
// Values are not encrypted here (key material inside them already is, under the root key); the barrier
// is about integrity and binding.
import { concat, constantTimeEqual, lengthPrefixed, utf8 } from '../crypto/bytes.ts';
import { StoreError } from './store.ts';
import type { DeleteOptions, ListOptions, ListResult, PutOptions, Store, StoredEntry } from './store.ts';

const MAGIC = utf8('EKB1');
const LABEL = utf8('edgekms/store-record/v1');
const TAG_BYTES = 32;
const HEADER_BYTES = MAGIC.length + TAG_BYTES;

/** A stored record failed its integrity check: edited, forged, moved from another name, or never sealed. */
export class TamperedRecordError extends StoreError {
  override name = 'TamperedRecordError';
  constructor(
    readonly key: string,
    why: string,
  ) {
    super(
      `store record ${key} failed its integrity check (${why}): it was changed outside edgekms, moved from another name, ` +
        'or written under another root key; restore it from a backup or remove it',
      false,
      true,
    );
  }
}

export class SealedStore implements Store {
  /** Versions verified by this process, by key (only where the backend is exclusive to it). */
  private readonly verified: Map<string, string> | null;

  private constructor(
    readonly inner: Store,
    private readonly mac: (data: Uint8Array) => Uint8Array,
  ) {
    this.verified = inner.exclusive ? new Map() : null;
  }

  get exclusive(): boolean | undefined {
    return this.inner.exclusive;
  }

  /** `store` behind the barrier (a store already behind one is returned as it is). */
  static over(store: Store, mac: (data: Uint8Array) => Uint8Array): SealedStore {
    return store instanceof SealedStore ? store : new SealedStore(store, mac);
  }

  async get(key: string): Promise<StoredEntry | null> {
    const e = await this.inner.get(key);
    if (!e) return null;
    // An exclusive backend serves from this process's memory what it read from storage or was given by
    // this process: a version already verified here is the same bytes, so its tag is not recomputed.
    if (this.verified?.get(key) === e.version) return { value: e.value.subarray(HEADER_BYTES), version: e.version };
    const value = this.open(key, e.value);
    this.verified?.set(key, e.version);
    return { value, version: e.version };
  }

  put(key: string, value: Uint8Array, options?: PutOptions): Promise<string> {
    return this.inner.put(key, this.seal(key, value), options);
  }

  delete(key: string, options?: DeleteOptions): Promise<boolean> {
    this.verified?.delete(key);
    return this.inner.delete(key, options);
  }

  list(prefix: string, options?: ListOptions): Promise<ListResult> {
    return this.inner.list(prefix, options);
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }

  /** Whether a stored value carries a seal (right or wrong). */
  static isSealed(stored: Uint8Array): boolean {
    return startsWithMagic(stored);
  }

  /**
   * Seals, as they are, the records of a store written before records were sealed; records that carry a
   * seal are left alone (a wrong one stays refused). Trusts the current content: for an operator who knows
   * nobody else wrote it. Returns how many records it sealed.
   */
  async sealExisting(): Promise<number> {
    let n = 0;
    let cursor: string | undefined;
    do {
      const page = await this.inner.list('', { cursor });
      for (const key of page.keys) {
        const e = await this.inner.get(key);
        if (!e || startsWithMagic(e.value)) continue;
        await this.inner.put(key, this.seal(key, e.value), { ifVersion: e.version });
        n++;
      }
      cursor = page.cursor;
    } while (cursor);
    return n;
  }

  /** The value inside a sealed record without checking it: only for diagnosing why a check failed. */
  static unverified(sealed: Uint8Array): Uint8Array {
    return startsWithMagic(sealed) ? sealed.subarray(HEADER_BYTES) : sealed;
  }

  /**
   * A record sealed as if stored under `key`, for records kept beside the store rather than in it (the audit
   * log's segments); `open` checks one, and both bind it to that name as the store does.
   */
  seal(key: string, value: Uint8Array): Uint8Array {
    return concat(MAGIC, this.tag(key, value), value);
  }

  open(key: string, sealed: Uint8Array): Uint8Array {
    if (!startsWithMagic(sealed)) throw new TamperedRecordError(key, 'it carries no seal');
    const value = sealed.subarray(HEADER_BYTES);
    if (!constantTimeEqual(this.tag(key, value), sealed.subarray(MAGIC.length, HEADER_BYTES))) throw new TamperedRecordError(key, 'its seal does not match');
    return value;
  }

  private tag(key: string, value: Uint8Array): Uint8Array {
    return this.mac(concat(LABEL, lengthPrefixed(utf8(key)), value));
  }
}

function startsWithMagic(b: Uint8Array): boolean {
  return b.length >= HEADER_BYTES && constantTimeEqual(b.subarray(0, MAGIC.length), MAGIC);
}
