// Agency-like roles and the temporary credentials workloads get from them.
//
// A role names the projects and identity policies a workload may use, and is bound to that workload by a
// bootstrap token the administrator hands it once (shown at creation, kept only as its SHA-256). On ECS,
// the metadata service knows a VM by its network position; edgekms cannot, so a workload proves who it is
// by presenting its token (`X-Workload-Token`) to GET /openstack/latest/securitykey or the token API.
// Without a valid token both answer 401: reaching the port is not enough.
//
//   iam/roles/<name>      {name, projects, policies, token_sha256, duration_seconds, revoked_before, created_at}
//   iam/sessions/<AK>     {access_key, role, role_token_sha256 (the issuing role's), sealed {sk, token}
//                          (root key, AK as context), expires_at, issued_at, narrowing?: statements}
//
// A temporary credential is checked on every request against its role as it is now: a deleted role, a
// revocation (revoked_before) or a changed policy applies at once, so a token never outlives its role's
// policy. A token may carry a narrowing policy: it then allows only what both the role and the narrowing
// allow. Expired, revoked or tampered tokens get 401 (src/iam/verify.ts compares the token in constant time).
import { constantTimeEqual, fromUtf8, randomBytes, utf8 } from '../crypto/bytes.ts';
import { fromBase64, toBase64, toBase64Url } from '../crypto/encoding.ts';
import { sha256Hex } from '../crypto/hash.ts';
import type { RootKey } from '../kms/root-key.ts';
import { ConflictError, getJson, listAll, putJson, type Store } from '../store/store.ts';
import type { Credential } from './credentials.ts';
import { DirectoryError } from './directory.ts';
import { newAccessKey, newSecretKey } from './generate.ts';
import { parsePolicy, type Statement } from './policy.ts';

const ROLES = 'iam/roles/';
const SESSIONS = 'iam/sessions/';
const SEAL_CONTEXT = 'iam-session';
const ROLE_NAME = /^[A-Za-z0-9]{1,64}$/;
const PROJECT = /^[A-Za-z0-9_-]{1,64}$/;
const AK = /^[A-Z0-9]{20}$/;
export const MAX_DURATION_SECONDS = 43_200;
const DEFAULT_DURATION_SECONDS = 3_600;
/** The policies one role may hold (the same bound as a user's). */
const MAX_ROLE_POLICIES = 10;

export interface RoleRecord {
  name: string;
  projects: string[];
  policies: string[];
  token_sha256: string;
  duration_seconds: number;
  /** Sessions issued before this time (ms) are revoked. */
  revoked_before: number;
  created_at: number;
}

interface SessionRecord {
  access_key: string;
  role: string;
  sealed: string;
  issued_at: number;
  expires_at: number;
  /** The token hash of the role that issued it: a role deleted and created again has another. */
  role_token_sha256?: string;
  narrowing?: Statement[];
}

export interface TemporaryCredential {
  access: string;
  secret: string;
  securitytoken: string;
  /** ISO time, as Huawei's metadata service gives it. */
  expires_at: string;
}

const invalid = (why: string) => new DirectoryError(400, 'EDGEKMS.0400', why);

/** The workload did not prove who it is: 401 APIGW.0301 like any other authentication failure. */
export class WorkloadAuthError extends Error {
  override name = 'WorkloadAuthError';
}

export class Roles {
  constructor(
    private readonly store: Store,
    private readonly root: RootKey,
    private readonly statementsOf: (names: readonly string[]) => Promise<Statement[]>,
    private readonly now: () => number,
  ) {}

