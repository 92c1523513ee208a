// A Worker that runs the ENV1 vector checks (test/vectors/) in workerd with the WASM core imported as a
// module, answering a JSON report. Bundled by esbuild and served by Miniflare from vectors.test.ts.
import wasmModule from '../../wasm/pkg/edgekms_core.wasm';
import { initWasm } from '../../src/crypto/wasm/core.ts';
import { checkNegative, checkPositive, type Env1Vectors } from '../vectors/env1-checks.ts';
import vectorsJson from '../vectors/env1.json';

const vectors = vectorsJson as unknown as Env1Vectors;

export default {
  async fetch(): Promise<Response> {
    await initWasm(wasmModule);
    const results: { name: string; error?: string }[] = [];
    for (const v of vectors.positive) results.push(await checkPositive(vectors, v).then(() => ({ name: v.name }), (e) => ({ name: v.name, error: String(e) })));
    for (const v of vectors.negative) results.push(await checkNegative(vectors, v).then(() => ({ name: v.name }), (e) => ({ name: v.name, error: String(e) })));
    return Response.json(results);
  },
};
