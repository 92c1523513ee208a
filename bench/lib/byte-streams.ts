// The in-memory byte streams the SDK benches read and drain, shared so every probe feeds the SDK alike.

/** `n` random bytes (getRandomValues in its 64 KiB steps). */
export function random(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

/** `total` bytes in chunks of `block`'s size, each a fresh copy of it (as a file reader gives fresh buffers). */
export function source(total: number, block: Uint8Array): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (sent >= total) return c.close();
        c.enqueue(block.slice());
        sent += block.length;
      },
    },
    { highWaterMark: 0 },
  );
}

/** The chunks again, one per read, every read answered at once. */
export function replay(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({ pull: (c) => (i < chunks.length ? c.enqueue(chunks[i++]) : c.close()) }, { highWaterMark: 0 });
}

/** Reads `s` to its end and answers the bytes read; `keep` collects the chunks. */
export async function drain(s: ReadableStream<Uint8Array>, keep?: Uint8Array[]): Promise<number> {
  const r = s.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await r.read();
    if (done) return n;
    n += value.length;
    keep?.push(value);
  }
}
