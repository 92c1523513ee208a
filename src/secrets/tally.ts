// How many documents of one kind (secrets, events) each project holds, so that a quota check on create
// does not list every name. Kept in memory only where the store is exclusive to this process
// (`Store.exclusive`, as the KMS's key index), and shared by every repository over the same store object: a
// write through one is seen by the quota check of another. A project's names are listed once, on first use;
// the writer applies each write it makes to a document. Elsewhere (a store shared with other writers:
// Workers, where every isolate writes the project's Durable Object) the count is a listing on every check,
// and the holds are this process's (this isolate's) own: creates through one isolate are held to the quota
// together, but creates in two isolates at the same moment each see the other's document only once it is
// written, so together they can pass the quota by the creates in flight.
import { listAll, type Store } from '../store/store.ts';

/** The kinds of CSMS documents counted against a quota, by the store key segment that holds them. */
export type TalliedKind = 'secret' | 'event';

export const documentsPrefix = (project: string, kind: TalliedKind) => `csms/${project}/${kind}/`;
export const secretsPrefix = (project: string) => documentsPrefix(project, 'secret');

type Names = Set<string>;

export class Tally {
  private static readonly byStore = new WeakMap<Store, Map<TalliedKind, Tally>>();
  private readonly listings = new Map<string, Promise<Names>>();
  /** Creates between their quota check and their write. */
  private readonly holds = new Map<string, number>();

  private constructor(
    private readonly store: Store,
    private readonly kind: TalliedKind,
  ) {}

  /** The tally of `kind` in `store`, one per store object and kind. */
  static of(store: Store, kind: TalliedKind): Tally {
    let kinds = Tally.byStore.get(store);
    if (!kinds) Tally.byStore.set(store, (kinds = new Map()));
    let t = kinds.get(kind);
    if (!t) kinds.set(kind, (t = new Tally(store, kind)));
    return t;
  }

  /** How many documents of the kind the project holds. */
  async count(project: string): Promise<number> {
    return (await this.names(project))?.size ?? (await listAll(this.store, documentsPrefix(project, this.kind))).length;
  }

  /**
   * Holds a place for one more document, or answers false when the project's documents and the creates under
   * way already fill `quota`. Where the store is exclusive, the check and the hold happen in one step of the event
   * loop, so concurrent creates cannot pass the quota together. Call the returned release when the create is over.
   */
  async hold(project: string, quota: number): Promise<(() => void) | false> {
    const stored = await this.count(project);
    const holding = this.holds.get(project) ?? 0;
    if (stored + holding >= quota) return false;
    this.holds.set(project, holding + 1);
    return () => void this.holds.set(project, this.holds.get(project)! - 1);
  }

  /**
   * A write the writer made: the document `name` now exists (true), is gone (false), or cannot be told
   * (undefined: the project is listed again on next use). Applied once the project's listing is in (adding
   * and removing a name are idempotent, so a listing that already saw the write agrees). A create's listing
   * is in before its write (its hold waited for it), so this is the next microtask, ahead of the create's
   * own continuation that releases its hold: the name is counted before the hold goes.
   */
  noted(project: string, name: string, exists: boolean | undefined): void {
    if (exists === undefined) this.listings.delete(project);
    else void this.listings.get(project)?.then((names) => void (exists ? names.add(name) : names.delete(name)), () => {});
  }

  /** The project's names, listed on first use; null where the store is shared with other writers. */
  private names(project: string): Promise<Names | null> {
    if (!this.store.exclusive) return Promise.resolve(null);
    let listing = this.listings.get(project);
    if (!listing) {
      const prefix = documentsPrefix(project, this.kind);
      listing = listAll(this.store, prefix).then((paths) => new Set(paths.map((p) => p.slice(prefix.length))));
      // A listing that failed is tried again on next use (dropping a newer one meanwhile costs only a listing).
      listing.catch(() => this.listings.delete(project));
      this.listings.set(project, listing);
    }
    return listing;
  }
}
