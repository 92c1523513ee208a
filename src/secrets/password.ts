// Random passwords from the CSPRNG (GenerateRandomPassword, and the value of rotate-now). Characters are
// drawn by rejection sampling, so every allowed character is equally likely.
import { randomBytes } from '../crypto/bytes.ts';

export interface PasswordPolicy {
  length: number;
  excludeCharacters: string;
  excludeLowercase: boolean;
  excludeUppercase: boolean;
  excludeNumbers: boolean;
  excludePunctuation: boolean;
  includeSpace: boolean;
  requireEachIncludedType: boolean;
}

export const DEFAULT_POLICY: PasswordPolicy = {
  length: 32,
  excludeCharacters: '',
  excludeLowercase: false,
  excludeUppercase: false,
  excludeNumbers: false,
  excludePunctuation: false,
  includeSpace: false,
  requireEachIncludedType: true,
};

const CLASSES = {
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  numbers: '0123456789',
  punctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  space: ' ',
};

/** The character classes a policy allows, each without the excluded characters; empty ones dropped. */
export function allowedClasses(p: PasswordPolicy): string[] {
  const picked = [
    p.excludeLowercase ? '' : CLASSES.lowercase,
    p.excludeUppercase ? '' : CLASSES.uppercase,
    p.excludeNumbers ? '' : CLASSES.numbers,
    p.excludePunctuation ? '' : CLASSES.punctuation,
    p.includeSpace ? CLASSES.space : '',
  ];
  return picked.map((c) => [...c].filter((ch) => !p.excludeCharacters.includes(ch)).join('')).filter((c) => c.length > 0);
}

function pick(alphabet: string): string {
  const limit = 256 - (256 % alphabet.length);
  for (;;) {
    const [b] = randomBytes(1);
    if (b < limit) return alphabet[b % alphabet.length];
  }
}

/** A password following the policy; throws RangeError when the policy allows no password. */
export function generatePassword(p: PasswordPolicy = DEFAULT_POLICY): string {
  const classes = allowedClasses(p);
  if (classes.length === 0) throw new RangeError('the policy excludes every character');
  if (p.requireEachIncludedType && classes.length > p.length) throw new RangeError('the length is shorter than the number of required character types');
  const all = classes.join('');
  for (;;) {
    const out = Array.from({ length: p.length }, () => pick(all)).join('');
    if (!p.requireEachIncludedType || classes.every((c) => [...out].some((ch) => c.includes(ch)))) return out;
  }
}
