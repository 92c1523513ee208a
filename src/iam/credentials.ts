// Who may call: access keys with their secret keys, the projects they may act in, and their role. The admin
// credential comes from configuration (admin.json or EDGEKMS_ADMIN_*); more sources plug in here.
//
// Roles: an administrator may call every API on every key of its projects. A user may call only what a
// grant on a key gives it (src/kms/grants.ts), plus retiring grants it may retire; every KMS operation asks
// src/kms/authorize.ts, which looks the caller's role up by principal in a PrincipalDirectory.

export type Role = 'admin' | 'user';

/** The principal of the deployment's administrator credential (admin.json / EDGEKMS_ADMIN_*). */
export const ADMIN_PRINCIPAL = 'admin';

export interface Credential {
  accessKey: string;
  /** The SK as the HMAC key (its UTF-8 bytes, as the SDKs use it). */
  secretKey: Uint8Array;
  /** Principal id reported in grants and audit records (grantee_principal: 1-64 letters and digits). */
  principal: string;
  /** Projects this credential may address; '*' for all (the deployment's administrator). */
  projects: '*' | readonly string[];
  /** Absent means 'admin': every credential that predates roles is the deployment's administrator. */
  role?: Role;
  /** Temporary credentials carry a security token and an expiry. */
  securityToken?: string;
  expiresAt?: number;
}

export interface CredentialSource {
  find(accessKey: string): Promise<Credential | null>;
}

/** The role of a principal; undefined for one it does not know (treated as a user with no rights). */
export interface PrincipalDirectory {
  roleOf(principal: string): Role | undefined;
}

/** The directory a deployment has when nobody configured one: only ADMIN_PRINCIPAL is an administrator. */
export const ADMIN_ONLY: PrincipalDirectory = { roleOf: (p) => (p === ADMIN_PRINCIPAL ? 'admin' : undefined) };

export const roleOf = (c: Credential): Role => c.role ?? 'admin';

/** A fixed set of credentials held in memory; also the directory of their principals' roles. */
export class StaticCredentials implements CredentialSource, PrincipalDirectory {
  private readonly byAk = new Map<string, Credential>();
  private readonly roles = new Map<string, Role>();

  constructor(credentials: Credential[]) {
    for (const c of credentials) {
      this.byAk.set(c.accessKey, c);
      // Two credentials of one principal with different roles: the principal gets the lesser one.
      const known = this.roles.get(c.principal);
      this.roles.set(c.principal, known === 'user' ? 'user' : roleOf(c));
    }
  }

  async find(accessKey: string): Promise<Credential | null> {
    return this.byAk.get(accessKey) ?? null;
  }

  roleOf(principal: string): Role | undefined {
    return this.roles.get(principal);
  }
}
