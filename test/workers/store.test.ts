// The Store contract on Durable Objects and the KV replica, run inside workerd (store-worker.ts) with real
// bindings: compare-and-set, concurrent read-modify-write, listing within and across projects with cursors,
// size bounds, and what the KV replica may and may not hold.
import { beforeAll, describe, expect, it } from 'vitest';
import { runTestWorker } from './harness.ts';

const NAMES = [
  'compare-and-set on one key: create-only, matching version, stale version, conditional delete',
  'concurrent read-modify-write through separate store objects loses no update',
  'listing: one project from its object, across projects from every object, in byte order, page by page',
  'bounds: keys over 512 bytes and values over 2 MB are refused as StoreError, and nothing is written',
  'KV replica: write-once entries only, served from KV once there, a miss falls through and fills KV',
];
let results: { name: string; error?: string }[] = [];

beforeAll(async () => {
  results = await runTestWorker(new URL('./store-worker.ts', import.meta.url), {
    durableObjects: { STORE: { className: 'StoreObject', useSQLite: true } },
    kvNamespaces: ['KV'],
  });
}, 120_000);

describe('Store contract on Durable Objects + KV, in workerd', () => {
  for (const name of NAMES) {
    it(name, () => {
      const r = results.find((x) => x.name === name);
      expect(r, 'the Worker ran this check').toBeDefined();
      expect(r!.error ?? '').toBe('');
    });
  }
});
