// The ENV1 vector checks (test/vectors/env1.json), written with web APIs only so the same code runs in
// Node (test/sdk/vectors.test.ts), Deno (test/deno/sdk.test.ts) and, bundled, in workerd and browsers.
// Each check throws on a mismatch. The WASM core must be loaded first (the SM suite and SM2 keyring).
import type { CryptoProvider } from '../../src/crypto/provider.ts';
import { newEncryptionMaterials } from '../../src/sdk/materials/materials.ts';
import type { EncryptedDataKey, EncryptionMaterials, Keyring, MaterialsManager } from '../../src/sdk/materials/types.ts';
import { RawAesKeyring } from '../../src/sdk/keyrings/raw-aes.ts';
import { RawSm2Keyring } from '../../src/sdk/keyrings/raw-sm2.ts';
import { suiteById } from '../../src/sdk/format/suites.ts';
import { decryptStream } from '../../src/sdk/stream/decrypt-stream.ts';
import { encryptStreamWithId } from '../../src/sdk/stream/encrypt-stream.ts';
import { collect, streamOf } from '../../src/sdk/stream/one-shot.ts';
import type { DecryptOptions } from '../../src/sdk/stream/options.ts';

export interface KeyringSpec {
  type: 'raw-aes' | 'raw-sm2';
  namespace: string;
  name: string;
  /** raw-aes: the wrapping key; raw-sm2: the private key (hex). */
  key: string;
  /** raw-sm2: the public key (hex, uncompressed). */
  publicKey?: string;
}

export interface EdkSpec {
  providerId: string;
  providerInfo: string;
  ciphertext: string;
}

export interface PositiveVector {
  name: string;
  suite: number;
  segmentSize: number;
  encryptionContext: Record<string, string>;
  unstoredContext: Record<string, string>;
  /** The keyring to decrypt with (a key of `keyrings`). */
  keyring: string;
  dataKey: string;
  messageId: string;
  encryptedDataKeys: EdkSpec[];
  plaintext: string;
  ciphertext: string;
}

export interface NegativeVector {
  name: string;
  keyring: string;
  /** The positive vector whose ciphertext the pieces cut from. */
  base: string;
  /** The message: [start, end) ranges of the base ciphertext and hex strings, concatenated. */
  pieces: ([number, number] | string)[];
  options?: { requiredContext?: Record<string, string>; unstoredContext?: Record<string, string>; limits?: { maxEncryptedDataKeys?: number } };
  error: { code: string; name: string };
}

export interface Env1Vectors {
  format: 'ENV1';
  description: string;
  keyrings: Record<string, KeyringSpec>;
  positive: PositiveVector[];
  negative: NegativeVector[];
}

export const hex = (s: string): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
};
export const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

export function keyringOf(spec: KeyringSpec): Keyring {
  const id = { keyNamespace: spec.namespace, keyName: spec.name };
  if (spec.type === 'raw-aes') return new RawAesKeyring({ ...id, wrappingKey: hex(spec.key) });
  return new RawSm2Keyring({ ...id, privateKey: hex(spec.key), publicKey: spec.publicKey ? hex(spec.publicKey) : undefined });
}

export const edkOf = (e: EdkSpec): EncryptedDataKey => ({ providerId: e.providerId, providerInfo: hex(e.providerInfo), ciphertext: hex(e.ciphertext) });

/** A materials manager that hands out exactly the vector's data key and EDKs (to reproduce its bytes). */
export function fixedMaterials(v: PositiveVector): MaterialsManager {
  return {
    async getEncryptionMaterials(): Promise<EncryptionMaterials> {
      return {
        ...newEncryptionMaterials(suiteById(v.suite), v.encryptionContext),
        plaintextDataKey: hex(v.dataKey),
        encryptedDataKeys: v.encryptedDataKeys.map(edkOf),
      };
    },
    async decryptMaterials() {
      throw new Error('encrypt only');
    },
  };
}

function fail(what: string): never {
  throw new Error(`ENV1 vector: ${what}`);
}

/** Decrypts and re-encrypts a positive vector, with the given crypto provider (default: the portable one). */
export async function checkPositive(vectors: Env1Vectors, v: PositiveVector, provider?: CryptoProvider): Promise<void> {
  const out = await collect(
    decryptStream(streamOf(hex(v.ciphertext)), { keyring: keyringOf(vectors.keyrings[v.keyring]), unstoredContext: v.unstoredContext, crypto: provider }),
  );
  if (toHex(out) !== v.plaintext) fail(`${v.name}: decrypted plaintext differs`);
  const again = await collect(
    encryptStreamWithId(
      streamOf(hex(v.plaintext)),
      {
        materialsManager: fixedMaterials(v),
        suite: v.suite as never,
        segmentSize: v.segmentSize,
        encryptionContext: v.encryptionContext,
        unstoredContext: v.unstoredContext,
        crypto: provider,
      },
      () => hex(v.messageId),
    ),
  );
  if (toHex(again) !== v.ciphertext) fail(`${v.name}: re-encryption does not reproduce the ciphertext`);
}

/** The bytes of a negative vector's message. */
export function negativeMessage(vectors: Env1Vectors, v: NegativeVector): Uint8Array {
  const base = vectors.positive.find((p) => p.name === v.base);
  if (!base) fail(`${v.name}: no base vector ${v.base}`);
  const b = hex(base.ciphertext);
  const parts = v.pieces.map((p) => (typeof p === 'string' ? hex(p) : b.subarray(p[0], p[1])));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export async function checkNegative(vectors: Env1Vectors, v: NegativeVector): Promise<void> {
  const options = { keyring: keyringOf(vectors.keyrings[v.keyring]), ...v.options } as DecryptOptions;
  let error: { code?: string; name?: string } | undefined;
  try {
    await collect(decryptStream(streamOf(negativeMessage(vectors, v)), options));
  } catch (e) {
    error = e as { code?: string; name?: string };
  }
  if (!error) fail(`${v.name}: decrypted although it must fail with ${v.error.code}`);
  if (error.code !== v.error.code || error.name !== v.error.name) fail(`${v.name}: got ${error.name}/${error.code}, want ${v.error.name}/${v.error.code}`);
}
