// Replacing a file so that a crash at any instant leaves the old content or the new, never a torn or empty
// file: write a fresh temp file, fsync it, rename it over the target, fsync the directory.
//
// The rename is the commit point. A failure before it changed nothing (the temp file is removed); a
// failure after it (the directory fsync) leaves the new content in place but perhaps not durable, so it is
// reported as an unknown outcome. Each step is checked against the disk, so a call that claims success
// without its effect (a lost write or rename) is caught instead of trusted.
import { dirname } from 'node:path';
import { StoreError } from '../store.ts';
import { fsyncDir, sameStamp, type FileStamp, type Fs } from './fs.ts';

/** Writing `path` failed; the message names the file. */
export class FileWriteError extends StoreError {
  override name = 'FileWriteError';
  constructor(
    readonly path: string,
    why: string,
    unknownOutcome: boolean,
  ) {
    super(
      unknownOutcome
        ? `writing ${path} may not have completed (${why}): the new content is in place but may not survive a crash`
        : `cannot write ${path}: ${why}`,
      unknownOutcome,
    );
  }
}

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Writes `bytes` to `path` atomically and durably; returns the stamp of the file now at `path`. */
export async function writeFileAtomic(fs: Fs, path: string, bytes: Uint8Array, mode = 0o600): Promise<FileStamp> {
  const tmp = `${path}.${Math.random().toString(36).slice(2)}.tmp`;
  let written: FileStamp;
  try {
    const h = await fs.open(tmp, 'wx', mode);
    try {
      let off = 0;
      while (off < bytes.length) off += await h.write(bytes, off, bytes.length - off);
      written = await h.stamp();
      if (written.size !== bytes.length) throw new Error(`the temp file holds ${written.size} of ${bytes.length} bytes`);
      await h.sync();
    } finally {
      await h.close();
    }
  } catch (e) {
    await fs.unlink(tmp).catch(() => {});
    throw new FileWriteError(path, reason(e), false);
  }
  let renameError: unknown;
  await fs.rename(tmp, path).catch((e) => (renameError = e));
  // Whether the rename happened is read from the disk, not from what the call said.
  let now: FileStamp | null;
  try {
    now = await fs.stamp(path);
  } catch (e) {
    throw new FileWriteError(path, `${renameError ? reason(renameError) + '; ' : ''}cannot check the result: ${reason(e)}`, true);
  }
  if (!sameStamp(now, written)) {
    await fs.unlink(tmp).catch(() => {});
    throw new FileWriteError(path, renameError ? reason(renameError) : 'the rename did not take effect', false);
  }
  try {
    await fsyncDir(fs, dirname(path));
  } catch (e) {
    throw new FileWriteError(path, `directory fsync failed: ${reason(e)}`, true);
  }
  if (renameError) throw new FileWriteError(path, reason(renameError), true);
  return written;
}
