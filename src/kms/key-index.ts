// What list-keys, the key quota and user-quotas need about every key of a project, kept in memory in
// creation order, so that a page costs what its keys cost and a count costs nothing, whatever the size of
// the project. The repository keeps it current on every write it makes; it is only kept where this
// process is the store's only writer (`Store.exclusive`: the file store under its lock, a memory store),
// since a write by another process would not reach it.
import type { KeyRecord } from './key-record.ts';
import { stateWithoutMaterial, type KeyState } from './key-state.ts';

export interface KeySummary {
  id: string;
  createdAt: number;
  state: KeyState;
  spec: KeyRecord['spec'];
  enterpriseProjectId: string;
  deletionAt?: number;
  materialExpiresAt?: number;
  hasMaterial: boolean;
  grants: number;
}

export function summarize(r: KeyRecord): KeySummary {
  return {
    id: r.id,
    createdAt: r.createdAt,
    state: r.state,
    spec: r.spec,
    enterpriseProjectId: r.enterpriseProjectId,
    deletionAt: r.deletionAt,
    materialExpiresAt: r.materialExpiresAt,
    hasMaterial: r.versions.length > 0,
    grants: r.grants?.length ?? 0,
  };
}

/** Gone from its deletion date on, like KeyRepository.get reports it. */
export function isDue(s: KeySummary, now: number): boolean {
  return s.state === '4' && s.deletionAt !== undefined && s.deletionAt <= now;
}

/** The state a read would report: imported material past its expiration is gone. */
export function effectiveState(s: KeySummary, now: number): KeyState {
  return s.materialExpiresAt !== undefined && s.materialExpiresAt <= now && s.hasMaterial ? stateWithoutMaterial(s.state) : s.state;
}

const before = (a: KeySummary, b: KeySummary) => a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id);

export class KeyIndex {
  private readonly byId = new Map<string, KeySummary>();
  /** Oldest first (creation time, then id), as list-keys pages. */
  private readonly order: KeySummary[] = [];

  get size(): number {
    return this.byId.size;
  }

  /** Summaries oldest first; the array is the index's own, not to be changed. */
  entries(): readonly KeySummary[] {
    return this.order;
  }

  put(r: KeyRecord): void {
    const s = summarize(r);
    const old = this.byId.get(s.id);
    if (old && old.createdAt === s.createdAt) {
      this.order[this.position(old)] = s;
    } else {
      if (old) this.order.splice(this.position(old), 1);
      this.order.splice(this.insertionPoint(s), 0, s);
    }
    this.byId.set(s.id, s);
  }

  remove(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.order.splice(this.position(old), 1);
    this.byId.delete(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  private insertionPoint(s: KeySummary): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.order[mid], s)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private position(s: KeySummary): number {
    const i = this.insertionPoint(s);
    if (this.order[i]?.id !== s.id) throw new Error(`key index out of order at ${s.id}`);
    return i;
  }
}
