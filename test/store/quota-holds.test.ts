// Places held between a quota check and its write (src/store/quota-holds.ts), driven directly: counts kept
// in memory and read when the place is taken, listings that resolve after creates have let go of their
// places, releases called twice, counts that fail, and the bookkeeping emptied once nothing is held.
import { describe, expect, it } from 'vitest';
import { QuotaHolds, countOf, type Counted, type Release } from '../../src/store/quota-holds.ts';

/** A promise to resolve from outside. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Lets every queued microtask and callback run. */
const settle = () => new Promise((r) => setImmediate(r));

const tracked = (holds: QuotaHolds) => (holds as unknown as { projects: Map<string, unknown> }).projects;

describe('QuotaHolds', () => {
  it('of twelve holds at once with room for four, exactly four get a place; a release frees one, twice frees one', async () => {
    const holds = new QuotaHolds();
    let stored = 1;
    const results = await Promise.all(Array.from({ length: 12 }, () => holds.hold('p', 5, async () => () => stored)));
    const granted = results.filter((r): r is Release => r !== false);
    expect(granted).toHaveLength(4);
    expect(results.filter((r) => r === false)).toHaveLength(8);
    expect(await holds.hold('p', 5, async () => () => stored)).toBe(false);
    // One create wrote (counted in memory) and let go: still full. One gave up: one place free.
    stored = 2;
    granted[0]();
    expect(await holds.hold('p', 5, async () => () => stored)).toBe(false);
    granted[1]();
    granted[1]();
    const again = await holds.hold('p', 5, async () => () => stored);
    expect(again).toBeTypeOf('function');
    expect(await holds.hold('p', 5, async () => () => stored)).toBe(false);
    // Another project has its own places.
    expect(await holds.hold('q', 1, async () => 0)).toBeTypeOf('function');
    expect(await holds.hold('q', 1, async () => 0)).toBe(false);
  });

  it('reads a count kept in memory when it takes the place, not when the count was asked for', async () => {
    const holds = new QuotaHolds();
    let stored = 0;
    const asked = deferred<Counted>();
    const pending = holds.hold('p', 1, () => asked.promise);
    stored = 1; // written meanwhile, by a create that has already let go of its place
    asked.resolve(() => stored);
    expect(await pending).toBe(false);
    stored = 0;
    expect(await holds.hold('p', 1, async () => () => stored)).toBeTypeOf('function');
  });

  it('a listing under way when a create let go of its place counts that create: a quota of one stays one', async () => {
    const holds = new QuotaHolds();
    let stored = 0;
    const first = await holds.hold('p', 1, async () => stored);
    expect(first).toBeTypeOf('function');
    const listing = deferred<Counted>();
    const second = holds.hold('p', 1, () => listing.promise);
    await settle();
    stored = 1; // the first create writes and lets go while the second's listing is under way
    (first as Release)();
    listing.resolve(0); // the listing was read before the write
    expect(await second).toBe(false);
    // A listing begun after the release sees the write and does not count the release again.
    expect(await holds.hold('p', 2, async () => stored)).toBeTypeOf('function');
  });

  it('a release before a listing began is not counted again, even while an older listing is still under way', async () => {
    const holds = new QuotaHolds();
    let stored = 0;
    const first = (await holds.hold('p', 2, async () => stored)) as Release;
    const older = deferred<Counted>();
    const slow = holds.hold('p', 2, () => older.promise);
    await settle();
    stored = 1;
    first(); // kept for the older listing
    // A listing begun after the release, that saw the write: 1 stored, room for one more.
    const fresh = await holds.hold('p', 2, async () => stored);
    expect(fresh).toBeTypeOf('function');
    // The older listing did not see the write: it counts the release, and the fresh hold: full.
    older.resolve(0);
    expect(await slow).toBe(false);
  });

  it('a count that fails holds nothing and leaves nothing behind', async () => {
    const holds = new QuotaHolds();
    await expect(holds.hold('p', 1, async () => Promise.reject(new Error('listing failed')))).rejects.toThrow('listing failed');
    expect(tracked(holds).size).toBe(0);
    const held = await holds.hold('p', 1, async () => 0);
    expect(held).toBeTypeOf('function');
    expect(await holds.hold('p', 1, async () => 0)).toBe(false);
  });

  it('keeps nothing for a project once no place is held and no count is under way', async () => {
    const holds = new QuotaHolds();
    expect(await holds.hold('p', 1, async () => 1)).toBe(false);
    expect(tracked(holds).size).toBe(0);
    const a = (await holds.hold('p', 3, async () => 0)) as Release;
    const listing = deferred<Counted>();
    const b = holds.hold('p', 3, () => listing.promise);
    await settle();
    a();
    expect(tracked(holds).size).toBe(1); // the release is kept for the listing under way
    listing.resolve(0);
    const held = (await b) as Release;
    held();
    expect(tracked(holds).size).toBe(0);
    // Releases no listing can miss any more are dropped, also while places stay held: a long run of
    // creates keeps no history.
    const kept = (await holds.hold('p', 9, async () => 0)) as Release;
    const released = () => (tracked(holds).get('p') as { released: number[] }).released;
    for (let i = 0; i < 5; i++) ((await holds.hold('p', 9, async () => 0)) as Release)();
    expect(released()).toEqual([]);
    const c = (await holds.hold('p', 9, async () => 0)) as Release;
    const during = deferred<Counted>();
    const d = holds.hold('p', 9, () => during.promise);
    await settle();
    c();
    expect(released()).toHaveLength(1); // d's listing may have missed it
    const later = deferred<Counted>();
    const e = holds.hold('p', 9, () => later.promise); // begun after c's release: it cannot have missed it
    await settle();
    during.resolve(0);
    ((await d) as Release)();
    expect(await holds.hold('p', 0, async () => 0)).toBe(false); // a check that tidies meanwhile
    expect(released()).toHaveLength(1); // d's release, which e's listing may have missed; c's is gone
    later.resolve(0);
    ((await e) as Release)();
    kept();
    expect(tracked(holds).size).toBe(0);
  });

  it('a release stays counted for the oldest listing under way, while newer listings come and go', async () => {
    const holds = new QuotaHolds();
    let stored = 0;
    const first = (await holds.hold('p', 1, async () => stored)) as Release;
    const oldest = deferred<Counted>();
    const slow = holds.hold('p', 1, () => oldest.promise);
    await settle();
    stored = 1;
    first();
    const newer = deferred<Counted>();
    const pending = holds.hold('p', 1, () => newer.promise);
    await settle();
    expect(await holds.hold('p', 1, async () => stored)).toBe(false); // tidies with both listings under way
    newer.resolve(stored);
    expect(await pending).toBe(false);
    oldest.resolve(0); // read before the first create's write
    expect(await slow).toBe(false);
  });

  it('countOf reads a reader or passes a number through', () => {
    expect(countOf(7)).toBe(7);
    expect(countOf(() => 3)).toBe(3);
  });
});
