#!/usr/bin/env node
// Runs a TypeScript entry point on Node 20 (which cannot strip types): esbuild bundles it, with packages
// left external, into .cache/tsrun/ and the result is imported. One mechanism for `npm start`, the CLI and
// the benchmarks.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;

export async function bundle(entry, outName) {
  const outDir = join(root, '.cache', 'tsrun');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, outName ?? basename(entry).replace(/\.ts$/, '.mjs'));
  await build({
    entryPoints: [resolve(entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'warning',
    loader: { '.wasm': 'file' },
    assetNames: '[name]',
  });
  return outfile;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [entry, ...args] = process.argv.slice(2);
  if (!entry) {
    console.error('usage: tsrun.mjs <entry.ts> [args...]');
    process.exit(2);
  }
  const out = await bundle(entry);
  process.argv = [process.argv[0], out, ...args];
  await import(pathToFileURL(out).href);
}
