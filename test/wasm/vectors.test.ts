// The published vectors (test/wasm/vectors.ts) in Node; Deno and workerd run the same list.
import { describe, expect, it } from 'vitest';
import { useWasm } from './setup.ts';
import { VECTOR_CHECKS } from './vectors.ts';

useWasm();

describe('published vectors (Node)', () => {
  // The shared checks assert by throwing (they run unchanged in Deno and workerd); the expect states
  // that the check ran to its end.
  for (const v of VECTOR_CHECKS) it(v.name, async () => expect(await v.run()).toBeUndefined(), 120_000);
});
