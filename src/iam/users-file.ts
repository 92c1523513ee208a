// Non-admin credentials for a deployment, from a JSON file (the Node entry reads <data dir>/users.json):
//
//   [{"access_key": "…", "secret_key": "…", "principal": "app1", "projects": ["<project id>", …]}]
//
// Each becomes a credential with role 'user': it may only do what grants on keys give its principal.
// Parsing is strict; a bad entry stops the server at start-up with its index, never silently.
import type { Credential } from './credentials.ts';

const AK = /^[A-Za-z0-9]{8,128}$/;
const PRINCIPAL = /^[A-Za-z0-9]{1,64}$/;
const PROJECT = /^[A-Za-z0-9_-]{1,64}$/;

export class UsersFileError extends Error {
  override name = 'UsersFileError';
}

export function parseUsersFile(text: string, reserved: readonly string[] = []): Credential[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the fault, which here holds secret keys.
    throw new UsersFileError('users file is not JSON');
  }
  if (!Array.isArray(data)) throw new UsersFileError('users file must hold a JSON array');
  const seenAk = new Set<string>(reserved);
  return data.map((u, i) => {
    const bad = (why: string) => new UsersFileError(`users file entry ${i}: ${why}`);
    if (!u || typeof u !== 'object') throw bad('must be an object');
    const { access_key, secret_key, principal, projects } = u as Record<string, unknown>;
    if (typeof access_key !== 'string' || !AK.test(access_key)) throw bad('access_key must be 8-128 letters and digits');
    if (seenAk.has(access_key)) throw bad(`access_key ${access_key} is used twice`);
    seenAk.add(access_key);
    if (typeof secret_key !== 'string' || secret_key.length < 16) throw bad('secret_key must be at least 16 characters');
    if (typeof principal !== 'string' || !PRINCIPAL.test(principal)) throw bad('principal must be 1-64 letters and digits');
    if (principal === 'admin') throw bad('principal "admin" is the administrator');
    if (!Array.isArray(projects) || projects.length === 0 || !projects.every((p) => typeof p === 'string' && PROJECT.test(p))) {
      throw bad('projects must be a non-empty array of project ids');
    }
    return { accessKey: access_key, secretKey: new TextEncoder().encode(secret_key), principal, projects: projects as string[], role: 'user' as const };
  });
}
