import { describe, expect, it } from 'vitest';

describe('toolchain', () => {
  it('has WebCrypto', async () => {
    const d = await crypto.subtle.digest('SHA-256', new Uint8Array());
    expect(Buffer.from(d).toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
