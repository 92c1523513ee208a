// How many messages each symmetric key version has sealed. With random 96-bit IVs one AES-GCM (or SM4-GCM)
// key must not seal more than 2^32 messages (NIST SP 800-38D 8.3); the KMS rotates a key automatically when
// its primary version reaches `sealsBeforeRotation` (2^31) and refuses to seal with a version at
// `sealLimit` (2^32 - 2^30), which only a key that cannot rotate (imported material) ever reaches.
//
// Counting is approximate, by design of the store: a write per seal would cost more than the seal (and
// Workers KV takes about one write per second per key). Each process counts in memory and adds its count
// to the version's `seals` in the key document every `sealFlushEvery` seals (65,536), at each maintenance
// run and at shutdown. Counts of several processes add up (each adds its own delta by compare-and-set);
// a process that dies loses at most its unflushed seals per version (< 65,536 per crash), which the
// 2^30-seal margin between the refusal and the 2^32 bound absorbs even after 16,000 crashes at full speed.
import { Code, KmsError } from './errors.ts';
import type { KeyRecord, MaterialVersion } from './key-record.ts';
import type { Kms } from './kms.ts';

export interface SealLimits {
  sealsBeforeRotation: number;
  sealLimit: number;
  sealFlushEvery: number;
}

export const DEFAULT_SEAL_LIMITS: SealLimits = { sealsBeforeRotation: 2 ** 31, sealLimit: 2 ** 32 - 2 ** 30, sealFlushEvery: 65_536 };

interface Pending {
  project: string;
  keyId: string;
  v: number;
  n: number;
}

export class SealCounter {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly kms: Kms,
    private readonly limits: SealLimits,
  ) {}

  /**
   * Counts one seal with version `mv` of `r` before it happens: throws once the version is at its limit,
   * rotates the key (awaited, so the next request seals with the new version) when it reaches the
   * rotation threshold (`rotate` adds a version if `mv` is still the primary one).
   */
  async count(r: KeyRecord, mv: MaterialVersion, rotate: () => Promise<unknown>): Promise<void> {
    const id = `${r.project}\u0000${r.id}\u0000${mv.v}`;
    let p = this.pending.get(id);
    const total = (mv.seals ?? 0) + (p?.n ?? 0);
    if (total >= this.limits.sealLimit) {
      throw new KmsError(
        Code.InvalidParameter,
        `The key ${r.id} has sealed ${total} messages with version ${mv.v}, the most one AES-GCM key may seal; rotate the key or use another.`,
      );
    }
    if (!p) this.pending.set(id, (p = { project: r.project, keyId: r.id, v: mv.v, n: 0 }));
    p.n++;
    if (total + 1 >= this.limits.sealsBeforeRotation && mv === r.versions.at(-1) && r.origin !== 'external') {
      // A count that cannot be written now stays pending (maintenance retries); the seal goes ahead.
      await this.flushOne(id).catch(() => {});
      await rotate();
    } else if (p.n >= this.limits.sealFlushEvery) {
      void this.flushOne(id).catch(() => {}); // kept pending on failure; maintenance writes it later
    }
  }

  /** Adds every pending count to its key document. Returns how many versions were written. */
  async flush(): Promise<number> {
    let n = 0;
    for (const id of [...this.pending.keys()]) if (await this.flushOne(id)) n++;
    return n;
  }

  private async flushOne(id: string): Promise<boolean> {
    const p = this.pending.get(id);
    if (!p || p.n === 0) return false;
    const n = p.n;
    p.n = 0;
    try {
      await this.kms.repo.update(p.project, p.keyId, (r) => ({
        ...r,
        versions: r.versions.map((m) => (m.v === p.v ? { ...m, seals: (m.seals ?? 0) + n } : m)),
      }));
      if (p.n === 0) this.pending.delete(id);
      return true;
    } catch (e) {
      if (e instanceof KmsError && e.code === Code.KeyNotFound) {
        this.pending.delete(id); // destroyed: nothing left to count
        return false;
      }
      p.n += n;
      throw e;
    }
  }
}
