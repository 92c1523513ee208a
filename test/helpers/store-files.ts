// Reads and writes the file store's files directly, as someone with write access to the data directory
// but without the root key can: the format (EKS1 | u32 key length | key | u32 value length | value |
// SHA-256) is re-implemented here with node:crypto, so the checksum of an edited file is recomputed.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileName } from '../../src/store/file.ts';

export function storeFilePath(dataDir: string, key: string): string {
  return join(dataDir, 'store', fileName(key));
}

/** The value stored under `key` (with the barrier's header, if any). */
export function readStoreFile(dataDir: string, key: string): Buffer {
  const bytes = readFileSync(storeFilePath(dataDir, key));
  const kLen = bytes.readUInt32BE(4);
  const vLen = bytes.readUInt32BE(8 + kLen);
  return bytes.subarray(12 + kLen, 12 + kLen + vLen);
}

/** Writes `value` as the file of `key`, with a correct checksum. */
export function writeStoreFile(dataDir: string, key: string, value: Uint8Array): void {
  const k = Buffer.from(key, 'utf8');
  const head = Buffer.alloc(12 + k.length);
  head.write('EKS1', 0, 'latin1');
  head.writeUInt32BE(k.length, 4);
  k.copy(head, 8);
  head.writeUInt32BE(value.length, 8 + k.length);
  const body = Buffer.concat([head, value]);
  writeFileSync(storeFilePath(dataDir, key), Buffer.concat([body, createHash('sha256').update(body).digest()]));
}

/** Edits the JSON inside a barrier-sealed value, keeping its (now wrong) 36-byte header. */
export function editSealedJson(value: Buffer, edit: (record: any) => void): Buffer {
  const record = JSON.parse(value.subarray(36).toString('utf8'));
  edit(record);
  return Buffer.concat([value.subarray(0, 36), Buffer.from(JSON.stringify(record), 'utf8')]);
}

/** Every store key in the data directory, read from the files themselves. */
export function storeKeys(dataDir: string): string[] {
  return readdirSync(join(dataDir, 'store')).map((name) => {
    const bytes = readFileSync(join(dataDir, 'store', name));
    return bytes.subarray(8, 8 + bytes.readUInt32BE(4)).toString('utf8');
  });
}
