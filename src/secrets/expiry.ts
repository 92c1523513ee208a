// Versions past their expire_time: the maintenance run raises SECRET_VERSION_EXPIRED once per version
// (for secrets subscribed to an event of that type). The version stays readable: edgekms reports expiry,
// it does not enforce it. The mark is written before the notification, so a failed write notifies nothing
// and the next run tries again; notifications themselves are best effort (events-store.ts).
import { notify } from './events-store.ts';
import type { SecretRecord } from './record.ts';
import type { Secrets } from './secrets.ts';

function expiredUnmarked(r: SecretRecord, now: number): string[] {
  return r.versions.filter((v) => v.expireTime !== undefined && v.expireTime <= now && !v.expiryNotified).map((v) => v.id);
}

/** Marks and notifies every newly expired version of a project's secrets. Returns how many versions. */
export async function notifyExpired(secrets: Secrets, project: string): Promise<number> {
  let n = 0;
  for (const r of await secrets.repo.list(project)) {
    if (expiredUnmarked(r, secrets.clock.now()).length === 0) continue;
    let marked: string[] = [];
    const after = await secrets.repo.update(project, r.name, (cur) => {
      marked = expiredUnmarked(cur, secrets.clock.now());
      for (const v of cur.versions) if (marked.includes(v.id)) v.expiryNotified = true;
      return cur;
    });
    for (const id of marked) await notify(secrets, after, 'SECRET_VERSION_EXPIRED', { version_id: id });
    n += marked.length;
  }
  return n;
}
