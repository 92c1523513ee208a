// npm start's access log: one JSON line per request on stdout, written in batches. Writes to a pipe or a
// file are synchronous system calls on Linux; a busy server answers many requests per turn of the event
// loop, so their lines go out in one write at the end of the turn instead of one write each (profiled:
// the per-line writes were ~15% of a signed request's CPU). Lines still queued when the process exits
// are written before it goes.
export type AccessLog = (entry: object) => void;

export function stdoutAccessLog(write: (text: string) => unknown = (t) => process.stdout.write(t)): AccessLog {
  let pending: string[] = [];
  const flush = () => {
    if (!pending.length) return;
    const text = pending.join('');
    pending = [];
    write(text);
  };
  process.once('exit', flush);
  return (entry) => {
    if (pending.push(JSON.stringify(entry) + '\n') === 1) setImmediate(flush);
  };
}
