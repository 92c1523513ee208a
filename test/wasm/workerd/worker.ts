// A Worker that loads the committed WASM core the way a deployed edgekms Worker does (the .wasm imported
// as a module: workerd refuses to compile bytes) and runs the published vectors, answering with JSON.
// Bundled by esbuild and served by Miniflare from test/wasm/workerd.test.ts.
import wasmModule from '../../../wasm/pkg/edgekms_core.wasm';
import { initWasm } from '../../../src/crypto/wasm/core.ts';
import { VECTOR_CHECKS } from '../vectors.ts';

export default {
  async fetch(): Promise<Response> {
    await initWasm(wasmModule);
    const results: { name: string; ok: boolean; error?: string }[] = [];
    for (const v of VECTOR_CHECKS) {
      try {
        await v.run();
        results.push({ name: v.name, ok: true });
      } catch (e) {
        results.push({ name: v.name, ok: false, error: String(e) });
      }
    }
    // workerd cannot compile WASM from bytes, which is why initWasm() takes a Module.
    let bytesRefused = false;
    try {
      await WebAssembly.compile(Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0));
    } catch {
      bytesRefused = true;
    }
    return Response.json({ moduleIsModule: wasmModule instanceof WebAssembly.Module, bytesRefused, results });
  },
};
