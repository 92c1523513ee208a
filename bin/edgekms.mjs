#!/usr/bin/env node
// The `edgekms` command. Node 20 cannot run TypeScript directly, so the CLI entry is bundled with esbuild
// on first use (a few hundred milliseconds) and run from .cache/.
// An installed package runs its prebuilt dist/cli.js instead (npm run build).
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const built = new URL('../dist/cli.js', import.meta.url);
const inRepo = existsSync(new URL('../src/cli/main.ts', import.meta.url));
if (!inRepo && existsSync(built)) {
  await import(built.href);
} else {
  const { bundle } = await import('../scripts/bundle.mjs');
  const out = await bundle('src/cli/main.ts', 'edgekms-cli.mjs');
  await import(pathToFileURL(out).href);
}
