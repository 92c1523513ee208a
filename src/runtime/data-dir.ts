// The data directory at start-up (Node, and Deno through its node:fs): the root key (`root.key`, unless
// EDGEKMS_ROOT_KEY is set), the admin credential (`admin.json`, unless EDGEKMS_ADMIN_AK/SK are set),
// `users.json`, and the store they guard.
//
// Order matters. A root-key mistake (EDGEKMS_ROOT_KEY not set for a deployment made with it, root.key
// deleted) is refused before anything is written, because a fresh root key would make every stored key
// unreadable. root.key and admin.json are written atomically (temp file, fsync, rename, directory fsync)
// under the directory's lock, and root.key before anything is sealed under it, so a crash during the
// first start never leaves an empty or half-written file behind. Every error names the file.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { utf8 } from '../crypto/bytes.ts';
import { fromBase64, toBase64 } from '../crypto/encoding.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import type { Credential } from '../iam/credentials.ts';
import { newAccessKey, newProjectId, newSecretKey } from '../iam/generate.ts';
import { parseUsersFile } from '../iam/users-file.ts';
import { UnsealedStore, openDeployment, type Deployment } from '../kms/deployment.ts';
import { RootKey } from '../kms/root-key.ts';
import { SealedStore } from '../store/barrier.ts';
import { FileStore } from '../store/file.ts';
import { writeFileAtomic } from '../store/fs/atomic-write.ts';
import { nodeFs, type Fs } from '../store/fs/fs.ts';
import { listAll, type Store, type StoreError } from '../store/store.ts';
import { ConfigError, type EnvConfig } from './config.ts';

export interface AdminCredential {
  access_key: string;
  secret_key: string;
  project_id: string;
}

export interface DataDir {
  store: FileStore;
  rootKey: RootKey;
  deployment: Deployment;
  admin: AdminCredential;
  /** Where the admin credential was read from (absent when it came from the environment). */
  adminPath?: string;
  adminCreated: boolean;
  /** Set when admin.json was missing from a deployment that already holds data: the projects found in it. */
  recoveredProjects?: string[];
}

/** Opens (or on first start creates) the data directory; on any error nothing is left locked. */
export interface DataDirOptions {
  /** The file system (tests put a fault-injecting one here). */
  fs?: Fs;
  /** Called when the store stops itself (its files changed under it, or the disk cannot be read back). */
  onStop?: (err: StoreError) => void;
}

export async function openDataDir(config: EnvConfig, crypto: CryptoProvider, options: DataDirOptions = {}): Promise<DataDir> {
  const fs = options.fs ?? nodeFs;
  await refuseLostRootKey(config, fs);
  await fs.mkdir(config.dataDir, 0o700).catch((e) => {
    throw new ConfigError(`cannot create the data directory ${config.dataDir}: ${(e as Error).message}`);
  });
  const store = await FileStore.open(config.dataDir, { fs, takeOverLock: config.takeOverLock, onStop: options.onStop });
  try {
    const rootKey = await RootKey.fromBytes(await loadRootKey(config, fs), crypto);
    const deployment = await openDeployment(store, rootKey).catch(async (e) => {
      if (!(e instanceof UnsealedStore)) throw e;
      if (!config.sealExistingStore) throw new ConfigError(`${config.dataDir}: ${e.message}`);
      const sealed = await SealedStore.over(store, rootKey.barrierMac).sealExisting();
      console.log(`sealed ${sealed} record(s) of ${config.dataDir} written before records were sealed`);
      return openDeployment(store, rootKey);
    });
    // admin.json lost from a deployment with data: the new credential is bound to a project found in it
    // (the administrator may act in every project anyway), and start-up says which projects exist.
    const projects = deployment.created ? [] : await deploymentProjects(store);
    const { admin, path, created } = await loadAdmin(config, fs, projects[0]);
    return { store, rootKey, deployment, admin, adminPath: path, adminCreated: created, ...(created && projects.length ? { recoveredProjects: projects } : {}) };
  } catch (e) {
    await store.close();
    throw e;
  }
}

const rootKeyPath = (config: EnvConfig) => join(config.dataDir, 'root.key');

/** A directory that holds a deployment must come with its root key; this check writes nothing. */
async function refuseLostRootKey(config: EnvConfig, fs: Fs): Promise<void> {
  if (config.rootKey) return;
  const path = rootKeyPath(config);
  if ((await fs.stamp(path)) !== null) return;
  if (!(await FileStore.holdsData(config.dataDir, fs))) return;
  throw new ConfigError(
    `the data directory ${config.dataDir} holds a deployment but not its root key: ${path} does not exist and EDGEKMS_ROOT_KEY is not set. ` +
      'Nothing was changed. Restore root.key from your backup (or set EDGEKMS_ROOT_KEY to the key this deployment was created with); ' +
      'a new root key could not open any key stored here. To start an empty deployment instead, use another EDGEKMS_DATA_DIR.',
  );
}

