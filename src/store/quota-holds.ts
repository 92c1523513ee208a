// Places held for creates between their quota check and their write, per project, so that creates running
// at the same time cannot pass a quota together: each check counts what the store holds plus the places
// already held, and takes its own place in the same step of the event loop. One mechanism for every quota
// counted this way (secrets, events, KMS keys and aliases).
//
// What a check counted decides how exact it is:
// - a reader of a count kept in memory, which every write updates before its create lets go of its place
//   (an exclusive store: the key index, a tally's names): read in the step that takes the place, so no
//   create is missed and none is counted twice except for the moment between its write and its release;
// - a number read at some moment since the check began (a listing, on a store shared with other writers):
//   a create that let go of its place while that listing was under way may be missing from it, so such
//   creates are counted as held too (the listing may have seen them already: counted twice, which can only
//   refuse, never pass). Creates in other processes are seen only once written.

/** A count kept current in memory (read when the place is taken), or a count read earlier (a listing). */
export type Counted = (() => number) | number;

/** The count now: what the reader reads, or the number read. */
export const countOf = (counted: Counted): number => (typeof counted === 'number' ? counted : counted());

/** Lets go of a held place; calling it again does nothing. */
export type Release = () => void;

interface ProjectHolds {
  /** Places held now. */
  open: number;
  /** When each check now counting began (the release sequence number then). */
  counting: number[];
  /** The sequence numbers of releases that a check still counting may not have seen, oldest first. */
  released: number[];
}

export class QuotaHolds {
  private readonly projects = new Map<string, ProjectHolds>();
  private releases = 0;

  /**
   * Holds a place for one more in `project`, or answers false when what `count` finds and the places held
   * already fill `quota`. Call the returned release once the create is over (written or failed), after the
   * count reflects its write.
   */
  async hold(project: string, quota: number, count: () => Promise<Counted>): Promise<Release | false> {
    const p = this.of(project);
    const since = this.releases;
    p.counting.push(since);
    let counted: Counted | undefined;
    try {
      counted = await count();
    } finally {
      p.counting.splice(p.counting.indexOf(since), 1);
      if (counted === undefined) this.tidy(project, p); // the count failed
    }
    const stored = typeof counted === 'number' ? counted + p.released.filter((at) => at > since).length : counted!();
    const room = stored + p.open < quota;
    if (room) p.open++;
    this.tidy(project, p);
    if (!room) return false;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      p.open--;
      p.released.push(++this.releases);
      this.tidy(project, p);
    };
  }

  private of(project: string): ProjectHolds {
    let p = this.projects.get(project);
    if (!p) this.projects.set(project, (p = { open: 0, counting: [], released: [] }));
    return p;
  }

  /** Drops releases every check still counting began after, and the project once nothing refers to it. */
  private tidy(project: string, p: ProjectHolds): void {
    const oldest = Math.min(...p.counting);
    p.released = p.released.filter((at) => at > oldest);
    if (p.open === 0 && p.counting.length === 0) this.projects.delete(project);
  }
}
