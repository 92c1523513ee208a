// The public barrel: it bundles for the browser (so nothing in it reaches for node: modules), every export
// carries a doc comment, and the main pieces are reachable from it.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as sdk from '../../src/sdk/index.ts';

describe('src/sdk/index.ts', () => {
  it('bundles for the browser platform with no node: imports', async () => {
    const r = await build({ entryPoints: ['src/sdk/index.ts'], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent', metafile: true });
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs.filter((i) => i.startsWith('node:') || i.includes('src/runtime/'))).toEqual([]);
    expect(r.outputFiles[0].text).not.toMatch(/from\s*["']node:/);
  });

  it('has a doc comment on every export statement', () => {
    const lines = readFileSync('src/sdk/index.ts', 'utf8').split('\n');
    const bare = lines.flatMap((l, i) => (l.startsWith('export') && !lines[i - 1]?.trim().endsWith('*/') ? [l] : []));
    expect(bare).toEqual([]);
  });

  it('exposes the clients, keyrings, managers and streams', () => {
    for (const name of ['KmsClient', 'SignedClient', 'ApiError', 'KmsKeyring', 'MultiRegionKeyring', 'KmsDiscoveryKeyring', 'BucketKeyKeyring', 'CachingMaterialsManager', 'RawAesKeyring', 'encryptStream', 'decryptStream', 'signStream', 'verifyStream', 'fromEnv', 'RefreshingCredentials', 'SecretsClient']) {
      expect(typeof (sdk as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});
