// Node-only: loads the WASM crypto core from wasm/pkg/edgekms_core.wasm. Entry points and tests call
// loadWasmNode() once at start-up; the portable loader (src/crypto/wasm/core.ts) never touches the file
// system itself. The bytes must hash to the SHA-256 in the committed manifest (built into this code, not
// read beside the file): a changed byte is refused even when the module would still instantiate.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { initWasm } from '../crypto/wasm/core.ts';
import manifest from '../../wasm/pkg/manifest.json' with { type: 'json' };

const FILE = 'wasm/pkg/edgekms_core.wasm';

/**
 * Where the artifact is looked for: only $EDGEKMS_WASM_PATH when it is set (a path the operator named must
 * not silently fall back to another file); otherwise beside this bundle, next to this source tree, then the cwd.
 */
export function wasmCorePaths(): string[] {
  if (process.env.EDGEKMS_WASM_PATH) return [process.env.EDGEKMS_WASM_PATH];
  const paths: string[] = [];
  // Beside a bundle that ships with its copy of the core (the package's dist/cli.js and dist/edgekms_core.wasm).
  paths.push(fileURLToPath(new URL('./edgekms_core.wasm', import.meta.url)));
  // src/runtime/ -> repository root. (Also right for bundles written two levels down, like .cache/tsrun/.)
  paths.push(fileURLToPath(new URL(`../../${FILE}`, import.meta.url)));
  paths.push(join(process.cwd(), FILE));
  return paths;
}

/** Reads the core's bytes from the first path that exists and checks them against the manifest. */
export async function readWasmCore(path?: string): Promise<Uint8Array> {
  const tried: string[] = [];
  for (const p of path ? [path] : wasmCorePaths()) {
    try {
      const bytes = await readFile(p);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (sha256 !== manifest.sha256) {
        throw new Error(`${p} is not the committed build: its SHA-256 is ${sha256}, wasm/pkg/manifest.json says ${manifest.sha256}`);
      }
      return bytes;
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
