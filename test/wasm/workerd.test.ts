// The WASM core in workerd: the test Worker (workerd/worker.ts) is bundled by esbuild with the .wasm left
// as a module import, served by Miniflare (the real workerd runtime) with a CompiledWasm rule, and runs the
// same published vectors as Node and Deno against the same committed artifact.
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VECTOR_CHECKS } from './vectors.ts';

interface WorkerReport {
  moduleIsModule: boolean;
  bytesRefused: boolean;
  results: { name: string; ok: boolean; error?: string }[];
}

let mf: Miniflare | undefined;
let report: WorkerReport;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgekms-workerd-'));
  await build({
    entryPoints: [new URL('./workerd/worker.ts', import.meta.url).pathname],
    outfile: join(dir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'import'],
    // The .wasm stays a separate module next to the bundle; Miniflare's CompiledWasm rule loads it.
    loader: { '.wasm': 'copy' },
    assetNames: '[name]',
    logLevel: 'warning',
  });
  mf = new Miniflare({
    modules: true,
    scriptPath: join(dir, 'worker.js'),
    modulesRoot: dir,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2025-01-01',
  });
  const res = await mf.dispatchFetch('http://localhost/');
  report = (await res.json()) as WorkerReport;
}, 120_000);

afterAll(async () => {
  await mf?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('WASM core in workerd (Miniflare)', () => {
  it('receives the core as a WebAssembly.Module; compiling bytes is refused there', () => {
    expect(report.moduleIsModule).toBe(true);
    expect(report.bytesRefused).toBe(true);
  });

  for (const v of VECTOR_CHECKS) {
    it(v.name, () => {
      const r = report.results.find((x) => x.name === v.name);
      expect(r, 'the worker ran this check').toBeDefined();
      expect(r!.error ?? '').toBe('');
      expect(r!.ok).toBe(true);
    });
  }
});
