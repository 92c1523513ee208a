// What list-keys, the key quota and user-quotas need about every key of a project, kept in memory in
// creation order, so that a page costs what its keys cost and a count costs nothing, whatever the size of
// the project. The repository keeps it current on every write it makes; it is only kept where this
// process is the store's only writer (`Store.exclusive`: the file store under its lock, a memory store),
// since a write by another process would not reach it.
//
// A page is served from the summaries themselves (they hold every field list-keys shows), not from the
// records: at 20,000 keys, reading a page's records back from the store (a lookup in maps of every record,
// a copy of each record's bytes) and scanning every summary to count the matches cost more than the page
// itself. Counts are kept per (state, spec, enterprise project); the only keys a count looks at one by
// one are those whose deletion date or material expiry has come, which a read destroys or expires.
import type { KeyListing, KeyRecord } from './key-record.ts';
import { stateWithoutMaterial, type KeyState } from './key-state.ts';

export interface KeySummary extends KeyListing {
  hasMaterial: boolean;
  grants: number;
}

export function summarize(r: KeyRecord): KeySummary {
  return {
    id: r.id,
    alias: r.alias,
    description: r.description,
    spec: r.spec,
    usage: r.usage,
    origin: r.origin,
    state: r.state,
    defaultKey: r.defaultKey,
    createdAt: r.createdAt,
    deletionAt: r.deletionAt,
    materialExpiresAt: r.materialExpiresAt,
    enterpriseProjectId: r.enterpriseProjectId,
    keystoreId: r.keystoreId,
    rotation: { enabled: r.rotation.enabled },
    hasMaterial: r.versions.length > 0,
    grants: r.grants?.length ?? 0,
  };
}

/** Which keys a listing shows; an absent field matches every key. */
export interface KeyFilter {
  state?: KeyState;
  spec?: KeyRecord['spec'];
  enterpriseProjectId?: string;
}

type Grouped = Pick<KeyListing, 'state' | 'spec' | 'enterpriseProjectId'>;

export function matches(s: Grouped, f: KeyFilter): boolean {
  return (f.state === undefined || s.state === f.state) && (f.spec === undefined || s.spec === f.spec) && (f.enterpriseProjectId === undefined || s.enterpriseProjectId === f.enterpriseProjectId);
}

/** Gone from its deletion date on, like KeyRepository.get reports it. */
export function isDue(s: KeySummary, now: number): boolean {
  return s.state === '4' && s.deletionAt !== undefined && s.deletionAt <= now;
}

/** The key as a read at `now` reports it (imported material past its expiration is gone), or null: destroyed. */
export function asReadAt(s: KeySummary, now: number): KeySummary | null {
  if (isDue(s, now)) return null;
  if (s.materialExpiresAt === undefined || s.materialExpiresAt > now || !s.hasMaterial) return s;
  return { ...s, state: stateWithoutMaterial(s.state), materialExpiresAt: undefined, hasMaterial: false };
}

/** When a read of this key next reports something else by itself (deletion date, material expiry). */
function changesAt(s: KeySummary): number {
  const deletion = s.state === '4' && s.deletionAt !== undefined ? s.deletionAt : Infinity;
  return s.hasMaterial && s.materialExpiresAt !== undefined ? Math.min(deletion, s.materialExpiresAt) : deletion;
}

type Before = (a: KeySummary, b: KeySummary) => boolean;
const created: Before = (a, b) => a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id);
const changing: Before = (a, b) => changesAt(a) < changesAt(b) || (changesAt(a) === changesAt(b) && a.id < b.id);

/** Where `s` goes in `list`, kept in `before` order (binary search). */
function insertionPoint(list: readonly KeySummary[], s: KeySummary, before: Before): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(list[mid], s)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function position(list: readonly KeySummary[], s: KeySummary, before: Before): number {
  const i = insertionPoint(list, s, before);
  if (list[i]?.id !== s.id) throw new Error(`key index out of order at ${s.id}`);
  return i;
}

const groupOf = (s: Grouped) => `${s.state}\n${s.spec}\n${s.enterpriseProjectId}`;

export class KeyIndex {
  private readonly byId = new Map<string, KeySummary>();
  /** Oldest first (creation time, then id), as list-keys pages. */
  private readonly order: KeySummary[] = [];
  /** The keys that change by themselves (changesAt), soonest first. */
  private readonly timed: KeySummary[] = [];
  /** How many keys are stored in each (state, spec, enterprise project). */
  private readonly groups = new Map<string, Grouped & { n: number }>();

  get size(): number {
    return this.byId.size;
  }

  /** Summaries oldest first, as stored; the array is the index's own, not to be changed. */
  entries(): readonly KeySummary[] {
    return this.order;
  }

  /**
   * Where the first key created after `s` (creation time, then id) now sits in entries(), whether `s` is
   * still there or not: where a scan that yielded goes on, since writes meanwhile may have moved entries.
   */
  after(s: KeySummary): number {
    const i = insertionPoint(this.order, s, created);
    return this.order[i]?.id === s.id ? i + 1 : i;
  }

  /** Keys whose deletion date or material expiry has come by `now`, still stored as they were. */
  changedBy(now: number): KeySummary[] {
    const out: KeySummary[] = [];
    for (const s of this.timed) {
      if (changesAt(s) > now) break;
      out.push(s);
    }
    return out;
  }

  /** How many keys a read at `now` would find matching `filter`. */
  count(filter: KeyFilter, now: number): number {
    let n = 0;
    for (const g of this.groups.values()) if (matches(g, filter)) n += g.n;
    for (const s of this.changedBy(now)) {
      const read = asReadAt(s, now);
      n += (read && matches(read, filter) ? 1 : 0) - (matches(s, filter) ? 1 : 0);
    }
    return n;
  }

  put(r: KeyRecord): void {
    const s = summarize(r);
    const old = this.byId.get(s.id);
    if (old && old.createdAt === s.createdAt) {
      this.order[position(this.order, old, created)] = s; // same place: no move of the whole array
      this.untrack(old);
    } else {
      if (old) this.drop(old);
      this.order.splice(insertionPoint(this.order, s, created), 0, s);
    }
    if (changesAt(s) !== Infinity) this.timed.splice(insertionPoint(this.timed, s, changing), 0, s);
    this.tally(s, 1);
    this.byId.set(s.id, s);
  }

  remove(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.drop(old);
    this.byId.delete(id);
  }

  private drop(s: KeySummary): void {
    this.order.splice(position(this.order, s, created), 1);
    this.untrack(s);
  }

  /** Takes `s` out of the schedule and the counts. */
  private untrack(s: KeySummary): void {
    if (changesAt(s) !== Infinity) this.timed.splice(position(this.timed, s, changing), 1);
    this.tally(s, -1);
  }

  private tally(s: KeySummary, by: 1 | -1): void {
    const key = groupOf(s);
    const g = this.groups.get(key) ?? { state: s.state, spec: s.spec, enterpriseProjectId: s.enterpriseProjectId, n: 0 };
    g.n += by;
    if (g.n === 0) this.groups.delete(key);
    else this.groups.set(key, g);
  }
}
