// The ENV1 vector files (test/vectors/env1.json) in workerd: the same checks Node and Deno run, bundled
// with the WASM core as a module import and served by Miniflare. Each vector is one assertion here.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Env1Vectors } from '../vectors/env1-checks.ts';
import { runTestWorker } from './harness.ts';

const vectors: Env1Vectors = JSON.parse(readFileSync(new URL('../vectors/env1.json', import.meta.url), 'utf8'));
let results: { name: string; error?: string }[] = [];

beforeAll(async () => {
  results = await runTestWorker(new URL('./vectors-worker.ts', import.meta.url));
}, 120_000);

describe('ENV1 vectors in workerd', () => {
  for (const v of [...vectors.positive, ...vectors.negative]) {
    it(v.name, () => {
      const r = results.find((x) => x.name === v.name);
      expect(r, 'the Worker ran this vector').toBeDefined();
      expect(r!.error ?? '').toBe('');
    });
  }
});
