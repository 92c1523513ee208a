// Random passwords (GenerateRandomPassword and rotate-now's value): which characters a policy allows, the
// rejection sampling that keeps each allowed character equally likely, and "each included type" being
// met by drawing again. The CSPRNG is replaced by a script of bytes where the test needs to know them.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { allowedClasses, DEFAULT_POLICY, generatePassword, type PasswordPolicy } from '../../src/secrets/password.ts';

/** Makes crypto.getRandomValues hand out `script` (then zeros). */
function scriptRandom(script: number[]): void {
  const queue = [...script];
  vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
    const bytes = array as unknown as Uint8Array;
    for (let i = 0; i < bytes.length; i++) bytes[i] = queue.length ? queue.shift()! : 0;
    return array;
  });
}

afterEach(() => vi.restoreAllMocks());

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const policy = (p: Partial<PasswordPolicy>): PasswordPolicy => ({ ...DEFAULT_POLICY, ...p });

describe('password policy', () => {
  it('the default: 32 characters of letters, digits and punctuation, each type required, no space', () => {
    expect(DEFAULT_POLICY).toEqual({
      length: 32,
      excludeCharacters: '',
      excludeLowercase: false,
      excludeUppercase: false,
      excludeNumbers: false,
      excludePunctuation: false,
      includeSpace: false,
      requireEachIncludedType: true,
    });
    expect(allowedClasses(DEFAULT_POLICY)).toEqual([LOWER, UPPER, DIGITS, PUNCTUATION]);
  });

  it('each exclusion drops its class, space is only there when included, excluded characters leave every class', () => {
    expect(allowedClasses(policy({ excludeLowercase: true }))).toEqual([UPPER, DIGITS, PUNCTUATION]);
    expect(allowedClasses(policy({ excludeUppercase: true }))).toEqual([LOWER, DIGITS, PUNCTUATION]);
    expect(allowedClasses(policy({ excludeNumbers: true }))).toEqual([LOWER, UPPER, PUNCTUATION]);
    expect(allowedClasses(policy({ excludePunctuation: true }))).toEqual([LOWER, UPPER, DIGITS]);
    expect(allowedClasses(policy({ includeSpace: true }))).toEqual([LOWER, UPPER, DIGITS, PUNCTUATION, ' ']);
    expect(allowedClasses(policy({ excludeCharacters: 'aZ0!' }))).toEqual([LOWER.slice(1), UPPER.slice(0, -1), DIGITS.slice(1), PUNCTUATION.slice(1)]);
    // A class emptied by the excluded characters is gone, so it is not required either.
    expect(allowedClasses(policy({ excludeCharacters: DIGITS + ' ', includeSpace: true, excludeLowercase: true, excludeUppercase: true }))).toEqual([PUNCTUATION]);
    expect(allowedClasses(policy({ excludeLowercase: true, excludeUppercase: true, excludeNumbers: true, excludePunctuation: true }))).toEqual([]);
  });

  it('a policy that allows nothing, or fewer characters than required types, is a RangeError', () => {
    const none = policy({ excludeLowercase: true, excludeUppercase: true, excludeNumbers: true, excludePunctuation: true });
    expect(() => generatePassword(none)).toThrow(new RangeError('the policy excludes every character'));
    expect(() => generatePassword(policy({ length: 3 }))).toThrow(new RangeError('the length is shorter than the number of required character types'));
    expect(generatePassword(policy({ length: 4 }))).toHaveLength(4);
    expect(generatePassword(policy({ length: 3, requireEachIncludedType: false }))).toHaveLength(3);
  });
});

describe('password drawing', () => {
  it('maps a byte to alphabet[byte mod size] and skips the bytes past the last whole multiple of the size', () => {
    // Digits only: 256 = 25 * 10 + 6, so 250-255 would favour 0-5 and are skipped.
    scriptRandom([250, 255, 249, 0, 13, 252, 7]);
    expect(generatePassword(policy({ length: 4, excludeLowercase: true, excludeUppercase: true, excludePunctuation: true }))).toBe('9037');
  });

  it('an alphabet that divides 256 uses every byte', () => {
    // 64 characters: lower, upper, digits and "+/" left of punctuation.
    const p = policy({ length: 4, excludeCharacters: PUNCTUATION.replace('+', '').replace('/', ''), requireEachIncludedType: false });
    expect(allowedClasses(p).join('')).toHaveLength(64);
    scriptRandom([255, 0, 64, 63]);
    expect(generatePassword(p)).toBe('/aa/');
  });

  it('draws the whole password again until each included type is in it', () => {
    // Alphabet "ab" + "AB": the first draw (all lower case) misses upper case, the second has both.
    const p = policy({ length: 3, excludeCharacters: LOWER.slice(2) + UPPER.slice(2), excludeNumbers: true, excludePunctuation: true });
    expect(allowedClasses(p)).toEqual(['ab', 'AB']);
    scriptRandom([0, 1, 0, 1, 2, 3]);
    expect(generatePassword(p)).toBe('bAB');
  });

  it('without requireEachIncludedType the first draw is kept', () => {
    const p = policy({ length: 3, excludeCharacters: LOWER.slice(2) + UPPER.slice(2), excludeNumbers: true, excludePunctuation: true, requireEachIncludedType: false });
    scriptRandom([0, 1, 0, 1, 2, 3]);
    expect(generatePassword(p)).toBe('aba');
  });

  it('from the real CSPRNG: the default policy gives 32 characters with every type, and every allowed character shows up', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const pw = generatePassword();
      expect(pw).toHaveLength(32);
      for (const c of [LOWER, UPPER, DIGITS, PUNCTUATION]) expect([...pw].some((ch) => c.includes(ch)), pw).toBe(true);
      for (const ch of pw) seen.add(ch);
    }
    expect([...seen].sort().join('')).toBe([...(LOWER + UPPER + DIGITS + PUNCTUATION)].sort().join(''));
    expect(generatePassword(policy({ includeSpace: true, length: 4096 }))).toContain(' '); // missing with probability (94/95)^4096 < 1e-18
  });
});
