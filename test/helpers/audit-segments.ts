// Reads and rewrites the audit log's segment files (<data dir>/audit/*.seg: frames of u32 length | a block
// sealed by the barrier) directly, as someone with write access to the data directory but without the root
// key can. The frame format is re-implemented here, not imported.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Frame {
  /** The segment file it sits in (rewritten there). */
  segment: string;
  /** Barrier header (36 bytes) and the block's JSON. */
  bytes: Buffer;
  /** The first record's sequence number, read from the JSON. */
  first: number;
}

const dirOf = (dataDir: string) => join(dataDir, 'audit');

export function readFrames(dataDir: string): Frame[] {
  const out: Frame[] = [];
  for (const segment of readdirSync(dirOf(dataDir)).filter((n) => n.endsWith('.seg')).sort()) {
    const bytes = readFileSync(join(dirOf(dataDir), segment));
    for (let off = 0; off + 4 <= bytes.length; ) {
      const len = bytes.readUInt32BE(off);
      const frame = bytes.subarray(off + 4, off + 4 + len);
      out.push({ segment, bytes: Buffer.from(frame), first: JSON.parse(frame.subarray(36).toString('utf8')).records[0].seq });
      off += 4 + len;
    }
  }
  return out;
}

/** Writes the frames back, each into the segment it names, in the given order. */
export function writeFrames(dataDir: string, frames: Frame[]): void {
  const segments = new Map<string, Buffer[]>(readdirSync(dirOf(dataDir)).filter((n) => n.endsWith('.seg')).map((n) => [n, []]));
  for (const f of frames) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(f.bytes.length);
    segments.get(f.segment)!.push(len, f.bytes);
  }
  for (const [name, parts] of segments) writeFileSync(join(dirOf(dataDir), name), Buffer.concat(parts));
}

/** The frame (block) holding record `seq`. */
export function frameIndex(frames: Frame[], seq: number): number {
  const i = frames.findLastIndex((f) => f.first <= seq);
  if (i < 0) throw new Error(`no frame holds record ${seq}`);
  return i;
}
