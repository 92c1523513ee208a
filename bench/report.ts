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

/** MiB/s for a function that processes `bytes` bytes per call, best of `rounds`. */
export async function mibPerSecond(bytes: number, fn: () => unknown | Promise<unknown>, rounds = 5): Promise<number> {
  await fn();
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t);
  }
  return bytes / (1024 * 1024) / (best / 1000);
}
