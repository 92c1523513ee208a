// The Store contract on Durable Objects. Store keys are spread over objects by project: a key
// `<area>/<project>/...` (kms/…, csms/…) lives in the object named `project:<project>`, anything else
// (meta/deployment) in the deployment's object `root`. So one project's writes are serialised by its own
// object, projects never queue behind each other, and there is no global singleton on the request path.
// A listing whose prefix names a project asks that project's object; a listing across projects (the
// maintenance sweep over `kms/`) asks every object the deployment's object has registered.
import type { DeleteOptions, ListOptions, ListResult, PutOptions, Store, StoredEntry } from '../store.ts';
import { ConflictError, MAX_LIST_LIMIT, StoreError, checkKey } from '../store.ts';
import type { StoreObject } from './store-object.ts';

const ROOT = 'root';
const PROJECT_KEY = /^[^/]+\/([^/]+)\/./;
const PROJECT_PREFIX = /^[^/]+\/([^/]+)\//;

/** Which object owns a store key. */
export function shardOf(key: string): string {
  const m = PROJECT_KEY.exec(key);
  return m ? `project:${m[1]}` : ROOT;
}

export class DurableObjectStore implements Store {
  /** Objects this isolate has already registered with the deployment's object. */
  private readonly registered = new Set<string>([ROOT]);

  constructor(private readonly namespace: DurableObjectNamespace<StoreObject>) {}

  private object(shard: string): DurableObjectStub<StoreObject> {
    return this.namespace.get(this.namespace.idFromName(shard));
  }

  async get(key: string): Promise<StoredEntry | null> {
    checkKey(key);
    return remote(() => this.object(shardOf(key)).get(key));
  }

  async put(key: string, value: Uint8Array, options: PutOptions = {}): Promise<string> {
    checkKey(key);
    const shard = shardOf(key);
    // Registered before the first write, so a listing across projects can never miss a written key.
    if (!this.registered.has(shard)) {
      await remote(() => this.object(ROOT).registerShard(shard));
      this.registered.add(shard);
    }
    const r = await remote(() => this.object(shard).put(key, value, options.ifVersion));
    if (r.conflict) throw new ConflictError(key);
    return r.version;
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    checkKey(key);
    const r = await remote(() => this.object(shardOf(key)).delete(key, options.ifVersion));
    if (r.conflict) throw new ConflictError(key);
    return r.deleted;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const limit = Math.min(Math.max(options.limit ?? MAX_LIST_LIMIT, 1), MAX_LIST_LIMIT);
    const m = PROJECT_PREFIX.exec(prefix);
    const shards = m ? [`project:${m[1]}`] : [ROOT, ...(await remote(() => this.object(ROOT).shards()))];
    // Each object holds a disjoint set of keys; merge their pages and continue after the last key given.
    const pages = await Promise.all(shards.map((s) => remote(() => this.object(s).list(prefix, options.cursor, limit))));
    const keys = pages.flatMap((p) => p.keys).sort(byteOrder);
    const more = keys.length > limit || pages.some((p) => p.more);
    const page = keys.slice(0, limit);
    return more && page.length > 0 ? { keys: page, cursor: page.at(-1) } : { keys: page };
  }
}

/** UTF-8 byte order, as the objects' SQLite returns keys. */
function byteOrder(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** A failed call to an object is a StoreError: the operation may or may not have taken effect. */
async function remote<T>(call: () => Promise<T> | T): Promise<T> {
  try {
    return (await call()) as T;
  } catch (e) {
    throw new StoreError(`durable object call failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
