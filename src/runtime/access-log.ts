// npm start's access log: one JSON line per request on stdout, written in batches. Writes to a pipe or a
// file are synchronous system calls on Linux, and each one to a pipe also wakes its reader (a terminal,
// journald). Lines are collected and written together every FLUSH_MS, or as soon as 64 KiB are waiting,
// so a busy server makes a few writes per second whatever its request rate and however its requests are
// spread over turns of the event loop. Profiled under the loopback bench with the durable audit log on,
// a write per turn was still about one write per signed request (each answer waits for its audit
// record, so they finish in turns of their own), 5-9% of its server CPU. A line shows up at most FLUSH_MS
// after its request; lines still waiting when the process exits are written before it goes (a kill -9
// loses at most the last FLUSH_MS of lines; the audit log, not this one, is the durable record).
export type AccessLog = (entry: object) => void;

export const FLUSH_MS = 50;
const MAX_PENDING_CHARS = 64 * 1024;

export function stdoutAccessLog(write: (text: string) => unknown = (t) => process.stdout.write(t)): AccessLog {
  let pending: string[] = [];
  let chars = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!pending.length) return;
    const text = pending.join('');
    pending = [];
    chars = 0;
    write(text);
  };
  process.once('exit', flush);
  return (entry) => {
    const line = JSON.stringify(entry) + '\n';
    pending.push(line);
    chars += line.length;
    if (chars >= MAX_PENDING_CHARS) flush();
    else if (!timer) timer = setTimeout(flush, FLUSH_MS).unref();
  };
}
