// Fresh temporary directories for a test file, all removed once its tests have run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A maker of directories named `edgekms-<name>-…`; call it at a test file's top level (it registers the cleanup there). */
export function tempDirs(name: string): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), `edgekms-${name}-`));
    made.push(d);
    return d;
  };
}
