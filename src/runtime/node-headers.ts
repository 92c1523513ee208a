// Node adapter detail: the signature check reads a request's headers from the header list Node's parser
// already produced (IncomingMessage.rawHeaders), instead of from a web Headers object built for every
// request (a WHATWG Headers re-validates and re-stores each header, and was ~4% of a signed request's
// server CPU with its garbage). Same answers as Headers#get: names are case-insensitive, a repeated
// header reads as its values joined by ", " in arrival order, values come trimmed (Node's parser trims
// them and refuses the bytes Headers would refuse).
import type { IncomingMessage } from 'node:http';
import type { HeaderReader, RequestHeaders } from '../server/body.ts';

class RawHeaders implements RequestHeaders {
  private readonly byName: Record<string, string> = Object.create(null);

  constructor(raw: readonly string[]) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      const prev = this.byName[name];
      this.byName[name] = prev === undefined ? raw[i + 1] : `${prev}, ${raw[i + 1]}`;
    }
  }

  get(name: string): string | null {
    return this.byName[name.toLowerCase()] ?? null;
  }

  has(name: string): boolean {
    return this.byName[name.toLowerCase()] !== undefined;
  }
}

export const nodeHeaderReader: HeaderReader = (request, env) => {
  const raw = (env as { incoming?: IncomingMessage } | undefined)?.incoming?.rawHeaders;
  return Array.isArray(raw) ? new RawHeaders(raw) : request.headers;
};
