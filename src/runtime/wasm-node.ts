// Node-only: loads the WASM crypto core from wasm/pkg/edgekms_core.wasm. Entry points and tests call
// loadWasmNode() once at start-up; the portable loader (src/crypto/wasm/core.ts) never touches the file
// system itself.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { initWasm } from '../crypto/wasm/core.ts';

const FILE = 'wasm/pkg/edgekms_core.wasm';

/**
 * Where the artifact is looked for: only $EDGEKMS_WASM_PATH when it is set (a path the operator named must
 * not silently fall back to another file); otherwise next to this source tree, then the cwd.
 */
export function wasmCorePaths(): string[] {
  if (process.env.EDGEKMS_WASM_PATH) return [process.env.EDGEKMS_WASM_PATH];
  const paths: string[] = [];
  // src/runtime/ -> repository root. (Also right for bundles written two levels down, like .cache/tsrun/.)
  paths.push(fileURLToPath(new URL(`../../${FILE}`, import.meta.url)));
  paths.push(join(process.cwd(), FILE));
  return paths;
}

/** Reads the core's bytes from the first path that exists. */
export async function readWasmCore(path?: string): Promise<Uint8Array> {
  const tried: string[] = [];
  for (const p of path ? [path] : wasmCorePaths()) {
    try {
      return await readFile(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      tried.push(p);
    }
  }
  throw new Error(`edgekms_core.wasm not found (tried ${tried.join(', ')}); set EDGEKMS_WASM_PATH`);
}

/** Loads the crypto core into this Node process (idempotent). */
export async function loadWasmNode(path?: string): Promise<void> {
  await initWasm(await readWasmCore(path));
}
