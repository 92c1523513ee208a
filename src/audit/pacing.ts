// When the audit log writes its next block: at once, or once more appends have joined it.
//
// Each answer waits for its record's durable write, one write at a time, so callers that each wait for
// their answer before their next request (keep-alive connections, SDK clients) settle into groups: one
// group's block is written while the other's requests are worked on and queue for the next block. Where
// a write takes less time than a group's work (a fast disk), that keeps both the disk and the event loop
// busy and the log writes each block at once. Where a write takes longer (a slow or shared disk: 3-20 ms
// were seen here), the event loop sits idle through most of each write, and the rate is records per write
// over the write's time: the next block then waits for the requests answered by the last one to come back,
// so every caller shares one write (at most half a write's time more, and never when a write has become
// shorter than that wait, or than 1 ms). The rule is measured, not configured: the loop was idle through a
// write when no append arrived for more than half of it.

/** The longest a block waits for more appends, whatever the last write took. */
const MAX_WAIT_MS = 100;
/** A write shorter than this is never waited on (a memory store's, a fast disk's). */
const SLOW_WRITE_MS = 1;

export class BlockPacer {
  private gathering = false;
  /** The last block: its records, how long its write took, and how many appends were queued when it ended. */
  private last = { records: 0, ms: 0, queuedAfter: 0 };
  private lastAppendAt = -Infinity;
  private wanted: { count: number; done: () => void } | undefined;

  constructor(
    readonly now: () => number = () => performance.now(),
    /** Calls `fn` after `ms` unless cancelled first. */
    private readonly after: (ms: number, fn: () => void) => () => void = (ms, fn) => {
      const timer = setTimeout(fn, ms);
      return () => clearTimeout(timer);
    },
  ) {}

  /** An append joined the queue, which now holds `queued` entries. */
  appended(queued: number): void {
    this.lastAppendAt = this.now();
    if (this.wanted && queued >= this.wanted.count) this.wanted.done();
  }

  /**
   * Resolves when the next block should be written, `queued` entries being queued (at most `max` go in one
   * block); answers how many milliseconds it waited.
   */
  async ready(queued: number, max: number): Promise<number> {
    if (!this.gathering) return 0;
    // Those queued when the last write ended, and the callers it answered, expected back.
    const count = Math.min(max, this.last.queuedAfter + this.last.records);
    if (queued >= count) return 0;
    const started = this.now();
    await new Promise<void>((resolve) => {
      const done = () => {
        cancel();
        this.wanted = undefined;
        resolve();
      };
      const cancel = this.after(Math.min(MAX_WAIT_MS, this.last.ms / 2), done);
      this.wanted = { count, done };
    });
    return this.now() - started;
  }

  /** A block of `records` was written from `started` until now, after waiting `waitedMs`; `queued` are queued now. */
  written(records: number, started: number, waitedMs: number, queued: number): void {
    const ended = this.now();
    const ms = ended - started;
    // Gathering pays while the write outlasts the wait for the group; from writing at once, switch when the
    // loop got nothing to add for more than half of the write.
    this.gathering = ms >= SLOW_WRITE_MS && (this.gathering ? ms > waitedMs : ended - Math.max(started, this.lastAppendAt) > ms / 2);
    this.last = { records, ms, queuedAfter: queued };
  }
}
