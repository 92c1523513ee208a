#!/usr/bin/env node
// `npm run mutation [-- --mutate <file> ...] [--tests <glob,...>] [--record]`: runs StrykerJS
// (stryker.config.json) over the security-critical modules, or only over the files given with --mutate,
// and prints each module's mutation score. Each mutant runs against the in-process tests of its module
// (TESTS_OF below, or --tests), which keeps one module to minutes on this 2-core machine; a mutant they
// kill is killed by `npm test` too. --record merges the run's per-file results into
// docs/mutation/mutation.json (the JSON reporter's own file entries), so the committed report covers
// every module measured so far. --record-only merges the last run's report without running Stryker again.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({ options: { mutate: { type: 'string', multiple: true }, tests: { type: 'string' }, record: { type: 'boolean' }, 'record-only': { type: 'boolean' } } });

// The tests that exercise each module in-process (prefix of the source path -> test globs).
const TESTS_OF = [
  ['src/iam/', ['test/iam/**/*.test.ts', 'test/server/http.test.ts']],
  ['src/kms/ciphertext.ts', ['test/kms/ciphertext.property.test.ts', 'test/kms/data.test.ts']],
  ['src/kms/key-state.ts', ['test/kms/key-state.test.ts']],
  ['src/kms/authorize.ts', ['test/kms/authorize.test.ts', 'test/kms/grants.test.ts']],
  ['src/kms/data.ts', ['test/kms/data.test.ts', 'test/kms/sm.test.ts', 'test/kms/seal-counter.test.ts', 'test/kms/ciphertext.property.test.ts', 'test/kms/faults.test.ts', 'test/kms/asymmetric.test.ts']],
  ['src/kms/grants.ts', ['test/kms/grants.test.ts', 'test/kms/grant-index.test.ts', 'test/kms/quotas.test.ts']],
  ['src/kms/import.ts', ['test/kms/import.test.ts', 'test/kms/sm.test.ts']],
  ['src/kms/key-index.ts', ['test/kms/key-index.test.ts', 'test/kms/key-index.property.test.ts', 'test/kms/key-index.unit.test.ts']],
  ['src/kms/', ['test/kms/**/*.test.ts']],
  ['src/crypto/asn1.ts', ['test/crypto/asym-der.test.ts', 'test/crypto/der-pem.property.test.ts', 'test/crypto/asn1.test.ts']],
  ['src/crypto/asym-keys.ts', ['test/crypto/asym-der.test.ts', 'test/crypto/asym-keys.test.ts']],
  ['src/crypto/rsa', ['test/crypto/asym-rsa.test.ts', 'test/crypto/rsa-native.test.ts', 'test/crypto/rsa-checks.test.ts']],
  ['src/crypto/', ['test/crypto/**/*.test.ts', 'test/kms/asymmetric.test.ts', 'test/kms/import.test.ts']],
  // ENV1: the published vectors, tampering (every cut and rearrangement), round trips. streams.test.ts is
  // left out: its 1 GiB round trip would run for every mutant it covers.
  ['src/sdk/format/', ['test/sdk/format.test.ts', 'test/sdk/vectors.test.ts', 'test/sdk/tamper.test.ts', 'test/sdk/env1-roundtrip.test.ts']],
  ['src/sdk/stream/', ['test/sdk/stream.test.ts', 'test/sdk/vectors.test.ts', 'test/sdk/tamper.test.ts', 'test/sdk/env1-roundtrip.test.ts']],
  ['src/secrets/password.ts', ['test/secrets/password.test.ts']],
  ['src/secrets/rotation-period.ts', ['test/secrets/rotation-period.test.ts', 'test/secrets/bad-inputs.test.ts']],
  ['src/secrets/record.ts', ['test/secrets/record.test.ts', 'test/secrets/lifecycle.test.ts']],
  ['src/secrets/sealing.ts', ['test/secrets/sealing.test.ts', 'test/secrets/lifecycle.test.ts', 'test/secrets/faults.test.ts']],
  ['src/secrets/versions.ts', ['test/secrets/versions.test.ts', 'test/secrets/lifecycle.test.ts', 'test/secrets/bad-inputs.test.ts']],
  ['src/secrets/expiry.ts', ['test/secrets/expiry.test.ts', 'test/secrets/lifecycle.test.ts', 'test/secrets/faults.test.ts']],
  ['src/secrets/maintenance.ts', ['test/secrets/maintenance.test.ts', 'test/secrets/lifecycle.test.ts']],
  ['src/secrets/errors.ts', ['test/secrets/errors.test.ts', 'test/secrets/versions.test.ts']],
  ['src/secrets/operation.ts', ['test/secrets/errors.test.ts']],
  ['src/secrets/secrets.ts', ['test/secrets/versions.test.ts']],
  ['src/secrets/routes.ts', ['test/secrets/routes.test.ts', 'test/secrets/version-ops.test.ts', 'test/secrets/sdk.test.ts', 'test/secrets/bad-inputs.test.ts', 'test/secrets/lifecycle.test.ts']],
  ['src/secrets/ops/versions.ts', ['test/secrets/version-ops.test.ts', 'test/secrets/lifecycle.test.ts', 'test/secrets/bad-inputs.test.ts']],
  ['src/secrets/ops/backup.ts', ['test/secrets/backup.test.ts', 'test/secrets/lifecycle.test.ts', 'test/secrets/bad-inputs.test.ts', 'test/secrets/subscription-race.test.ts']],
  ['src/secrets/ops/rotation.ts', ['test/secrets/rotation.test.ts', 'test/secrets/maintenance.test.ts', 'test/secrets/lifecycle.test.ts']],
  ['src/secrets/repository.ts', ['test/secrets/repository.test.ts', 'test/secrets/lifecycle.test.ts', 'test/secrets/faults.test.ts', 'test/secrets/tally.test.ts']],
  ['src/store/tally.ts', ['test/secrets/tally.test.ts', 'test/secrets/quota.test.ts', 'test/secrets/event-ops.test.ts', 'test/kms/concurrent-quotas.test.ts']],
  ['src/store/quota-holds.ts', ['test/store/quota-holds.test.ts']],
  ['src/secrets/ops/secrets.ts', ['test/secrets/secret-ops.test.ts', 'test/secrets/lifecycle.test.ts', 'test/secrets/subscription-race.test.ts']],
  ['src/secrets/ops/tags.ts', ['test/secrets/tag-ops.test.ts']],
  ['src/secrets/ops/config.ts', ['test/secrets/config-ops.test.ts']],
  ['src/secrets/events-store.ts', ['test/secrets/events-store.test.ts', 'test/secrets/event-ops.test.ts', 'test/secrets/subscription-race.test.ts']],
  ['src/secrets/ops/events.ts', ['test/secrets/event-ops.test.ts']],
  // The secrets service through its routes in-process (sync, db-password-flow and huawei-sdk-e2e drive npm start).
  ['src/secrets/', ['test/secrets/password.test.ts', 'test/secrets/rotation-period.test.ts', 'test/secrets/record.test.ts', 'test/secrets/sealing.test.ts', 'test/secrets/versions.test.ts', 'test/secrets/maintenance.test.ts', 'test/secrets/errors.test.ts', 'test/secrets/expiry.test.ts', 'test/secrets/backup.test.ts', 'test/secrets/rotation.test.ts', 'test/secrets/routes.test.ts', 'test/secrets/version-ops.test.ts', 'test/secrets/sdk.test.ts', 'test/secrets/bad-inputs.test.ts', 'test/secrets/lifecycle.test.ts', 'test/secrets/faults.test.ts', 'test/secrets/fuzz.test.ts', 'test/secrets/listing.test.ts', 'test/secrets/quota.test.ts']],
  // The audit log in-process (test/audit/log.test.ts's services run over loopback in this process too).
  ['src/audit/read-only.ts', ['test/audit/read-only.test.ts']],
  ['src/audit/pacing.ts', ['test/audit/pacing.test.ts']],
  ['src/audit/', ['test/audit/log.test.ts', 'test/audit/segments.test.ts', 'test/audit/chain.test.ts', 'test/audit/blocks.test.ts']],
  ['src/store/barrier.ts', ['test/store/barrier.test.ts']],
  ['src/store/ordered-map.ts', ['test/store/ordered-map.test.ts', 'test/store/store.test.ts']],
  ['src/store/fs/append-log.ts', ['test/audit/segments.test.ts', 'test/store/append-log.test.ts']],
  ['src/store/fs/dir-lock.ts', ['test/store/dir-lock.test.ts']],
  // test/store/fs-faults.test.ts replays whole KMS operations per mutant (about 1.5 h here); the fault tests
  // of the store's own calls (atomic-write, fs, file-faults) reach the same paths in seconds.
  ['src/store/', ['test/store/store.test.ts', 'test/store/fsync-order.test.ts', 'test/store/lock.test.ts', 'test/store/file-format.test.ts', 'test/store/atomic-write.test.ts', 'test/store/fs.test.ts', 'test/store/file-faults.test.ts']],
];
const mutated = (values.mutate ?? []).flatMap((f) => f.split(',')).filter(Boolean);
const tests =
  values.tests ??
  (mutated.length
    ? [...new Set(mutated.flatMap((f) => TESTS_OF.find(([prefix]) => f.startsWith(prefix))?.[1] ?? ['test/**/*.test.ts']))].join(',')
    : '');
