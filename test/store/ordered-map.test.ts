// The sorted key index is kept in order across inserts and removals (not re-sorted): listings after any
// sequence of writes equal a sort of the live keys, checked with fast-check against a plain reference.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory.ts';
import { listAll } from '../../src/store/store.ts';

describe('sorted key index', () => {
  it('lists exactly the live keys in byte order after any interleaving of puts and deletes', async () => {
    const key = fc.stringMatching(/^[a-c]{1,3}(\/[a-c]{1,2})?$/);
    const op = fc.oneof(fc.record({ put: key }), fc.record({ del: key }), fc.record({ list: fc.constantFrom('', 'a', 'b/', 'c') }));
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const store = new MemoryStore();
        const live = new Set<string>();
        for (const o of ops) {
          if ('put' in o) {
            await store.put(o.put, new Uint8Array([1]));
            live.add(o.put);
          } else if ('del' in o) {
            await store.delete(o.del);
            live.delete(o.del);
          } else {
            const expected = [...live].filter((k) => k.startsWith(o.list)).sort();
            expect(await listAll(store, o.list)).toEqual(expected);
            expect((await store.list(o.list, { limit: 2 })).keys).toEqual(expected.slice(0, 2));
          }
        }
        expect(await listAll(store, '')).toEqual([...live].sort());
      }),
      { numRuns: 300 },
    );
  });
});
