// A progress line for long file operations: bytes done (of the total when known), bytes/s and an ETA,
// redrawn in place on stderr at most a few times a second. Only on a terminal: a pipe or --json gets none.
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(n: number): string {
  let i = 0;
  while (n >= 1024 && i < UNITS.length - 1) (n /= 1024), i++;
  return `${i === 0 ? n : n.toFixed(1)} ${UNITS[i]}`;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  s = Math.ceil(s);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** The line for `done` of `total` bytes after `elapsedMs`. */
export function progressLine(done: number, total: number | undefined, elapsedMs: number, width = 24): string {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const speed = `${formatBytes(Math.round(rate))}/s`;
  if (!total) return `${formatBytes(done)}  ${speed}`;
  const f = Math.min(1, done / total);
  const filled = Math.round(f * width);
  const eta = rate > 0 ? (total - done) / rate : Infinity;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${formatBytes(done)} / ${formatBytes(total)}  ${speed}  ETA ${formatSeconds(eta)}`;
}

export interface Progress {
  /** Counts the bytes passing through. */
  meter: TransformStream<Uint8Array, Uint8Array>;
  done(): void;
}

/** A meter that draws on `out` when it is a terminal, and only counts otherwise. */
export function progress(total: number | undefined, out: NodeJS.WriteStream, enabled: boolean): Progress {
  const draw = enabled && out.isTTY;
  const start = Date.now();
  let bytes = 0;
  let last = 0;
  const render = () => out.write(`\r${progressLine(bytes, total, Date.now() - start)}\x1b[K`);
  return {
    meter: new TransformStream({
      transform(chunk, controller) {
        bytes += chunk.byteLength;
        if (draw && Date.now() - last >= 200) (last = Date.now()), render();
        controller.enqueue(chunk);
      },
    }),
    done() {
      if (draw) out.write('\r\x1b[K');
    },
  };
}