const report = join(root, 'reports', 'mutation', 'mutation.json');
const committed = join(root, 'docs', 'mutation', 'mutation.json');

// Stryker keeps only the last --mutate it is given, so several files go as one comma-separated list.
const args = ['run', ...(mutated.length ? ['--mutate', mutated.join(',')] : [])];
const recordOnly = values['record-only'] ?? false;
if (tests && !recordOnly) console.log(`mutation: running ${tests} against each mutant`);
// A failed run must not leave the previous run's report to be printed or recorded as its own.
if (!recordOnly) rmSync(report, { force: true });
const run = recordOnly ? { status: 0 } : spawnSync(join(root, 'node_modules', '.bin', 'stryker'), args, { cwd: root, stdio: 'inherit', env: { ...process.env, MUTATION_TESTS: tests } });
if (!existsSync(report)) {
  console.error('mutation: Stryker wrote no report');
  process.exit(run.status || 1);
}

const json = JSON.parse(readFileSync(report, 'utf8'));
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
let low = false;
console.log("\n" + "module".padEnd(40) + "score  killed survived no-cov timeout");
for (const [file, entry] of Object.entries(json.files).sort()) {
  const count = (s) => entry.mutants.filter((m) => m.status === s).length;
  const detected = entry.mutants.filter((m) => DETECTED.has(m.status)).length;
  const valid = detected + entry.mutants.filter((m) => UNDETECTED.has(m.status)).length;
  const score = valid ? (100 * detected) / valid : 100;
  if (score < json.thresholds.low) low = true;
  console.log(
    `${file.padEnd(40)}${score.toFixed(1).padStart(5)}% ${String(count('Killed')).padStart(7)} ${String(count('Survived')).padStart(8)} ${String(count('NoCoverage')).padStart(6)} ${String(count('Timeout')).padStart(7)}`,
  );
}

if (values.record || recordOnly) {
  const merged = existsSync(committed) ? JSON.parse(readFileSync(committed, 'utf8')) : { ...json, files: {} };
  merged.schemaVersion = json.schemaVersion;
  merged.thresholds = json.thresholds;
  merged.files = { ...merged.files, ...json.files };
  mkdirSync(dirname(committed), { recursive: true });
  writeFileSync(committed, JSON.stringify(merged, null, 1) + '\n');
  console.log(`\nrecorded in ${committed}`);
}
process.exit(run.status !== 0 ? run.status : low ? 2 : 0);
