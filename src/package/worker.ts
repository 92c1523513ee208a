// `import … from 'edgekms/worker'`: a ready Worker (re-export its default handler and the StoreObject
// class in your Worker's main module, with edgekms's wrangler.toml bindings), and the Durable Object store
// with its KV replica to build your own.
export { default, StoreObject, type WorkerEnv } from '../runtime/worker.ts';
export { DurableObjectStore, shardOf } from '../store/cloudflare/durable-store.ts';
export { KvReplicatedStore, WRITE_ONCE_KEYS } from '../store/cloudflare/kv-replica.ts';
