// Reads exact byte counts from a ReadableStream of chunks of any size, holding only what a caller asked
// for plus the tail of one chunk. Nothing is read from the source until someone needs it, which is what
// carries backpressure from the output of a transform back to its input.
import { InvalidArgumentError } from '../format/errors.ts';

export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private head = 0; // bytes of chunks[0] already taken
  private ended = false;
  /** Bytes buffered and not yet taken. */
  size = 0;

  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /** Reads until at least `n` bytes are buffered; false when the source ended first. */
  async fill(n: number): Promise<boolean> {
    while (this.size < n && !this.ended) {
      const { done, value } = await this.reader.read();
      if (done) {
        this.ended = true;
        break;
      }
      if (!(value instanceof Uint8Array)) throw new InvalidArgumentError('stream chunks must be Uint8Array');
      if (value.length) {
        this.chunks.push(value);
        this.size += value.length;
      }
    }
    return this.size >= n;
  }

  /**
   * Removes and returns the next `n` buffered bytes as views of the chunks they lie in, without a copy;
   * joined into one copy when they span more than `maxPieces` chunks (a source of tiny chunks must not
   * make a consumer handle thousands of pieces).
   */
  takePieces(n: number, maxPieces: number): Uint8Array[] {
    if (n > this.size) throw new RangeError('take past the buffered bytes');
    let spanned = 0;
    for (let i = 0, h = this.head, left = n; left > 0; i++, h = 0) {
      left -= this.chunks[i].length - h;
      if (++spanned > maxPieces) return [this.take(n)];
    }
    const out: Uint8Array[] = [];
    while (n > 0) {
      const c = this.chunks[0];
      const k = Math.min(n, c.length - this.head);
      out.push(c.subarray(this.head, this.head + k));
      this.advance(k);
      n -= k;
    }
    return out;
  }

  /** Removes and returns the next `n` buffered bytes (a view when they lie in one chunk, else a copy). */
  take(n: number): Uint8Array {
    if (n > this.size) throw new RangeError('take past the buffered bytes');
    const first = this.chunks[0];
    if (n === 0) return new Uint8Array(0);
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.advance(n);
      return out;
    }
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const c = this.chunks[0];
      const k = Math.min(n - o, c.length - this.head);
      out.set(c.subarray(this.head, this.head + k), o);
      o += k;
      this.advance(k);
    }
    return out;
  }

  /** The next `n` buffered bytes without removing them (a copy when they span chunks). */
  peek(n: number): Uint8Array {
    if (n > this.size) throw new RangeError('peek past the buffered bytes');
    if (n === 0) return new Uint8Array(0);
    const first = this.chunks[0];
    if (first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    const out = new Uint8Array(n);
    let o = 0;
    for (let i = 0, h = this.head; o < n; i++, h = 0) {
      const c = this.chunks[i];
      const k = Math.min(n - o, c.length - h);
      out.set(c.subarray(h, h + k), o);
      o += k;
    }
    return out;
  }

  private advance(n: number): void {
    this.head += n;
    this.size -= n;
    if (this.head === this.chunks[0].length) {
      this.chunks.shift();
      this.head = 0;
    }
  }

  /** Stops the source (on error or when the consumer gives up); never throws. */
  async cancel(reason?: unknown): Promise<void> {
    this.chunks = [];
    this.size = 0;
    try {
      await this.reader.cancel(reason);
    } catch {
      // the source is already errored or closed
    }
  }
}
