// The store barrier: records MACed under a key derived from the root key, bound to their store key.
// The tag is recomputed here with node:crypto from the documented construction, so the format is pinned
// by an independent implementation.
import { createCipheriv, createHmac, webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { portableCrypto } from '../../src/crypto/provider.ts';
import { RootKey } from '../../src/kms/root-key.ts';
import { SealedStore, TamperedRecordError } from '../../src/store/barrier.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { ConflictError, type Store } from '../../src/store/store.ts';

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

/** A backend that other processes write too (as Workers KV is): not exclusive, so nothing read may be trusted twice. */
function shared(inner: Store): Store {
  return { get: (k) => inner.get(k), put: (k, v, o) => inner.put(k, v, o), delete: (k, o) => inner.delete(k, o), list: (p, o) => inner.list(p, o) };
}

/** The root key's barrier MAC, counting its calls. */
async function countingMac() {
  const key = await RootKey.fromBytes(ROOT.slice(), portableCrypto);
  const counter = { calls: 0, mac: (data: Uint8Array) => (counter.calls++, key.barrierMac(data)) };
  return counter;
}

describe('store barrier: what a refusal says', () => {
  it('a TamperedRecordError names the record, may be shown to the caller, and is not an unknown outcome', async () => {
    const { backend, store } = await rig();
    await backend.put('kms/p/key/k1', new Uint8Array(40).fill(0x41)); // long enough for a seal, but none
    const e = await store.get('kms/p/key/k1').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(TamperedRecordError);
    const t = e as TamperedRecordError;
    expect([t.name, t.key, t.unknownOutcome, t.shownToCaller, t.message]).toEqual([
      'TamperedRecordError',
      'kms/p/key/k1',
      false,
      true,
      'store record kms/p/key/k1 failed its integrity check (it carries no seal): it was changed outside edgekms, moved from another name, ' +
        'or written under another root key; restore it from a backup or remove it',
    ]);
  });

  it('an empty value seals to exactly the 36-byte header and reads back; a shorter record carries no seal', async () => {
    const { backend, store } = await rig();
    await store.put('empty', new Uint8Array(0));
    expect((await backend.get('empty'))!.value).toHaveLength(36);
    expect((await store.get('empty'))!.value).toEqual(new Uint8Array(0));
    await backend.put('short', (await backend.get('empty'))!.value.subarray(0, 35));
    await expect(store.get('short')).rejects.toThrow(/\(it carries no seal\)/);
    expect(SealedStore.isSealed((await backend.get('empty'))!.value)).toBe(true);
    expect(SealedStore.isSealed((await backend.get('short'))!.value)).toBe(false);
  });

  it('unverified: the value inside a sealed record, or a plain record as it is', async () => {
    const { backend, store } = await rig();
    await store.put('k', te('inside'));
    expect(td(SealedStore.unverified((await backend.get('k'))!.value))).toBe('inside');
    expect(td(SealedStore.unverified(te('plain record')))).toBe('plain record');
  });
});

describe('store barrier: when a record is verified', () => {
  it('over an exclusive backend, once per version: a version this process verified is served as it is, a new one is checked', async () => {
    const backend = new MemoryStore();
    const counter = await countingMac();
    const store = SealedStore.over(backend, counter.mac);
    expect(store.exclusive).toBe(true);
    const version = await store.put('k', te('v1'));
    expect(counter.calls).toBe(1);
    for (let i = 0; i < 2; i++) {
      const got = (await store.get('k'))!;
      expect([td(got.value), got.version]).toEqual(['v1', version]);
    }
    expect(counter.calls).toBe(2); // sealed once, verified once
    const flipped = (await backend.get('k'))!.value.slice();
    flipped[flipped.length - 1] ^= 1;
    await backend.put('k', flipped); // a new version: checked again, and refused
    await expect(store.get('k')).rejects.toBeInstanceOf(TamperedRecordError);
    // A removed key forgets its verified version, and a key written again is checked again.
    await store.put('k', te('v2'));
    expect(await store.delete('k')).toBe(true);
    await store.put('k', te('v3'));
    const before = counter.calls;
    expect(td((await store.get('k'))!.value)).toBe('v3');
    expect(counter.calls).toBe(before + 1);
  });

  it('over a backend others write too, on every read', async () => {
    const counter = await countingMac();
    const store = SealedStore.over(shared(new MemoryStore()), counter.mac);
    expect(store.exclusive).toBeUndefined();
    await store.put('k', te('v'));
    for (let i = 0; i < 3; i++) expect(td((await store.get('k'))!.value)).toBe('v');
    expect(counter.calls).toBe(4);
    expect(await store.delete('k')).toBe(true);
    await store.close(); // a backend without close
  });

  it('close closes the backend', async () => {
    let closed = 0;
    const backend = Object.assign(new MemoryStore(), { close: async () => void closed++ });
    const counter = await countingMac();
    await SealedStore.over(backend, counter.mac).close();
    expect(closed).toBe(1);
  });
});

describe('store barrier: sealing a store written before records were sealed', () => {
  it('seals plain records as they are, across pages, and leaves sealed ones alone (a wrong seal stays refused)', async () => {
    const { backend, store } = await rig();
    const plain = Array.from({ length: 1001 }, (_, i) => `p/${String(i).padStart(4, '0')}`);
    for (const k of plain) await backend.put(k, te(`value of ${k}`));
    await store.put('sealed', te('already'));
    const other = await rig(new Uint8Array(32).fill(9));
    await other.store.put('wrong', te('another root key'));
    await backend.put('wrong', (await other.backend.get('wrong'))!.value);

    expect(await store.sealExisting()).toBe(1001);
    for (const k of [plain[0], plain[999], plain[1000]]) expect(td((await store.get(k))!.value)).toBe(`value of ${k}`);
    expect(td((await store.get('sealed'))!.value)).toBe('already');
    await expect(store.get('wrong')).rejects.toThrow(/store record wrong failed its integrity check \(its seal does not match\)/);
    expect(await store.sealExisting()).toBe(0);
  });

  it('never overwrites a record written while it seals, and skips one removed meanwhile', async () => {
    const inner = new MemoryStore();
    await inner.put('gone', te('removed before it is read'));
    await inner.put('k', te('old'));
    // Another writer: removes "gone" when it is listed, and rewrites "k" just after it is read.
    const racing: Store = {
      ...shared(inner),
      list: async (p, o) => {
        const page = await inner.list(p, o);
        await inner.delete('gone');
        return page;
      },
      get: async (k) => {
        const e = await inner.get(k);
        if (k === 'k') await inner.put('k', te('newer'));
        return e;
      },
    };
    const counter = await countingMac();
    await expect(SealedStore.over(racing, counter.mac).sealExisting()).rejects.toBeInstanceOf(ConflictError);
    expect(td((await inner.get('k'))!.value)).toBe('newer');
    expect(await inner.get('gone')).toBeNull();
  });
});