async function loadRootKey(config: EnvConfig, fs: Fs): Promise<Uint8Array> {
  if (config.rootKey) {
    const raw = decodeKey(config.rootKey);
    if (!raw) throw new ConfigError('EDGEKMS_ROOT_KEY must be the base64 of exactly 32 bytes');
    return raw;
  }
  const path = rootKeyPath(config);
  if ((await fs.stamp(path)) === null) await writeFileAtomic(fs, path, utf8(toBase64(RootKey.generate()) + '\n'));
  const raw = decodeKey(new TextDecoder().decode(await readNamed(fs, path)));
  if (!raw) throw new ConfigError(`${path} does not hold a base64 32-byte key: restore it from your backup (it protects every key in ${config.dataDir})`);
  return raw;
}

/** Project ids that hold keys or secrets in the store. */
export async function deploymentProjects(store: Store): Promise<string[]> {
  const seen = new Set<string>();
  for (const prefix of ['kms/', 'csms/']) for (const k of await listAll(store, prefix)) seen.add(k.split('/')[1]);
  return [...seen].sort();
}

/**
 * `edgekms admin reset-credential`: a new admin access key and secret key in admin.json, for a stopped
 * server (the store's lock says so) whose root key is at hand. Nothing else changes: keys, secrets,
 * users and grants live in the store, and the administrator may act in every project. The project id
 * stays the one admin.json named, or becomes the first project found in the store.
 */
export async function resetAdminCredential(config: EnvConfig, crypto: CryptoProvider, fs: Fs = nodeFs): Promise<{ path: string; access_key: string; project_id: string; projects: string[] }> {
  if (config.adminAk) throw new ConfigError('EDGEKMS_ADMIN_AK/SK set the admin credential: change them where they are set instead');
  const dir = await openDataDir({ ...config, adminAk: undefined, adminSk: undefined }, crypto, { fs });
  try {
    const projects = await deploymentProjects(dir.store);
    const path = resolve(config.dataDir, 'admin.json');
    const admin: AdminCredential = { access_key: newAccessKey(), secret_key: newSecretKey(), project_id: config.projectId ?? (dir.adminCreated ? (projects[0] ?? dir.admin.project_id) : dir.admin.project_id) };
    await writeFileAtomic(fs, path, utf8(JSON.stringify(admin, null, 2) + '\n'));
    return { path, access_key: admin.access_key, project_id: admin.project_id, projects };
  } finally {
    await dir.store.close();
  }
}

async function loadAdmin(config: EnvConfig, fs: Fs, existingProject?: string): Promise<{ admin: AdminCredential; path?: string; created: boolean }> {
  if (config.adminAk && config.adminSk) {
    return { admin: { access_key: config.adminAk, secret_key: config.adminSk, project_id: config.projectId ?? newProjectId() }, created: false };
  }
  const path = resolve(config.dataDir, 'admin.json');
  let created = false;
  if ((await fs.stamp(path)) === null) {
    const admin: AdminCredential = { access_key: newAccessKey(), secret_key: newSecretKey(), project_id: config.projectId ?? existingProject ?? newProjectId() };
    await writeFileAtomic(fs, path, utf8(JSON.stringify(admin, null, 2) + '\n'));
    created = true;
  }
  let admin: AdminCredential;
  try {
    admin = JSON.parse(new TextDecoder().decode(await readNamed(fs, path))) as AdminCredential;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    // Not JSON.parse's message: it quotes the text around the fault, which holds the secret key.
    throw new ConfigError(`${path} is not valid JSON`);
  }
  for (const field of ['access_key', 'secret_key', 'project_id'] as const) {
    if (typeof admin?.[field] !== 'string' || admin[field] === '') throw new ConfigError(`${path} has no ${field}`);
  }
  if (config.projectId) admin.project_id = config.projectId;
  return { admin, path, created };
}

async function readNamed(fs: Fs, path: string): Promise<Uint8Array> {
  try {
    return await fs.readFile(path);
  } catch (e) {
    throw new ConfigError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

function decodeKey(text: string): Uint8Array | null {
  try {
    const raw = fromBase64(text.trim());
    return raw.length === 32 ? raw : null;
  } catch {
    return null;
  }
}

/** The credentials of users.json, if the data directory has one. */
export function loadUsers(config: EnvConfig, admin: AdminCredential): { users: Credential[]; path: string } {
  const path = join(config.dataDir, 'users.json');
  return { users: existsSync(path) ? parseUsersFile(readFileSync(path, 'utf8'), [admin.access_key]) : [], path };
}
