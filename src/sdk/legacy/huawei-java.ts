// Read-only support for messages and file streams written by Huawei's Encryption SDK for Java
// (huaweicloud-encryption-sdk-java 1.0.x). Layout (big-endian), see docs/FORMAT.md "Reading other formats":
//
//   header body   u8 version (1) ‖ u16 algorithm ‖ u16 ecLen ‖ ec ‖ u8 edkCount ‖ edkCount x
//                 { u8 len, providerId ‖ u8 len, keyInfo ‖ u16 len, edk } ‖ u8 contentType (1) ‖ u8 ivLength
//   header tag    u16 len ‖ tag: GCM suites IV(12) ‖ GCM(DEK, IV, empty, AAD = header body) tag (16);
//                 SM4-CBC: SM3(header body), an unkeyed digest
//   message body  IV ‖ u64 ctLen ‖ ct ‖ tag(16, GCM only)          AAD = ec bytes (GCM); none for CBC
//   file stream   u16 headerLen ‖ header body ‖ header tag ‖ chunks { IV ‖ u64 chunkLen ‖ ct ‖ tag }
//
// WARNING: the file-stream format has no sequence numbers, no final-chunk marker and random per-chunk
// IVs. Chunks can be dropped, reordered or repeated, and the stream cut at any chunk boundary, without any
// error: each chunk verifies on its own. This reader checks everything the format allows (header tag,
// each chunk's tag, lengths) but cannot detect those changes; re-encrypt such data as ENV1.
import { constantTimeEqual } from '../../crypto/bytes.ts';
import { portableCrypto, type CryptoProvider } from '../../crypto/provider.ts';
import { sm3 } from '../../crypto/sm3.ts';
import { sm4CbcDecrypt, sm4GcmDecrypt } from '../../crypto/sm4.ts';
import type { EncryptedDataKey, EncryptionContext } from '../materials/types.ts';
import { ByteQueue } from '../stream/byte-queue.ts';
import { LegacyFormatError } from './errors.ts';
import { decodeHuaweiContext } from './huawei-context.ts';

export const HUAWEI_ALGORITHMS = {
  1: { name: 'AES_128_GCM_NOPADDING', keyBytes: 16, ivBytes: 12, gcm: 'AES' },
  2: { name: 'AES_256_GCM_NOPADDING', keyBytes: 32, ivBytes: 12, gcm: 'AES' },
  3: { name: 'SM4_128_GCM_NOPADDING', keyBytes: 16, ivBytes: 12, gcm: 'SM4' },
  4: { name: 'SM4_128_CBC_PADDING', keyBytes: 16, ivBytes: 16, gcm: undefined },
} as const;
export type HuaweiAlgorithmId = keyof typeof HUAWEI_ALGORITHMS;

export interface HuaweiHeader {
  readonly algorithm: HuaweiAlgorithmId;
  readonly encryptionContext: EncryptionContext;
  /** The context exactly as serialized: the body's GCM associated data. */
  readonly contextBytes: Uint8Array;
  /** providerId "huawei-kms" or "huawei-local"; providerInfo = the key info field. */
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  /** The header body (what the header tag covers). */
  readonly body: Uint8Array;
  readonly tag: Uint8Array;
  readonly length: number;
}

/** Recovers the data key from the message's EDKs (e.g. KMS decrypt-datakey, or a local wrapping key). */
export type HuaweiDataKeyUnwrapper = (edks: readonly EncryptedDataKey[], header: HuaweiHeader) => Promise<Uint8Array | undefined>;

export interface HuaweiReadOptions {
  unwrap: HuaweiDataKeyUnwrapper;
  /** SM4-CBC has no integrity at all (its "header tag" is an unkeyed digest): refused unless true. */
  allowUnauthenticated?: boolean;
  /** Largest header accepted (default 65536). */
  maxHeaderBytes?: number;
  /** Most EDKs accepted (default 10). */
  maxEncryptedDataKeys?: number;
  /** Largest file-stream chunk accepted (default 1 MiB; the Java SDK writes at most 1 KiB + tag). */
  maxChunkBytes?: number;
  /** AES-GCM binding (default WebCrypto). */
  crypto?: CryptoProvider;
}

const bad = (m: string): never => {
  throw new LegacyFormatError('LEGACY_BAD_FORMAT', `Huawei Encryption SDK: ${m}`);
};

type Need = { need: number };

