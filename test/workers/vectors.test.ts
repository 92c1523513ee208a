// The ENV1 vector files (test/vectors/env1.json) in workerd: the same checks Node and Deno run, bundled
// with the WASM core as a module import and served by Miniflare. Each vector is one assertion here.
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Env1Vectors } from '../vectors/env1-checks.ts';

const vectors: Env1Vectors = JSON.parse(readFileSync(new URL('../vectors/env1.json', import.meta.url), 'utf8'));
let results: { name: string; error?: string }[] = [];
let dir: string;
let mf: Miniflare | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgekms-vectors-workerd-'));
  await build({
    entryPoints: [new URL('./vectors-worker.ts', import.meta.url).pathname],
    outfile: join(dir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'import'],
    loader: { '.wasm': 'copy' },
    assetNames: '[name]',
    logLevel: 'warning',
  });
  mf = new Miniflare({ modules: true, scriptPath: join(dir, 'worker.js'), modulesRoot: dir, modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }], compatibilityDate: '2026-04-26' });
  results = (await (await mf.dispatchFetch('http://localhost/')).json()) as typeof results;
}, 120_000);

afterAll(async () => {
  await mf?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('ENV1 vectors in workerd', () => {
  for (const v of [...vectors.positive, ...vectors.negative]) {
    it(v.name, () => {
      const r = results.find((x) => x.name === v.name);
      expect(r, 'the Worker ran this vector').toBeDefined();
      expect(r!.error ?? '').toBe('');
    });
  }
});
