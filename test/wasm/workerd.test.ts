// The WASM core in workerd: the test Worker (workerd/worker.ts) is bundled by esbuild with the .wasm left
// as a module import, served by Miniflare (the real workerd runtime) with a CompiledWasm rule, and runs the
// same published vectors as Node and Deno against the same committed artifact.
import { beforeAll, describe, expect, it } from 'vitest';
import { runTestWorker } from '../workers/harness.ts';
import { VECTOR_CHECKS } from './vectors.ts';

interface WorkerReport {
  moduleIsModule: boolean;
  bytesRefused: boolean;
  results: { name: string; ok: boolean; error?: string }[];
}

let report: WorkerReport;

beforeAll(async () => {
  report = await runTestWorker<WorkerReport>(new URL('./workerd/worker.ts', import.meta.url));
}, 120_000);

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
