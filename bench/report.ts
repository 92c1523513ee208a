// What a benchmark suite reports: rows for the printed table and flat numeric metrics for
// bench/results.json. Suites compare against a reference measured in the same run, never against
// numbers from another machine or another day.
export interface BenchReport {
  /** A row of the printed table. */
  row(label: string, value: number, unit: string, note?: string): void;
  /** A number for bench/results.json (flat object, merged across suites). */
  metric(name: string, value: number): void;
}

export type BenchSuite = (report: BenchReport) => Promise<void>;

/** Runs `fn` repeatedly for at least `minMs` and returns operations per second. */
export async function opsPerSecond(fn: () => unknown | Promise<unknown>, minMs = 1000): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    await fn();
    n++;
    elapsed = performance.now() - start;
  }
  return (n * 1000) / elapsed;
}

/** A candidate's samples: its median and the range it moved over in this run. */
export interface Samples {
  median: number;
  min: number;
  max: number;
  values: number[];
}

export function summarize(values: number[]): Samples {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1)!, values };
}

/** "min-max" with the precision of the figures. */
export function range(s: Samples): string {
  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(2));
  return `${f(s.min)}-${f(s.max)}`;
}

/**
 * Samples every candidate of a comparison the same number of times, interleaved round by round (and the
 * order rotated each round), so a slow spell of the shared machine falls on all of them alike. Each call
 * of a candidate returns one sample. A warm-up call of each comes first, unless each sample warms itself
 * up (`warmUp: false`: samples that run in processes of their own).
 */
export async function interleaved<K extends string>(
  candidates: Record<K, () => number | Promise<number>>,
  rounds: number,
  { warmUp = true }: { warmUp?: boolean } = {},
): Promise<Record<K, Samples>> {
  const names = Object.keys(candidates) as K[];
  if (warmUp) for (const k of names) await candidates[k]();
  const values = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const k = names[(i + r) % names.length];
      values[k].push(await candidates[k]());
    }
  }
  return Object.fromEntries(names.map((k) => [k, summarize(values[k])])) as Record<K, Samples>;
}

/** Per-round ratios a/b of two interleaved candidates (paired: same round, same conditions). */
export function ratios(a: Samples, b: Samples): Samples {
  return summarize(a.values.map((v, i) => v / b.values[i]));
}

/** One timed call over `bytes` bytes, in MiB/s. */
export async function mibPerSecondOnce(bytes: number, fn: () => unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return bytes / (1024 * 1024) / ((performance.now() - t) / 1000);
}
