// npm start's access log: every entry is one JSON line, and the lines of one turn of the event loop go out
// in a single write.
import { describe, expect, it } from 'vitest';
import { stdoutAccessLog } from '../../src/runtime/access-log.ts';

describe('stdoutAccessLog', () => {
  it('writes the lines of one event-loop turn in one write, each a JSON object, in order', async () => {
    const writes: string[] = [];
    const log = stdoutAccessLog((t) => writes.push(t));
    for (let i = 0; i < 100; i++) log({ request_id: String(i), status: 200 });
    expect(writes).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(writes.length).toBe(1);
    const lines = writes[0].split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l).request_id)).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    log({ request_id: 'next' });
    await new Promise((r) => setImmediate(r));
    expect(writes.length).toBe(2);
    expect(JSON.parse(writes[1])).toEqual({ request_id: 'next' });
  });
});
