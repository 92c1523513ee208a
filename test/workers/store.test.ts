// The Store contract on Durable Objects and the KV replica, run inside workerd (store-worker.ts) with real
// bindings: compare-and-set, concurrent read-modify-write, listing within and across projects with cursors,
// size bounds, and what the KV replica may and may not hold.
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const NAMES = [
  'compare-and-set on one key: create-only, matching version, stale version, conditional delete',
  'concurrent read-modify-write through separate store objects loses no update',
  'listing: one project from its object, across projects from every object, in byte order, page by page',
  'bounds: keys over 512 bytes and values over 2 MB are refused as StoreError, and nothing is written',
  'KV replica: write-once entries only, served from KV once there, a miss falls through and fills KV',
];
let results: { name: string; error?: string }[] = [];
let dir: string;
let mf: Miniflare | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgekms-store-workerd-'));
  await build({
    entryPoints: [new URL('./store-worker.ts', import.meta.url).pathname],
    outfile: join(dir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'import'],
    external: ['cloudflare:workers'],
    logLevel: 'warning',
  });
  mf = new Miniflare({
    modules: true,
    scriptPath: join(dir, 'worker.js'),
    modulesRoot: dir,
    compatibilityDate: '2026-04-26',
    durableObjects: { STORE: { className: 'StoreObject', useSQLite: true } },
    kvNamespaces: ['KV'],
  });
  results = (await (await mf.dispatchFetch('http://localhost/')).json()) as typeof results;
}, 120_000);

afterAll(async () => {
  await mf?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Store contract on Durable Objects + KV, in workerd', () => {
  for (const name of NAMES) {
    it(name, () => {
      const r = results.find((x) => x.name === name);
      expect(r, 'the Worker ran this check').toBeDefined();
      expect(r!.error ?? '').toBe('');
    });
  }
});
