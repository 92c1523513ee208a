// Verifies SDK-HMAC-SHA256 and SDK-HMAC-SM3 signatures on incoming requests (docs/kms-api.md, "Authentication"; schemes.ts):
// rebuild the canonical request from exactly the headers the client says it signed, hash the raw body as
// received, and compare MACs in constant time. X-Sdk-Date must be signed and within 15 minutes of the
// server's clock.
//
// The canonical URI is tried in the decoded form first and, only when the path carries percent-escapes,
// in the as-sent form Huawei's Node SDK signs (signer.ts, PathForm). docs/kms-api.md (Authentication) says
// why accepting both is safe: the two forms of one path differ exactly when a segment holds an escape, and
// a signature over one form is valid for another path only if that path names a resource with a literal
// "%XX" in it, which edgekms does not let exist.
import { constantTimeEqual } from '../crypto/bytes.ts';
import { fromHex } from '../crypto/encoding.ts';
import type { HashImplementation } from '../crypto/hash.ts';
import type { Credential, CredentialSource } from './credentials.ts';
import { schemeNamed } from './schemes.ts';
import { canonicalRequest, parseSdkDate } from './signer.ts';

export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** A request failed authentication: 401 with APIGW.0301. */
export class AuthError extends Error {
  override name = 'AuthError';
}

/** `H`: what the verifier reads of the headers is `get` and `has` (a web Headers object, or a runtime's own view). */
export interface IncomingRequest<H extends Pick<Headers, 'get' | 'has'> = Headers> {
  method: string;
  url: URL;
  /** The raw path from the request line (before any normalisation by the framework). */
  rawPath: string;
  headers: H;
  body: Uint8Array;
}

const AUTH = /^(SDK-HMAC-SHA256|SDK-HMAC-SM3)\s+Access=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-fA-F]{64})\s*$/;
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/** `hashes` is the deployment's crypto provider's: SDK-HMAC-SHA256's body hash, canonical-request hash and MAC. */
export async function verifyRequest(req: IncomingRequest<Pick<Headers, 'get' | 'has'>>, credentials: CredentialSource, now: number, hashes: HashImplementation): Promise<Credential> {
  const authorization = req.headers.get('authorization');
  if (!authorization) throw new AuthError('Incorrect IAM authentication information: the Authorization header is missing.');
  const scheme = schemeNamed(authorization.slice(0, authorization.indexOf(' ')), hashes);
  if (!scheme) throw new AuthError('Incorrect IAM authentication information: only SDK-HMAC-SHA256 and SDK-HMAC-SM3 signatures are accepted.');
  const m = AUTH.exec(authorization);
  if (!m) throw new AuthError('Incorrect IAM authentication information: the Authorization header is malformed.');
  const [, , accessKey, signedList, signatureHex] = m;
  const signed = signedList.split(';');
  if (signed.some((h) => !HEADER_NAME.test(h)) || signed.length > 64) {
    throw new AuthError('Incorrect IAM authentication information: SignedHeaders is malformed.');
  }
  if (!signed.includes('x-sdk-date')) throw new AuthError('Incorrect IAM authentication information: X-Sdk-Date must be signed.');
  if (req.headers.has('x-security-token') && !signed.includes('x-security-token')) {
    throw new AuthError('Incorrect IAM authentication information: X-Security-Token must be signed.');
  }
  const date = req.headers.get('x-sdk-date') ?? '';
  const t = parseSdkDate(date);
  if (Number.isNaN(t)) throw new AuthError('Incorrect IAM authentication information: X-Sdk-Date must look like 20240101T120000Z.');
  if (Math.abs(now - t) > MAX_CLOCK_SKEW_MS) {
    throw new AuthError('Incorrect IAM authentication information: the request time differs from the server time by more than 15 minutes.');
  }

  const bodyHash = scheme.hashHex(req.body);
  const declared = req.headers.get(scheme.contentHeader);
  // Every edgekms API takes JSON, so the body is always signed: an UNSIGNED-PAYLOAD claim is refused
  // (it would let anyone who saw a signed request swap its body).
  if (declared !== null && declared.toLowerCase() !== bodyHash) {
    throw new AuthError(`Incorrect IAM authentication information: ${scheme.contentHeader} does not match the body; unsigned payloads are not accepted.`);
  }

  const credential = await credentials.find(accessKey);
  const headers: Record<string, string> = {};
  for (const h of signed) headers[h] = req.headers.get(h) ?? '';
  const request = { method: req.method, path: req.rawPath, query: req.url.search ? [...req.url.searchParams] : [], headers, payloadHash: declared ?? bodyHash };
  // AUTH admits exactly 64 hex digits, so this always decodes.
  const given = fromHex(signatureHex);
  // Unknown access keys are checked against a throwaway key with the same HMAC implementation, so both
  // failures take the same time and give the same answer.
  const mac = scheme.mac(credential);
  const signatureOf = (form: 'decoded' | 'as-sent') => mac(`${scheme.name}\n${date}\n${scheme.hashHex(canonicalRequest(request, signed, form))}`);
  let valid = constantTimeEqual(signatureOf('decoded'), given);
  if (!valid && req.rawPath.includes('%')) valid = constantTimeEqual(signatureOf('as-sent'), given);
  if (!valid || !credential) {
    throw new AuthError('Incorrect IAM authentication information: verify aksk signature fail.');
  }
  if (credential.expiresAt !== undefined && credential.expiresAt <= now) {
    throw new AuthError('Incorrect IAM authentication information: the temporary credential has expired.');
  }
  if (credential.securityToken !== undefined) {
    const token = req.headers.get('x-security-token') ?? '';
    const a = new TextEncoder().encode(token);
    const b = new TextEncoder().encode(credential.securityToken);
    if (!constantTimeEqual(a, b)) throw new AuthError('Incorrect IAM authentication information: the security token is missing or wrong.');
  }
  return credential;
}

/** Whether a credential may act in a project. */
export function mayAccessProject(c: Credential, project: string): boolean {
  return c.projects === '*' || c.projects.includes(project);
}
