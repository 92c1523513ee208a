// Secrets in the store, with the same discipline as the key repository (src/kms/repository.ts): a secret
// is one document, so creating it, adding a version, moving a stage or scheduling its deletion is one
// compare-and-set write; the id index that tag operations use (`id/<secret id>` -> name) is written
// *before* the document and removed *after* it, and counts only when the document it names exists and
// carries that id. A pointer left by a failed write is invisible and swept by maintenance.
//
// | store key                         | value                                   |
// |-----------------------------------|-----------------------------------------|
// | `csms/<project>/secret/<name>`    | the secret (record.ts)                  |
// | `csms/<project>/id/<secret id>`   | `{name, at}`                            |
// | `csms/<project>/event/<name>`     | an event (events.ts)                    |
// | `csms/<project>/record/<…>`       | a notification record                   |
// | `csms/<project>/task/<…>`         | a rotation task                         |
import type { Clock } from '../kms/clock.ts';
import { yieldToOthers } from '../kms/repository.ts';
import { ConflictError, getJson, listAll, putJson, type Store } from '../store/store.ts';
import { CsmsCode, CsmsError, secretNotFound, secretQuotaReached } from './errors.ts';
import type { SecretRecord } from './record.ts';
import { Tally, documentsPrefix } from '../store/tally.ts';

interface IdEntry {
  name: string;
  at: number;
}

const SWEEP_GRACE_MS = 10 * 60 * 1000;
export const MAX_CAS_RETRIES = 16;
const PARSED_CACHE = 1024;
/** Secrets read between yields to the event loop while listing. */
const LIST_SLICE = 16;

export const secretsPrefix = (project: string) => documentsPrefix(project, 'csms/secret');
export const secretPath = (project: string, name: string) => secretsPrefix(project) + name;
const idPath = (project: string, id: string) => `csms/${project}/id/${id}`;

export interface Loaded {
  record: SecretRecord;
  version: string;
}

export class SecretRepository {
  private readonly parsed = new Map<string, Loaded>();
  private readonly tally: Tally;

  constructor(
    readonly store: Store,
    private readonly clock: Clock,
  ) {
    this.tally = Tally.of(store, 'csms/secret');
  }

  /** A secret by name, or null. A secret past its scheduled deletion time is deleted here and reported absent. */
  async load(project: string, name: string): Promise<Loaded | null> {
    const shared = await this.loadShared(project, name);
    return shared && { record: structuredClone(shared.record), version: shared.version };
  }

  /** As load, but the record is the parse cache's own: read it, never change it. */
  private async loadShared(project: string, name: string): Promise<Loaded | null> {
    const path = secretPath(project, name);
    const entry = await this.store.get(path);
    if (!entry) return null;
    let cached = this.parsed.get(path);
    if (!cached || cached.version !== entry.version) {
      cached = { version: entry.version, record: JSON.parse(new TextDecoder().decode(entry.value)) as SecretRecord };
      this.parsed.set(path, cached);
      if (this.parsed.size > PARSED_CACHE) this.parsed.delete(this.parsed.keys().next().value as string);
    }
    if (this.isDue(cached.record)) {
      // Gone from its deletion time on; if deleting fails now, the next access or maintenance retries.
      await this.destroy(cached.record, cached.version).catch(() => {});
      return null;
    }
    return cached;
  }

  async get(project: string, name: string): Promise<SecretRecord | null> {
    return (await this.load(project, name))?.record ?? null;
  }

  /** The secret with this id (the tag API names secrets by id), or null. */
  async byId(project: string, id: string): Promise<SecretRecord | null> {
    const idx = await getJson<IdEntry>(this.store, idPath(project, id));
    if (!idx) return null;
    const r = await this.get(project, idx.value.name);
    return r && r.id === id ? r : null;
  }

  /**
   * Stores a new secret; CSMS.0002 when the name is taken, CSMS.0202 when the project's secrets and the
   * creates under way already fill `quota`.
   */
  async create(record: SecretRecord, quota = Infinity): Promise<void> {
    const { project, name } = record;
    if (await this.get(project, name)) throw nameTaken(name);
    const release = await this.tally.hold(project, quota);
    if (!release) throw secretQuotaReached(quota);
    try {
      await this.createDocument(record);
    } finally {
      release();
    }
  }

  private async createDocument(record: SecretRecord): Promise<void> {
    const { project, id, name } = record;
    // An id pointer may be left by a secret deleted while a write failed (a restored backup keeps its id):
    // it is dead unless its secret is there, and then the id is taken.
    const stale = await getJson<IdEntry>(this.store, idPath(project, id));
    if (stale && (await this.byId(project, id))) throw new CsmsError(CsmsCode.InvalidParameter, `Invalid secret: a secret with id ${id} already exists.`);
    let idVersion: string;
    try {
      idVersion = await putJson(this.store, idPath(project, id), { name, at: this.clock.now() } satisfies IdEntry, { ifVersion: stale ? stale.version : null });
    } catch (e) {
      if (e instanceof ConflictError) throw nameTaken(name);
      throw e;
    }
    const path = secretPath(project, name);
    try {
      const existing = await getJson<SecretRecord>(this.store, path);
      // A document may only be left at this name by a secret past its deletion time whose removal failed.
      if (existing && !this.isDue(existing.value)) throw new ConflictError(path);
      await putJson(this.store, path, record, { ifVersion: existing ? existing.version : null });
      this.tally.noted(project, name, true);
    } catch (e) {
      // The write may have landed although it reported failure: only a surely absent document gives the id back.
      const landed = await this.store.get(path).then((x) => x !== null && (JSON.parse(new TextDecoder().decode(x.value)) as SecretRecord).id === id, () => undefined);
      if (landed === false) await this.store.delete(idPath(project, id), { ifVersion: idVersion }).catch(() => {});
      if (landed !== false) this.tally.noted(project, name, landed);
      if (e instanceof ConflictError) throw nameTaken(name);
      throw e;
    }
  }

