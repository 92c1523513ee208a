// Randomness for keys and nonces comes from a fresh CSPRNG call at the moment it is drawn, written
// straight into the buffer that is returned: nothing is drawn ahead and kept in memory (a heap snapshot of
// a pool would reveal the next IV, key or SM2 signing nonce, and a known nonce gives the private key).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { randomBytes } from '../../src/crypto/bytes.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { makeRig } from '../helpers/kms.ts';

function watchCsprng() {
  const filled: ArrayBufferView[] = [];
  const real = crypto.getRandomValues.bind(crypto);
  vi.spyOn(crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
    filled.push(array as ArrayBufferView);
    return real(array as never) as T;
  });
  return filled;
}

afterEach(() => vi.restoreAllMocks());

describe('no pooled randomness', () => {
  it('every draw, small or large, is one CSPRNG call into the returned buffer', () => {
    const filled = watchCsprng();
    for (const n of [1, 12, 16, 32, 64, 65, 1000]) {
      const before = filled.length;
      const out = randomBytes(n);
      expect(filled.length, `${n} bytes`).toBe(before + 1);
      expect(filled[before].buffer, `${n} bytes`).toBe(out.buffer);
      expect(filled[before].byteLength).toBe(n);
    }
    const big = randomBytes(70_000);
    expect(filled.slice(-2).map((b) => b.buffer)).toEqual([big.buffer, big.buffer]);
  });

  it('root keys, CMK material, IVs, data keys and SM2 signing nonces each take their own CSPRNG call', async () => {
    const rig = await makeRig();
    const call = (action: string, body: unknown) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
    const sm2 = (await call('create-key', { key_alias: 'nonce-sm2', key_spec: 'SM2' })).key_info.key_id;
    const aes = (await call('create-key', { key_alias: 'nonce-aes' })).key_info.key_id;
    const filled = watchCsprng();
    const sizes = async (f: () => Promise<unknown>) => {
      const before = filled.length;
      await f();
      return filled.slice(before).map((b) => b.byteLength);
    };
    expect(await sizes(async () => RootKey.generate())).toEqual([32]);
    // The operation's own draws (request ids are not secret and come from randomUUID's cached batch). A pool
    // would show one 4 KiB refill or none.
    expect(await sizes(() => call('encrypt-data', { key_id: aes, plain_text: 'x' }))).toEqual([12]);
    expect(await sizes(() => call('create-datakey', { key_id: aes, datakey_length: '256' }))).toEqual([32, 12]);
    const signing = await sizes(() => call('sign', { key_id: sm2, message: Buffer.alloc(32, 1).toString('base64'), signing_algorithm: 'SM2DSA_SM3' }));
    // Per signature the nonce k and the inversion blinder u (32 bytes each, our own draws) and
    // @noble/curves' 16-byte blinding of each secret scalar multiplication.
    expect(signing.filter((n) => n === 32).length).toBeGreaterThanOrEqual(2);
    for (const n of signing) expect([16, 32]).toContain(n);
    const created = await sizes(() => call('create-key', { key_alias: 'nonce-aes-2' }));
    expect(created).toContain(32); // the CMK material
    expect(Math.max(...created)).toBeLessThanOrEqual(32);
  });
});
