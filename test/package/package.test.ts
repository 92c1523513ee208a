// The package as users get it: `npm pack` (which runs the build), then a fresh project outside the
// repository installs the tarball offline and uses it from Node (an ESM script), Deno (`deno run`, the same
// script), a browser (an esbuild bundle run in Chromium) and TypeScript (`tsc --noEmit` on a consumer file).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, serveDir } from '../helpers/chromium.ts';
import { startServerProcess } from '../helpers/node-server.ts';
import { requireTool } from '../helpers/required-tool.ts';

const root = new URL('../..', import.meta.url).pathname;
const consumerSrc = new URL('./consumer/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'edgekms-package-'));
const project = join(work, 'consumer');
let tarball: string;

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 120_000 });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '' };
}

beforeAll(() => {
  const packed = run('npm', ['pack', '--pack-destination', work], root);
  expect(packed.status, packed.out).toBe(0);
  tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
  spawnSync('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // Offline, from the tarball alone: the bundles are self-contained, so nothing else is fetched.
  // --omit=dev: what a production install gets; the package must need nothing beyond itself.
  const installed = run('npm', ['install', '--offline', '--omit=dev', '--no-audit', '--no-fund', tarball], project);
  expect(installed.status, installed.out).toBe(0);
  for (const f of ['roundtrip.mjs', 'types-check.ts', 'page.ts']) copyFileSync(join(consumerSrc, f), join(project, f));
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package in a fresh project', () => {
  const chromiumOk = requireTool('Debian chromium', hasChromium, 'the package\'s browser bundle runs in Chromium');

  it('ships the bundles, the WASM core and the declarations, and no source or tests', () => {
    const listed = run('tar', ['-tzf', tarball], work).stdout.split('\n');
    for (const f of ['dist/sdk.js', 'dist/sdk.node.js', 'dist/types/src/package/sdk-node.d.ts', 'dist/sdk.workerd.js', 'dist/server.js', 'dist/worker.js', 'dist/edgekms_core.wasm', 'dist/types/src/package/sdk.d.ts', 'package.json']) expect(listed).toContain(`package/${f}`);
    expect(listed.some((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toBe(false);
  });

  it('a Node ESM script encrypts and decrypts through the SDK (KMS keyring, both suites, node:crypto and WebCrypto) against the embedded server', () => {
    const r = run(process.execPath, ['roundtrip.mjs'], project);
    expect(r.status, r.out).toBe(0);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    // Node resolves the package's `node` condition: the SDK with node:crypto beside WebCrypto.
    expect(report).toMatchObject({ ok: true, runtime: 'node', nodeCrypto: true });
    expect(report.results.map((x: { suite: number }) => x.suite)).toEqual([0x0001, 0x0101]); // AES-256-GCM, SM4-GCM
  });

  it('the installed edgekms command runs from the prebuilt dist/cli.js', () => {
    const r = run(join(project, 'node_modules/.bin/edgekms'), ['--help'], project);
    expect(r.status, r.out).toBe(0);
    expect(r.stdout).toMatch(/edgekms/);
    expect(r.stdout).toMatch(/encrypt/);
  });

  it('with only the package installed, npm start and edgekms serve run the server from dist/ and the installed CLI drives it (keys, small data, a file)', async () => {
    expect(readdirSync(join(project, 'node_modules')).filter((d) => !d.startsWith('.'))).toEqual(['edgekms']); // no esbuild, nothing else
    const pkgDir = join(project, 'node_modules/edgekms');
    const bin = join(project, 'node_modules/.bin/edgekms');
    for (const [command, args, cwd] of [
      ['npm', ['start', '--silent'], pkgDir],
      [bin, ['serve', '--port', '0'], project],
    ] as const) {
      const dataDir = mkdtempSync(join(work, 'data-'));
      const server = await startServerProcess(command, [...args], { EDGEKMS_DATA_DIR: dataDir, EDGEKMS_LOG: 'silent' }, 30_000, cwd, true);
      try {
        const env = { EDGEKMS_DATA_DIR: dataDir, EDGEKMS_ENDPOINT: server.url };
        const key = run(bin, ['keys', 'create', 'packaged', '--json'], project, env);
        expect(key.status, key.out).toBe(0);
        const keyId = JSON.parse(key.stdout).key_info.key_id;
        const enc = run(bin, ['encrypt', keyId, 'from the tarball'], project, env);
        expect(run(bin, ['decrypt', enc.stdout.trim()], project, env).stdout.trim()).toBe('from the tarball');
        writeFileSync(join(project, 'plain.txt'), 'a file through the installed CLI\n'.repeat(5000));
        expect(run(bin, ['encrypt-file', 'plain.txt', 'sealed.env1', '--key', keyId, '--suite', 'sm4'], project, env).status).toBe(0);
        const dec = run(bin, ['decrypt-file', 'sealed.env1', 'opened.txt'], project, env);
        expect(dec.status, dec.out).toBe(0);
        expect(readFileSync(join(project, 'opened.txt'), 'utf8')).toBe(readFileSync(join(project, 'plain.txt'), 'utf8'));
      } finally {
        await server.stop();
      }
    }
  }, 120_000);

  it('deno run does the same with the same installed package', () => {
    writeFileSync(join(project, 'deno.json'), JSON.stringify({ nodeModulesDir: 'manual' }));
    const r = run(join(root, 'node_modules/deno/deno'), ['run', '--allow-read', '--allow-env', 'roundtrip.mjs'], project, { DENO_NO_UPDATE_CHECK: '1' });
    expect(r.status, r.out).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ ok: true, runtime: 'deno' });
  }, 120_000);

  it('types resolve: tsc --noEmit on a consumer file', () => {
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, lib: ['ES2024', 'DOM'], types: [] }, files: ['types-check.ts'] }));
    const r = run(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], project);
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!chromiumOk)('an esbuild browser bundle of it runs in Chromium (AES suite on WebCrypto, SM suite on the fetched WASM core)', async () => {
    const site = join(work, 'site');
    await build({ entryPoints: [join(project, 'page.ts')], outfile: join(site, 'page.js'), bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true, absWorkingDir: project, logLevel: 'warning' });
    copyFileSync(join(project, 'node_modules/edgekms/dist/edgekms_core.wasm'), join(site, 'edgekms_core.wasm'));
    writeFileSync(join(site, 'index.html'), '<!doctype html><script type="module" src="./page.js"></script>');
    const server = await serveDir(site);
    const { browser, close } = await launchChromium();
    try {
      const page = await (browser.contexts()[0] ?? (await browser.newContext())).newPage();
      await page.goto(`${server.url}/`);
      const result = await page.evaluate(() => (globalThis as { result?: Promise<unknown> }).result);
      expect(result).toEqual({ ok: true, out: [true, true] });
    } finally {
      await close();
      await server.close();
    }
  }, 120_000);
});
