// `import … from 'edgekms'` on Node: the entry points that take a crypto provider run on node:crypto unless
// the caller passes `crypto`, and what either provider writes the other opens. node:crypto's cipher
// constructors are watched (the real ones run) to see which provider sealed and opened the segments.
import * as nodeCryptoModule from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { portableCrypto, type CryptoProvider } from '../../src/crypto/provider.ts';
import * as pkg from '../../src/package/sdk-node.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { withNativeCrypto } from '../../src/runtime/sdk-native.ts';
import * as portable from '../../src/sdk/index.ts';
import { aesKeyring, random } from '../sdk/helpers.ts';

vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, createCipheriv: vi.fn(real.createCipheriv), createDecipheriv: vi.fn(real.createDecipheriv) };
});
const seals = () => vi.mocked(nodeCryptoModule.createCipheriv).mock.calls.filter(([c]) => c === 'aes-256-gcm').length;
const opens = () => vi.mocked(nodeCryptoModule.createDecipheriv).mock.calls.filter(([c]) => c === 'aes-256-gcm').length;

afterEach(() => {
  vi.mocked(nodeCryptoModule.createCipheriv).mockClear();
  vi.mocked(nodeCryptoModule.createDecipheriv).mockClear();
});

/** Small segments, so every seal stays on the calling thread where the watch sees it. */
const segmentSize = 4096;

describe("the Node package's default crypto provider", () => {
  it('fills in node:crypto only when the caller gave no provider', () => {
    type Options = { crypto?: CryptoProvider; segmentSize?: number };
    expect(withNativeCrypto<Options>({}).crypto).toBe(nodeCrypto);
    expect(withNativeCrypto<Options>({ crypto: undefined }).crypto).toBe(nodeCrypto);
    expect(withNativeCrypto({ crypto: portableCrypto }).crypto).toBe(portableCrypto);
    const mine = { ...nodeCrypto, name: 'mine' };
    expect(withNativeCrypto({ crypto: mine, segmentSize }).crypto).toBe(mine);
  });

  it('encrypt and decrypt run their segments on node:crypto by default; the portable entry does not', async () => {
    const keyring = aesKeyring();
    const data = random(3 * segmentSize + 1);
    const { ciphertext } = await pkg.encrypt(data, { keyring, segmentSize });
    expect(seals()).toBe(4);
    expect(Buffer.from((await pkg.decrypt(ciphertext, { keyring })).plaintext).equals(data)).toBe(true);
    expect(opens()).toBe(4);

    const before = [seals(), opens()];
    const other = await portable.encrypt(data, { keyring, segmentSize });
    expect(Buffer.from((await portable.decrypt(other.ciphertext, { keyring })).plaintext).equals(data)).toBe(true);
    expect([seals(), opens()]).toEqual(before);
  });

  it('the streams too, and a `crypto` the caller passes wins (WebCrypto here): each opens what the other wrote', async () => {
    const keyring = aesKeyring();
    const data = random(2 * segmentSize);
    const native = await portable.collect(pkg.encryptStream(portable.streamOf(data), { keyring, segmentSize }));
    expect(seals()).toBe(2);
    const web = await portable.collect(pkg.encryptStream(portable.streamOf(data), { keyring, segmentSize, crypto: portableCrypto }));
    expect(seals()).toBe(2);
    expect(Buffer.from(await portable.collect(pkg.decryptStream(portable.streamOf(web), { keyring }))).equals(data)).toBe(true);
    expect(opens()).toBe(2);
    expect(Buffer.from(await portable.collect(pkg.decryptStream(portable.streamOf(native), { keyring, crypto: portableCrypto }))).equals(data)).toBe(true);
    expect(opens()).toBe(2);
  });

  it('the Huawei local AES unwrapper defaults to node:crypto as well, and takes a provider', async () => {
    const kek = random(32);
    const header = { contextBytes: new Uint8Array(0) } as Parameters<ReturnType<typeof pkg.huaweiLocalAesUnwrapper>>[1];
    const dek = random(32);
    const iv = random(12);
    const edk = { providerId: 'huawei-local', providerInfo: '', ciphertext: new Uint8Array(Buffer.concat([iv, await (await portableCrypto.aesGcm(kek)).seal(iv, dek, new Uint8Array(0))])) };
    expect(Buffer.from((await pkg.huaweiLocalAesUnwrapper(kek)([edk as never], header))!).equals(dek)).toBe(true);
    expect(opens()).toBe(1);
    expect(Buffer.from((await pkg.huaweiLocalAesUnwrapper(kek, portableCrypto)([edk as never], header))!).equals(dek)).toBe(true);
    expect(opens()).toBe(1);
  });

  it('the package entry exports the defaulted functions, and the portable provider to choose WebCrypto by name', () => {
    expect(pkg.encrypt).not.toBe(portable.encrypt);
    expect(pkg.decryptStream).not.toBe(portable.decryptStream);
    expect(pkg.nodeCrypto).toBe(nodeCrypto);
    expect(pkg.portableCrypto).toBe(portableCrypto);
  });
});
