// The WASM crypto core under Deno: the same committed artifact and the same published vectors as the
// Node (test/wasm/vectors.test.ts) and workerd (test/wasm/workerd.test.ts) runs.
// Run: npx deno test --allow-read test/deno/
import assert from 'node:assert';
import { instantiateCore, ABI_VERSION } from '../../wasm/pkg/edgekms_core.ts';
import { initWasm, isWasmReady } from '../../src/crypto/wasm/core.ts';
import { aesGcmEncrypt } from '../../src/crypto/aes-gcm-stream.ts';
import { VECTOR_CHECKS } from '../wasm/vectors.ts';

// The root tsconfig.json type-checks test/ with Node's types, where there is no `Deno`; reach it through
// globalThis so that both `tsc` and `deno check` accept this file.
interface DenoApi {
  test(name: string, fn: () => void | Promise<void>): void;
  readFile(path: URL): Promise<Uint8Array<ArrayBuffer>>;
}
const Deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

const bytes = await Deno.readFile(new URL('../../wasm/pkg/edgekms_core.wasm', import.meta.url));

Deno.test('WASM core instantiates from bytes and from a compiled module', async () => {
  assert.strictEqual((await instantiateCore(bytes)).abi_version(), ABI_VERSION);
  assert.strictEqual((await instantiateCore(await WebAssembly.compile(bytes))).abi_version(), ABI_VERSION);
  assert.throws(() => aesGcmEncrypt(new Uint8Array(16), new Uint8Array(12), new Uint8Array(1)), /initWasm/);
  await initWasm(bytes);
  assert.ok(isWasmReady());
});

for (const v of VECTOR_CHECKS) {
  Deno.test(v.name, async () => {
    await initWasm(bytes);
    await v.run();
  });
}
