// Where the audit log's blocks live. A block is consecutive records `{records: [...]}`, named by its first
// record's sequence number and sealed by the store barrier under `audit/records/<12 digits>`, wherever it is:
//
//   StoreBlocks    one store entry per block (memory store, Workers): written through the barrier, with
//                  compare-and-set so concurrent writers cannot both take a sequence number
//   SegmentBlocks  frames of an append-only segment log beside the file store (src/store/fs/append-log.ts):
//                  one O_DSYNC write per block; each frame is the block sealed as the store would seal it
//   ChainedBlocks  blocks an older data directory kept in its store, then the segments that continue them
//
// Queries seek: `containing(seq)` finds the block holding a record without reading the ones before it.
import { fromUtf8, utf8 } from '../crypto/bytes.ts';
import { SealedStore } from '../store/barrier.ts';
import { getJson, listAll, putJson, type Store } from '../store/store.ts';
import type { AuditRecord } from './log.ts';

export const RECORDS = 'audit/records/';
const SEQ_DIGITS = 12;
export const seqKey = (seq: number) => RECORDS + String(seq).padStart(SEQ_DIGITS, '0');

/** Most records one block holds. */
export const MAX_BLOCK = 256;

export interface Block {
  records: AuditRecord[];
  /**
   * Set on a block written past blocks the sealed head did not cover yet (their head writes failed): the
   * record the head named then. verify takes such blocks as the log's own, and one naming a record past the
   * head as a sign that an older head was put back.
   */
  headAt?: number;
}

/** One block as found, for verification: what names it, and its verified contents. */
export interface BlockRef {
  /**
   * The block's name: 12 digits, its first sequence number (anything else was put there by someone else);
   * undefined when its contents name none (it is then checked as the block expected at its place).
   */
  name?: string;
  /** Its contents once its seal under `name` verifies; throws TamperedRecordError or SyntaxError when not; undefined when gone. */
  load(name: string): Promise<Block | undefined>;
  /** Why it cannot be a block whatever its contents (a segment cut short), if so. */
  damage?: string;
}

export interface Blocks {
  /** Every block, oldest first. */
  refs(): Promise<BlockRef[]>;
  /** The block holding record `seq` (verified), or undefined when no block does. */
  containing(seq: number): Promise<Block | undefined>;
  /** Durably adds a block; ConflictError when a block of that name exists (another writer took it). */
  write(records: AuditRecord[], headAt?: number): Promise<void>;
}

/** Blocks as store entries: `audit/records/<first seq>`. */
export class StoreBlocks implements Blocks {
  constructor(private readonly store: Store) {}

  async refs(): Promise<BlockRef[]> {
    return (await listAll(this.store, RECORDS)).map((key) => ({
      name: key.slice(RECORDS.length),
      load: async () => (await getJson<Block>(this.store, key))?.value,
    }));
  }

  async containing(seq: number): Promise<Block | undefined> {
    // A block holds at most MAX_BLOCK records, so the one holding `seq` is named within MAX_BLOCK before it:
    // list from there (store listings continue after any key) instead of from the start.
    const from = seq - MAX_BLOCK;
    const page = await this.store.list(RECORDS, { cursor: from > 0 ? seqKey(from) : undefined, limit: MAX_BLOCK + 1 });
    let key: string | undefined;
    for (const k of page.keys) if (Number(k.slice(RECORDS.length)) <= seq) key = k;
    if (!key) return undefined;
    const block = (await getJson<Block>(this.store, key))?.value;
    return block?.records.some((r) => r.seq === seq) ? block : undefined;
  }

  async write(records: AuditRecord[], headAt?: number): Promise<void> {
    await putJson(this.store, seqKey(records[0].seq), { records, headAt } satisfies Block, { ifVersion: null }); // JSON leaves an undefined headAt out
  }
}

export interface Segment {
  name: string;
  /** The sequence number of its first record. */
  first: number;
}

/** What segment blocks need of an append-only log (src/store/fs/append-log.ts, kept out of portable code). */
export interface FrameLog {
  /** Files beside the segments that are none. */
  readonly foreign: readonly string[];
  /** Oldest first. */
  segments(): readonly Segment[];
  lastFrameAtOpen(): Uint8Array | undefined;
  /** Durable when it resolves; `first` names the segment it starts, if it starts one. */
  append(first: number, payload: Uint8Array): Promise<void>;
  /** The complete frames of a segment, and the length of any incomplete frame at its end. */
  read(segment: Segment): Promise<{ frames: Uint8Array[]; rest: number }>;
}

/** Parsed segments kept for queries (each at most a segment's size). */
const SEGMENT_CACHE = 4;

