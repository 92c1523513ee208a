// Who may call: access keys with their secret keys, the projects they may act in, and their role. The admin
// credential comes from configuration (admin.json or EDGEKMS_ADMIN_*); more sources plug in here.
//
// Roles: an administrator may call every API on every key of its projects. A user may call only what a
// grant on a key gives it (src/kms/grants.ts), plus retiring grants it may retire; every KMS operation asks
// src/kms/authorize.ts, which reads the caller's role from the request context.

import type { Statement } from './policy.ts';

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
  role: Role;
  /** Temporary credentials carry a security token and an expiry. */
  securityToken?: string;
  expiresAt?: number;
  /** Statements of the identity policies attached to the credential's user, read when the request arrived. */
  policies?: readonly Statement[];
  /** A temporary credential's own policy: it may allow only what this also allows (src/iam/roles.ts). */
  narrowing?: readonly Statement[];
}

export interface CredentialSource {
  find(accessKey: string): Promise<Credential | null>;
}

/** A fixed set of credentials held in memory. */
export class StaticCredentials implements CredentialSource {
  private readonly byAk = new Map<string, Credential>();

  constructor(credentials: Credential[]) {
    for (const c of credentials) this.byAk.set(c.accessKey, c);
  }

  async find(accessKey: string): Promise<Credential | null> {
    return this.byAk.get(accessKey) ?? null;
  }
}
