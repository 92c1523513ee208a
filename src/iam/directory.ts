// Users, their access keys and identity policies, kept in the store (behind its barrier), so that Node,
// Deno and Workers share them and a change takes effect on the next request, without a restart.
//
//   iam/users/<name>        {name, projects, policies: [policy names], access_keys: [AKs], created_at}
//   iam/access-keys/<AK>    {access_key, user, secret: root-sealed SK (base64), status, created_at}
//   iam/policies/<name>     {name, document, updated_at}
//
// The secret key is what SDK-HMAC-SHA256 uses as its MAC key, so it is kept, sealed by the root key with
// the AK as context (a sealed SK cannot be moved to another AK), and returned only once, at creation.
// The user record is the commit point of an access key: a key is valid only while its user lists it, so a
// crash between the two writes of a create or delete leaves no usable key behind.
import { utf8 } from '../crypto/bytes.ts';
import { fromBase64, toBase64 } from '../crypto/encoding.ts';
import type { RootKey } from '../kms/root-key.ts';
import { ConflictError, getJson, listAll, putJson, type Store } from '../store/store.ts';
import type { Credential, CredentialSource } from './credentials.ts';
import { newAccessKey, newSecretKey } from './generate.ts';
import { Roles } from './roles.ts';
import { parsePolicy, type PolicyDocument, type Statement } from './policy.ts';

const USERS = 'iam/users/';
const KEYS = 'iam/access-keys/';
const POLICIES = 'iam/policies/';
const SEAL_CONTEXT = 'iam-access-key';

export const USER_NAME = /^[A-Za-z0-9]{1,64}$/;
export const POLICY_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const PROJECT = /^[A-Za-z0-9_-]{1,64}$/;
const AK = /^[A-Z0-9]{20}$/;
export const MAX_ACCESS_KEYS_PER_USER = 2; // as Huawei IAM allows
const MAX_POLICIES_PER_USER = 10;
const MAX_PROJECTS = 64;
/** An access key record its user does not list is left this long before maintenance removes it (a create in progress writes the record first). */
const SWEEP_GRACE_MS = 10 * 60 * 1000;

export type AccessKeyStatus = 'active' | 'disabled';

export interface UserRecord {
  name: string;
  projects: string[];
  policies: string[];
  access_keys: string[];
  created_at: number;
}

interface AccessKeyRecord {
  access_key: string;
  user: string;
  secret: string;
  status: AccessKeyStatus;
  created_at: number;
}

export interface PolicyRecord {
  name: string;
  document: PolicyDocument;
  updated_at: number;
}

