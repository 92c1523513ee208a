// The SDK in headless Chromium (Debian's, through playwright-core): the ENV1 vector files, then a 50 MB
// File encrypted in the page through the SDK's streams with a KMS keyring that calls `npm start` on
// loopback (cross-origin, so through CORS), downloaded and decrypted by Node; then the reverse, Node
// encrypting and the page decrypting a fetched body. The page's JS memory (V8 heap plus ArrayBuffer
// backing stores still alive after a forced GC) is sampled through CDP during each transfer and must stay
// far below the file size.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmsClient } from '../../src/sdk/kms/client.ts';
import { KmsKeyring } from '../../src/sdk/keyrings/kms.ts';
import { decryptNodeStream, encryptNodeStream } from '../../src/runtime/sdk-node.ts';
import { hasChromium, launchChromium, serveDir } from '../helpers/chromium.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';
import { requireTool } from '../helpers/required-tool.ts';
import type { Env1Vectors } from '../vectors/env1-checks.ts';
import { patternChunk } from './pattern.ts';

const MIB = 50;
const HEAP_BOUND = 24 * 1024 * 1024; // JS memory may not come near the 50 MiB being encrypted
const work = mkdtempSync(join(tmpdir(), 'edgekms-browser-'));
const site = join(work, 'site');
const vectors: Env1Vectors = JSON.parse(readFileSync(new URL('../vectors/env1.json', import.meta.url), 'utf8'));

let server: RunningServer;
let static_: Awaited<ReturnType<typeof serveDir>>;
let chrome: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let kms: { endpoint: string; accessKey: string; secretKey: string; projectId: string; keyId: string };
let keyring: KmsKeyring;

function patternSource(mib: number): Readable {
  let k = 0;
  return new Readable({
    read() {
      this.push(k < mib ? patternChunk(k++) : null);
    },
  });
}

async function patternDigest(mib: number): Promise<string> {
  const h = createHash('sha256');
  for (let k = 0; k < mib; k++) h.update(patternChunk(k));
  return h.digest('hex');
}

/**
 * Runs `work` and answers its result and the peak of the page's live JS memory, sampled by the page itself
 * every 4 MiB of data (page.ts calls memorySample): a full GC first (garbage chunks are freed whenever V8
 * gets round to it, so without one the figure follows the collector, not the code), then CDP's usedSize
 * (the V8 heap) plus backingStorageSize (ArrayBuffer bytes outside it, where every chunk of file data lives;
 * the heap alone would not see a page that kept the whole file).
 */
let peak = 0;
let samples = 0;
async function withHeapPeak<T>(work: () => Promise<T>): Promise<{ result: T; peak: number; samples: number }> {
  peak = 0;
  samples = 0;
  const result = await work();
  return { result, peak, samples };
}

async function installSampler(p: Page): Promise<void> {
  const cdp = await p.context().newCDPSession(p);
  await p.exposeFunction('memorySample', async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const u = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
    if (u.backingStorageSize === undefined) throw new Error('this Chromium does not report ArrayBuffer backing storage');
    peak = Math.max(peak, u.usedSize + u.backingStorageSize);
    samples++;
  });
}

const chromiumOk = requireTool('Debian chromium', hasChromium, 'the SDK runs in Chromium');

