// Key pair generation leaves the event loop free: RSA goes to WebCrypto's worker threads. Checked without
// timing: a generation that ran on the calling thread would have finished before the next loop turn.
import { describe, expect, it } from 'vitest';
import { parsePkcs8, parseSpki } from '../../src/crypto/asym-keys.ts';
import { generateAsymKeyPair } from '../../src/crypto/keypair.ts';

describe('generateAsymKeyPair', () => {
  it('RSA_4096 is still being generated after the event loop has turned, and the pair matches', async () => {
    let settled = false;
    const pending = generateAsymKeyPair('RSA_4096').finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    const pair = await pending;
    const priv = parsePkcs8(pair.privateKeyPkcs8);
    const pub = parseSpki(pair.publicKeySpki);
    expect([priv.kind, pub.kind]).toEqual(['rsa', 'rsa']);
    expect(pub.kind === 'rsa' && priv.kind === 'rsa' && [pub.bits, pub.n === priv.n]).toEqual([4096, true]);
  });
});
