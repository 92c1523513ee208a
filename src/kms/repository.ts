// Key records, the key-name index and alias entities in the store.
//
// The store has no multi-key transactions, so every multi-write operation is ordered so that each prefix
// of its writes is a consistent state:
// - A key record is one document (metadata + all material versions): create, rotate, disable and
//   schedule-deletion are each a single compare-and-set write.
// - Name index entries (`name/<alias>` -> key id) and alias entities point at keys. They are written
//   *before* the key record they serve and removed *after* it, and a pointer counts only if the record
//   it names exists and agrees (for names: the record's alias is that name). A pointer left behind by a
//   failed write is therefore invisible and is overwritten by the next claim of the same name.
import { Code, KmsError } from './errors.ts';
import type { Clock } from './clock.ts';
import type { KeyListing, KeyRecord } from './key-record.ts';
import { stateWithoutMaterial } from './key-state.ts';
import { KeyIndex, asReadAt, matches, summarize, type KeyFilter, type KeySummary } from './key-index.ts';
import { QuotaHolds, countOf, type Counted, type Release } from '../store/quota-holds.ts';
import { Tally, documentsPrefix } from '../store/tally.ts';
import { ConflictError, getJson, listAll, putJson, type Store } from '../store/store.ts';

export interface AliasRecord {
  name: string;
  keyId: string;
  createdAt: number;
  updatedAt: number;
}

interface NameEntry {
  keyId: string;
  /** When the name was claimed: a claim younger than SWEEP_GRACE_MS may belong to a create in flight. */
  at: number;
}

const SWEEP_GRACE_MS = 10 * 60 * 1000;

const keyPath = (project: string, id: string) => `kms/${project}/key/${id}`;
const namePath = (project: string, name: string) => `kms/${project}/name/${name}`;
const aliasPath = (project: string, name: string) => documentsPrefix(project, 'kms/alias') + name;

const MAX_CAS_RETRIES = 16;
const PARSED_CACHE = 8192;
/** Records read between yields to the event loop while an index is built. */
const INDEX_BUILD_SLICE = 256;
/**
 * Records are read, and the index scanned, in slices, so other requests are served in between. 16 records a
 * slice (as secrets list) kept a lone encrypt-data's p50 at ~1.3 ms while a 1000-key page was read in a
 * loop (50 gave ~2.4 ms; `npm run bench scale`), and the page itself was no slower.
 */
const READ_SLICE = 16;
const SCAN_SLICE = 4096;

// setImmediate where the runtime has it (Node, Deno, Bun: no 1 ms timer clamp), else a zero timeout.
const immediate = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
export const yieldToOthers: () => Promise<void> = immediate ? () => new Promise((r) => immediate(() => r())) : () => new Promise((r) => setTimeout(r, 0));

/** A project's key index while it is built: writes made meanwhile are applied to it and not overwritten. */
interface IndexSlot {
  index: KeyIndex;
  ready: Promise<KeyIndex>;
  touched: Set<string> | null;
}

