// Runs every `// example:` block of docs/sdk.md as written (only `from 'edgekms'` is pointed at
// src/sdk/index.ts), against two edgekms servers on loopback named by the environment variables the
// examples read, and checks what each prints against its `// prints:` comments.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN, listen, makeRig } from '../helpers/kms.ts';

const doc = readFileSync('docs/sdk.md', 'utf8');
const examples = [...doc.matchAll(/```ts\n\/\/ example: ([\w-]+)\n([\s\S]*?)```/g)].map((m) => ({ name: m[1], code: m[2] }));
const dir = resolve('.cache/doc-examples');
const servers: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  const [east, west] = await Promise.all([makeRig(), makeRig()]);
  const [e, w] = await Promise.all([listen(east.app), listen(west.app)]);
  servers.push(e, w);
  Object.assign(process.env, {
    HUAWEICLOUD_SDK_AK: ADMIN.accessKey,
    HUAWEICLOUD_SDK_SK: ADMIN.secretKey,
    HUAWEICLOUD_SDK_PROJECT_ID: ADMIN.project,
    EDGEKMS_ENDPOINT: e.url,
    EAST_ENDPOINT: e.url,
    WEST_ENDPOINT: w.url,
  });
  mkdirSync(dir, { recursive: true });
});
afterAll(async () => {
  for (const s of servers) await s.close();
});

describe('docs/sdk.md examples', () => {
  it('has an example for every keyring and the client, caching and integrity', () => {
    expect(examples.map((e) => e.name).sort()).toEqual(['bucket-key', 'caching', 'client', 'discovery', 'integrity', 'kms-keyring', 'multi-region', 'raw-keyrings']);
  });

  it.each(examples)('$name runs and prints what it says', async ({ name, code }) => {
    const file = join(dir, `${name}.ts`);
    writeFileSync(file, code.replaceAll("from 'edgekms'", `from '${resolve('src/sdk/index.ts')}'`));
    const printed: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')));
    try {
      await import(/* @vite-ignore */ `${file}?t=${Date.now()}`);
    } finally {
      spy.mockRestore();
    }
    const expected = [...code.matchAll(/\/\/ prints: (.*)$/gm)].map((m) => m[1]);
    expect(expected.length).toBeGreaterThan(0);
    expect(printed).toEqual(expected);
  });
});
