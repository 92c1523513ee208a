// Where grants are found without reading every key of a project: two pointer families next to the key
// documents that hold the grants.
//
//   kms/<project>/grant/<grant id>                         {keyId, at}  the key a grant is on
//   kms/<project>/retiring/<principal>/<grant id>          {keyId, at}  grants a principal may retire as
//                                                                        their retiring principal
//
// They follow the repository's pointer rule: written before the key document that gains the grant,
// removed after the document lost it, and counted only when the document agrees (the grant is on that
// key, with that retiring principal). A pointer left behind by a failed write is invisible; maintenance
// removes it after a grace period and writes any pointer that is missing (grants made before the index).
// So list-retirable-grants reads one principal's pointers and retire-grant one or two keys: no request of
// a non-administrator scans the project.
import { getJson, listAll, putJson, type Store } from '../store/store.ts';
import type { GrantRecord, KeyRecord } from './key-record.ts';
import type { Kms } from './kms.ts';

interface GrantPointer {
  keyId: string;
  /** When it was written: a pointer younger than the grace period may belong to a create-grant in flight. */
  at: number;
}

const SWEEP_GRACE_MS = 10 * 60 * 1000;

const grantPath = (project: string, grantId: string) => `kms/${project}/grant/${grantId}`;
const retiringPrefix = (project: string, principal: string) => `kms/${project}/retiring/${principal}/`;

function pointerPaths(project: string, g: GrantRecord): string[] {
  return [grantPath(project, g.id), ...(g.retiring ? [retiringPrefix(project, g.retiring) + g.id] : [])];
}

/** Writes the pointers of a grant about to be added to key `keyId` (before the key document). */
export async function indexGrant(kms: Kms, project: string, keyId: string, g: GrantRecord): Promise<void> {
  const at = kms.clock.now();
  for (const p of pointerPaths(project, g)) await putJson(kms.store, p, { keyId, at } satisfies GrantPointer);
}

/** Removes the pointers of a grant that is no longer on its key (after the key document). Best effort. */
export async function unindexGrant(kms: Kms, project: string, g: GrantRecord): Promise<void> {
  for (const p of pointerPaths(project, g)) await kms.store.delete(p).catch(() => {});
}

/** The key holding grant `grantId`, with the grant, or null when no key of the project holds it. */
export async function findGrant(kms: Kms, project: string, grantId: string): Promise<{ key: KeyRecord; grant: GrantRecord } | null> {
  const ptr = await getJson<GrantPointer>(kms.store, grantPath(project, grantId));
  if (!ptr) return null;
  const key = await kms.repo.get(project, ptr.value.keyId);
  const grant = key?.grants?.find((g) => g.id === grantId);
  return key && grant ? { key, grant } : null;
}

/** Grants whose retiring principal is `principal`, by key creation then grant creation. */
export async function retirableGrants(kms: Kms, project: string, principal: string): Promise<{ key: KeyRecord; grant: GrantRecord }[]> {
  const prefix = retiringPrefix(project, principal);
  const out: { key: KeyRecord; grant: GrantRecord }[] = [];
  for (const p of await listAll(kms.store, prefix)) {
    const ptr = await getJson<GrantPointer>(kms.store, p);
    if (!ptr) continue;
    const grantId = p.slice(prefix.length);
    const key = await kms.repo.get(project, ptr.value.keyId);
    const grant = key?.grants?.find((g) => g.id === grantId && g.retiring === principal);
    if (key && grant) out.push({ key, grant });
  }
  return out.sort((a, b) => a.key.createdAt - b.key.createdAt || (a.key.id < b.key.id ? -1 : 1) || a.grant.createdAt - b.grant.createdAt);
}

/**
 * Maintenance of one project: writes pointers missing for the grants of `keys` and removes pointers older
 * than the grace period whose grant is not on the key they name. Returns how many it changed.
 */
export async function reconcileGrantIndex(kms: Kms, project: string, keys: readonly KeyRecord[]): Promise<number> {
  const store: Store = kms.store;
  const live = new Map<string, string>(); // pointer path -> key id
  for (const r of keys) for (const g of r.grants ?? []) for (const p of pointerPaths(project, g)) live.set(p, r.id);
  let changed = 0;
  const existing = [...(await listAll(store, `kms/${project}/grant/`)), ...(await listAll(store, `kms/${project}/retiring/`))];
  for (const p of existing) {
    const ptr = await getJson<GrantPointer>(store, p);
    if (!ptr || live.get(p) === ptr.value.keyId || kms.clock.now() - ptr.value.at < SWEEP_GRACE_MS) {
      live.delete(p);
      continue;
    }
    await store.delete(p, { ifVersion: ptr.version });
    changed++;
  }
  const present = new Set(existing.filter((p) => !live.has(p)));
  for (const [p, keyId] of live) {
    if (present.has(p)) continue;
    await putJson(store, p, { keyId, at: kms.clock.now() } satisfies GrantPointer);
    changed++;
  }
  return changed;
}
