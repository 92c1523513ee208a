// How many documents of one kind (secrets, events, KMS aliases) each project holds, so that a quota check on
// create does not list every name. Kept in memory only where the store is exclusive to this process
// (`Store.exclusive`, as the KMS's key index), and shared by every writer over the same store object: a
// write through one is seen by the quota check of another. A project's names are listed once, on first use;
// the writer applies each write it makes to a document. Elsewhere (a store shared with other writers:
// Workers, where every isolate writes the project's Durable Object) the count is a listing on every check,
// and the holds are this process's (this isolate's) own (quota-holds.ts): creates through one isolate are
// held to the quota together, but creates in two isolates at the same moment each see the other's document
// only once it is written, so together they can pass the quota by the creates in flight.
import { QuotaHolds, countOf, type Counted, type Release } from './quota-holds.ts';
import { ConflictError, listAll, type Store } from './store.ts';

/** The kinds of documents counted against a quota, as `<area>/<segment>`: they are stored at `<area>/<project>/<segment>/<name>`. */
export type TalliedKind = 'csms/secret' | 'csms/event' | 'kms/alias';

export const documentsPrefix = (project: string, kind: TalliedKind) => {
  const [area, segment] = kind.split('/');
  return `${area}/${project}/${segment}/`;
};

type Names = Set<string>;

export class Tally {
  private static readonly byStore = new WeakMap<Store, Map<TalliedKind, Tally>>();
  private readonly listings = new Map<string, Promise<Names>>();
  /** Creates between their quota check and their write. */
  private readonly holds = new QuotaHolds();

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
    return countOf(await this.counted(project));
  }

  /**
   * Holds a place for one more document, or answers false when the project's documents and the creates under
   * way already fill `quota` (quota-holds.ts). Call the returned release when the create is over.
   */
  hold(project: string, quota: number): Promise<Release | false> {
    return this.holds.hold(project, quota, () => this.counted(project));
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

  /**
   * Deletes the document `name` if it is still at `version` (ConflictError when it is not) and keeps the
   * count with the store, also when the delete fails with its outcome unknown.
   */
  async delete(project: string, name: string, version: string): Promise<void> {
    try {
      await this.store.delete(documentsPrefix(project, this.kind) + name, { ifVersion: version });
    } catch (e) {
      if (!(e instanceof ConflictError)) await this.recheck(project, name);
      throw e;
    }
    this.noted(project, name, false);
  }

  /** After a write of `name` that failed (its outcome unknown): the count follows what the store now holds. */
  async recheck(project: string, name: string): Promise<void> {
    this.noted(project, name, await this.store.get(documentsPrefix(project, this.kind) + name).then((e) => e !== null, () => undefined));
  }

  /** The names in memory where the store is exclusive (read when asked), else a listing's count. */
  private async counted(project: string): Promise<Counted> {
    const names = await this.names(project);
    return names ? () => names.size : (await listAll(this.store, documentsPrefix(project, this.kind))).length;
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
