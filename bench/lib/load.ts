// A minimal closed-loop HTTP/1.1 load generator on raw keep-alive sockets: N connections, each sending
// its next request as soon as the previous response is complete (like wrk without pipelining). Raw
// sockets keep the client's own cost low, so the figures describe the server.
import { connect, type Socket } from 'node:net';

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  errors: number;
  statuses: Record<number, number>;
}

/** `requests` are complete raw HTTP requests; connection i cycles through them starting at i. */
export async function runLoad(host: string, port: number, requests: Uint8Array[], connections: number, seconds: number): Promise<LoadResult> {
  const deadline = performance.now() + seconds * 1000;
  const statuses: Record<number, number> = {};
  let done = 0;
  let errors = 0;
  const started = performance.now();

  await Promise.all(
    Array.from({ length: connections }, (_, c) =>
      new Promise<void>((resolve) => {
        const socket: Socket = connect({ host, port, noDelay: true });
        let idx = c % requests.length;
        let buf: Buffer = Buffer.alloc(0);
        const send = () => {
          if (performance.now() >= deadline) {
            socket.end();
            return resolve();
          }
          socket.write(requests[idx]);
          idx = (idx + 1) % requests.length;
        };
        socket.on('connect', send);
        socket.on('error', () => {
          errors++;
          resolve();
        });
        socket.on('data', (chunk: Buffer) => {
          buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
          for (;;) {
            const end = buf.indexOf('\r\n\r\n');
            if (end < 0) return;
            const head = buf.subarray(0, end).toString('latin1');
            const m = /content-length:\s*(\d+)/i.exec(head);
            const len = m ? Number(m[1]) : 0;
            if (buf.length < end + 4 + len) return;
            const status = Number(head.slice(9, 12));
            statuses[status] = (statuses[status] ?? 0) + 1;
            done++;
            buf = buf.subarray(end + 4 + len);
            send();
          }
        });
      }),
    ),
  );
  const secs = (performance.now() - started) / 1000;
  return { requests: done, seconds: secs, rps: done / secs, errors, statuses };
}

/** Serialises a request for the raw client. */
export function rawRequest(method: string, path: string, host: string, headers: Record<string, string>, body?: Uint8Array): Uint8Array {
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n`;
  for (const [k, v] of Object.entries(headers)) if (k !== 'host') head += `${k}: ${v}\r\n`;
  head += `content-length: ${body?.length ?? 0}\r\n\r\n`;
  const h = new TextEncoder().encode(head);
  if (!body) return h;
  const out = new Uint8Array(h.length + body.length);
  out.set(h);
  out.set(body, h.length);
  return out;
}
