// A small signed HTTP client for the KMS and CSMS APIs: one request function that signs with the same
// SDK-HMAC-SHA256 code the server verifies with (src/iam/signer.ts). Works wherever fetch exists.
import { utf8 } from '../crypto/bytes.ts';
import { signRequest } from '../iam/signer.ts';
import { ApiError, parseErrorBody } from './errors.ts';

export interface ClientOptions {
  /** e.g. http://127.0.0.1:8787 */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  projectId: string;
  /** Temporary credentials: sent as X-Security-Token (signed). */
  securityToken?: string;
  /** Defaults to globalThis.fetch. */
  fetch?: (request: Request) => Promise<Response>;
  /** The time used for X-Sdk-Date; defaults to Date.now. */
  now?: () => number;
}

export class SignedClient {
  private readonly base: URL;
  private readonly doFetch: (request: Request) => Promise<Response>;

  constructor(private readonly options: ClientOptions) {
    this.base = new URL(options.endpoint);
    this.doFetch = options.fetch ?? ((r) => fetch(r));
  }

  get projectId(): string {
    return this.options.projectId;
  }

  /**
   * Sends a signed request. `path` may contain `{project_id}`. Resolves to the parsed JSON body
   * (undefined for an empty body); throws ApiError for a 4xx/5xx answer.
   */
  async request<T = any>(method: string, path: string, body?: unknown, query: Record<string, string> = {}): Promise<T> {
    const url = new URL(path.replace('{project_id}', encodeURIComponent(this.options.projectId)), this.base);
    for (const [k, v] of Object.entries(query)) url.searchParams.append(k, v);
    const bytes = body === undefined ? undefined : utf8(JSON.stringify(body));
    // Host is not signed (as in Huawei's Go SDK): browsers and fetch set it themselves.
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-project-id': this.options.projectId,
    };
    if (this.options.securityToken) headers['x-security-token'] = this.options.securityToken;
    const signed = signRequest(
      { method, path: url.pathname, query: [...url.searchParams], headers, body: bytes },
      { accessKey: this.options.accessKey, secretKey: this.options.secretKey, time: (this.options.now ?? Date.now)() },
    );
    const res = await this.doFetch(new Request(url, { method, headers: signed, body: bytes as BodyInit | undefined }));
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.status >= 400) throw parseErrorBody(res.status, parsed ?? { error_msg: text.slice(0, 200) }, res.headers.get('x-request-id') ?? undefined);
    return parsed as T;
  }
}

export { ApiError };
