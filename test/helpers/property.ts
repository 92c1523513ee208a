// fast-check with the suite's seed handling: the seed is printed (and taken from TEST_SEED when set), so a
// property that fails on one run replays exactly. fast-check's own report adds the shrunk counterexample.
import fc from 'fast-check';
import { seeded } from './seed.ts';

export async function property<Ts extends [unknown, ...unknown[]]>(
  name: string,
  prop: fc.IAsyncPropertyWithHooks<Ts> | fc.IPropertyWithHooks<Ts>,
  numRuns = 200,
): Promise<void> {
  const { seed } = seeded(name);
  await fc.assert(prop as fc.IAsyncProperty<Ts>, { seed, numRuns });
}
