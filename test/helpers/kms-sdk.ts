// KmsClients for SDK tests: against an in-process rig served on loopback, with every KMS call counted by
// operation name, so tests can check which calls a keyring or cache made.
import { KmsClient } from '../../src/sdk/kms/client.ts';
import type { RetryOptions } from '../../src/sdk/retry.ts';
import { ADMIN } from './kms.ts';

export interface CountingClient {
  kms: KmsClient;
  /** Requests sent, by the last path segment (`create-datakey`, `decrypt-datakey`, ...). */
  calls: Map<string, number>;
  total(): number;
}

export function countingClient(endpoint: string, options: { projectId?: string; now?: () => number; retry?: RetryOptions | false; accessKey?: string; secretKey?: string } = {}): CountingClient {
  const calls = new Map<string, number>();
  const kms = new KmsClient({
    endpoint,
    accessKey: options.accessKey ?? ADMIN.accessKey,
    secretKey: options.secretKey ?? ADMIN.secretKey,
    projectId: options.projectId ?? ADMIN.project,
    now: options.now,
    retry: options.retry,
    fetch: (r) => {
      const op = new URL(r.url).pathname.split('/').pop()!;
      calls.set(op, (calls.get(op) ?? 0) + 1);
      return fetch(r);
    },
  });
  return { kms, calls, total: () => [...calls.values()].reduce((a, b) => a + b, 0) };
}
