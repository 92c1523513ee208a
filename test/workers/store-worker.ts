// A Worker that runs the Store contract against the Durable Object store and its KV replica, inside
// workerd with real bindings, and answers one result per check. Bundled and served by store.test.ts.
import { ConflictError, StoreError, listAll, type Store } from '../../src/store/store.ts';
import { DurableObjectStore } from '../../src/store/cloudflare/durable-store.ts';
import { KvReplicatedStore } from '../../src/store/cloudflare/kv-replica.ts';
import type { StoreObject } from '../../src/store/cloudflare/store-object.ts';

export { StoreObject } from '../../src/store/cloudflare/store-object.ts';

interface Env {
  STORE: DurableObjectNamespace<StoreObject>;
  KV: KVNamespace;
}

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function assert(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

async function rejects(p: Promise<unknown>, type: new (...a: never[]) => Error, what: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert(e instanceof type, `${what}: threw ${String(e)} instead of ${type.name}`);
    return;
  }
  throw new Error(`${what}: did not throw`);
}

const checks: Record<string, (env: Env) => Promise<void>> = {
  async 'compare-and-set on one key: create-only, matching version, stale version, conditional delete'(env) {
    const s: Store = new DurableObjectStore(env.STORE);
    const v1 = await s.put('kms/p1/key/k', bytes('one'), { ifVersion: null });
    await rejects(s.put('kms/p1/key/k', bytes('again'), { ifVersion: null }), ConflictError, 'create of an existing key');
    const v2 = await s.put('kms/p1/key/k', bytes('two'), { ifVersion: v1 });
    assert(v2 !== v1, 'a write changes the version');
    await rejects(s.put('kms/p1/key/k', bytes('stale'), { ifVersion: v1 }), ConflictError, 'write with a stale version');
    assert(text((await s.get('kms/p1/key/k'))!.value) === 'two', 'the refused writes changed nothing');
    await rejects(s.delete('kms/p1/key/k', { ifVersion: v1 }), ConflictError, 'delete with a stale version');
    assert((await s.delete('kms/p1/key/k', { ifVersion: v2 })) === true, 'delete with the current version');
    assert((await s.delete('kms/p1/key/k')) === false, 'delete of an absent key');
    assert((await s.get('kms/p1/key/k')) === null, 'gone after delete');
  },

  async 'concurrent read-modify-write through separate store objects loses no update'(env) {
    const key = 'kms/p2/key/counter';
    await new DurableObjectStore(env.STORE).put(key, bytes('0'));
    const increment = async () => {
      const s = new DurableObjectStore(env.STORE); // as another isolate would
      for (;;) {
        const cur = (await s.get(key))!;
        try {
          await s.put(key, bytes(String(Number(text(cur.value)) + 1)), { ifVersion: cur.version });
          return;
        } catch (e) {
          if (!(e instanceof ConflictError)) throw e;
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, increment));
    assert(text((await new DurableObjectStore(env.STORE).get(key))!.value) === '20', 'twenty increments');
  },

  async 'listing: one project from its object, across projects from every object, in byte order, page by page'(env) {
    const s = new DurableObjectStore(env.STORE);
    const written = ['kms/pa/key/1', 'kms/pa/key/2', 'kms/pb/key/1', 'kms/pc/name/x', 'kms/pc/key/0', 'kms/pa/alias/z', 'meta/other', 'csms/pa/secret/s'];
    for (const k of written) await s.put(k, bytes(k));
    const want = written.filter((k) => k.startsWith('kms/')).sort();
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await s.list('kms/', { cursor, limit: 2 });
      pages.push(page.keys);
      cursor = page.cursor;
    } while (cursor);
    const seen = pages.flat().filter((k) => want.includes(k) || k.startsWith('kms/'));
    const mine = seen.filter((k) => /^kms\/p[abc]\//.test(k));
    assert(JSON.stringify(mine) === JSON.stringify(want), `across projects: ${JSON.stringify(mine)}`);
    assert(pages.every((p) => p.length <= 2), 'pages respect the limit');
    assert(JSON.stringify(await listAll(s, 'kms/pa/key/')) === JSON.stringify(['kms/pa/key/1', 'kms/pa/key/2']), 'one project, one prefix');
    assert(JSON.stringify(await listAll(s, 'csms/pa/')) === JSON.stringify(['csms/pa/secret/s']), 'secrets live with their project');
  },

  async 'bounds: keys over 512 bytes and values over 2 MB are refused as StoreError, and nothing is written'(env) {
    const s = new DurableObjectStore(env.STORE);
    await rejects(s.put(`kms/p3/key/${'x'.repeat(600)}`, bytes('v')), StoreError, 'a long key');
    await rejects(s.put('kms/p3/key/big', new Uint8Array(2_000_001)), StoreError, 'a big value');
    assert((await s.get('kms/p3/key/big')) === null, 'nothing written');
  },

  async 'KV replica: write-once entries only, served from KV once there, a miss falls through and fills KV'(env) {
    const primary = new DurableObjectStore(env.STORE);
    const s = new KvReplicatedStore(primary, env.KV);
    await rejects(s.put('meta/deployment', bytes('d'), {}), StoreError, 'an unconditional write of a write-once key');
    const v = await s.put('meta/deployment', bytes('deployment'), { ifVersion: null });
    const inKv = await env.KV.getWithMetadata<{ version: string }>('meta/deployment', 'text');
    assert(inKv.value === 'deployment' && inKv.metadata?.version === v, 'written through to KV with its version');
    await rejects(s.delete('meta/deployment'), StoreError, 'deleting a write-once key');
    // A KV hit is answered from KV: remove the primary copy behind the replica's back and still read it.
    await primary.delete('meta/deployment');
    assert(text((await s.get('meta/deployment'))!.value) === 'deployment', 'served from KV');
    // A miss (not yet in KV) falls through to the Durable Object and fills KV in.
    await primary.put('meta/deployment-2', bytes('second'));
    const r2 = new KvReplicatedStore(primary, env.KV, [/^meta\/deployment-2$/]);
    assert(text((await r2.get('meta/deployment-2'))!.value) === 'second', 'read through');
    assert((await env.KV.get('meta/deployment-2')) === 'second', 'filled in');
    // Everything else never touches KV.
    await s.put('kms/p4/key/k', bytes('mutable'));
    assert((await env.KV.get('kms/p4/key/k')) === null, 'a mutable record is not in KV');
  },
};

export default {
  async fetch(_request: Request, env: Env): Promise<Response> {
    const results: { name: string; error?: string }[] = [];
    for (const [name, check] of Object.entries(checks)) {
      results.push(await check(env).then(() => ({ name }), (e) => ({ name, error: e instanceof Error ? e.message : String(e) })));
    }
    return Response.json(results);
  },
};
