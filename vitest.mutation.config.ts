import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.ts';

// The suite Stryker runs against each mutant: every in-process test. Tests that drive a child process
// (`npm start`, the CLI, the Rust rebuild, workerd) cannot kill a mutant, because Stryker switches the
// mutant on in the test process only, so they would only cost time.
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        'test/deno/**',
        'node_modules/**',
        'test/cli/**',
        'test/server/*-e2e.test.ts',
        'test/server/huawei-sdk.test.ts',
        'test/wasm/artifact.test.ts',
        'test/wasm/workerd.test.ts',
      ],
    },
  }),
);
