// Key material in and out of the store. Material is sealed by the root key with its identity (project,
// key id, version) as context, and opened only when an operation needs it. Prepared keys (WebCrypto
// CryptoKeys, node KeyObjects, parsed private keys) are cached per key version so the hot path does one
// cipher call, not three. A prepared key that holds secret bytes in JS memory offers `dispose()`, which
// the cache calls when it drops the entry.
import { wipe } from '../crypto/bytes.ts';
import { fromBase64, toBase64 } from '../crypto/encoding.ts';
import type { KeyRecord, MaterialVersion } from './key-record.ts';
import type { RootKey } from './root-key.ts';

type Identity = Pick<KeyRecord, 'project' | 'id'>;

const DISPOSE_DELAY_MS = 30_000;

export class KeyMaterial {
  private readonly cache = new Map<string, Promise<unknown>>();

  constructor(
    private readonly root: RootKey,
    private readonly cacheSize = 4096,
  ) {}

  async seal(key: Identity, v: number, raw: Uint8Array): Promise<string> {
    return toBase64(await this.root.seal(raw, context(key, v)));
  }

  /** The raw material; the caller must wipe it when done. */
  async open(key: Identity, mv: MaterialVersion): Promise<Uint8Array> {
    return this.root.open(fromBase64(mv.sealed), context(key, mv.v));
  }

  /** A prepared key for one version, built once by `prepare` from the raw material and then cached. */
  prepared<K>(key: Identity, mv: MaterialVersion, kind: string, prepare: (raw: Uint8Array) => Promise<K>): Promise<K> {
    // The sealed blob is part of the cache key: material re-imported under the same version can never
    // be served from a stale entry.
    const id = `${kind}\u0000${key.project}\u0000${key.id}\u0000${mv.v}\u0000${mv.sealed}`;
    const hit = this.cache.get(id);
    if (hit) {
      this.cache.delete(id); // refresh recency
      this.cache.set(id, hit);
      return hit as Promise<K>;
    }
    const made = (async () => {
      const raw = await this.open(key, mv);
      try {
        return await prepare(raw);
      } finally {
        wipe(raw);
      }
    })();
    made.catch(() => this.cache.delete(id));
    this.cache.set(id, made);
    if (this.cache.size > this.cacheSize) this.drop(this.cache.keys().next().value as string);
    return made;
  }

  /** Drops cached keys of a key (its material was destroyed or replaced). */
  forget(key: Identity): void {
    const prefix = `\u0000${key.project}\u0000${key.id}\u0000`;
    for (const id of [...this.cache.keys()]) if (id.includes(prefix)) this.drop(id);
  }

  private drop(id: string): void {
    const entry = this.cache.get(id);
    this.cache.delete(id);
    // Operations that took the key before it was dropped may still be using it (an RSA-4096 signature
    // takes tens of milliseconds): wipe it well after any of them can have finished.
    void entry
      ?.then((k) => {
        const dispose = (k as { dispose?: () => void })?.dispose;
        if (!dispose) return;
        const t = setTimeout(() => dispose.call(k), DISPOSE_DELAY_MS) as { unref?: () => void };
        t.unref?.();
      })
      .catch(() => {});
  }
}

function context(key: Identity, v: number): string[] {
  return ['key-material', key.project, key.id, String(v)];
}
