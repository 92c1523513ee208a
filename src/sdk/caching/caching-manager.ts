// A caching materials manager: reuses a data key (and its EDKs) across messages so that most messages
// cost no KMS call. Reuse is safe with ENV1 because each message derives its own keys from the data key
// and a fresh random message id: two messages sharing a cached data key still get different segment keys,
// commitments and header MAC keys.
//
// An encryption entry serves messages with the same suite and encryption context, within this manager's
// partition, until it is `maxAgeMs` old, has served `maxMessages` messages, or would exceed `maxBytes` of
// plaintext; then the next message asks the underlying keyring again. A stream of unknown length is never
// served from the cache (its bytes could not be counted) unless the caller gives `plaintextLength`.
// Decryption entries (keyed by suite, context and the exact EDK set) expire after `maxAgeMs`.
//
// The cache holds its own copy of each data key and wipes it when the entry leaves (expiry, limit, LRU
// eviction, clear()); every message receives a copy, so an eviction never touches a key in use. Concurrent
// misses for the same entry wait for one call to the keyring instead of each making their own.
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, lengthPrefixed, randomBytes, utf8, wipe } from '../../crypto/bytes.ts';
import { toHex } from '../../crypto/encoding.ts';
import { encodeContext } from '../format/context.ts';
import { InvalidArgumentError } from '../format/errors.ts';
import { KeyringMaterialsManager } from '../materials/materials.ts';
import type { DecryptionMaterials, DecryptionRequest, EncryptedDataKey, EncryptionMaterials, EncryptionRequest, Keyring, MaterialsManager } from '../materials/types.ts';
import { LruMap } from './lru.ts';

/** ENV1 per-message keys come from a 32-byte random message id; past 2^32 messages per key, AWS's bound, rotate anyway. */
export const MAX_MESSAGES_PER_KEY = 2 ** 32;

export interface CachingMaterialsManagerOptions {
  /** Where fresh materials come from: a keyring, or another materials manager. */
  keyring?: Keyring;
  materialsManager?: MaterialsManager;
  /** Oldest an entry may be, in ms (required: there is no safe default). */
  maxAgeMs: number;
  /** Messages one cached data key may encrypt (default and maximum 2^32). */
  maxMessages?: number;
  /** Plaintext bytes one cached data key may encrypt (default 2^53 - 1). */
  maxBytes?: number;
  /** Entries kept (default 100); the least recently used goes first. */
  capacity?: number;
  /** Managers with different partitions never share entries, even in a shared cache (default: random, i.e. private). */
  partitionId?: string;
  /** A cache shared between managers (each keeps to its partition); default: one of its own. */
  cache?: MaterialsCache;
  now?: () => number;
}

interface EncryptEntry {
  kind: 'encrypt';
  materials: EncryptionMaterials;
  createdAt: number;
  messages: number;
  bytes: number;
}

interface DecryptEntry {
  kind: 'decrypt';
  materials: DecryptionMaterials;
  createdAt: number;
}

type Entry = EncryptEntry | DecryptEntry;

/** The store of cached materials: an LRU that wipes each data key as its entry leaves. */
export class MaterialsCache {
  readonly entries: LruMap<string, Entry>;

  constructor(capacity = 100) {
    this.entries = new LruMap<string, Entry>(capacity, (e) => wipe(e.materials.plaintextDataKey));
  }

  /** Drops (and wipes) every entry. */
  clear(): void {
    this.entries.clear();
  }
}

/** Materials whose data key is a private copy (so the holder may keep or drop it independently). */
function withKeyCopy<M extends EncryptionMaterials | DecryptionMaterials>(m: M): M {
  const copy: M = { ...m, plaintextDataKey: m.plaintextDataKey!.slice() };
  return Object.freeze(copy);
}

const u16 = (n: number) => Uint8Array.of(n >>> 8, n & 0xff);

function edkBytes(e: EncryptedDataKey): Uint8Array {
  return concat(lengthPrefixed(utf8(e.providerId)), lengthPrefixed(e.providerInfo), lengthPrefixed(e.ciphertext));
}

export class CachingMaterialsManager implements MaterialsManager {
  private readonly source: MaterialsManager;
  private readonly cache: MaterialsCache;
  private readonly partition: Uint8Array;
  private readonly maxAgeMs: number;
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  /** Misses in flight, by cache id: concurrent messages wait for one KMS call instead of each making one. */
  private readonly pending = new Map<string, Promise<unknown>>();

