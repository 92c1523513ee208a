// npm start's access log: every entry is one JSON line, and lines go out together, every FLUSH_MS or as
// soon as 64 KiB wait, however many turns of the event loop they came from.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FLUSH_MS, stdoutAccessLog } from '../../src/runtime/access-log.ts';

const ids = (text: string) => {
  const lines = text.split('\n');
  expect(lines.pop()).toBe('');
  return lines.map((l) => JSON.parse(l).request_id);
};

afterEach(() => vi.useRealTimers());

describe('stdoutAccessLog', () => {
  it('writes the lines of many event-loop turns in one write after FLUSH_MS, each a JSON object, in order', async () => {
    vi.useFakeTimers();
    const writes: string[] = [];
    const log = stdoutAccessLog((t) => writes.push(t));
    for (let i = 0; i < 100; i++) {
      log({ request_id: String(i), status: 200 });
      if (i % 10 === 9) await vi.advanceTimersByTimeAsync(1); // later turns
    }
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(writes.length).toBe(1);
    expect(ids(writes[0])).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    log({ request_id: 'next' });
    await vi.advanceTimersByTimeAsync(FLUSH_MS - 1);
    expect(writes.length).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes.length).toBe(2);
    expect(JSON.parse(writes[1])).toEqual({ request_id: 'next' });
    // Nothing waiting: no empty write.
    await vi.advanceTimersByTimeAsync(10 * FLUSH_MS);
    expect(writes.length).toBe(2);
  });

  it('writes at once when 64 KiB of lines wait, without waiting for the timer', () => {
    vi.useFakeTimers();
    const writes: string[] = [];
    const log = stdoutAccessLog((t) => writes.push(t));
    const path = '/'.padEnd(1000, 'p');
    let n = 0;
    while (writes.length === 0) log({ request_id: String(n++), path });
    expect(writes[0].length).toBeGreaterThanOrEqual(64 * 1024);
    expect(writes[0].length).toBeLessThan(64 * 1024 + 1100);
    expect(ids(writes[0])).toEqual(Array.from({ length: n }, (_, i) => String(i)));
  });

  it('writes the lines still waiting when the process exits', () => {
    vi.useFakeTimers();
    const writes: string[] = [];
    const before = process.listeners('exit');
    const log = stdoutAccessLog((t) => writes.push(t));
    const onExit = process.listeners('exit').find((l) => !before.includes(l))!;
    log({ request_id: 'last' });
    expect(writes).toEqual([]);
    onExit.call(process, 0);
    expect(writes.map(ids)).toEqual([['last']]);
    process.removeListener('exit', onExit);
  });
});
