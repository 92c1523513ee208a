// The store barrier: records MACed under a key derived from the root key, bound to their store key.
// The tag is recomputed here with node:crypto from the documented construction, so the format is pinned
// by an independent implementation.
import { createCipheriv, createHmac, webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { portableCrypto } from '../../src/crypto/provider.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { SealedStore, TamperedRecordError } from '../../src/store/barrier.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { ConflictError } from '../../src/store/store.ts';

const te = (s: string) => new TextEncoder().encode(s);
const td = (b: Uint8Array) => new TextDecoder().decode(b);
const ROOT = new Uint8Array(32).map((_, i) => i + 1);

async function rig(root = ROOT) {
  const backend = new MemoryStore();
  const key = await RootKey.fromBytes(root.slice(), portableCrypto);
  return { backend, store: SealedStore.over(backend, key.barrierMac) };
}

function expectedTag(root: Uint8Array, key: string, value: Uint8Array): Buffer {
  // The barrier key: AES-256 of the GCM counter blocks 2 and 3 of the IV "edgekms/brr1" (AES-CTR from there).
  const ctr = createCipheriv('aes-256-ctr', root, Buffer.concat([Buffer.from('edgekms/brr1'), Buffer.from([0, 0, 0, 2])]));
  const barrierKey = ctr.update(Buffer.alloc(32));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(Buffer.byteLength(key));
  return createHmac('sha256', barrierKey).update('edgekms/store-record/v1').update(len).update(key).update(value).digest();
}

describe('store barrier', () => {
  it('writes EKB1 | HMAC over label, store key and value | value, and reads the value back', async () => {
    const { backend, store } = await rig();
    const version = await store.put('kms/p/key/k1', te('{"a":1}'));
    const raw = (await backend.get('kms/p/key/k1'))!;
    expect(raw.version).toBe(version);
    expect(td(raw.value.subarray(0, 4))).toBe('EKB1');
    expect(Buffer.from(raw.value.subarray(4, 36))).toEqual(expectedTag(ROOT, 'kms/p/key/k1', te('{"a":1}')));
    expect(td(raw.value.subarray(36))).toBe('{"a":1}');
    const got = (await store.get('kms/p/key/k1'))!;
    expect(td(got.value)).toBe('{"a":1}');
    expect(got.version).toBe(version);
  });

  it('refuses a changed value, a moved record, a missing seal and another root key, naming the record', async () => {
    const { backend, store } = await rig();
    await store.put('a', te('value of a'));
    await store.put('b', te('value of b'));
    const sealedA = (await backend.get('a'))!.value;

    const flipped = sealedA.slice();
    flipped[flipped.length - 1] ^= 1;
    await backend.put('a', flipped);
    await expect(store.get('a')).rejects.toThrow(/store record a failed its integrity check \(its seal does not match\)/);

    await backend.put('b', sealedA); // a's record under b's name
    const moved = await store.get('b').catch((e) => e);
    expect(moved).toBeInstanceOf(TamperedRecordError);
    expect(moved.key).toBe('b');

    await backend.put('c', te('plain'));
    await expect(store.get('c')).rejects.toThrow(/store record c failed its integrity check \(it carries no seal\)/);

    const other = await rig(new Uint8Array(32).fill(9));
    await other.store.put('d', te('x'));
    await backend.put('d', (await other.backend.get('d'))!.value);
    await expect(store.get('d')).rejects.toBeInstanceOf(TamperedRecordError);
  });

  it('passes compare-and-set, delete and listing through unchanged', async () => {
    const { store } = await rig();
    const v1 = await store.put('k', te('1'), { ifVersion: null });
    await expect(store.put('k', te('2'), { ifVersion: null })).rejects.toBeInstanceOf(ConflictError);
    await store.put('k', te('2'), { ifVersion: v1 });
    expect((await store.list('')).keys).toEqual(['k']);
    expect(await store.delete('k')).toBe(true);
    expect(await store.get('k')).toBeNull();
    expect(SealedStore.over(store, () => new Uint8Array(32))).toBe(store);
  });

  it('derives the same barrier key from raw bytes and from a non-extractable CryptoKey of the same root key', async () => {
    const cryptoKey = await webcrypto.subtle.importKey('raw', ROOT, 'AES-GCM', false, ['encrypt', 'decrypt']);
    const fromKey = await RootKey.fromCryptoKey(cryptoKey as CryptoKey);
    const { backend, store } = await rig();
    await store.put('k', te('v'));
    expect(td((await SealedStore.over(backend, fromKey.barrierMac).get('k'))!.value)).toBe('v');
  });
});
