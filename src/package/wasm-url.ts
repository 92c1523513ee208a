// Loads the WASM core shipped beside the bundle (`new URL('./edgekms_core.wasm', import.meta.url)`): read
// from disk where the URL is a file (Node through process.getBuiltinModule, so bundlers see no node:
// import; Deno through fetch, which reads file: URLs), fetched over HTTP in browsers. Only the SM suite and
// SM2 keyrings need it; the default AES suite runs on WebCrypto alone.
import { initWasm } from '../crypto/wasm/core.ts';

type NodeFs = { readFile(url: URL): Promise<Uint8Array> };

export async function loadWasm(url: URL = new URL('./edgekms_core.wasm', import.meta.url)): Promise<void> {
  const nodeFs = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:fs/promises') as NodeFs | undefined;
  if (url.protocol === 'file:' && nodeFs && !('Deno' in globalThis)) return initWasm(await nodeFs.readFile(url));
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot load the edgekms WASM core from ${url.href}: HTTP ${res.status}`);
  return initWasm(new Uint8Array(await res.arrayBuffer()));
}
