// A loopback HTTP server that answers from a script, to test clients against throttling, gateway errors,
// hangs and dropped connections over real sockets. Each request takes the next step; the last step repeats.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Step =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** Read the request, then never answer. */
  | 'hang'
  /** Read the request, then reset the connection without an answer. */
  | 'drop';

export interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FlakyServer {
  url: string;
  seen: Seen[];
  /** Replaces the script (and keeps the record of requests). */
  script(steps: Step[]): void;
  close(): Promise<void>;
}

export async function startFlakyServer(steps: Step[] = [{ status: 200, body: {} }]): Promise<FlakyServer> {
  let script = steps;
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const step = script[Math.min(seen.length - 1, script.length - 1)];
      if (step === 'hang') return;
      if (step === 'drop') return req.socket.destroy();
      const text = step.body === undefined ? '' : JSON.stringify(step.body);
      res.writeHead(step.status, { 'content-type': 'application/json', 'x-request-id': `req-${seen.length}`, ...step.headers });
      res.end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    script: (s) => (script = s),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A clock that only moves when the code under test sleeps: delays are recorded, not waited. */
export function fakeTime(start = 1_700_000_000_000) {
  let t = start;
  const delays: number[] = [];
  return {
    delays,
    now: () => t,
    sleep: async (ms: number) => {
      delays.push(ms);
      t += ms;
    },
    advance: (ms: number) => (t += ms),
  };
}
