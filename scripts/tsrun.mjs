#!/usr/bin/env node
// Runs a TypeScript entry point on Node 20: bundles it (scripts/bundle.mjs) and imports the result.
// One mechanism for `npm start`, the CLI and the benchmarks.
import { pathToFileURL } from 'node:url';
import { bundle } from './bundle.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: tsrun.mjs <entry.ts> [args...]');
  process.exit(2);
}
const out = await bundle(entry);
process.argv = [process.argv[0], out, ...args];
await import(pathToFileURL(out).href);
