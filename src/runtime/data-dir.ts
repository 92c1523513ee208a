// What a data directory holds besides the store: the root key (`root.key`, unless EDGEKMS_ROOT_KEY is
// set), the admin credential (`admin.json`, unless EDGEKMS_ADMIN_AK/SK are set), and `users.json`. Both
// created on first start with owner-only permissions. Used by Node and, through Deno's node:fs, by Deno.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fromBase64, toBase64 } from '../crypto/encoding.ts';
import type { Credential } from '../iam/credentials.ts';
import { newAccessKey, newProjectId, newSecretKey } from '../iam/generate.ts';
import { parseUsersFile } from '../iam/users-file.ts';
import { RootKey } from '../kms/root-key.ts';
import { ConfigError, type EnvConfig } from './config.ts';

export interface AdminCredential {
  access_key: string;
  secret_key: string;
  project_id: string;
}

function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}

export function loadRootKey(config: EnvConfig): Uint8Array {
  if (config.rootKey) {
    const raw = fromBase64(config.rootKey.trim());
    if (raw.length !== 32) throw new ConfigError('EDGEKMS_ROOT_KEY must be the base64 of exactly 32 bytes');
    return raw;
  }
  const path = join(config.dataDir, 'root.key');
  if (!existsSync(path)) writePrivate(path, toBase64(RootKey.generate()) + '\n');
  const raw = fromBase64(readFileSync(path, 'utf8').trim());
  if (raw.length !== 32) throw new ConfigError(`${path} does not hold a base64 32-byte key`);
  return raw;
}

export function loadAdmin(config: EnvConfig): { admin: AdminCredential; path?: string; created: boolean } {
  if (config.adminAk && config.adminSk) {
    return { admin: { access_key: config.adminAk, secret_key: config.adminSk, project_id: config.projectId ?? newProjectId() }, created: false };
  }
  const path = resolve(config.dataDir, 'admin.json');
  let created = false;
  if (!existsSync(path)) {
    const admin: AdminCredential = { access_key: newAccessKey(), secret_key: newSecretKey(), project_id: config.projectId ?? newProjectId() };
    writePrivate(path, JSON.stringify(admin, null, 2) + '\n');
    created = true;
  }
  const admin = JSON.parse(readFileSync(path, 'utf8')) as AdminCredential;
  if (config.projectId) admin.project_id = config.projectId;
  return { admin, path, created };
}

/** The credentials of users.json, if the data directory has one. */
export function loadUsers(config: EnvConfig, admin: AdminCredential): { users: Credential[]; path: string } {
  const path = join(config.dataDir, 'users.json');
  return { users: existsSync(path) ? parseUsersFile(readFileSync(path, 'utf8'), [admin.access_key]) : [], path };
}