/** Blocks as frames of an append-only segment log, sealed by the barrier as if stored under their names. */
export class SegmentBlocks implements Blocks {
  private readonly cache = new Map<string, Block[]>();

  constructor(
    readonly log: FrameLog,
    private readonly barrier: SealedStore,
  ) {}

  /** The last record appended before this process opened the log, unverified (to chain the next one to). */
  lastAtOpen(): AuditRecord | undefined {
    const frame = this.log.lastFrameAtOpen();
    if (!frame) return undefined;
    try {
      return (JSON.parse(fromUtf8(SealedStore.unverified(frame))) as Block).records.at(-1);
    } catch {
      return undefined;
    }
  }

  /** The first sequence number the segments hold, if any. */
  first(): number | undefined {
    return this.log.segments()[0]?.first;
  }

  async refs(): Promise<BlockRef[]> {
    const out: BlockRef[] = this.log.foreign.map((name) => ({ name: `file ${name}`, load: async () => undefined }));
    const segments = this.log.segments();
    for (const segment of segments) {
      const { frames, rest } = await this.log.read(segment);
      for (const [i, frame] of frames.entries()) {
        const name = nameOf(frame);
        out.push({
          name,
          load: async (as) => this.open(frame, as),
          ...(i === 0 && name !== undefined && Number(name) !== segment.first ? { damage: `segment ${segment.name} does not start with record ${segment.first}` } : {}),
        });
      }
      // The newest segment may be read in the middle of an append (its bytes become visible as they land);
      // a frame cut short by a crash there is cut off at the next open. Anywhere else it is damage.
      if (rest && segment !== segments[segments.length - 1]) out.push({ load: async () => undefined, damage: `segment ${segment.name} ends in a record cut short (${rest} bytes)` });
    }
    return out;
  }

  async containing(seq: number): Promise<Block | undefined> {
    const segments = this.log.segments();
    let lo = 0;
    let hi = segments.length - 1;
    if (hi < 0 || seq < segments[0].first) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (segments[mid].first <= seq) lo = mid;
      else hi = mid - 1;
    }
    const blocks = await this.blocksOf(segments[lo]);
    let a = 0;
    let b = blocks.length - 1;
    while (a < b) {
      const mid = (a + b + 1) >>> 1;
      if (blocks[mid].records[0].seq <= seq) a = mid;
      else b = mid - 1;
    }
    return blocks[a]?.records.some((r) => r.seq === seq) ? blocks[a] : undefined;
  }

  async write(records: AuditRecord[]): Promise<void> {
    const first = records[0].seq;
    await this.log.append(first, this.barrier.seal(seqKey(first), utf8(JSON.stringify({ records } satisfies Block))));
    // The newest segment's cached blocks are out of date now.
    const newest = this.log.segments().at(-1);
    if (newest) this.cache.delete(newest.name);
  }

  private async blocksOf(segment: Segment): Promise<Block[]> {
    const hit = this.cache.get(segment.name);
    if (hit) return hit;
    const blocks: Block[] = [];
    for (const frame of (await this.log.read(segment)).frames) {
      const name = nameOf(frame);
      if (name === undefined) throw new SyntaxError(`a record of audit segment ${segment.name} is not a block`);
      blocks.push(this.open(frame, name));
    }
    if (this.cache.size >= SEGMENT_CACHE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(segment.name, blocks);
    return blocks;
  }

  private open(frame: Uint8Array, name: string): Block {
    return JSON.parse(fromUtf8(this.barrier.open(RECORDS + name, frame))) as Block;
  }
}

/** The name a frame's (unverified) contents give it, or undefined when they are not a block. */
function nameOf(frame: Uint8Array): string | undefined {
  try {
    const seq = (JSON.parse(fromUtf8(SealedStore.unverified(frame))) as Block).records[0].seq;
    return Number.isSafeInteger(seq) && seq > 0 ? String(seq).padStart(SEQ_DIGITS, '0') : undefined;
  } catch {
    return undefined;
  }
}

/** Blocks an older data directory kept in its store, continued by the segments: written to the segments. */
export class ChainedBlocks implements Blocks {
  constructor(
    private readonly older: StoreBlocks,
    readonly segments: SegmentBlocks,
  ) {}

  async refs(): Promise<BlockRef[]> {
    return [...(await this.older.refs()), ...(await this.segments.refs())];
  }

  containing(seq: number): Promise<Block | undefined> {
    const first = this.segments.first();
    return first !== undefined && seq >= first ? this.segments.containing(seq) : this.older.containing(seq);
  }

  write(records: AuditRecord[]): Promise<void> {
    return this.segments.write(records);
  }
}