/** A request to the directory was refused: `status` and an EDGEKMS.* code for the admin API. */
export class DirectoryError extends Error {
  override name = 'DirectoryError';
  constructor(
    readonly status: 400 | 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (why: string) => new DirectoryError(400, 'EDGEKMS.0400', why);
const missing = (what: string) => new DirectoryError(404, 'EDGEKMS.0404', `${what} does not exist.`);
const taken = (what: string) => new DirectoryError(409, 'EDGEKMS.0409', what);

/** Store access keys whose last-built credential is kept (the least recently built go first). */
const MAX_BUILT = 1024;

export class Directory implements CredentialSource {
  /** Agency-like roles and their temporary credentials. */
  readonly roles: Roles;
  /**
   * The credential last built for each store access key, with the versions of the records it was built
   * from. While none of them has changed, a request gets the same credential without its secret being
   * opened again, and the same object keeps the signature check's prepared MAC key (schemes.ts); any
   * change to the key, its user or a policy of the user builds a new one on the next request.
   */
  private readonly built = new Map<string, { versions: string; credential: Credential }>();

  constructor(
    /** The store behind the barrier. */
    private readonly store: Store,
    private readonly root: RootKey,
    /** Credentials from configuration (admin.json, users.json); they win over the store's. */
    private readonly configured: CredentialSource,
    private readonly now: () => number = Date.now,
  ) {
    this.roles = new Roles(store, root, (names) => this.statementsOf(names), now);
  }

  async find(accessKey: string): Promise<Credential | null> {
    const fixed = await this.configured.find(accessKey);
    if (fixed || !AK.test(accessKey)) return fixed;
    const key = await getJson<AccessKeyRecord>(this.store, KEYS + accessKey);
    if (!key) {
      this.built.delete(accessKey);
      return this.roles.find(accessKey);
    }
    if (key.value.status !== 'active') return this.forget(accessKey);
    const user = await getJson<UserRecord>(this.store, USERS + key.value.user);
    if (!user || !user.value.access_keys.includes(accessKey)) return this.forget(accessKey);
    const policies = await this.policyDocs(user.value.policies);
    const versions = JSON.stringify([key.version, user.version, ...policies.map((d) => d?.version ?? null)]);
    const last = this.built.get(accessKey);
    if (last?.versions === versions) return last.credential;
    const credential: Credential = {
      accessKey,
      secretKey: await this.root.open(fromBase64(key.value.secret), [SEAL_CONTEXT, accessKey]),
      principal: user.value.name,
      projects: user.value.projects,
      role: 'user',
      policies: statementsIn(policies),
    };
    this.built.delete(accessKey);
    if (this.built.size >= MAX_BUILT) this.built.delete(this.built.keys().next().value as string);
    this.built.set(accessKey, { versions, credential });
    return credential;
  }

  /** A key that no longer authenticates: its built credential (its secret among it) is not kept either. */
  private forget(accessKey: string): null {
    this.built.delete(accessKey);
    return null;
  }

  /** The statements of the named policies; a policy deleted since it was attached contributes none. */
  async statementsOf(names: readonly string[]): Promise<Statement[]> {
    return statementsIn(await this.policyDocs(names));
  }

  private policyDocs(names: readonly string[]) {
    return Promise.all(names.map((n) => getJson<PolicyRecord>(this.store, POLICIES + n)));
  }

  async createUser(name: unknown, projects: unknown): Promise<UserRecord> {
    if (typeof name !== 'string' || !USER_NAME.test(name) || name === 'admin') throw invalid('name must be 1-64 letters and digits, not "admin".');
    if (!Array.isArray(projects) || projects.length === 0 || projects.length > MAX_PROJECTS || !projects.every((p) => typeof p === 'string' && PROJECT.test(p))) {
      throw invalid(`projects must be 1-${MAX_PROJECTS} project ids.`);
    }
    const record: UserRecord = { name, projects: [...new Set(projects as string[])], policies: [], access_keys: [], created_at: this.now() };
    try {
      await putJson(this.store, USERS + name, record, { ifVersion: null });
    } catch (e) {
      if (e instanceof ConflictError) throw taken(`The user ${name} already exists.`);
      throw e;
    }
    return record;
  }

  async user(name: string): Promise<UserRecord> {
    const u = USER_NAME.test(name) ? await getJson<UserRecord>(this.store, USERS + name) : null;
    if (!u) throw missing(`The user ${name.slice(0, 64)}`);
    return u.value;
  }

  async listUsers(): Promise<UserRecord[]> {
    const names = await listAll(this.store, USERS);
    const users = await Promise.all(names.map((k) => getJson<UserRecord>(this.store, k)));
    return users.flatMap((u) => (u ? [u.value] : []));
  }

  /** Deletes the user (its keys stop working at once), then its access key records. */
  async deleteUser(name: string): Promise<void> {
    const u = await this.user(name);
    await this.store.delete(USERS + name);
    for (const ak of u.access_keys) await this.store.delete(KEYS + ak);
  }

  /** A new active access key; the only time its secret key is returned. */
  async createAccessKey(name: string): Promise<{ access_key: string; secret_key: string; status: AccessKeyStatus; created_at: number }> {
    let accessKey = newAccessKey();
    while (await this.configured.find(accessKey)) accessKey = newAccessKey();
    const secretKey = newSecretKey();
    const created_at = this.now();
    const sealed = await this.root.seal(utf8(secretKey), [SEAL_CONTEXT, accessKey]);
    await this.updateUser(name, (u) => {
      if (u.access_keys.length >= MAX_ACCESS_KEYS_PER_USER) throw taken(`The user ${name} already has ${MAX_ACCESS_KEYS_PER_USER} access keys; delete one first.`);
    });
    await putJson(this.store, KEYS + accessKey, { access_key: accessKey, user: name, secret: toBase64(sealed), status: 'active', created_at } satisfies AccessKeyRecord, { ifVersion: null });
    await this.updateUser(name, (u) => {
      if (u.access_keys.length >= MAX_ACCESS_KEYS_PER_USER) throw taken(`The user ${name} already has ${MAX_ACCESS_KEYS_PER_USER} access keys; delete one first.`);
      u.access_keys.push(accessKey);
    });
    return { access_key: accessKey, secret_key: secretKey, status: 'active', created_at };
  }

  async listAccessKeys(name: string): Promise<{ access_key: string; status: AccessKeyStatus; created_at: number }[]> {
    const u = await this.user(name);
    const keys = await Promise.all(u.access_keys.map((ak) => getJson<AccessKeyRecord>(this.store, KEYS + ak)));
    return keys.flatMap((k) => (k ? [{ access_key: k.value.access_key, status: k.value.status, created_at: k.value.created_at }] : []));
  }

  async setAccessKeyStatus(name: string, accessKey: string, status: unknown): Promise<void> {
    if (status !== 'active' && status !== 'disabled') throw invalid('status must be "active" or "disabled".');
    const k = await this.ownedKey(name, accessKey);
    await putJson(this.store, KEYS + accessKey, { ...k.value, status } satisfies AccessKeyRecord, { ifVersion: k.version });
  }

  /** Removes the key from its user first (it stops working there), then its record. */
  async deleteAccessKey(name: string, accessKey: string): Promise<void> {
    await this.ownedKey(name, accessKey);
    await this.updateUser(name, (u) => {
      u.access_keys = u.access_keys.filter((ak) => ak !== accessKey);
    });
    await this.store.delete(KEYS + accessKey);
  }

  async putPolicy(name: string, document: unknown): Promise<PolicyRecord> {
    if (!POLICY_NAME.test(name)) throw invalid('a policy name is 1-64 letters, digits, "_" and "-".');
    let parsed: PolicyDocument;
    try {
      parsed = parsePolicy(document);
    } catch (e) {
      throw invalid(`Invalid policy: ${(e as Error).message}.`);
    }
    const record: PolicyRecord = { name, document: parsed, updated_at: this.now() };
    await putJson(this.store, POLICIES + name, record);
    return record;
  }

  async policy(name: string): Promise<PolicyRecord> {
    const p = POLICY_NAME.test(name) ? await getJson<PolicyRecord>(this.store, POLICIES + name) : null;
    if (!p) throw missing(`The policy ${name.slice(0, 64)}`);
    return p.value;
  }

  async listPolicies(): Promise<PolicyRecord[]> {
    const names = await listAll(this.store, POLICIES);
    const all = await Promise.all(names.map((k) => getJson<PolicyRecord>(this.store, k)));
    return all.flatMap((p) => (p ? [p.value] : []));
  }

  /**
   * Detaches the policy from every user and role holding it, then deletes it, so that a policy created
   * later under the same name is not already held by them. A failure part-way leaves the policy in place
   * (deleting it again finishes the job); holders lose it the moment it is detached.
   */
  async deletePolicy(name: string): Promise<void> {
    await this.policy(name);
    for (const u of await this.listUsers()) {
      if (!u.policies.includes(name)) continue;
      await this.updateUser(u.name, (next) => {
        next.policies = next.policies.filter((p) => p !== name);
      }).catch((e) => {
        if (!(e instanceof DirectoryError && e.status === 404)) throw e; // the user went meanwhile
      });
    }
    for (const r of await this.roles.list()) {
      if (!r.policies.includes(name)) continue;
      await this.roles.detachPolicy(r.name, name).catch((e) => {
        if (!(e instanceof DirectoryError && e.status === 404)) throw e; // the role went, or let the policy go, meanwhile
      });
    }
    await this.store.delete(POLICIES + name);
  }

  async attachPolicy(name: string, policy: string): Promise<void> {
    await this.policy(policy);
    await this.updateUser(name, (u) => {
      if (u.policies.includes(policy)) return;
      if (u.policies.length >= MAX_POLICIES_PER_USER) throw taken(`The user ${name} already holds ${MAX_POLICIES_PER_USER} policies.`);
      u.policies.push(policy);
    });
  }

  async detachPolicy(name: string, policy: string): Promise<void> {
    await this.updateUser(name, (u) => {
      if (!u.policies.includes(policy)) throw missing(`The attachment of ${policy.slice(0, 64)} to ${name}`);
      u.policies = u.policies.filter((p) => p !== policy);
    });
  }

  /**
   * Maintenance: removes what can never be used again: access key records their user no longer lists
   * (left by a create or delete that failed between its writes, or by a deleted user), once they are
   * older than a create in progress could be, and dead temporary credentials (Roles.sweepSessions).
   * Returns how many records went.
   */
  async sweep(): Promise<number> {
    let n = 0;
    const users = new Map<string, UserRecord | null>();
    for (const k of await listAll(this.store, KEYS)) {
      const key = await getJson<AccessKeyRecord>(this.store, k);
      if (!key || this.now() - key.value.created_at < SWEEP_GRACE_MS) continue;
      if (!users.has(key.value.user)) users.set(key.value.user, (await getJson<UserRecord>(this.store, USERS + key.value.user))?.value ?? null);
      if (users.get(key.value.user)?.access_keys.includes(key.value.access_key)) continue;
      try {
        await this.store.delete(k, { ifVersion: key.version });
        n++;
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e; // rewritten meanwhile: the next run looks again
      }
    }
    return n + (await this.roles.sweepSessions());
  }

  private async ownedKey(name: string, accessKey: string) {
    const u = await this.user(name);
    const k = AK.test(accessKey) && u.access_keys.includes(accessKey) ? await getJson<AccessKeyRecord>(this.store, KEYS + accessKey) : null;
    if (!k) throw missing(`The access key ${accessKey.slice(0, 20)} of ${name}`);
    return k;
  }

  /** Read-modify-write of a user record under compare-and-set, retried when another writer came first. */
  private async updateUser(name: string, change: (u: UserRecord) => void): Promise<UserRecord> {
    for (;;) {
      const current = USER_NAME.test(name) ? await getJson<UserRecord>(this.store, USERS + name) : null;
      if (!current) throw missing(`The user ${name.slice(0, 64)}`);
      const next = structuredClone(current.value);
      change(next);
      try {
        await putJson(this.store, USERS + name, next, { ifVersion: current.version });
        return next;
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
      }
    }
  }
}

/** A user as the admin API shows it. */
export function describeUser(u: UserRecord): Record<string, unknown> {
  return { name: u.name, projects: u.projects, policies: u.policies, access_keys: u.access_keys, created_at: new Date(u.created_at).toISOString() };
}

function statementsIn(docs: ({ value: PolicyRecord } | null)[]): Statement[] {
  return docs.flatMap((d) => d?.value.document.Statement ?? []);
}
