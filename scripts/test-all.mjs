#!/usr/bin/env node
// Runs every test the project has (vitest in Node, `deno test` for the Deno suite) and ends with one
// plain line `N passed, M failed, K skipped` summing them, as CI expects (skipped: skipped, todo and
// Deno's ignored tests, so a check that stopped running shows). Exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const cache = join(root, '.cache');
mkdirSync(cache, { recursive: true });
const bin = (name) => join(root, 'node_modules', '.bin', name);
const extra = process.argv.slice(2);

let passed = 0;
let failed = 0;
let skipped = 0;
let broken = false;

// vitest: its JSON report carries the totals.
const report = join(cache, 'vitest-report.json');
rmSync(report, { force: true });
const vitest = spawnSync(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' },
});
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A file that fails to load has no tests but must still fail the run.
  const suiteFailures = (r.testResults ?? []).filter((t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0).length;
  failed += suiteFailures;
} else {
  broken = true;
}
if (vitest.status !== 0 && failed === 0) broken = true;

// deno test: the same artifacts and core, in Deno.
const denoDir = join(root, 'test', 'deno');
if (extra.length === 0 && existsSync(denoDir) && readdirSync(denoDir).some((f) => f.endsWith('.test.ts'))) {
  const deno = spawnSync(bin('deno'), ['test', '--allow-read', '--allow-env', 'test/deno/'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
  });
  process.stdout.write(deno.stdout ?? '');
  process.stderr.write(deno.stderr ?? '');
  const m = /(ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed(?: \(\d+ steps?\))?(?: \| (\d+) ignored)?/.exec(deno.stdout ?? '');
  if (m) {
    passed += Number(m[2]);
    failed += Number(m[3]);
    skipped += Number(m[4] ?? 0);
  } else {
    broken = true;
  }
  if (deno.status !== 0 && !m) broken = true;
}

if (broken) failed += failed === 0 ? 1 : 0;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || broken ? 1 : 0);
