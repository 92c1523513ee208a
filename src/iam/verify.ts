// Verifies SDK-HMAC-SHA256 signatures on incoming requests (spec section 5.2): rebuild the canonical request
// from exactly the headers the client says it signed, hash the raw body as received, and compare MACs in
// constant time. X-Sdk-Date must be signed and within 15 minutes of the server's clock.
import { constantTimeEqual } from '../crypto/bytes.ts';
import { EncodingError, fromHex } from '../crypto/encoding.ts';
import { sha256Hex, type HashImplementation } from '../crypto/hash.ts';
import type { Credential, CredentialSource } from './credentials.ts';
import { ALGORITHM, EMPTY_BODY_SHA256, canonicalRequest, computeSignature, parseSdkDate, stringToSign } from './signer.ts';

export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** A request failed authentication: 401 with APIGW.0301. */
export class AuthError extends Error {
  override name = 'AuthError';
}

export interface IncomingRequest {
  method: string;
  url: URL;
  /** The raw path from the request line (before any normalisation by the framework). */
  rawPath: string;
  headers: Headers;
  body: Uint8Array;
}

const AUTH = /^SDK-HMAC-SHA256\s+Access=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-fA-F]{64})\s*$/;
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

type Mac = (data: string) => Uint8Array;

// Keyed HMAC states per hash implementation: those of known credentials (dropped with the credential) and
// the throwaway key unknown access keys are checked against, made by the same implementation so both
// failures cost the same.
const macs = new WeakMap<HashImplementation, { known: WeakMap<Credential, Mac>; unknown: Mac }>();

function macFor(hashes: HashImplementation, c: Credential | null): Mac {
  let m = macs.get(hashes);
  if (!m) {
    m = { known: new WeakMap(), unknown: hashes.keyedHmacSha256(new Uint8Array(40)) };
    macs.set(hashes, m);
  }
  if (!c) return m.unknown;
  let mac = m.known.get(c);
  if (!mac) {
    mac = hashes.keyedHmacSha256(c.secretKey);
    m.known.set(c, mac);
  }
  return mac;
}

/** `hashes` is the deployment's crypto provider's: body hash, canonical-request hash and the MAC. */
export async function verifyRequest(req: IncomingRequest, credentials: CredentialSource, now: number, hashes: HashImplementation): Promise<Credential> {
  const authorization = req.headers.get('authorization');
  if (!authorization) throw new AuthError('Incorrect IAM authentication information: the Authorization header is missing.');
  if (!authorization.startsWith(ALGORITHM + ' ')) throw new AuthError(`Incorrect IAM authentication information: only ${ALGORITHM} signatures are accepted.`);
  const m = AUTH.exec(authorization);
  if (!m) throw new AuthError('Incorrect IAM authentication information: the Authorization header is malformed.');
  const [, accessKey, signedList, signatureHex] = m;
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

  const bodyHash = req.body.length ? sha256Hex(req.body, hashes) : EMPTY_BODY_SHA256;
  const declared = req.headers.get('x-sdk-content-sha256');
  // Every edgekms API takes JSON, so the body is always signed: an UNSIGNED-PAYLOAD claim is refused
  // (it would let anyone who saw a signed request swap its body).
  if (declared !== null && declared.toLowerCase() !== bodyHash) {
    throw new AuthError('Incorrect IAM authentication information: X-Sdk-Content-Sha256 does not match the body; unsigned payloads are not accepted.');
  }

  const credential = await credentials.find(accessKey);
  const headers: Record<string, string> = {};
  for (const h of signed) headers[h] = req.headers.get(h) ?? '';
  const canonical = canonicalRequest(
    { method: req.method, path: req.rawPath, query: [...req.url.searchParams], headers, payloadHash: declared ?? bodyHash },
    signed,
  );
  let given: Uint8Array;
  try {
    given = fromHex(signatureHex);
  } catch (e) {
    if (e instanceof EncodingError) throw new AuthError('Incorrect IAM authentication information: the signature is not hex.');
    throw e;
  }
  // Unknown access keys are checked against a throwaway key with the same HMAC implementation, so both
  // failures take the same time and give the same answer.
  const expected = computeSignature(macFor(hashes, credential), stringToSign(canonical, date, hashes));
  if (!constantTimeEqual(expected, given) || !credential) {
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
