// `import … from 'edgekms/server'`: the service to embed in an existing app. createService() assembles the
// KMS, the secrets manager, their maintenance and the Hono app over any Store; createApp() is the Hono app
// alone (mount it with app.route('/', edgekms.app) or call app.fetch). Stores: in memory, the file store
// (Node and Deno), and the Durable Object store with its KV replica (Workers).
export { createService, adminCredential, type Service, type ServiceOptions } from '../runtime/service.ts';
export { createApp, type AppOptions, type AccessLogEntry } from '../server/app.ts';
export { readEnv, ConfigError, type EnvConfig } from '../runtime/config.ts';
export { RootKey } from '../kms/root-key.ts';
export { portableCrypto, type CryptoProvider } from '../crypto/provider.ts';
export { StaticCredentials, type Credential, type CredentialSource } from '../iam/credentials.ts';
export { MemoryStore } from '../store/memory.ts';
export { FileStore } from '../store/file.ts';
export { ConflictError, StoreError, type Store, type StoredEntry, type PutOptions, type DeleteOptions, type ListOptions, type ListResult } from '../store/store.ts';
export { initWasm } from '../crypto/wasm/core.ts';
export { loadWasm } from './wasm-url.ts';
