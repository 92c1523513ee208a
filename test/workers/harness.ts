// Runs the deployable Worker in workerd: `wrangler deploy --dry-run --outdir` bundles src/runtime/worker.ts
// exactly as a deploy would (the WASM core as a separate module), and Miniflare serves that bundle with
// real Durable Object and KV bindings, named and configured as in wrangler.toml. Two Worker instances
// (separate isolates, separate caches) can share the same objects and namespaces, as two locations do.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Miniflare, type WorkerOptions } from 'miniflare';

const root = new URL('../..', import.meta.url).pathname;

export const WORKER_SECRETS = {
  EDGEKMS_ROOT_KEY: 'q1bqkoA6zlNFfHuyZ0Bm7uKgkH5lkh8u3bqZ0hPZ8yI=',
  EDGEKMS_ADMIN_AK: 'WORKERADMINAK000001',
  EDGEKMS_ADMIN_SK: 'WorkerAdminSecretKey0000000000000000000000',
  EDGEKMS_PROJECT_ID: 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5',
};

/** `wrangler deploy --dry-run --outdir <dir>`: the bundle a deploy uploads. */
export function bundleWorker(outdir = mkdtempSync(join(tmpdir(), 'edgekms-worker-'))): { dir: string; files: string[]; log: string } {
  const r = spawnSync(join(root, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', outdir], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CI: '1', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
  });
  if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${r.stdout}\n${r.stderr}`);
  return { dir: outdir, files: readdirSync(outdir), log: r.stdout + r.stderr };
}

export interface WorkerInstanceOptions {
  bindings?: Record<string, string>;
  /** Hand the Worker this base64 key as a non-extractable AES-GCM CryptoKey named EDGEKMS_ROOT_KEY. */
  rootCryptoKey?: string;
  /** Persist Durable Objects and KV here (survives a restart of Miniflare). */
  persist?: string;
  /** Also run a second instance, `edgekms-b`, bound to the same objects and namespaces. */
  second?: boolean;
}

export function workerOptions(dir: string, name: string, bindings: Record<string, string>, objectsOf?: string): WorkerOptions {
  return {
    name,
    modules: true,
    scriptPath: join(dir, 'worker.js'),
    modulesRoot: dir,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2026-04-26',
    compatibilityFlags: ['nodejs_compat'],
    bindings: { EDGEKMS_REGION: 'local-1', EDGEKMS_LOG: 'silent', ...bindings },
    durableObjects: { STORE: objectsOf ? { className: 'StoreObject', scriptName: objectsOf, useSQLite: true } : { className: 'StoreObject', useSQLite: true } },
    kvNamespaces: { KMS_KV: 'edgekms-kv' },
  };
}

export function startWorker(dir: string, options: WorkerInstanceOptions = {}): Miniflare {
  const bindings = options.bindings ?? WORKER_SECRETS;
  const workers = [workerOptions(dir, 'edgekms', bindings)];
  if (options.rootCryptoKey) workers[0].unsafeBindings = [secretKeyBinding('EDGEKMS_ROOT_KEY', options.rootCryptoKey)];
  if (options.second) workers.push(workerOptions(dir, 'edgekms-b', bindings, 'edgekms'));
  return new Miniflare({
    workers,
    host: '127.0.0.1',
    port: 0,
    ...(options.persist ? { durableObjectsPersist: join(options.persist, 'do'), kvPersist: join(options.persist, 'kv') } : {}),
  });
}

/** A workerd `cryptoKey` binding through test/workers/secret-key-plugin.mjs (see there why). */
function secretKeyBinding(name: string, base64: string): NonNullable<WorkerOptions['unsafeBindings']>[number] {
  const plugin = { package: new URL('./secret-key-plugin.mjs', import.meta.url).pathname, name: 'edgekms-secret-key' };
  return { name, type: 'secret_key', plugin, options: { base64 } };
}

/**
 * Bundles a test Worker (its .wasm imports kept as modules beside it) and runs it once in workerd: the
 * parsed JSON of its answer to GET /. The Worker's checks run inside workerd; the test asserts on the report.
 */
export async function runTestWorker<T>(entry: URL, options: Pick<WorkerOptions, 'durableObjects' | 'kvNamespaces'> = {}): Promise<T> {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'edgekms-test-worker-'));
  let mf: Miniflare | undefined;
  try {
    await build({
      entryPoints: [entry.pathname],
      outfile: join(dir, 'worker.js'),
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      mainFields: ['module', 'main'],
      conditions: ['workerd', 'worker', 'import'],
      external: ['cloudflare:workers'],
      loader: { '.wasm': 'copy' },
      assetNames: '[name]',
      logLevel: 'warning',
    });
    mf = new Miniflare({
      modules: true,
      scriptPath: join(dir, 'worker.js'),
      modulesRoot: dir,
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: '2026-04-26',
      ...options,
    });
    return (await (await mf.dispatchFetch('http://localhost/')).json()) as T;
  } finally {
    await mf?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
