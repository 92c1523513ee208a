// Fresh credentials in the shapes Huawei uses: 20-character access keys, 40-character secret keys,
// 32-hex-digit project ids.
import { randomBytes } from '../crypto/bytes.ts';
import { toHex } from '../crypto/encoding.ts';

const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Uniform random characters from an alphabet (rejection sampling, no modulo bias). */
export function randomString(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < limit && out.length < length) out += alphabet[b % alphabet.length];
    }
  }
  return out;
}

export function newAccessKey(): string {
  return randomString(UPPER_DIGITS, 20);
}

export function newSecretKey(): string {
  return randomString(ALNUM, 40);
}

export function newProjectId(): string {
  return toHex(randomBytes(16), false);
}