/** Parses a header from the start of `b`: `{ need }` while `b` is too short. */
export function parseHuaweiHeader(
  b: Uint8Array,
  options: Pick<HuaweiReadOptions, 'maxHeaderBytes' | 'maxEncryptedDataKeys'> = {},
): { header: HuaweiHeader } | Need {
  const maxHeader = options.maxHeaderBytes ?? 65536;
  const maxEdks = options.maxEncryptedDataKeys ?? 10;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let o = 0;
  const want = (n: number): Need | undefined => {
    if (o + n > maxHeader) throw new LegacyFormatError('LEGACY_LIMIT', `Huawei Encryption SDK header is longer than ${maxHeader} bytes`);
    return o + n > b.length ? { need: o + n } : undefined;
  };
  let r = want(5);
  if (r) return r;
  if (b[0] !== 1) bad(`unsupported version ${b[0]}`);
  const algorithm = v.getUint16(1) as HuaweiAlgorithmId;
  if (!(algorithm in HUAWEI_ALGORITHMS)) bad(`unknown algorithm ${algorithm}`);
  const ecLen = v.getUint16(3);
  if (ecLen > 0x7fff) bad('context length is negative as a Java short');
  o = 5;
  if ((r = want(ecLen + 1))) return r;
  const contextBytes = b.slice(o, o + ecLen);
  const encryptionContext = decodeHuaweiContext(contextBytes);
  o += ecLen;
  const count = b[o++];
  if (count === 0 || count > 127) bad('no encrypted data keys');
  if (count > maxEdks) throw new LegacyFormatError('LEGACY_LIMIT', `${count} encrypted data keys; the limit is ${maxEdks}`);
  const edks: EncryptedDataKey[] = [];
  const field = (lenBytes: 1 | 2): Uint8Array | Need => {
    const r1 = want(lenBytes);
    if (r1) return r1;
    const n = lenBytes === 1 ? b[o] : v.getUint16(o);
    o += lenBytes;
    const r2 = want(n);
    if (r2) return r2;
    o += n;
    return b.slice(o - n, o);
  };
  for (let i = 0; i < count; i++) {
    const pid = field(1);
    if (!(pid instanceof Uint8Array)) return pid;
    const info = field(1);
    if (!(info instanceof Uint8Array)) return info;
    const ct = field(2);
    if (!(ct instanceof Uint8Array)) return ct;
    let providerId = '';
    try {
      providerId = new TextDecoder('utf-8', { fatal: true }).decode(pid);
    } catch {
      bad('provider id is not UTF-8');
    }
    edks.push(Object.freeze({ providerId, providerInfo: info, ciphertext: ct }));
  }
  if ((r = want(4))) return r;
  if (b[o] !== 1) bad(`content type ${b[o]}`);
  if (b[o + 1] !== HUAWEI_ALGORITHMS[algorithm].ivBytes) bad(`IV length ${b[o + 1]} does not fit the algorithm`);
  const body = b.slice(0, o + 2);
  o += 2;
  const tagLen = v.getUint16(o);
  o += 2;
  if ((r = want(tagLen))) return r;
  const tag = b.slice(o, o + tagLen);
  o += tagLen;
  return { header: Object.freeze({ algorithm, encryptionContext, contextBytes, encryptedDataKeys: Object.freeze(edks), body, tag, length: o }) };
}

/** Opens one GCM or CBC unit; throws LEGACY_AUTH when it does not verify. */
async function openUnit(h: HuaweiHeader, key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array, o: HuaweiReadOptions): Promise<Uint8Array> {
  const alg = HUAWEI_ALGORITHMS[h.algorithm];
  try {
    if (alg.gcm === 'AES') return await (await (o.crypto ?? portableCrypto).aesGcm(key)).open(iv, sealed, aad);
    if (alg.gcm === 'SM4') return sm4GcmDecrypt(key, iv, sealed, aad);
    return sm4CbcDecrypt(key, iv, sealed, { unauthenticated: true });
  } catch {
    throw new LegacyFormatError('LEGACY_AUTH', 'Huawei Encryption SDK: the ciphertext, its context or the data key is wrong');
  }
}

/** Recovers the data key and checks the header tag. */
async function openHeader(h: HuaweiHeader, o: HuaweiReadOptions): Promise<Uint8Array> {
  const alg = HUAWEI_ALGORITHMS[h.algorithm];
  if (!alg.gcm && o.allowUnauthenticated !== true) {
    throw new LegacyFormatError('LEGACY_UNAUTHENTICATED', 'SM4-CBC messages have no integrity protection; pass allowUnauthenticated: true to read them');
  }
  const key = await o.unwrap(h.encryptedDataKeys, h);
  if (!key) throw new LegacyFormatError('LEGACY_NO_DATA_KEY', 'no encrypted data key could be decrypted');
  if (key.length !== alg.keyBytes) throw new LegacyFormatError('LEGACY_NO_DATA_KEY', `the data key must be ${alg.keyBytes} bytes for ${alg.name}`);
  if (alg.gcm) {
    if (h.tag.length !== 12 + 16) bad('header tag must be IV (12) and tag (16)');
    await openUnit(h, key, h.tag.subarray(0, 12), h.tag.subarray(12), h.body, o);
  } else if (!constantTimeEqual(sm3(h.body), h.tag)) {
    throw new LegacyFormatError('LEGACY_AUTH', 'Huawei Encryption SDK: header digest mismatch');
  }
  return key;
}

