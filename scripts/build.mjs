#!/usr/bin/env node
// `npm run build` (and `prepack`): the package's dist/. esbuild bundles each entry of package.json
// `exports` into one self-contained ES module (hono and @noble inside, tree-shaken), the WASM core is copied
// next to them (loaded with new URL(..., import.meta.url), or imported as a module by the Workers builds),
// and tsc writes the type declarations. Prints each file's size, raw and gzipped.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { consoleAssetsPlugin } from './console-assets.mjs';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

// The Workers builds import the core as a module that sits next to them in dist/.
const wasmBeside = {
  name: 'wasm-beside',
  setup(b) {
    b.onResolve({ filter: /\.wasm$/ }, () => ({ path: './edgekms_core.wasm', external: true }));
  },
};

const common = { bundle: true, format: 'esm', target: 'es2022', platform: 'neutral', mainFields: ['module', 'main'], legalComments: 'none', logLevel: 'warning', absWorkingDir: root };
const entries = [
  { in: 'src/package/sdk.ts', out: 'sdk.js' },
  { in: 'src/package/sdk-workerd.ts', out: 'sdk.workerd.js', conditions: ['workerd', 'worker'] },
  // Node and Deno: the same SDK plus node:crypto and the node:stream / file helpers.
  { in: 'src/package/sdk-node.ts', out: 'sdk.node.js', platform: 'node' },
  { in: 'src/package/server.ts', out: 'server.js', external: ['node:*'] },
  { in: 'src/package/worker.ts', out: 'worker.js', external: ['cloudflare:workers', 'node:*'], conditions: ['workerd', 'worker'] },
  // The edgekms command of an installed package (bin/edgekms.mjs runs it).
  { in: 'src/cli/main.ts', out: 'cli.js', platform: 'node' },
];
for (const e of entries) {
  await build({ ...common, platform: e.platform ?? 'neutral', entryPoints: [join(root, e.in)], outfile: join(dist, e.out), external: e.external ?? [], conditions: e.conditions ?? [], plugins: [wasmBeside, consoleAssetsPlugin] });
}
copyFileSync(join(root, 'wasm/pkg/edgekms_core.wasm'), join(dist, 'edgekms_core.wasm'));

// Declarations: tsc 7 emits them natively. Relative specifiers keep their .ts ending in .d.ts files, so
// they are rewritten to .js, which TypeScript maps to the .d.ts beside it.
const types = join(dist, 'types');
for (const project of ['tsconfig.build.json', 'tsconfig.worker.json']) {
  const r = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', project, '--noEmit', 'false', '--declaration', '--emitDeclarationOnly', '--outDir', types, '--rootDir', root], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    process.exit(1);
  }
}
const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
for (const f of walk(types).filter((f) => f.endsWith('.d.ts'))) {
  const text = readFileSync(f, 'utf8');
  const fixed = text.replace(/(from\s+|import\(\s*)(['"])(\.{1,2}\/[^'"]+?)\.ts\2/g, '$1$2$3.js$2');
  if (fixed !== text) writeFileSync(f, fixed);
}
// The Workers declarations name the runtime's global types; give them that reference.
for (const f of walk(types).filter((f) => /runtime[\\/]worker\.d\.ts$|store[\\/]cloudflare[\\/]/.test(f))) {
  writeFileSync(f, '/// <reference types="@cloudflare/workers-types" />\n' + readFileSync(f, 'utf8'));
}

for (const f of readdirSync(dist).filter((f) => statSync(join(dist, f)).isFile())) {
  const bytes = readFileSync(join(dist, f));
  console.log(`${relative(root, join(dist, f)).padEnd(28)} ${(bytes.length / 1024).toFixed(1).padStart(8)} KiB  ${(gzipSync(bytes).length / 1024).toFixed(1).padStart(7)} KiB gzip`);
}