  /**
   * Read-modify-write of one secret with compare-and-set, retried on concurrent writes. `change` gets a
   * private copy (async: it may seal a new value) and returns the new record, or throws to refuse.
   */
  async update(project: string, name: string, change: (r: SecretRecord) => SecretRecord | Promise<SecretRecord>): Promise<SecretRecord> {
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const loaded = await this.load(project, name);
      if (!loaded) throw secretNotFound(name);
      const next = await change(loaded.record);
      try {
        await putJson(this.store, secretPath(project, name), next, { ifVersion: loaded.version });
        return next;
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
      }
    }
    throw new CsmsError(CsmsCode.InvalidRequest, `Too many concurrent changes to secret ${name}; try again.`, 500);
  }

  /** Deletes a secret now: the document first (the commit point, all versions go with it), then its id pointer. */
  async remove(project: string, name: string, check: (r: SecretRecord) => void = () => {}): Promise<SecretRecord> {
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const loaded = await this.load(project, name);
      if (!loaded) throw secretNotFound(name);
      check(loaded.record);
      try {
        await this.tally.delete(project, name, loaded.version);
      } catch (e) {
        if (e instanceof ConflictError) continue;
        throw e;
      }
      this.parsed.delete(secretPath(project, name));
      await this.releaseId(loaded.record);
      return loaded.record;
    }
    throw new CsmsError(CsmsCode.InvalidRequest, `Too many concurrent changes to secret ${name}; try again.`, 500);
  }

  /** How many secret documents a project has: from memory where the store is exclusive, else a listing of names (tally.ts). */
  count(project: string): Promise<number> {
    return this.tally.count(project);
  }

  /**
   * Every live secret of a project, by name (the order list markers follow), for reading only: the records
   * are the parse cache's own, since copying each one would copy every sealed value of every version (up to
   * ~0.9 MB a secret). Read in slices with the event loop served in between: a store that answers from
   * memory would otherwise hold it for the whole listing.
   */
  async list(project: string): Promise<readonly Readonly<SecretRecord>[]> {
    const prefix = secretsPrefix(project);
    const out: SecretRecord[] = [];
    const paths = await listAll(this.store, prefix);
    for (let i = 0; i < paths.length; i++) {
      if (i % LIST_SLICE === LIST_SLICE - 1) await yieldToOthers();
      const loaded = await this.loadShared(project, paths[i].slice(prefix.length));
      if (loaded) out.push(loaded.record);
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Deletes every secret whose scheduled deletion time has passed. Returns how many it deleted (not those restored meanwhile). */
  async purgeDue(project: string): Promise<number> {
    let n = 0;
    for (const p of await listAll(this.store, secretsPrefix(project))) {
      const entry = await getJson<SecretRecord>(this.store, p);
      if (entry && this.isDue(entry.value) && (await this.destroy(entry.value, entry.version))) n++;
    }
    return n;
  }

  /** Removes id pointers whose secret does not exist (left by failed writes); they are already invisible. */
  async sweepPointers(project: string): Promise<number> {
    let n = 0;
    const prefix = `csms/${project}/id/`;
    for (const p of await listAll(this.store, prefix)) {
      const idx = await getJson<IdEntry>(this.store, p);
      if (!idx || this.clock.now() - idx.value.at < SWEEP_GRACE_MS) continue;
      const r = await this.get(project, idx.value.name);
      if (!r || r.id !== p.slice(prefix.length)) {
        await this.store.delete(p, { ifVersion: idx.version }).catch(() => {});
        n++;
      }
    }
    return n;
  }

  /** Projects that have CSMS data. */
  async projects(): Promise<string[]> {
    const seen = new Set<string>();
    for (const p of await listAll(this.store, 'csms/')) seen.add(p.split('/')[1]);
    return [...seen];
  }

  private isDue(r: SecretRecord): boolean {
    return r.state === 'PENDING_DELETE' && r.scheduledDeleteAt !== undefined && r.scheduledDeleteAt <= this.clock.now();
  }

  /** Deletes the document at `version` and its id pointer; false when it changed meanwhile (restored) and stays. */
  private async destroy(r: SecretRecord, version: string): Promise<boolean> {
    try {
      await this.tally.delete(r.project, r.name, version);
    } catch (e) {
      if (e instanceof ConflictError) return false; // not ours to delete any more
      throw e;
    }
    this.parsed.delete(secretPath(r.project, r.name));
    await this.releaseId(r);
    return true;
  }

  private async releaseId(r: SecretRecord): Promise<void> {
    const idx = await getJson<IdEntry>(this.store, idPath(r.project, r.id)).catch(() => null);
    if (idx) await this.store.delete(idPath(r.project, r.id), { ifVersion: idx.version }).catch(() => {});
  }
}

function nameTaken(name: string): CsmsError {
  return new CsmsError(CsmsCode.InvalidParameter, `Invalid name: a secret named ${name} already exists.`);
}
