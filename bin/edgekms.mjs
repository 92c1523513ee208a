#!/usr/bin/env node
// The `edgekms` command. Node 20 cannot run TypeScript directly, so the CLI entry is bundled with esbuild
// on first use (a few hundred milliseconds) and run from .cache/.
import { pathToFileURL } from 'node:url';
import { bundle } from '../scripts/bundle.mjs';

const out = await bundle('src/cli/main.ts', 'edgekms-cli.mjs');
await import(pathToFileURL(out).href);
