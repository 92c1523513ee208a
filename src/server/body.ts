// Reads a request body with a hard size bound, without trusting Content-Length.

/** How a runtime reads a request body: the portable default reads the web stream; adapters may do better. */
export type BodyReader = (request: Request, env: unknown, limit: number) => Promise<Uint8Array>;
/** What the request path reads of a request's headers (a web Headers object is one). */
export type RequestHeaders = Pick<Headers, 'get' | 'has'>;

/** How a runtime reads a request's headers: the portable default is the Request's; adapters may do better. */
export type HeaderReader = (request: Request, env: unknown) => RequestHeaders;

export class BodyTooLarge extends Error {
  override name = 'BodyTooLarge';
}

export async function readBody(req: Request, limit: number): Promise<Uint8Array> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw new BodyTooLarge(`request body is larger than ${limit} bytes`);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLarge(`request body is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
