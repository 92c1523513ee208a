// What identifies a deployment in its store: the account (domain) id, and a check value proving which
// root key protects the store. Starting with a different root key is refused up front instead of failing
// later on every decrypt.
import { randomBytes, utf8 } from '../crypto/bytes.ts';
import { fromBase64, toBase64, toHex } from '../crypto/encoding.ts';
import type { Store } from '../store/store.ts';
import { getJson, putJson, ConflictError } from '../store/store.ts';
import type { RootKey } from './root-key.ts';

const META = 'meta/deployment';
const CHECK_CONTEXT = ['deployment-check'];

interface DeploymentRecord {
  domainId: string;
  rootFingerprint: string;
  /** A known value sealed by the root key. */
  rootCheck: string;
  createdAt: number;
}

export class RootKeyMismatch extends Error {
  override name = 'RootKeyMismatch';
}

export interface Deployment {
  domainId: string;
  /** True when this call created the deployment (first start). */
  created: boolean;
}

export async function openDeployment(store: Store, root: RootKey, now = Date.now()): Promise<Deployment> {
  const existing = await getJson<DeploymentRecord>(store, META);
  if (existing) {
    try {
      await root.open(fromBase64(existing.value.rootCheck), CHECK_CONTEXT);
    } catch {
      throw new RootKeyMismatch(
        `the root key (fingerprint ${root.fingerprint}) is not the one that protects this store (fingerprint ${existing.value.rootFingerprint})`,
      );
    }
    return { domainId: existing.value.domainId, created: false };
  }
  const record: DeploymentRecord = {
    domainId: toHex(randomBytes(16), false),
    rootFingerprint: root.fingerprint,
    rootCheck: toBase64(await root.seal(utf8('edgekms'), CHECK_CONTEXT)),
    createdAt: now,
  };
  try {
    await putJson(store, META, record, { ifVersion: null });
  } catch (e) {
    if (e instanceof ConflictError) return openDeployment(store, root, now);
    throw e;
  }
  return { domainId: record.domainId, created: true };
}
