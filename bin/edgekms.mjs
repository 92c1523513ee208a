#!/usr/bin/env node
// The `edgekms` command (and `npm start`, which is `edgekms serve`). An installed package runs its prebuilt
// dist/cli.js: plain JavaScript with everything it needs bundled in, so it needs no dependency at all.
// In the repository, Node 20 cannot run the TypeScript sources directly, so the entry is bundled with
// esbuild (a dev dependency) on each start into .cache/ and run from there; a checkout without esbuild
// falls back to a built dist/cli.js (npm run build).
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const built = new URL('../dist/cli.js', import.meta.url);
const inRepo = existsSync(new URL('../src/cli/main.ts', import.meta.url)) && existsSync(new URL('../scripts/bundle.mjs', import.meta.url));
let bundler;
if (inRepo) bundler = await import('../scripts/bundle.mjs').catch(() => undefined);
if (bundler) {
  await import(pathToFileURL(await bundler.bundle('src/cli/main.ts', 'edgekms-cli.mjs')).href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  console.error('edgekms: no dist/cli.js here and no esbuild to bundle the sources; run npm run build (needs the dev dependencies)');
  process.exitCode = 3;
}
