// `npm run bench [suite...]`: runs the suites in bench/suites/, prints a table, and merges their metrics
// into bench/results.json (a flat object of numbers).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchReport, BenchSuite } from './report.ts';
import { suites } from './suites/index.ts';

const wanted = process.argv.slice(2);
const resultsPath = join(process.cwd(), 'bench', 'results.json');
const results: Record<string, number> = existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, 'utf8')) : {};

const report: BenchReport = {
  row(label, value, unit, note = '') {
    const shown = value >= 100 ? value.toFixed(0) : value.toFixed(2);
    console.log(`  ${label.padEnd(52)} ${shown.padStart(12)} ${unit.padEnd(8)} ${note}`);
  },
  metric(name, value) {
    results[name] = Number(value.toFixed(3));
  },
};

for (const [name, suite] of Object.entries(suites) as [string, BenchSuite][]) {
  if (wanted.length && !wanted.includes(name)) continue;
  console.log(`\n${name}`);
  await suite(report);
}
writeFileSync(resultsPath, JSON.stringify(results, null, 2) + '\n');
console.log(`\nwrote ${resultsPath}`);
