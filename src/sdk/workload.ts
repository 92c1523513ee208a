// Temporary credentials for a workload: edgekms's token API (POST /edgekms/v1/security-tokens), which a
// workload calls with its role's workload token instead of a signature (docs/iam.md, Temporary
// credentials). `workloadIssuer` is the `issue` function RefreshingCredentials takes, so a client signs
// with credentials that are renewed before they expire. Only fetch: it runs wherever the SDK does.
import { utf8 } from '../crypto/bytes.ts';
import { NetworkError, parseErrorBody } from './errors.ts';
import type { TemporaryCredentials } from './credentials.ts';

export interface WorkloadIssuerOptions {
  /** e.g. http://127.0.0.1:8787 */
  endpoint: string;
  /** The role's workload token (`ekw.<role>.…`), as roles create printed it. */
  workloadToken: string;
  /** A shorter life than the role's, in seconds. */
  durationSeconds?: number;
  /** A policy document the credentials are narrowed to (they allow only what the role and it both allow). */
  policy?: unknown;
  /** Defaults to globalThis.fetch. */
  fetch?: (request: Request) => Promise<Response>;
  /** Per call (default 30 s). */
  timeoutMs?: number;
}

/** The credential as the token API (and the ECS-style metadata endpoint) answers it. */
export interface IssuedCredential {
  access: string;
  secret: string;
  securitytoken: string;
  expires_at: string;
}

/** One call of the token API; ApiError when refused (401 for a bad workload token), NetworkError when unanswered. */
export async function issueWorkloadCredential(o: WorkloadIssuerOptions): Promise<IssuedCredential> {
  const url = new URL('/edgekms/v1/security-tokens', o.endpoint);
  const body = { ...(o.durationSeconds === undefined ? {} : { duration_seconds: o.durationSeconds }), ...(o.policy === undefined ? {} : { policy: o.policy }) };
  const request = new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-workload-token': o.workloadToken },
    body: utf8(JSON.stringify(body)) as BodyInit,
    signal: AbortSignal.timeout(o.timeoutMs ?? 30_000),
  });
  let res: Response;
  try {
    res = await (o.fetch ?? ((r) => fetch(r)))(request);
  } catch (e) {
    throw new NetworkError(`request to ${url.origin} failed: ${(e as Error)?.message ?? e}`, false, { cause: e });
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (res.status >= 400) throw parseErrorBody(res.status, parsed ?? { error_msg: text.slice(0, 200) }, res.headers.get('x-request-id') ?? undefined);
  const c = (parsed as { credential?: Partial<IssuedCredential> } | undefined)?.credential;
  if (!c || typeof c.access !== 'string' || typeof c.secret !== 'string' || typeof c.securitytoken !== 'string' || typeof c.expires_at !== 'string' || Number.isNaN(Date.parse(c.expires_at))) {
    throw new NetworkError(`${url.origin} answered without a complete credential`, false);
  }
  return c as IssuedCredential;
}

/** An issuer for RefreshingCredentials: `new RefreshingCredentials(workloadIssuer({ endpoint, workloadToken }))`. */
export function workloadIssuer(o: WorkloadIssuerOptions): () => Promise<TemporaryCredentials> {
  return async () => {
    const c = await issueWorkloadCredential(o);
    return { accessKey: c.access, secretKey: c.secret, securityToken: c.securitytoken, expiresAt: Date.parse(c.expires_at) };
  };
}
