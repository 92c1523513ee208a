// How many secret documents each project holds, so that the quota check on create does not list every
// secret name. Kept in memory only where the store is exclusive to this process (`Store.exclusive`, as the
// KMS's key index), and shared by every repository over the same store object: a write through one is seen
// by the quota check of another. A project's names are listed once, on first use; the repository applies
// each write it makes to a secret document. Elsewhere (a store shared with other writers) the count is a
// listing, as before, and creates in other processes are not seen.
import { listAll, type Store } from '../store/store.ts';

export const secretsPrefix = (project: string) => `csms/${project}/secret/`;

type Names = Set<string>;

export class SecretTally {
  private static readonly byStore = new WeakMap<Store, SecretTally>();
  private readonly listings = new Map<string, Promise<Names>>();
  /** Creates between their quota check and their write. */
  private readonly holds = new Map<string, number>();

  private constructor(private readonly store: Store) {}

  /** The tally of `store`, one per store object. */
  static of(store: Store): SecretTally {
    let t = SecretTally.byStore.get(store);
    if (!t) SecretTally.byStore.set(store, (t = new SecretTally(store)));
    return t;
  }

  /** How many secret documents the project holds. */
  async count(project: string): Promise<number> {
    return (await this.names(project))?.size ?? (await listAll(this.store, secretsPrefix(project))).length;
  }

  /**
   * Holds a place for one more secret, or answers false when the project's secrets and the creates under way
   * already fill `quota`. Where the store is exclusive, the check and the hold happen in one step of the event
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
   * A write the repository made: the document `name` now exists (true), is gone (false), or cannot be told
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
      const prefix = secretsPrefix(project);
      listing = listAll(this.store, prefix).then((paths) => new Set(paths.map((p) => p.slice(prefix.length))));
      // A listing that failed is tried again on next use (dropping a newer one meanwhile costs only a listing).
      listing.catch(() => this.listings.delete(project));
      this.listings.set(project, listing);
    }
    return listing;
  }
}
