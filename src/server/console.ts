// The web console's static files under /console: one page, one script, one stylesheet, all public (the
// page signs its API calls itself with the access key the user types in). A strict Content-Security-Policy
// allows only these same-origin files: no inline script or style, no other origin, no framing.
import { Hono } from 'hono';

/** The console's page, browser bundle and stylesheet (scripts/console-assets.mjs builds them). */
export interface ConsoleAssets {
  html: string;
  js: string;
  css: string;
}

export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // The page is small and changes with each server build: always revalidate.
  'cache-control': 'no-cache',
};

/** Routes with their full paths (mount at '/'): a sub-app mounted at /console could not also answer /console/. */
export function consoleApp(assets: ConsoleAssets): Hono {
  const app = new Hono();
  const file = (body: string, type: string) => () => new Response(body, { headers: { ...HEADERS, 'content-type': type } });
  const page = file(assets.html, 'text/html; charset=utf-8');
  app.get('/console', page);
  app.get('/console/', page);
  app.get('/console/app.js', file(assets.js, 'text/javascript; charset=utf-8'));
  app.get('/console/app.css', file(assets.css, 'text/css; charset=utf-8'));
  return app;
}
