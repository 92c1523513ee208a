// Per-request latency of one caller: a single keep-alive connection sending its next request as soon as the
// previous answer is complete, for a fixed time. Used to see what another caller's load does to it.
import { connect } from 'node:net';

/** Milliseconds each request took, in order. Throws on any answer but `status` (the measurement would be void). */
export async function latencies(host: string, port: number, requests: Uint8Array[], seconds: number, status = 200): Promise<number[]> {
  const out: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    let idx = 0;
    let sentAt = 0;
    let buf: Buffer = Buffer.alloc(0);
    const send = () => {
      if (performance.now() >= deadline) {
        socket.end();
        return resolve();
      }
      sentAt = performance.now();
      socket.write(requests[idx]);
      idx = (idx + 1) % requests.length;
    };
    socket.on('connect', send);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const len = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + len) return;
      const got = Number(head.slice(9, 12));
      if (got !== status) return reject(new Error(`answer ${got}: ${buf.subarray(end + 4, end + 4 + len).toString()}`));
      out.push(performance.now() - sentAt);
      buf = buf.subarray(end + 4 + len);
      send();
    });
  });
  return out;
}

/** The p-th percentile (0-100) of `values`, nearest rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
