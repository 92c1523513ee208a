// Who may call: access keys with their secret keys and the projects they may act in. The admin
// credential comes from configuration (admin.json or EDGEKMS_ADMIN_*); more sources plug in here.

export interface Credential {
  accessKey: string;
  /** The SK as the HMAC key (its UTF-8 bytes, as the SDKs use it). */
  secretKey: Uint8Array;
  /** Principal id reported in grants and audit records. */
  principal: string;
  /** Projects this credential may address; '*' for all (the deployment's administrator). */
  projects: '*' | readonly string[];
  /** Temporary credentials carry a security token and an expiry. */
  securityToken?: string;
  expiresAt?: number;
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