  /** A new role and its workload token (shown this once). */
  async create(name: unknown, projects: unknown, policies: unknown, duration: unknown): Promise<{ role: RoleRecord; workload_token: string }> {
    if (typeof name !== 'string' || !ROLE_NAME.test(name) || name === 'admin') throw invalid('name must be 1-64 letters and digits, not "admin".');
    if (!Array.isArray(projects) || projects.length === 0 || projects.length > 64 || !projects.every((p) => typeof p === 'string' && PROJECT.test(p))) {
      throw invalid('projects must be 1-64 project ids.');
    }
    const names = policies ?? [];
    if (!Array.isArray(names) || names.length > MAX_ROLE_POLICIES || !names.every((p) => typeof p === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(p))) throw invalid(`policies must be up to ${MAX_ROLE_POLICIES} policy names.`);
    const seconds = duration ?? DEFAULT_DURATION_SECONDS;
    if (!Number.isInteger(seconds) || (seconds as number) < 1 || (seconds as number) > MAX_DURATION_SECONDS) throw invalid(`duration_seconds must be 1-${MAX_DURATION_SECONDS}.`);
    const secret = toBase64Url(randomBytes(32));
    const token = `ekw.${name}.${secret}`;
    const role: RoleRecord = {
      name,
      projects: [...new Set(projects as string[])],
      policies: [...new Set(names as string[])],
      token_sha256: sha256Hex(utf8(token)),
      duration_seconds: seconds as number,
      revoked_before: 0,
      created_at: this.now(),
    };
    try {
      await putJson(this.store, ROLES + name, role, { ifVersion: null });
    } catch (e) {
      if (e instanceof ConflictError) throw new DirectoryError(409, 'EDGEKMS.0409', `The role ${name} already exists.`);
      throw e;
    }
    return { role, workload_token: token };
  }

  async get(name: string): Promise<RoleRecord> {
    const r = ROLE_NAME.test(name) ? await getJson<RoleRecord>(this.store, ROLES + name) : null;
    if (!r) throw new DirectoryError(404, 'EDGEKMS.0404', `The role ${name.slice(0, 64)} does not exist.`);
    return r.value;
  }

  async list(): Promise<RoleRecord[]> {
    const all = await Promise.all((await listAll(this.store, ROLES)).map((k) => getJson<RoleRecord>(this.store, k)));
    return all.flatMap((r) => (r ? [r.value] : []));
  }

  /** Deleting a role ends every session of it at once. */
  async delete(name: string): Promise<void> {
    await this.get(name);
    await this.store.delete(ROLES + name);
  }

  /** Every session issued until now stops working; the workload token stays valid for new ones. */
  async revokeSessions(name: string): Promise<void> {
    await this.update(name, (r) => {
      r.revoked_before = this.now() + 1;
    });
  }

  /** Attaching a policy the role holds already changes nothing; a role holds at most MAX_ROLE_POLICIES, as a user does. */
  async attachPolicy(name: string, policy: string): Promise<void> {
    await this.update(name, (r) => {
      if (r.policies.includes(policy)) return;
      if (r.policies.length >= MAX_ROLE_POLICIES) throw new DirectoryError(409, 'EDGEKMS.0409', `The role ${name} already holds ${MAX_ROLE_POLICIES} policies.`);
      r.policies.push(policy);
    });
  }

  /** Detaching a policy the role does not hold is a 404, as it is for a user (the caller named the wrong thing). */
  async detachPolicy(name: string, policy: string): Promise<void> {
    await this.update(name, (r) => {
      if (!r.policies.includes(policy)) throw new DirectoryError(404, 'EDGEKMS.0404', `The attachment of ${policy.slice(0, 64)} to ${name} does not exist.`);
      r.policies = r.policies.filter((p) => p !== policy);
    });
  }

  /** The role a workload token belongs to; WorkloadAuthError for anything else, in the same words. */
  async authenticate(token: string | undefined): Promise<RoleRecord> {
    const refused = () => new WorkloadAuthError('Incorrect IAM authentication information: a valid X-Workload-Token is required.');
    const m = token && token.length <= 200 ? /^ekw\.([A-Za-z0-9]{1,64})\.[A-Za-z0-9_-]{43}$/.exec(token) : null;
    const role = m ? await getJson<RoleRecord>(this.store, ROLES + m[1]) : null;
    const given = utf8(sha256Hex(utf8(token ?? '')));
    // Compared even when the role is missing (against a value no token hashes to), so both take the same path.
    if (!constantTimeEqual(given, utf8(role?.value.token_sha256 ?? '-'.repeat(64))) || !role) throw refused();
    return role.value;
  }

