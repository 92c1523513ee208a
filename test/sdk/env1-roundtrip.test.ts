// Round trips at the segment boundaries, through the portable entry points (WebCrypto) and the Node
// package's (node:crypto unless told otherwise), each opening what the other wrote: the provider changes
// nothing in a message. The default 1 MiB segments put node:crypto's worker thread on the path.
import { describe, expect, it } from 'vitest';
import * as native from '../../src/runtime/sdk-native.ts';
import * as portable from '../../src/sdk/stream/one-shot.ts';
import { aesKeyring, random } from './helpers.ts';

const ENTRIES = { portable, native } as const;
const PAIRS = [
  ['portable', 'portable'],
  ['native', 'native'],
  ['portable', 'native'],
  ['native', 'portable'],
] as const;

describe.each(PAIRS)('ENV1 one-shot with the raw AES keyring, written by the %s entry, read by the %s entry', (writer, reader) => {
  for (const S of [4096, 1 << 20]) {
    for (const n of [0, 1, S - 1, S, S + 1, 3 * S + 7]) {
      it(`round trips ${n} bytes in segments of ${S}`, async () => {
        const keyring = aesKeyring();
        const data = random(n);
        const { ciphertext, info } = await ENTRIES[writer].encrypt(data, { keyring, encryptionContext: { purpose: 'test', tenant: 'ä' }, segmentSize: S });
        expect(info.encryptedDataKeys).toHaveLength(1);
        const { plaintext, info: dinfo } = await ENTRIES[reader].decrypt(ciphertext, { keyring });
        expect(Buffer.from(plaintext).equals(Buffer.from(data))).toBe(true);
        expect({ ...dinfo.encryptionContext }).toEqual({ purpose: 'test', tenant: 'ä' });
        expect(dinfo.messageId).toEqual(info.messageId);
      });
    }
  }
});

describe('plaintextLength', () => {
  it('an input longer or shorter than the announced plaintextLength fails the stream', async () => {
    const { collect, streamOf } = await import('../../src/sdk/stream/one-shot.ts');
    const { encryptStream } = await import('../../src/sdk/stream/encrypt-stream.ts');
    const keyring = aesKeyring();
    for (const announced of [99, 101, 0]) {
      const e = await collect(encryptStream(streamOf(random(100)), { keyring, plaintextLength: announced, segmentSize: 4096 })).catch((x) => x);
      expect(e.code).toBe('ENV1_INVALID_ARGUMENT');
    }
    expect((await collect(encryptStream(streamOf(random(10_000)), { keyring, plaintextLength: 10_000, segmentSize: 4096 }))).length).toBeGreaterThan(10_000);
  });
});
