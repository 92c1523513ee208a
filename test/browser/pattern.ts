// The 50 MB test content, generated the same way in the page and in Node so neither has to ship it: chunk
// k of 1 MiB, byte j = (31j + 17k + (j >> 11)) mod 256.
export const CHUNK = 1 << 20;

export function patternChunk(k: number, size = CHUNK): Uint8Array {
  const out = new Uint8Array(size);
  for (let j = 0; j < size; j++) out[j] = (j * 31 + k * 17 + (j >>> 11)) & 0xff;
  return out;
}