export class KeyRepository {
  /** Parsed records by store path and version: decoding JSON on every request is the costliest part of a read. */
  private readonly parsed = new Map<string, { version: string; record: KeyRecord }>();
  /** Per project, when the store is exclusive to this process (src/kms/key-index.ts). */
  private readonly indexes = new Map<string, IndexSlot>();
  /** Creates of keys between their quota check and their write (quota-holds.ts). */
  private readonly keyHolds = new QuotaHolds();
  /** The alias entities each project holds, for the alias quota (tally.ts; shared by every repository over the store). */
  private readonly aliases: Tally;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Called after a key is destroyed, to drop anything cached about it. */
    private readonly onDestroyed: (record: KeyRecord) => void = () => {},
  ) {
    this.aliases = Tally.of(store, 'kms/alias');
  }

  /** A key by id, or null. A key whose deletion date has passed is destroyed here and reported absent. */
  async get(project: string, id: string): Promise<KeyRecord | null> {
    const loaded = await this.load(project, id);
    return loaded?.record ?? null;
  }

  private async load(project: string, id: string): Promise<{ record: KeyRecord; version: string } | null> {
    const path = keyPath(project, id);
    const entry = await this.store.get(path);
    if (!entry) return null;
    let cached = this.parsed.get(path);
    if (!cached || cached.version !== entry.version) {
      cached = { version: entry.version, record: JSON.parse(new TextDecoder().decode(entry.value)) as KeyRecord };
      this.parsed.set(path, cached);
      if (this.parsed.size > PARSED_CACHE) this.parsed.delete(this.parsed.keys().next().value as string);
    }
    if (this.isDue(cached.record)) {
      // Logically gone from its deletion date on; if destroying it fails now, the next access retries.
      await this.destroy(cached.record, cached.version).catch(() => {});
      return null;
    }
    if (this.materialExpired(cached.record)) return this.expireMaterial(path, cached.record, cached.version);
    return cached;
  }

  /**
   * Imported material past its expiration_time is gone from that moment on: the key is served without it
   * (pending import) and the removal is written back. If the write fails, the caller still gets the
   * record without material, at the stored version, so any write it makes carries the removal along.
   */
  private async expireMaterial(path: string, r: KeyRecord, version: string): Promise<{ record: KeyRecord; version: string }> {
    const { materialExpiresAt: _, ...rest } = r;
    const next: KeyRecord = { ...rest, versions: [], state: stateWithoutMaterial(r.state) };
    try {
      const v = await putJson(this.store, path, next, { ifVersion: version });
      this.parsed.set(path, { version: v, record: next });
      this.indexed(r.project, r.id, (i) => i.put(next));
      this.onDestroyed(r);
      return { record: next, version: v };
    } catch (e) {
      if (e instanceof ConflictError) {
        const again = await this.load(r.project, r.id);
        if (again) return again;
      } else await this.reindex(r.project, r.id); // the write may have landed though it reported failure
      this.onDestroyed(r);
      return { record: next, version };
    }
  }

  /** The key whose key_alias is `name`, or null. */
  async byName(project: string, name: string): Promise<KeyRecord | null> {
    const idx = await getJson<NameEntry>(this.store, namePath(project, name));
    if (!idx) return null;
    const r = await this.get(project, idx.value.keyId);
    return r && r.alias === name ? r : null;
  }

  /** Stores a new key; its alias must be free. */
  async create(record: KeyRecord): Promise<void> {
    const nameVersion = await this.claimName(record.project, record.alias, record.id);
    try {
      await putJson(this.store, keyPath(record.project, record.id), record, { ifVersion: null });
      this.indexed(record.project, record.id, (i) => i.put(record));
    } catch (e) {
      // The write may have happened even though it reported failure; then the key exists and its name
      // must stay. Only a key that surely does not exist gives its name back.
      const written = await this.store.get(keyPath(record.project, record.id)).then((x) => x !== null, () => true);
      if (!written) await this.store.delete(namePath(record.project, record.alias), { ifVersion: nameVersion }).catch(() => {});
      await this.reindex(record.project, record.id);
      throw e;
    }
  }

  /**
   * Read-modify-write of one key with compare-and-set, retried on concurrent writes. `change` gets a
   * private copy and returns the new record (or throws a KmsError to refuse, changing nothing).
   */
  async update(project: string, id: string, change: (r: KeyRecord) => KeyRecord): Promise<KeyRecord> {
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const loaded = await this.load(project, id);
      if (!loaded) throw notFound(id);
      const next = change(structuredClone(loaded.record));
      try {
        await putJson(this.store, keyPath(project, id), next, { ifVersion: loaded.version });
        this.indexed(project, id, (i) => i.put(next));
        return next;
      } catch (e) {
        if (!(e instanceof ConflictError)) {
          await this.reindex(project, id);
          throw e;
        }
      }
    }
    throw new KmsError(Code.Internal, `Too many concurrent changes to key ${id}; try again.`, 500);
  }

  /** Gives a key a new key_alias: claim the new name, switch the record, then release the old name. */
  async rename(project: string, id: string, newName: string, check: (r: KeyRecord) => void): Promise<KeyRecord> {
    const current = await this.get(project, id);
    if (!current) throw notFound(id);
    check(current);
    if (current.alias === newName) return current;
    const nameVersion = await this.claimName(project, newName, id);
    let renamed: KeyRecord;
    try {
      renamed = await this.update(project, id, (r) => {
        check(r);
        return { ...r, alias: newName };
      });
    } catch (e) {
      const now = await this.get(project, id).catch(() => undefined);
      if (now === undefined || now?.alias === newName) {
        // Renamed after all (or unknown): keep the new name; release the old one if we can.
        if (now) await this.releaseName(project, current.alias, id);
      } else {
        await this.store.delete(namePath(project, newName), { ifVersion: nameVersion }).catch(() => {});
      }
      throw e;
    }
    await this.releaseName(project, current.alias, id);
    return renamed;
  }

  /**
   * How many keys a project has: a counter where the index is kept, else a listing of names (no record is
   * read, and keys past their deletion date count until they are destroyed).
   */
  async count(project: string): Promise<number> {
    return countOf(await this.counted(project));
  }

  /**
   * Holds a place for one more key of the project, or answers false when its keys and the creates under way
   * already fill `quota`. Call the returned release once the create is over (the index has its write by then).
   * Where the store is shared with other writers the count is a listing and only this process's creates
   * are held (quota-holds.ts).
   */
  holdKeyPlace(project: string, quota: number): Promise<Release | false> {
    return this.keyHolds.hold(project, quota, () => this.counted(project));
  }

  /**
   * The project's keys: the index's size, read when asked, once the keys whose deletion date has come are
   * destroyed (so they free their places at once); else a listing, where such keys count until read.
   */
  private async counted(project: string): Promise<Counted> {
    const index = await this.index(project);
    if (!index) return (await listAll(this.store, `kms/${project}/key/`)).length;
    await Promise.all(this.settle(project, index, this.clock.now()));
    return () => index.size;
  }

  /**
   * One page of a project's keys, oldest first, among those `filter` lets through, and how many it lets
   * through in all. With an index the page comes from memory and costs what its keys cost (key-index.ts);
   * without one, every record is read.
   */
  async page(project: string, filter: KeyFilter, offset: number, limit: number): Promise<{ keys: KeyListing[]; total: number }> {
    const now = this.clock.now();
    const index = await this.index(project);
    let all: readonly KeySummary[];
    let total: number;
    if (index) {
      this.settle(project, index, now);
      all = index.entries();
      total = index.count(filter, now);
    } else {
      all = (await this.list(project)).map(summarize);
      total = all.filter((s) => matches(s, filter)).length;
    }
    const keys: KeyListing[] = [];
    let seen = 0;
    for (let i = 0, scanned = 1; i < all.length && keys.length < limit && seen < total; i++, scanned++) {
      if (scanned % SCAN_SLICE === 0) {
        const last = all[i - 1];
        await yieldToOthers();
        if (index) {
          // The index's own array: writes made meanwhile may have moved its entries.
          i = index.after(last);
          if (i >= all.length) break;
        }
      }
      const s = asReadAt(all[i], now);
      if (s && matches(s, filter) && seen++ >= offset) keys.push(s);
    }
    return { keys, total };
  }

  /**
   * Summaries of every key of a project as a read finds them (grant counts for user-quotas), without
   * reading records where indexed: a key past its deletion date is left out, expired material is gone.
   */
  async summaries(project: string): Promise<readonly KeySummary[]> {
    const now = this.clock.now();
    const index = await this.index(project);
    if (!index) return (await this.list(project)).map(summarize);
    if (this.settle(project, index, now).length === 0) return index.entries();
    return index.entries().flatMap((s) => asReadAt(s, now) ?? []);
  }

  /**
   * Reads the keys whose deletion date or material expiry has come, which destroys or expires them (as
   * every read does) and so brings the index up to date. Answers the reads, each settled either way.
   */
  private settle(project: string, index: KeyIndex, now: number): Promise<unknown>[] {
    return index.changedBy(now).map((s) => this.get(project, s.id).catch(() => {}));
  }

  /** Every key of a project, oldest first; read in slices, so other requests are served in between. */
  async list(project: string): Promise<KeyRecord[]> {
    const paths = await listAll(this.store, `kms/${project}/key/`);
    const out: KeyRecord[] = [];
    for (let i = 0; i < paths.length; i++) {
      if (i % READ_SLICE === READ_SLICE - 1) await yieldToOthers();
      const p = paths[i];
      const r = await this.get(project, p.slice(p.lastIndexOf('/') + 1));
      if (r) out.push(r);
    }
    return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  /** Destroys every key of a project whose deletion date has passed. Returns how many it destroyed (not those changed meanwhile). */
  async purgeDue(project: string): Promise<number> {
    let n = 0;
    for (const p of await listAll(this.store, `kms/${project}/key/`)) {
      const entry = await getJson<KeyRecord>(this.store, p);
      if (entry && this.isDue(entry.value) && (await this.destroy(entry.value, entry.version))) n++;
    }
    return n;
  }

  /**
   * Removes name-index entries and alias entities whose key no longer exists (left by writes that failed
   * halfway). They are already invisible; this only reclaims their space.
   */
  async sweepPointers(project: string): Promise<number> {
    let n = 0;
    for (const p of await listAll(this.store, `kms/${project}/name/`)) {
      const idx = await getJson<NameEntry>(this.store, p);
      if (!idx || this.clock.now() - (idx.value.at ?? 0) < SWEEP_GRACE_MS) continue;
      const r = await this.get(project, idx.value.keyId);
      if (!r || r.alias !== p.slice(`kms/${project}/name/`.length)) {
        await this.store.delete(p, { ifVersion: idx.version }).catch(() => {});
        n++;
      }
    }
    for (const p of await listAll(this.store, `kms/${project}/alias/`)) {
      const a = await getJson<AliasRecord>(this.store, p);
      if (a && !(await this.get(project, a.value.keyId))) {
        await this.deleteAlias(project, a.value.name, a.version).catch(() => {});
        n++;
      }
    }
    return n;
  }

  /** Projects that have keys. */
  async projects(): Promise<string[]> {
    const seen = new Set<string>();
    for (const p of await listAll(this.store, 'kms/')) seen.add(p.split('/')[1]);
    return [...seen];
  }

  // --- alias entities (the aliases API) ---

  async getAlias(project: string, name: string): Promise<{ alias: AliasRecord; version: string } | null> {
    const a = await getJson<AliasRecord>(this.store, aliasPath(project, name));
    if (!a) return null;
    return (await this.get(project, a.value.keyId)) ? { alias: a.value, version: a.version } : null;
  }

  /**
   * Stores a new alias entity; false (nothing written) when the project's alias entities and the creates
   * under way already fill `quota`, KMS.1104 when the name is taken. The place is held from the
   * check to the write. Every entity counts, also one whose key was destroyed while its removal failed,
   * until maintenance sweeps it.
   */
  async createAlias(project: string, alias: AliasRecord, quota = Infinity): Promise<boolean> {
    const release = await this.aliases.hold(project, quota);
    if (!release) return false;
    try {
      await this.createAliasDocument(project, alias);
    } finally {
      // After createAliasDocument's promise settles: its note of the name goes first (tally.ts, noted).
      release();
    }
    return true;
  }

  private async createAliasDocument(project: string, alias: AliasRecord): Promise<void> {
    const path = aliasPath(project, alias.name);
    const existing = await getJson<AliasRecord>(this.store, path);
    if (existing && (await this.get(project, existing.value.keyId))) throw aliasExists(alias.name);
    try {
      await putJson(this.store, path, alias, { ifVersion: existing ? existing.version : null });
    } catch (e) {
      if (e instanceof ConflictError) throw aliasExists(alias.name);
      await this.aliases.recheck(project, alias.name); // it may have landed although it reported failure
      throw e;
    }
    this.aliases.noted(project, alias.name, true);
  }

  async putAlias(project: string, alias: AliasRecord, version: string): Promise<void> {
    await putJson(this.store, aliasPath(project, alias.name), alias, { ifVersion: version });
  }

  deleteAlias(project: string, name: string, version: string): Promise<void> {
    return this.aliases.delete(project, name, version);
  }

  /** Live aliases of a project (optionally of one key), by name. */
  async listAliases(project: string, keyId?: string): Promise<AliasRecord[]> {
    const out: AliasRecord[] = [];
    for (const p of await listAll(this.store, `kms/${project}/alias/`)) {
      const a = await getJson<AliasRecord>(this.store, p);
      if (!a || (keyId && a.value.keyId !== keyId)) continue;
      if (await this.get(project, a.value.keyId)) out.push(a.value);
    }
    return out;
  }

  // --- internals ---

  /** The project's key index, built on first use; null where the store is shared with other writers. */
  private async index(project: string): Promise<KeyIndex | null> {
    if (!this.store.exclusive) return null;
    let slot = this.indexes.get(project);
    if (!slot) {
      const index = new KeyIndex();
      const created: IndexSlot = { index, touched: new Set(), ready: Promise.resolve(index) };
      created.ready = this.build(project, created).then(
        () => {
          created.touched = null;
          return index;
        },
        (e) => {
          this.indexes.delete(project);
          throw e;
        },
      );
      this.indexes.set(project, created);
      slot = created;
    }
    return slot.ready;
  }

  /** Reads every key record once, yielding to other work between slices. */
  private async build(project: string, slot: IndexSlot): Promise<void> {
    const paths = await listAll(this.store, `kms/${project}/key/`);
    for (let i = 0; i < paths.length; i++) {
      if (i % INDEX_BUILD_SLICE === INDEX_BUILD_SLICE - 1) await yieldToOthers();
      const id = paths[i].slice(paths[i].lastIndexOf('/') + 1);
      const entry = await getJson<KeyRecord>(this.store, paths[i]);
      if (entry && !slot.touched?.has(id)) slot.index.put(entry.value);
    }
  }

  /** Applies a write this repository made to the project's index, if it has one. */
  private indexed(project: string, id: string, apply: (index: KeyIndex) => void): void {
    const slot = this.indexes.get(project);
    if (!slot) return; // built later, from the store
    slot.touched?.add(id);
    apply(slot.index);
  }

  /** After a write with an uncertain outcome: the index follows what the store now holds. */
  private async reindex(project: string, id: string): Promise<void> {
    const slot = this.indexes.get(project);
    if (!slot) return;
    slot.touched?.add(id);
    const entry = await getJson<KeyRecord>(this.store, keyPath(project, id)).catch(() => undefined);
    if (entry === undefined) {
      this.indexes.delete(project); // cannot tell: rebuild from the store on next use
      return;
    }
    if (entry) slot.index.put(entry.value);
    else slot.index.remove(id);
  }

  private materialExpired(r: KeyRecord): boolean {
    return r.materialExpiresAt !== undefined && r.materialExpiresAt <= this.clock.now() && r.versions.length > 0;
  }

  private isDue(r: KeyRecord): boolean {
    return r.state === '4' && r.deletionAt !== undefined && r.deletionAt <= this.clock.now();
  }

  /**
   * Destroys a key for good: the record (with all its material) goes first; that is the commit point.
   * Pointers to it are then removed; any that survive a failure here are dead and get overwritten.
   * Answers false when the key changed meanwhile (deletion cancelled, say): it stays.
   */
  private async destroy(r: KeyRecord, version: string): Promise<boolean> {
    try {
      await this.store.delete(keyPath(r.project, r.id), { ifVersion: version });
    } catch (e) {
      if (e instanceof ConflictError) return false; // not ours to destroy any more
      // The delete may have happened though it reported failure: then the key is destroyed all the same,
      // and what follows (index, cached material, pointers) must follow too.
      const gone = await this.store.get(keyPath(r.project, r.id)).then((x) => x === null, () => false);
      if (!gone) {
        await this.reindex(r.project, r.id);
        throw e;
      }
    }
    this.parsed.delete(keyPath(r.project, r.id));
    this.indexed(r.project, r.id, (i) => i.remove(r.id));
    this.onDestroyed(r);
    await this.releaseName(r.project, r.alias, r.id);
    for (const p of await listAll(this.store, `kms/${r.project}/alias/`).catch(() => [] as string[])) {
      const a = await getJson<AliasRecord>(this.store, p).catch(() => null);
      if (a && a.value.keyId === r.id) await this.deleteAlias(r.project, a.value.name, a.version).catch(() => {});
    }
    return true;
  }

  /** Points `name` at `keyId` unless a live key holds it. Returns the index entry's version. */
  private async claimName(project: string, name: string, keyId: string): Promise<string> {
    const path = namePath(project, name);
    const idx = await getJson<NameEntry>(this.store, path);
    if (idx) {
      const holder = await this.get(project, idx.value.keyId);
      if (holder && holder.alias === name) throw aliasExists(name);
    }
    try {
      return await putJson(this.store, path, { keyId, at: this.clock.now() } satisfies NameEntry, { ifVersion: idx ? idx.version : null });
    } catch (e) {
      if (e instanceof ConflictError) throw aliasExists(name);
      throw e;
    }
  }

  private async releaseName(project: string, name: string, keyId: string): Promise<void> {
    const path = namePath(project, name);
    const idx = await getJson<NameEntry>(this.store, path).catch(() => null);
    if (idx && idx.value.keyId === keyId) await this.store.delete(path, { ifVersion: idx.version }).catch(() => {});
  }
}

export function notFound(id: string): KmsError {
  return new KmsError(Code.KeyNotFound, `The key ${id} does not exist.`);
}

function aliasExists(name: string): KmsError {
  return new KmsError(Code.AliasExists, `The alias ${name} already exists.`);
}
