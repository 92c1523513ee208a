// What identifies a deployment in its store: the account (domain) id, and a check value proving which
// root key protects the store. Starting with a different root key is refused up front instead of failing
// later on every decrypt. The record is read and written behind the store barrier like every other; when
// its seal does not verify, the sealed check value inside tells a wrong root key from an edited record.
import { randomBytes, utf8 } from '../crypto/bytes.ts';
import { fromBase64, toBase64, toHex } from '../crypto/encoding.ts';
import { SealedStore, TamperedRecordError } from '../store/barrier.ts';
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

/** The store was written before records were sealed (src/store/barrier.ts), under this root key. */
export class UnsealedStore extends Error {
  override name = 'UnsealedStore';
}

export interface Deployment {
  domainId: string;
  /** True when this call created the deployment (first start). */
  created: boolean;
}

export async function openDeployment(backend: Store, root: RootKey, now = Date.now()): Promise<Deployment> {
  const store = SealedStore.over(backend, root.barrierMac);
  let existing: { value: DeploymentRecord } | null;
  try {
    existing = await getJson<DeploymentRecord>(store, META);
  } catch (e) {
    if (e instanceof TamperedRecordError) await explainBadSeal(store.inner, root);
    throw e;
  }
  if (existing) {
    await checkRootKey(existing.value, root);
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

async function checkRootKey(record: DeploymentRecord, root: RootKey): Promise<void> {
  try {
    await root.open(fromBase64(record.rootCheck), CHECK_CONTEXT);
  } catch {
    throw new RootKeyMismatch(
      `the root key (fingerprint ${root.fingerprint}) is not the one that protects this store (fingerprint ${record.rootFingerprint})`,
    );
  }
}

/** A deployment record whose seal fails: a wrong root key fails its sealed check value too. */
async function explainBadSeal(backend: Store, root: RootKey): Promise<void> {
  const raw = await backend.get(META);
  let record: DeploymentRecord;
  try {
    record = JSON.parse(new TextDecoder().decode(SealedStore.unverified(raw!.value))) as DeploymentRecord;
  } catch {
    return; // not even readable: the integrity error says it all
  }
  if (typeof record?.rootCheck !== 'string') return;
  await checkRootKey(record, root);
  if (!SealedStore.isSealed(raw!.value)) {
    throw new UnsealedStore(
      'this store was written by an edgekms that did not seal its records yet. If nobody else has written its files, ' +
        'seal every record as it is now: SealedStore.sealExisting (npm start: start once with EDGEKMS_SEAL_EXISTING_STORE=1)',
    );
  }
}
