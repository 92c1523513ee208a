import { defineConfig } from 'vitest/config';

// One Node project for everything that runs in Node (unit tests, loopback HTTP, workerd via Miniflare,
// Chromium via playwright-core). Deno tests run with `deno test` from scripts/test-all.mjs.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/deno/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Every test must assert something: a test that only checks "did not throw" says so with an explicit
    // expect (e.g. `await expect(p).resolves...`), never by having no assertion at all.
    expect: { requireAssertions: true },
  },
});
