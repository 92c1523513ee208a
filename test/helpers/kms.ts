// Test rigs: a KMS over an in-memory (or given) store with a clock the test controls, its Hono app, and
// signed clients that talk to the app in-process or over real loopback HTTP. The WASM crypto core (SM2,
// SM3, SM4) is loaded once per test process, as the runtimes do at start-up.
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { StaticCredentials } from '../../src/iam/credentials.ts';
import { ManualClock } from '../../src/kms/clock.ts';
import { openDeployment } from '../../src/kms/deployment.ts';
import { Kms, type KmsSettings } from '../../src/kms/kms.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { createApp } from '../../src/server/app.ts';
import { SignedClient } from '../../src/sdk/client.ts';
import { loadWasmNode } from '../../src/runtime/wasm-node.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import type { CryptoProvider } from '../../src/crypto/provider.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import type { Store } from '../../src/store/store.ts';

export const ADMIN = { accessKey: 'TESTADMINAK000000000', secretKey: 'TestAdminSecretKey0000000000000000000000', project: '0123456789abcdef0123456789abcdef' };
export const OTHER_PROJECT = 'fedcba9876543210fedcba9876543210';
/** Non-administrator credentials (role 'user') in the admin's project: they hold only what grants give them. */
export const USERS = {
  alice: { accessKey: 'TESTALICEAK000000000', secretKey: 'TestAliceSecretKey0000000000000000000000', principal: 'alice01' },
  bob: { accessKey: 'TESTBOBAK00000000000', secretKey: 'TestBobSecretKey000000000000000000000000', principal: 'bob02' },
} as const;
export type UserName = keyof typeof USERS;

export interface Rig {
  kms: Kms;
  app: ReturnType<typeof createApp>;
  store: Store;
  clock: ManualClock;
  /** Signed client for the admin's project, in-process. */
  client: SignedClient;
  clientFor(project: string): SignedClient;
  /** Signed client of a non-administrator (USERS) for the admin's project, in-process. */
  userClient(name: UserName): SignedClient;
}

/**
 * A rig runs on the crypto `npm start` runs on (nodeCrypto) unless a test passes another provider (the
 * portable one, or a wrapper that observes calls).
 */
export async function makeRig(
  options: { store?: Store; clock?: ManualClock; rootKey?: Uint8Array; limits?: Partial<KmsSettings>; crypto?: CryptoProvider } = {},
): Promise<Rig> {
  const crypto = options.crypto ?? nodeCrypto;
  await loadWasmNode();
  const store = options.store ?? new MemoryStore();
  const clock = options.clock ?? new ManualClock(Date.now());
  const rootKey = await RootKey.fromBytes(options.rootKey ? options.rootKey.slice() : new Uint8Array(32).fill(7), crypto);
  const { domainId } = await openDeployment(store, rootKey);
  const credentials = new StaticCredentials([
    { accessKey: ADMIN.accessKey, secretKey: new TextEncoder().encode(ADMIN.secretKey), principal: 'admin', projects: '*', role: 'admin' },
    ...Object.values(USERS).map((u) => ({
      accessKey: u.accessKey,
      secretKey: new TextEncoder().encode(u.secretKey),
      principal: u.principal,
      projects: [ADMIN.project],
      role: 'user' as const,
    })),
  ]);
  const kms = new Kms({ store, rootKey, crypto, domainId, clock, limits: options.limits });
  const app = createApp({ kms, credentials, onInternalError: () => {} });
  const signed = (accessKey: string, secretKey: string, project: string) =>
    new SignedClient({
      endpoint: 'http://kms.test',
      accessKey,
      secretKey,
      projectId: project,
      fetch: async (r) => app.fetch(r),
      now: () => clock.now(),
    });
  const clientFor = (project: string) => signed(ADMIN.accessKey, ADMIN.secretKey, project);
  const userClient = (name: UserName) => signed(USERS[name].accessKey, USERS[name].secretKey, ADMIN.project);
  // Requests are signed with the real clock; keep the rig's clock near it unless a test moves it.
  // `store` is the KMS's view, behind the barrier (records in the clear); `options.store` is the raw backend.
  return { kms, app, store: kms.store, clock, client: clientFor(ADMIN.project), clientFor, userClient };
}

/** Serves an app on an ephemeral loopback port. */
export async function listen(app: { fetch: (r: Request) => Response | Promise<Response> }): Promise<{ url: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

/** The error an async call throws (fails the test if it does not throw). */
export async function rejection<T = any>(p: Promise<unknown>): Promise<T> {
  try {
    await p;
  } catch (e) {
    return e as T;
  }
  throw new Error('expected the call to fail');
}
