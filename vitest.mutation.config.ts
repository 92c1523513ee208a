import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

// The suite Stryker runs against each mutant: in-process tests only. Tests that drive a child process
// (`npm start`, the CLI, the Rust rebuild, workerd) cannot kill a mutant, because Stryker switches the
// mutant on in the test process only, so they would only cost time. scripts/mutation.mjs narrows the
// files further (MUTATION_TESTS, comma-separated globs) to the tests of the module being mutated: a
// mutant those kill is killed by `npm test` too, so the score measured this way is a lower bound.
const only = process.env.MUTATION_TESTS?.split(',').filter(Boolean);

export default defineConfig({
  test: {
    ...base.test,
    include: only?.length ? only : base.test!.include,
    exclude: [
      ...(base.test!.exclude ?? []),
      'test/cli/**',
      'test/server/*-e2e.test.ts',
      'test/server/huawei-sdk.test.ts',
      'test/wasm/artifact.test.ts',
      'test/wasm/workerd.test.ts',
      'test/secrets/sync.test.ts',
      'test/secrets/db-password-flow.test.ts',
      'test/secrets/huawei-sdk-e2e.test.ts',
    ],
  },
});
