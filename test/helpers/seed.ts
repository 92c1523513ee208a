// Seeded randomness for tests that draw random inputs: the seed comes from TEST_SEED when set (to replay a
// failure) or from the CSPRNG, and is printed, so any failing run can be reproduced exactly.
import { randomInt } from 'node:crypto';

export interface Seeded {
  seed: number;
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
}

export function seeded(name: string): Seeded {
  const fromEnv = process.env.TEST_SEED;
  const seed = fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) >>> 0 : randomInt(2 ** 31);
  console.log(`[seed] ${name}: ${seed} (replay with TEST_SEED=${seed})`);
  // mulberry32: tiny, fast, good enough to spread test inputs.
  let s = seed;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { seed, int, pick: (items) => items[int(items.length)] };
}
