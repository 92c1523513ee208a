// CORS for browser callers (the SDK in a page): only the origins the operator lists may call, preflights
// are answered before authentication (a browser never signs them), every header the AK/SK signature
// covers may be sent, and X-Request-Id may be read back for support requests.
import { cors } from 'hono/cors';
import type { MiddlewareHandler } from 'hono';

/** What the SDK-HMAC-SHA256 signer sends besides the simple headers. */
export const CORS_ALLOW_HEADERS = ['Authorization', 'Content-Type', 'X-Sdk-Date', 'X-Sdk-Content-Sha256', 'X-Project-Id', 'X-Domain-Id', 'X-Security-Token'];
export const CORS_EXPOSE_HEADERS = ['X-Request-Id'];

/** `origins`: exact origins (`https://app.example`), or `*` for any. */
export function corsFor(origins: readonly string[]): MiddlewareHandler {
  return cors({
    origin: origins.includes('*') ? '*' : [...origins],
    allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'],
    allowHeaders: CORS_ALLOW_HEADERS,
    exposeHeaders: CORS_EXPOSE_HEADERS,
    maxAge: 600,
  });
}

/** Parses EDGEKMS_CORS_ORIGINS: comma-separated origins; throws naming the first that is not one. */
export function parseCorsOrigins(text: string | undefined): string[] {
  if (!text?.trim()) return [];
  return text.split(',').map((raw) => {
    const o = raw.trim();
    if (o === '*') return o;
    let origin: string;
    try {
      origin = new URL(o).origin;
    } catch {
      origin = '';
    }
    if (origin !== o || !/^https?:\/\//.test(o)) throw new RangeError(`EDGEKMS_CORS_ORIGINS: ${JSON.stringify(o)} is not an origin (scheme://host[:port], no path)`);
    return o;
  });
}
