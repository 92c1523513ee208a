// The client's signer and the server's verifier agree for any method, path, query and header set: what
// the signer signs (as the SDK client sends it: a URL built from the path and query) the verifier accepts
// (as the server reads it back from the wire), and a change to the body, a query value or a signed header
// afterwards is refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.ts';
import { StaticCredentials } from '../../src/iam/credentials.ts';
import { signRequest } from '../../src/iam/signer.ts';
import { AuthError, verifyRequest } from '../../src/iam/verify.ts';
import { nodeHashes } from '../../src/runtime/node-crypto.ts';
import { property } from '../helpers/property.ts';

const AK = 'PROPERTYAK0000000000';
const SK = 'PropertySecretKey0000000000000000000000';
const NOW = Date.UTC(2025, 5, 1, 8, 30);
const creds = new StaticCredentials([{ accessKey: AK, secretKey: utf8(SK), principal: 'p', projects: '*', role: 'admin' }]);

const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS');
/** Any Unicode text, as path segments, query names and values carry after percent-encoding. */
const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const segments = fc.array(text.filter((s) => s !== '.' && s !== '..'), { minLength: 1, maxLength: 5 });
const query = fc.uniqueArray(fc.tuple(text.filter((s) => s.length > 0), text), { maxLength: 6, selector: ([k]) => k });
const headerName = fc.stringMatching(/^x-[a-z0-9-]{1,16}$/).filter((h) => !h.startsWith('x-sdk-') && h !== 'x-security-token');
/** Header values as HTTP carries them: visible ASCII and inner spaces (the ends are trimmed by both sides). */
const headerValue = fc.stringMatching(/^[!-~]([ !-~]{0,30}[!-~])?$/);
const headers = fc.dictionary(headerName, headerValue, { maxKeys: 8 });
const body = fc.option(fc.uint8Array({ maxLength: 300 }), { nil: undefined });

function send(m: string, segs: string[], q: [string, string][], h: Record<string, string>, b: Uint8Array | undefined) {
  const url = new URL(`http://kms.test/v1.0/${segs.map(encodeURIComponent).join('/')}`);
  for (const [k, v] of q) url.searchParams.append(k, v);
  const signed = signRequest({ method: m, path: url.pathname, query: [...url.searchParams], headers: h, body: b }, { accessKey: AK, secretKey: SK, time: NOW });
  // What the server reads back from the request line and header block.
  const wire = new URL(url.href);
  return { method: m, url: wire, rawPath: wire.pathname, headers: new Headers(signed), body: b ?? new Uint8Array() };
}

describe('signer and verifier agree', () => {
  it('for any method, path, query, header set and body', async () => {
    await property(
      'signer verifier agree',
      fc.asyncProperty(method, segments, query, headers, body, async (m, segs, q, h, b) => {
        const req = send(m, segs, q, h, b);
        await expect(verifyRequest(req, creds, NOW, nodeHashes)).resolves.toMatchObject({ accessKey: AK });
      }),
      300,
    );
  });

  it('and any change after signing is refused: body, a query value, a signed header', async () => {
    await property(
      'signer verifier tamper',
      fc.asyncProperty(method, segments, query, headers, body, fc.nat(), async (m, segs, q, h, b, pick) => {
        const req = send(m, segs, q, h, b);
        const tampered = [
          { ...req, body: Uint8Array.from([...req.body, 0x20]) },
          { ...req, method: m === 'GET' ? 'POST' : 'GET' },
        ];
        if (q.length) {
          const url = new URL(req.url.href);
          const [k, v] = q[pick % q.length];
          url.searchParams.set(k, v + 'x');
          tampered.push({ ...req, url });
        }
        const names = Object.keys(h);
        if (names.length) {
          const headers2 = new Headers(req.headers);
          headers2.set(names[pick % names.length], 'changed');
          if (headers2.get(names[pick % names.length]) !== req.headers.get(names[pick % names.length])) tampered.push({ ...req, headers: headers2 });
        }
        for (const t of tampered) await expect(verifyRequest(t, creds, NOW, nodeHashes)).rejects.toBeInstanceOf(AuthError);
      }),
      200,
    );
  });
});