  constructor(options: CachingMaterialsManagerOptions) {
    if (!!options.keyring === !!options.materialsManager) throw new InvalidArgumentError('give either keyring or materialsManager');
    this.source = options.materialsManager ?? new KeyringMaterialsManager(options.keyring!);
    const positive = (v: number, what: string, max: number) => {
      if (!Number.isSafeInteger(v) || v < 1 || v > max) throw new InvalidArgumentError(`${what} must be an integer from 1 to ${max}`);
      return v;
    };
    this.maxAgeMs = positive(options.maxAgeMs, 'maxAgeMs', Number.MAX_SAFE_INTEGER);
    this.maxMessages = positive(options.maxMessages ?? MAX_MESSAGES_PER_KEY, 'maxMessages', MAX_MESSAGES_PER_KEY);
    this.maxBytes = positive(options.maxBytes ?? Number.MAX_SAFE_INTEGER, 'maxBytes', Number.MAX_SAFE_INTEGER);
    if (options.cache && options.capacity !== undefined) throw new InvalidArgumentError('capacity belongs to the shared cache');
    this.cache = options.cache ?? new MaterialsCache(options.capacity ?? 100);
    this.partition = utf8(options.partitionId ?? toHex(randomBytes(16)));
    this.now = options.now ?? Date.now;
  }

  private id(scope: 'encrypt' | 'decrypt', suiteId: number, context: Uint8Array, edks: readonly EncryptedDataKey[] = []): string {
    const sortedEdks = edks.map(edkBytes).sort((a, b) => (toHex(a) < toHex(b) ? -1 : 1));
    return toHex(sha256(concat(utf8('edgekms caching manager v1'), lengthPrefixed(this.partition), utf8(scope), u16(suiteId), lengthPrefixed(context), ...sortedEdks.map(lengthPrefixed))));
  }

  private fresh(e: Entry, now: number): boolean {
    return now - e.createdAt < this.maxAgeMs && now >= e.createdAt;
  }

  async getEncryptionMaterials(request: EncryptionRequest): Promise<EncryptionMaterials> {
    const length = request.plaintextLength;
    if (length === undefined) return this.source.getEncryptionMaterials(request);
    if (!Number.isSafeInteger(length) || length < 0) throw new InvalidArgumentError('plaintextLength must be a non-negative integer');
    const id = this.id('encrypt', request.suite.id, encodeContext(request.encryptionContext));
    const now = this.now();
    const hit = this.cache.entries.get(id);
    if (hit?.kind === 'encrypt') {
      if (this.fresh(hit, now) && hit.messages < this.maxMessages && hit.bytes + length <= this.maxBytes) {
        hit.messages++;
        hit.bytes += length;
        return withKeyCopy(hit.materials);
      }
      this.cache.entries.delete(id); // used up or expired: wiped, and the next one starts afresh
    }
    const inFlight = this.pending.get(id);
    if (inFlight) {
      await inFlight.catch(() => {});
      return this.getEncryptionMaterials(request); // now a hit (within the limits), or this message's own miss
    }
    return this.single(id, async () => {
      const m = await this.source.getEncryptionMaterials(request);
      if (length <= this.maxBytes) this.cache.entries.set(id, { kind: 'encrypt', materials: withKeyCopy(m), createdAt: now, messages: 1, bytes: length });
      return m;
    });
  }

  private single<T>(id: string, load: () => Promise<T>): Promise<T> {
    const p = load().finally(() => this.pending.delete(id));
    this.pending.set(id, p);
    return p;
  }

  async decryptMaterials(request: DecryptionRequest): Promise<DecryptionMaterials> {
    const id = this.id('decrypt', request.suite.id, encodeContext(request.encryptionContext), request.encryptedDataKeys);
    const now = this.now();
    const hit = this.cache.entries.get(id);
    if (hit?.kind === 'decrypt') {
      if (this.fresh(hit, now)) return withKeyCopy(hit.materials);
      this.cache.entries.delete(id);
    }
    const inFlight = this.pending.get(id) as Promise<DecryptionMaterials> | undefined;
    if (inFlight) return withKeyCopy(await inFlight);
    return this.single(id, async () => {
      const m = await this.source.decryptMaterials(request);
      this.cache.entries.set(id, { kind: 'decrypt', materials: withKeyCopy(m), createdAt: now });
      return withKeyCopy(m);
    });
  }
}
