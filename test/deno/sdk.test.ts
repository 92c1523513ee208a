// The ENV1 SDK core under Deno: the published vectors (test/vectors/env1.json) through the same checks
// the Node suite runs, plus stream round trips with both suites and every raw keyring. No node: APIs.
// Run: npx deno test --allow-read test/deno/
import assert from 'node:assert/strict';
import { initWasm } from '../../src/crypto/wasm/core.ts';
import { sm2GenerateKeyPair } from '../../src/crypto/sm2.ts';
import { RawAesKeyring } from '../../src/sdk/keyrings/raw-aes.ts';
import { RawRsaKeyring } from '../../src/sdk/keyrings/raw-rsa.ts';
import { RawSm2Keyring } from '../../src/sdk/keyrings/raw-sm2.ts';
import type { Keyring } from '../../src/sdk/materials/types.ts';
import { decryptStream } from '../../src/sdk/stream/decrypt-stream.ts';
import { encryptStream } from '../../src/sdk/stream/encrypt-stream.ts';
import { collect, decrypt, encrypt, streamOf } from '../../src/sdk/stream/one-shot.ts';
import { checkNegative, checkPositive, type Env1Vectors } from '../vectors/env1-checks.ts';
import { decryptGoEnvelopeStream } from '../../src/sdk/legacy/go-envelope.ts';

const Deno = (globalThis as unknown as {
  Deno: {
    test(name: string, fn: () => Promise<void>): void;
    readFile(path: URL): Promise<Uint8Array<ArrayBuffer>>;
    readTextFile(path: URL): Promise<string>;
  };
}).Deno;

await initWasm(await Deno.readFile(new URL('../../wasm/pkg/edgekms_core.wasm', import.meta.url)));
const vectors: Env1Vectors = JSON.parse(await Deno.readTextFile(new URL('../vectors/env1.json', import.meta.url)));

Deno.test(`ENV1 vectors on Deno: ${vectors.positive.length} positive, ${vectors.negative.length} negative`, async () => {
  for (const v of vectors.positive) await checkPositive(vectors, v);
  for (const v of vectors.negative) await checkNegative(vectors, v);
});

Deno.test('ENV1 round trips on Deno: every raw keyring, both suites, sizes around the segment size', async () => {
  const rsa = await crypto.subtle.generateKey(
    { name: 'RSA-OAEP', modulusLength: 2048, publicExponent: Uint8Array.of(1, 0, 1), hash: 'SHA-256' },
    false,
    ['encrypt', 'decrypt'],
  );
  const keyrings: Keyring[] = [
    new RawAesKeyring({ keyNamespace: 'deno', keyName: 'aes', wrappingKey: crypto.getRandomValues(new Uint8Array(32)) }),
    new RawRsaKeyring({ keyNamespace: 'deno', keyName: 'rsa', publicKey: rsa.publicKey, privateKey: rsa.privateKey }),
    new RawSm2Keyring({ keyNamespace: 'deno', keyName: 'sm2', ...sm2GenerateKeyPair() }),
  ];
  for (const keyring of keyrings) {
    for (const suite of [0x0001, 0x0101] as const) {
      for (const n of [0, 1, 4095, 4096, 4097, 20000]) {
        const data = crypto.getRandomValues(new Uint8Array(n));
        const { ciphertext } = await encrypt(data, { keyring, suite, segmentSize: 4096, encryptionContext: { runtime: 'deno' } });
        const { plaintext } = await decrypt(ciphertext, { keyring, requiredContext: { runtime: 'deno' } });
        assert.deepEqual(plaintext, data);
      }
    }
  }
});

Deno.test('ENV1 streams on Deno: 8 MiB through encryptStream and decryptStream', async () => {
  const keyring = new RawAesKeyring({ keyNamespace: 'deno', keyName: 'aes', wrappingKey: crypto.getRandomValues(new Uint8Array(32)) });
  const data = new Uint8Array(8 << 20);
  for (let o = 0; o < data.length; o += 65536) crypto.getRandomValues(data.subarray(o, o + 65536));
  const out = await collect(decryptStream(encryptStream(streamOf(data), { keyring }), { keyring }));
  assert.equal(out.length, data.length);
  assert.deepEqual(out, data);
});

Deno.test("Go envelope layout on Deno: a WebCrypto-sealed file streams through the WASM incremental GCM", async () => {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const aad = new TextEncoder().encode('object-7');
  const data = new Uint8Array(200_000);
  for (let o = 0; o < data.length; o += 65536) crypto.getRandomValues(data.subarray(o, o + 65536));
  const k = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad }, k, data));
  const file = new Uint8Array(12 + sealed.length);
  file.set(nonce);
  file.set(sealed, 12);
  assert.deepEqual(await collect(decryptGoEnvelopeStream(streamOf(file), { dataKey: key, aad })), data);
  file[100] ^= 1;
  await assert.rejects(collect(decryptGoEnvelopeStream(streamOf(file), { dataKey: key, aad })), { code: 'LEGACY_AUTH' });
});
