// The signed-in credential: kept in sessionStorage only (gone when the tab closes or on sign-out; never a
// cookie, so the browser never sends it by itself), and used only to sign requests in this page through
// the SDK's clients. The secret key never leaves the page: requests carry its signature.
import { SignedClient } from '../../sdk/client.ts';
import { KmsClient } from '../../sdk/kms/client.ts';
import { SecretsClient } from '../../sdk/secrets/client.ts';

export interface Credential {
  projectId: string;
  accessKey: string;
  secretKey: string;
}

export interface Clients {
  projectId: string;
  accessKey: string;
  /** For the calls without a typed client (the audit log). */
  http: SignedClient;
  kms: KmsClient;
  secrets: SecretsClient;
}

const KEY = 'edgekms.console.credential';

export function load(): Credential | undefined {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return undefined;
  try {
    const c = JSON.parse(raw) as Credential;
    if (typeof c.projectId === 'string' && typeof c.accessKey === 'string' && typeof c.secretKey === 'string') return c;
  } catch {
    // a damaged entry is dropped below
  }
  sessionStorage.removeItem(KEY);
  return undefined;
}

export const save = (c: Credential) => sessionStorage.setItem(KEY, JSON.stringify(c));
export const clear = () => sessionStorage.removeItem(KEY);

/** The API is the page's own origin; one interactive attempt per call (the user sees failures at once). */
export function clientsFor(c: Credential): Clients {
  const http = new SignedClient({ endpoint: location.origin, projectId: c.projectId, accessKey: c.accessKey, secretKey: c.secretKey, retry: false });
  return { projectId: c.projectId, accessKey: c.accessKey, http, kms: new KmsClient(http), secrets: new SecretsClient(http) };
}
