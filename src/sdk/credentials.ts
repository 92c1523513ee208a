// Where a client's AK/SK comes from. A provider is asked before every request (signing needs the secret
// key at hand), so a provider of temporary credentials can swap them before they expire without the
// client noticing.

/** An access key pair, with the security token and expiry of temporary credentials. */
export interface Credentials {
  accessKey: string;
  secretKey: string;
  /** Temporary credentials only: sent, signed, as `X-Security-Token` (as Huawei's SDKs do). */
  securityToken?: string;
  /** Epoch milliseconds after which the server refuses them. */
  expiresAt?: number;
}

/** Supplies the credentials a request is signed with. */
export interface CredentialProvider {
  credentials(): Promise<Credentials>;
}

/** Fixed credentials (an AK/SK pair, optionally with a security token). */
export function staticCredentials(credentials: Credentials): CredentialProvider {
  if (!credentials.accessKey || !credentials.secretKey) throw new TypeError('static credentials need an access key and a secret key');
  const fixed = Object.freeze({ ...credentials });
  return { credentials: async () => fixed };
}

/** The environment variables Huawei's SDK examples read, plus edgekms's endpoint. */
export interface CredentialEnv {
  HUAWEICLOUD_SDK_AK?: string;
  HUAWEICLOUD_SDK_SK?: string;
  HUAWEICLOUD_SDK_SECURITY_TOKEN?: string;
  HUAWEICLOUD_SDK_PROJECT_ID?: string;
  EDGEKMS_ENDPOINT?: string;
}

/** What `fromEnv` read: credentials always, the endpoint and project id when set. */
export interface EnvSettings {
  credentials: CredentialProvider;
  endpoint?: string;
  projectId?: string;
}

function processEnv(): CredentialEnv {
  // Node and Deno 2 both expose process.env; Workers and browsers have no environment and must pass one.
  return ((globalThis as { process?: { env?: CredentialEnv } }).process?.env ?? {}) as CredentialEnv;
}

/**
 * Reads `HUAWEICLOUD_SDK_AK` / `HUAWEICLOUD_SDK_SK` (and `HUAWEICLOUD_SDK_SECURITY_TOKEN`,
 * `HUAWEICLOUD_SDK_PROJECT_ID`, `EDGEKMS_ENDPOINT` when present) from `env`, by default the process
 * environment. Throws when the key pair is incomplete.
 */
export function fromEnv(env: CredentialEnv = processEnv()): EnvSettings {
  const accessKey = env.HUAWEICLOUD_SDK_AK;
  const secretKey = env.HUAWEICLOUD_SDK_SK;
  if (!accessKey || !secretKey) throw new TypeError('HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK must both be set');
  const securityToken = env.HUAWEICLOUD_SDK_SECURITY_TOKEN || undefined;
  return {
    credentials: staticCredentials({ accessKey, secretKey, securityToken }),
    endpoint: env.EDGEKMS_ENDPOINT || undefined,
    projectId: env.HUAWEICLOUD_SDK_PROJECT_ID || undefined,
  };
}

/** Temporary credentials as an issuer returns them: every field required. */
export interface TemporaryCredentials extends Credentials {
  securityToken: string;
  expiresAt: number;
}

export interface RefreshOptions {
  /** Refresh this long before `expiresAt` (default 5 minutes), so no request is signed with nearly dead credentials. */
  refreshBeforeMs?: number;
  /** After a failed refresh, wait this long before asking the issuer again while the old credentials last (default 10 s). */
  retryAfterFailureMs?: number;
  /** Defaults to Date.now. */
  now?: () => number;
}

/**
 * Temporary credentials (AK/SK + security token) from an issuer, such as an STS call or a metadata
 * endpoint. They are fetched on first use and again once `expiresAt - refreshBeforeMs` has passed;
 * concurrent requests share one fetch. A failed refresh keeps the old credentials while they are still
 * valid (asking the issuer again only after `retryAfterFailureMs`, so a down issuer is not called on every
 * request) and fails the request once they are not.
 */
export class RefreshingCredentials implements CredentialProvider {
  private current?: TemporaryCredentials;
  private pending?: Promise<TemporaryCredentials>;
  private readonly refreshBeforeMs: number;
  private readonly retryAfterFailureMs: number;
  private readonly now: () => number;
  private quietUntil = -Infinity;

  constructor(
    private readonly issue: () => Promise<TemporaryCredentials>,
    options: RefreshOptions = {},
  ) {
    this.refreshBeforeMs = options.refreshBeforeMs ?? 5 * 60_000;
    this.retryAfterFailureMs = options.retryAfterFailureMs ?? 10_000;
    this.now = options.now ?? Date.now;
    if (!(this.refreshBeforeMs >= 0)) throw new RangeError('refreshBeforeMs must be >= 0');
  }

  async credentials(): Promise<Credentials> {
    const t = this.now();
    const c = this.current;
    if (c && t < c.expiresAt - this.refreshBeforeMs) return c;
    if (c && t < c.expiresAt && t < this.quietUntil) return c;
    try {
      return await this.refresh();
    } catch (e) {
      this.quietUntil = this.now() + this.retryAfterFailureMs;
      if (c && t < c.expiresAt) return c;
      throw e;
    }
  }

  private refresh(): Promise<TemporaryCredentials> {
    this.pending ??= this.issue()
      .then((fresh) => {
        if (!fresh?.accessKey || !fresh.secretKey || !fresh.securityToken || !Number.isFinite(fresh.expiresAt)) {
          throw new TypeError('the credential issuer returned incomplete temporary credentials');
        }
        if (fresh.expiresAt <= this.now()) throw new TypeError('the credential issuer returned credentials that have already expired');
        this.current = { ...fresh };
        return this.current;
      })
      .finally(() => (this.pending = undefined));
    return this.pending;
  }
}
