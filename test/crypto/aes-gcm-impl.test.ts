// The two AES-GCM implementations (portable WebCrypto, Node's node:crypto binding) and the two hash
// implementations (@noble/hashes, node:crypto): published vectors, and each one opening what the other
// sealed.
import { describe, expect, it } from 'vitest';
import { AuthenticationError, webCryptoAesGcm, type AesGcmImplementation } from '../../src/crypto/aes-gcm.ts';
import { sha256Hex, nobleHashes, type HashImplementation } from '../../src/crypto/hash.ts';
import { nodeAesGcm, nodeHashes } from '../../src/runtime/node-crypto.ts';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 13-16 (AES-256).
const K15 = 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308';
const P15 = 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255';
const C15 = '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad';
const VECTORS = [
  { name: 'TC13', key: '00'.repeat(32), iv: '00'.repeat(12), pt: '', aad: '', ct: '', tag: '530f8afbc74536b9a963b4f1c4cb738b' },
  { name: 'TC14', key: '00'.repeat(32), iv: '00'.repeat(12), pt: '00'.repeat(16), aad: '', ct: 'cea7403d4d606b6e074ec5d3baf39d18', tag: 'd0d1c8a799996bf0265b98b5d48ab919' },
  { name: 'TC15', key: K15, iv: 'cafebabefacedbaddecaf888', pt: P15, aad: '', ct: C15, tag: 'b094dac5d93471bdec1a502270e3cc6c' },
  { name: 'TC16', key: K15, iv: 'cafebabefacedbaddecaf888', pt: P15.slice(0, 120), aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2', ct: C15.slice(0, 120), tag: '76fc6ece0f4e1768cddf8853bb2d551b' },
];

const IMPLS: [string, AesGcmImplementation][] = [
  ['WebCrypto', webCryptoAesGcm],
  ['node:crypto', nodeAesGcm],
];

describe('AES-GCM implementations', () => {
  for (const [name, impl] of IMPLS) {
    it(`${name}: McGrew-Viega vectors 13-16, and tamper detection`, async () => {
      for (const v of VECTORS) {
        const key = await impl(hex(v.key));
        const sealed = await key.seal(hex(v.iv), hex(v.pt), v.aad ? hex(v.aad) : undefined);
        expect(toHex(sealed), v.name).toBe(v.ct + v.tag);
        if (key.sealPieces) {
          const pieces = await key.sealPieces(hex(v.iv), [hex(v.pt)], v.aad ? hex(v.aad) : undefined);
          expect(toHex(pieces.at(-1)!), `${v.name} tag piece`).toBe(v.tag);
          expect(pieces.map(toHex).join(''), `${v.name} pieces`).toBe(v.ct + v.tag);
        }
        expect(toHex(await key.open(hex(v.iv), sealed, v.aad ? hex(v.aad) : undefined)), v.name).toBe(v.pt);
        const bad = sealed.slice();
        bad[bad.length - 1] ^= 1;
        await expect(key.open(hex(v.iv), bad, v.aad ? hex(v.aad) : undefined)).rejects.toBeInstanceOf(AuthenticationError);
      }
    });
  }

  it('node:crypto offers sealPieces and openPieces (the SDK neither joins a segment that spans input chunks nor its output)', async () => {
    const key = await nodeAesGcm(hex(K15));
    expect(key.sealPieces).toBeTypeOf('function');
    expect(key.openPieces).toBeTypeOf('function');
  });

  it('node:crypto pieces: any split of the input gives the vectors\' bytes, any split of ciphertext ‖ tag (the tag across pieces too) opens; a bad tag releases nothing', async () => {
    const key = await nodeAesGcm(hex(K15));
    const [iv, pt, sealed] = [hex('cafebabefacedbaddecaf888'), hex(P15), hex(C15 + 'b094dac5d93471bdec1a502270e3cc6c')];
    const split = (b: Uint8Array, cuts: number[]) => [0, ...cuts, b.length].slice(1).map((end, i, ends) => b.subarray(i ? ends[i - 1] : 0, end));
    for (const cuts of [[], [1], [16, 17], [30, 31, 63], [0, 0, 64]]) {
      const pieces = await key.sealPieces!(iv, split(pt, cuts));
      expect(pieces.map(toHex).join(''), `seal cuts ${cuts}`).toBe(toHex(sealed));
    }
    for (const cuts of [[], [1], [63, 64], [64], [70], [79], [65, 66, 67, 75]]) {
      const out = await key.openPieces!(iv, split(sealed, cuts));
      expect(out.map(toHex).join(''), `open cuts ${cuts}`).toBe(P15);
      const bad = sealed.slice();
      bad[70] ^= 1; // inside the tag
      await expect(key.openPieces!(iv, split(bad, cuts))).rejects.toBeInstanceOf(AuthenticationError);
    }
    await expect(key.openPieces!(iv, [sealed.subarray(0, 7), sealed.subarray(7, 15)])).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('each opens what the other sealed, for many lengths and AADs', async () => {
    const raw = crypto.getRandomValues(new Uint8Array(32));
    const [a, b] = await Promise.all(IMPLS.map(([, impl]) => impl(raw.slice())));
    for (let len = 0; len < 300; len += 7) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const pt = crypto.getRandomValues(new Uint8Array(len));
      const aad = crypto.getRandomValues(new Uint8Array(len % 40));
      expect(toHex(await b.open(iv, await a.seal(iv, pt, aad), aad))).toBe(toHex(pt));
      expect(toHex(await a.open(iv, await b.seal(iv, pt, aad), aad))).toBe(toHex(pt));
    }
  });
});

describe('hash implementations', () => {
  const IMPL: [string, HashImplementation][] = [
    ['noble', nobleHashes],
    ['node:crypto', nodeHashes],
  ];
  for (const [name, h] of IMPL) {
    it(`${name}: FIPS 180-2 SHA-256 and RFC 4231 HMAC-SHA256 vectors; strings hash as UTF-8`, () => {
      expect(toHex(h.sha256('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect(toHex(h.sha256(new Uint8Array()))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      expect(toHex(h.sha256('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
      expect(toHex(h.sha256('ключ'))).toBe(toHex(h.sha256(new TextEncoder().encode('ключ'))));
      // The one-shot hex form, where the implementation has one, is the same digest.
      expect(sha256Hex('abc', h)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect(sha256Hex(new TextEncoder().encode('ключ'), h)).toBe(toHex(h.sha256('ключ')));
      // RFC 4231 test case 2, twice through the same prepared key.
      const mac = h.keyedHmacSha256(new TextEncoder().encode('Jefe'));
      for (let i = 0; i < 2; i++) expect(toHex(mac('what do ya want for nothing?'))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
      // RFC 4231 test case 1.
      expect(toHex(h.keyedHmacSha256(hex('0b'.repeat(20)))(new TextEncoder().encode('Hi There')))).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
      // RFC 4231 test case 6: a key longer than the block is hashed first.
      expect(toHex(h.keyedHmacSha256(hex('aa'.repeat(131)))('Test Using Larger Than Block-Size Key - Hash Key First'))).toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
    });
  }
});