beforeAll(async () => {
  if (!chromiumOk) return;
  await build({ entryPoints: [new URL('./page.ts', import.meta.url).pathname], outfile: join(site, 'page.js'), bundle: true, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'warning' });
  copyFileSync(new URL('../../wasm/pkg/edgekms_core.wasm', import.meta.url), join(site, 'edgekms_core.wasm'));
  (await import('node:fs')).writeFileSync(join(site, 'index.html'), '<!doctype html><title>edgekms</title><script type="module" src="./page.js"></script>');
  static_ = await serveDir(site, {
    '/from-node.env1': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      createReadStream(join(work, 'from-node.env1')).pipe(res);
    },
  });
  const dataDir = join(work, 'data');
  server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir, EDGEKMS_CORS_ORIGINS: static_.url });
  const admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
  const client = new KmsClient({ endpoint: server.url, accessKey: admin.access_key, secretKey: admin.secret_key, projectId: admin.project_id });
  const keyId = (await client.createKey({ key_alias: 'browser' })).key_info.key_id;
  kms = { endpoint: server.url, accessKey: admin.access_key, secretKey: admin.secret_key, projectId: admin.project_id, keyId };
  keyring = new KmsKeyring({ client, keyId, region: 'local-1' });
  chrome = await launchChromium();
  page = await (chrome.browser.contexts()[0] ?? (await chrome.browser.newContext())).newPage();
  await installSampler(page);
  await page.goto(`${static_.url}/`);
  await page.waitForFunction(() => (globalThis as { pageReady?: boolean }).pageReady === true);
}, 120_000);

afterAll(async () => {
  await chrome?.close();
  await static_?.close();
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!chromiumOk)('the SDK in Chromium', () => {
  it(`passes the ENV1 vector files (${vectors.positive.length} positive, ${vectors.negative.length} negative)`, async () => {
    const results = (await page.evaluate(() => (globalThis as unknown as { runVectors(): Promise<{ name: string; error?: string }[]> }).runVectors())) as { name: string; error?: string }[];
    expect(results.map((r) => r.name)).toEqual([...vectors.positive, ...vectors.negative].map((v) => v.name));
    expect(results.filter((r) => r.error)).toEqual([]);
  });

  it(`encrypts a ${MIB} MB File through the streams with a KMS keyring; Node decrypts the download; the page heap stays bounded`, async () => {
    const downloaded = page.waitForEvent('download');
    const { result, peak, samples } = await withHeapPeak(() =>
      page.evaluate(([k, mib]) => (globalThis as unknown as { encryptFile(k: unknown, mib: number): Promise<{ plaintextBytes: number; ciphertextBytes: number }> }).encryptFile(k, mib), [kms, MIB] as const),
    );
    expect(result.plaintextBytes).toBe(MIB * 1024 * 1024);
    const path = join(work, 'from-page.env1');
    await (await downloaded).saveAs(path);
    expect(statSync(path).size).toBe(result.ciphertextBytes);
    const h = createHash('sha256');
    await pipeline(decryptNodeStream(createReadStream(path), { keyring }), async function* (source) {
      for await (const chunk of source) h.update(chunk as Uint8Array);
    });
    expect(h.digest('hex')).toBe(await patternDigest(MIB));
    console.log(`page JS memory peak while encrypting ${MIB} MiB: ${(peak / 1048576).toFixed(1)} MiB`);
    expect(samples).toBeGreaterThanOrEqual(12);
    expect(peak).toBeLessThan(HEAP_BOUND);
  }, 180_000);

  it(`decrypts in the page a ${MIB} MB message Node encrypted, fetched as a stream; the page heap stays bounded`, async () => {
    await pipeline(encryptNodeStream(patternSource(MIB), { keyring, encryptionContext: { from: 'node' } }), createWriteStream(join(work, 'from-node.env1')));
    const { result, peak, samples } = await withHeapPeak(() =>
      page.evaluate(([k, url]) => (globalThis as unknown as { decryptUrl(k: unknown, url: string): Promise<{ bytes: number; sha256: string }> }).decryptUrl(k, url), [kms, `${static_.url}/from-node.env1`] as const),
    );
    expect(result).toEqual({ bytes: MIB * 1024 * 1024, sha256: await patternDigest(MIB) });
    console.log(`page JS memory peak while decrypting ${MIB} MiB: ${(peak / 1048576).toFixed(1)} MiB`);
    expect(samples).toBeGreaterThanOrEqual(12);
    expect(peak).toBeLessThan(HEAP_BOUND);
  }, 180_000);
});