  /** Issues a temporary AK/SK and security token for the role, optionally narrowed and shorter-lived. */
  async issue(role: RoleRecord, options: { duration?: unknown; policy?: unknown } = {}): Promise<TemporaryCredential> {
    const seconds = options.duration ?? role.duration_seconds;
    if (!Number.isInteger(seconds) || (seconds as number) < 1 || (seconds as number) > role.duration_seconds) {
      throw invalid(`duration_seconds must be 1-${role.duration_seconds} (the role's duration).`);
    }
    let narrowing: Statement[] | undefined;
    if (options.policy !== undefined) {
      try {
        narrowing = parsePolicy(options.policy).Statement;
      } catch (e) {
        throw invalid(`Invalid policy: ${(e as Error).message}.`);
      }
    }
    const accessKey = newAccessKey();
    const secretKey = newSecretKey();
    const securityToken = toBase64Url(randomBytes(96));
    const issued = this.now();
    const expires = issued + (seconds as number) * 1000;
    const sealed = await this.root.seal(utf8(JSON.stringify({ sk: secretKey, token: securityToken })), [SEAL_CONTEXT, accessKey]);
    const record: SessionRecord = { access_key: accessKey, role: role.name, role_token_sha256: role.token_sha256, sealed: toBase64(sealed), issued_at: issued, expires_at: expires, ...(narrowing ? { narrowing } : {}) };
    await putJson(this.store, SESSIONS + accessKey, record, { ifVersion: null });
    return { access: accessKey, secret: secretKey, securitytoken: securityToken, expires_at: new Date(expires).toISOString() };
  }

  /** The credential of a temporary AK, checked against its role as it is now; null when unknown or revoked. */
  async find(accessKey: string): Promise<Credential | null> {
    if (!AK.test(accessKey)) return null;
    const session = await getJson<SessionRecord>(this.store, SESSIONS + accessKey);
    if (!session) return null;
    const s = session.value;
    const role = await getJson<RoleRecord>(this.store, ROLES + s.role);
    if (!role || !issuedByCurrent(s, role.value)) return null; // expiry: verify.ts, with its own message
    const opened = JSON.parse(fromUtf8(await this.root.open(fromBase64(s.sealed), [SEAL_CONTEXT, accessKey]))) as { sk: string; token: string };
    return {
      accessKey,
      secretKey: utf8(opened.sk),
      principal: role.value.name,
      projects: role.value.projects,
      role: 'user',
      securityToken: opened.token,
      expiresAt: s.expires_at,
      policies: await this.statementsOf(role.value.policies),
      ...(s.narrowing ? { narrowing: s.narrowing } : {}),
    };
  }

  /**
   * Maintenance: deletes session records that can never be used again (expired, revoked, or of a role that
   * is gone), so the store does not grow with every credential ever issued. Returns how many.
   */
  async sweepSessions(): Promise<number> {
    let n = 0;
    const roles = new Map<string, RoleRecord | null>();
    for (const k of await listAll(this.store, SESSIONS)) {
      const s = await getJson<SessionRecord>(this.store, k);
      if (!s) continue;
      if (!roles.has(s.value.role)) roles.set(s.value.role, (await getJson<RoleRecord>(this.store, ROLES + s.value.role))?.value ?? null);
      const role = roles.get(s.value.role)!;
      if (role && issuedByCurrent(s.value, role) && s.value.expires_at > this.now()) continue;
      try {
        await this.store.delete(k, { ifVersion: s.version });
        n++;
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e; // rewritten meanwhile: the next run looks again
      }
    }
    return n;
  }

  private async update(name: string, change: (r: RoleRecord) => void): Promise<void> {
    for (;;) {
      const current = ROLE_NAME.test(name) ? await getJson<RoleRecord>(this.store, ROLES + name) : null;
      if (!current) throw new DirectoryError(404, 'EDGEKMS.0404', `The role ${name.slice(0, 64)} does not exist.`);
      const next = structuredClone(current.value);
      change(next);
      try {
        await putJson(this.store, ROLES + name, next, { ifVersion: current.version });
        return;
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
      }
    }
  }
}

/**
 * Whether a session belongs to its role as it is now: not revoked, and issued by this role rather than by
 * an earlier role of the same name (deleted and created again), whose sessions must not come back to life.
 */
function issuedByCurrent(s: SessionRecord, role: RoleRecord): boolean {
  // The token hash tells incarnations apart even within one millisecond; records written before it was
  // kept fall back to the creation time.
  const sameRole = s.role_token_sha256 === undefined ? s.issued_at >= role.created_at : s.role_token_sha256 === role.token_sha256;
  return s.issued_at >= role.revoked_before && sameRole;
}
