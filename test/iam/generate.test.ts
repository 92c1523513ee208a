// Fresh credentials: their shapes, and the rejection sampling that keeps every character equally likely.
// The CSPRNG is replaced by a script of bytes where the test needs to know which bytes were drawn.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { newAccessKey, newProjectId, newSecretKey, randomString } from '../../src/iam/generate.ts';

/** Makes crypto.getRandomValues hand out `script` (then zeros), recording each request's length. */
function scriptRandom(script: number[]): number[] {
  const requests: number[] = [];
  const queue = [...script];
  vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
    const bytes = array as unknown as Uint8Array;
    requests.push(bytes.length);
    for (let i = 0; i < bytes.length; i++) bytes[i] = queue.length ? queue.shift()! : 0;
    return array;
  });
  return requests;
}

afterEach(() => vi.restoreAllMocks());

describe('credential shapes', () => {
  it('access keys are 20 upper-case letters and digits, secret keys 40 letters and digits, project ids 32 hex digits', () => {
    const aks = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const ak = newAccessKey();
      expect(ak).toMatch(/^[A-Z0-9]{20}$/);
      aks.add(ak);
      expect(newSecretKey()).toMatch(/^[A-Za-z0-9]{40}$/);
      expect(newProjectId()).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(aks.size).toBe(50);
  });

  it('draws from the whole alphabet: every letter and digit shows up', () => {
    const seen = new Set([...Array.from({ length: 100 }, () => newSecretKey()).join('')]);
    expect([...seen].sort().join('')).toBe('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
    const upper = new Set([...Array.from({ length: 100 }, () => newAccessKey()).join('')]);
    expect([...upper].sort().join('')).toBe('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ');
  });
});

describe('randomString: rejection sampling', () => {
  it('maps a byte to alphabet[byte mod size] and skips the bytes past the last whole multiple of the size', () => {
    // 36 characters: 256 = 7 * 36 + 4, so bytes 252-255 would favour the first 4 characters and are skipped.
    const requests = scriptRandom([252, 253, 254, 255, 251, 0, 36, 37, 45, 216, 1]);
    expect(randomString('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 6)).toBe('9AABJA');
    expect(requests).toEqual([12]); // one draw of twice the length covered it
  });

  it('draws again until it has enough characters', () => {
    // Two characters: every byte is usable (256 is a multiple of 2); three: 255 is skipped.
    const requests = scriptRandom([255, 255, 255, 255, 255, 255, 1, 2, 255, 255, 255, 255, 0, 2]);
    expect(randomString('abc', 3)).toBe('bca');
    expect(requests).toEqual([6, 6, 6]);
  });

  it('an alphabet that divides 256 uses every byte', () => {
    scriptRandom([255, 0, 128, 3]);
    expect(randomString('0123', 4)).toBe('3003');
  });
});
