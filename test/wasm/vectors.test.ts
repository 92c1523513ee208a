// The published vectors (test/wasm/vectors.ts) in Node; Deno and workerd run the same list.
import { describe, it } from 'vitest';
import { useWasm } from './setup.ts';
import { VECTOR_CHECKS } from './vectors.ts';

useWasm();

describe('published vectors (Node)', () => {
  for (const v of VECTOR_CHECKS) it(v.name, () => v.run(), 120_000);
});