export interface HuaweiMessage {
  readonly plaintext: Uint8Array;
  readonly header: HuaweiHeader;
}

/** Decrypts a whole message written by the Java SDK's byte-array API; nothing is returned unless it verifies. */
export async function decryptHuaweiMessage(message: Uint8Array, options: HuaweiReadOptions): Promise<HuaweiMessage> {
  const r = parseHuaweiHeader(message, options);
  if ('need' in r) return bad('message ends inside the header');
  const h = r.header;
  const key = await openHeader(h, options);
  const alg = HUAWEI_ALGORITHMS[h.algorithm];
  let o = h.length;
  if (message.length < o + alg.ivBytes + 8) bad('message ends inside the body');
  const iv = message.subarray(o, o + alg.ivBytes);
  const v = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const n = v.getBigUint64(o + alg.ivBytes);
  o += alg.ivBytes + 8;
  const tagBytes = alg.gcm ? 16 : 0;
  if (BigInt(message.length) !== BigInt(o + tagBytes) + n) bad('body length does not match the message length');
  const plaintext = await openUnit(h, key, iv, message.subarray(o), alg.gcm ? h.contextBytes : new Uint8Array(0), options);
  return { plaintext, header: h };
}

/**
 * Decrypts a Java SDK file stream chunk by chunk, releasing each chunk only after its own tag verifies.
 * See the warning at the top of this file: dropped, reordered or repeated chunks and truncation at a chunk
 * boundary are NOT detected by this format. `onHeader` sees the header (context, EDKs) before any output.
 */
export function decryptHuaweiStream(
  input: ReadableStream<Uint8Array>,
  options: HuaweiReadOptions & { onHeader?: (h: HuaweiHeader) => void | Promise<void> },
): ReadableStream<Uint8Array> {
  const q = new ByteQueue(input.getReader());
  const maxChunk = options.maxChunkBytes ?? 1 << 20;
  let state: { h: HuaweiHeader; key: Uint8Array } | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          if (!state) {
            if (!(await q.fill(2))) bad('stream ends inside the header');
            const headerLen = new DataView(new Uint8Array(q.take(2)).buffer).getUint16(0);
            if (!(await q.fill(headerLen))) bad('stream ends inside the header');
            const r = parseHuaweiHeader(new Uint8Array(q.take(headerLen)), options);
            if ('need' in r || r.header.length !== headerLen) return bad('header length field does not match the header');
            state = { h: r.header, key: await openHeader(r.header, options) };
            await options.onHeader?.(r.header);
          }
          const { h, key } = state;
          const alg = HUAWEI_ALGORITHMS[h.algorithm];
          if (!(await q.fill(1))) return controller.close();
          if (!(await q.fill(alg.ivBytes + 8))) bad('stream ends inside a chunk header');
          const head = new Uint8Array(q.take(alg.ivBytes + 8));
          const n = new DataView(head.buffer).getBigUint64(alg.ivBytes);
          if (n > BigInt(maxChunk + 16)) throw new LegacyFormatError('LEGACY_LIMIT', `chunk of ${n} bytes is above the limit`);
          if (!(await q.fill(Number(n)))) bad('stream ends inside a chunk');
          const aad = alg.gcm ? h.contextBytes : new Uint8Array(0);
          controller.enqueue(await openUnit(h, key, head.subarray(0, alg.ivBytes), q.take(Number(n)), aad, options));
        } catch (e) {
          await q.cancel(e);
          throw e;
        }
      },
      cancel: (reason) => q.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/**
 * The Java SDK's local ("huawei-local") AES keyring: EDK = IV (12) ‖ AES-GCM(KEK, DEK, AAD = serialized
 * context). Local EDKs carry no key name, so every local EDK is tried with `kek`.
 */
export function huaweiLocalAesUnwrapper(kek: Uint8Array, crypto: CryptoProvider = portableCrypto): HuaweiDataKeyUnwrapper {
  const k = crypto.aesGcm(new Uint8Array(kek));
  k.catch(() => {});
  return async (edks, header) => {
    for (const e of edks) {
      if (e.providerId !== 'huawei-local' || e.ciphertext.length < 12 + 16) continue;
      try {
        return await (await k).open(e.ciphertext.subarray(0, 12), e.ciphertext.subarray(12), header.contextBytes);
      } catch {
        // another key's EDK
      }
    }
    return undefined;
  };
}
