// esbuild-bundles a TypeScript entry point for Node 20 (which cannot strip types) into .cache/tsrun/,
// packages left external. Used by scripts/tsrun.mjs, the tests that spawn processes, and the benchmarks.
import { build } from 'esbuild';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consoleAssetsPlugin } from './console-assets.mjs';

// The project root: the nearest folder with a package.json (this file may itself run from a bundle).
let root = dirname(fileURLToPath(import.meta.url));
while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);

export async function bundle(entry, outName) {
  const outDir = join(root, '.cache', 'tsrun');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, outName ?? basename(entry).replace(/\.ts$/, '.mjs'));
  // Written under a name of its own, then renamed: processes bundling the same entry at once (a pipe of two
  // edgekms commands) never import a half-written file.
  const temp = join(outDir, `.${process.pid}-${Date.now()}-${basename(outfile)}`);
  await build({
    entryPoints: [resolve(root, entry)],
    outfile: temp,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'warning',
    loader: { '.wasm': 'file' },
    assetNames: '[name]',
    plugins: [consoleAssetsPlugin],
  });
  renameSync(temp, outfile);
  return outfile;
}
