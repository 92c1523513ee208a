// Bucket keys, as object stores use them for server-side encryption (S3 Bucket Keys; AWS's hierarchical
// keyring is the same idea): one key per bucket and period is generated and wrapped by an inner keyring
// (a KMS or multi-region keyring), and every object's data key is derived from it locally:
//
//   bucket key   = inner keyring's data key, wrapped with context {edgekms:bucket, edgekms:bucket-period}
//   object key   = HKDF-SHA-256(ikm = bucket key, salt = 32 random bytes per object,
//                               info = "edgekms bucket key v1" ‖ u16 suite ‖ u16 len ‖ bucket ‖ u64 period ‖ object context)
//   EDK          = provider "edgekms-bucket-key", info = u16 len ‖ bucket ‖ u64 period ‖ salt(32) ‖
//                  u16 len ‖ inner provider id ‖ u16 len ‖ inner provider info;  ciphertext = inner EDK's
//
// So writing a bucket costs one KMS call per period instead of one per object, and a reader one unwrap per
// bucket and period. The price (see docs/sdk.md): the bucket key sits in the writer's and readers' memory
// for the period, so whoever reads that memory reads every object of the bucket and period; the KMS sees
// (and can audit, deny or revoke) buckets and periods, not objects; disabling the CMK stops new unwraps
// but not a bucket key already cached.
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, fromUtf8, randomBytes, utf8, wipe } from '../../crypto/bytes.ts';
import { toHex } from '../../crypto/encoding.ts';
import { LruMap } from '../caching/lru.ts';
import { encodeContext, type EncryptionContext } from '../format/context.ts';
import { InvalidArgumentError } from '../format/errors.ts';
import type { AlgorithmSuite } from '../format/suites.ts';
import { newDecryptionMaterials, newEncryptionMaterials, withDecryptedDataKey, withEncryptedDataKey, withGeneratedDataKey } from '../materials/materials.ts';
import type { DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring } from '../materials/types.ts';

export const BUCKET_KEY_PROVIDER_ID = 'edgekms-bucket-key';
const SALT_BYTES = 32;
const LABEL = utf8('edgekms bucket key v1');

export interface BucketKeyKeyringOptions {
  /** Wraps the bucket keys: a KMS keyring or a multi-region keyring. */
  keyring: Keyring;
  /** The bucket (1-255 bytes of UTF-8). Only this bucket's objects are decrypted. */
  bucket: string;
  /** One bucket key per period of this length (default 24 h). */
  periodMs?: number;
  /** Unwrapped bucket keys a reader keeps (default 64), least recently used dropped (and wiped) first. */
  capacity?: number;
  now?: () => number;
}

interface Parsed {
  bucket: string;
  period: number;
  salt: Uint8Array;
  inner: EncryptedDataKey;
}

const u16 = (n: number) => Uint8Array.of(n >>> 8, n & 0xff);
function u64(n: number): Uint8Array {
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  v.setUint32(0, Math.floor(n / 2 ** 32));
  v.setUint32(4, n >>> 0);
  return out;
}

/** Parses a bucket-key EDK (hostile input): undefined unless well formed. */
function parse(edk: EncryptedDataKey): Parsed | undefined {
  const b = edk.providerInfo;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let o = 0;
  const field = (): Uint8Array | undefined => {
    if (o + 2 > b.length) return undefined;
    const n = v.getUint16(o);
    if (o + 2 + n > b.length) return undefined;
    o += 2 + n;
    return b.subarray(o - n, o);
  };
  try {
    const bucket = field();
    if (!bucket || o + 8 + SALT_BYTES > b.length) return undefined;
    const period = v.getUint32(o) * 2 ** 32 + v.getUint32(o + 4);
    const salt = b.subarray(o + 8, o + 8 + SALT_BYTES);
    o += 8 + SALT_BYTES;
    const providerId = field();
    const providerInfo = field();
    if (!providerId?.length || !providerInfo || o !== b.length || !Number.isSafeInteger(period)) return undefined;
    return { bucket: fromUtf8(bucket), period, salt, inner: { providerId: fromUtf8(providerId), providerInfo, ciphertext: edk.ciphertext } };
  } catch {
    return undefined;
  }
}

interface BucketKey {
  key: Uint8Array;
  edks: readonly EncryptedDataKey[];
}

export class BucketKeyKeyring implements Keyring {
  private readonly bucket: string;
  private readonly bucketBytes: Uint8Array;
  private readonly periodMs: number;
  private readonly now: () => number;
  /** The writer's current bucket key, per suite (at most one period at a time). */
  private current = new Map<number, { period: number; key: Promise<BucketKey> }>();
  /** The reader's unwrapped bucket keys, by inner EDK. */
  private readonly unwrapped: LruMap<string, Promise<Uint8Array | undefined>>;

  constructor(private readonly options: BucketKeyKeyringOptions) {
    if (!options?.keyring) throw new InvalidArgumentError('a bucket key keyring needs an inner keyring');
    this.bucketBytes = utf8(options.bucket ?? '');
    if (typeof options.bucket !== 'string' || this.bucketBytes.length < 1 || this.bucketBytes.length > 255) throw new InvalidArgumentError('bucket must be 1-255 bytes');
    this.bucket = options.bucket;
    this.periodMs = options.periodMs ?? 86_400_000;
    if (!Number.isSafeInteger(this.periodMs) || this.periodMs < 1000) throw new InvalidArgumentError('periodMs must be an integer of at least 1000');
    this.now = options.now ?? Date.now;
    this.unwrapped = new LruMap(options.capacity ?? 64, (p) => void p.then((k) => wipe(k), () => {}));
  }

  private context(period: number): EncryptionContext {
    return { 'edgekms:bucket': this.bucket, 'edgekms:bucket-period': String(period) };
  }

  private derive(suite: AlgorithmSuite, bucketKey: Uint8Array, period: number, salt: Uint8Array, context: EncryptionContext): Uint8Array {
    const info = concat(LABEL, u16(suite.id), u16(this.bucketBytes.length), this.bucketBytes, u64(period), encodeContext(context));
    return hkdf(sha256, bucketKey, salt, info, suite.dataKeyBytes);
  }

  private bucketKey(suite: AlgorithmSuite, period: number): Promise<BucketKey> {
    const held = this.current.get(suite.id);
    if (held?.period === period) return held.key;
    if (held) void held.key.then((k) => wipe(k.key), () => {});
    const key = this.options.keyring.onEncrypt(newEncryptionMaterials(suite, this.context(period))).then((m) => ({ key: m.plaintextDataKey!, edks: m.encryptedDataKeys }));
    this.current.set(suite.id, { period, key });
    key.catch(() => this.current.get(suite.id)?.key === key && this.current.delete(suite.id));
    return key;
  }

  async onEncrypt(m: EncryptionMaterials): Promise<EncryptionMaterials> {
    if (m.plaintextDataKey) throw new InvalidArgumentError('a bucket key keyring derives its data keys: it must be the generator, not wrap another keyring\'s key');
    const period = Math.floor(this.now() / this.periodMs);
    const bk = await this.bucketKey(m.suite, period);
    const salt = randomBytes(SALT_BYTES);
    const dataKey = this.derive(m.suite, bk.key, period, salt, m.encryptionContext);
    const trace = (action: 'generated' | 'encrypted') => ({ providerId: BUCKET_KEY_PROVIDER_ID, key: `${this.bucket}@${period}`, action });
    const edks = bk.edks.map((inner) =>
      Object.freeze({
        providerId: BUCKET_KEY_PROVIDER_ID,
        providerInfo: concat(u16(this.bucketBytes.length), this.bucketBytes, u64(period), salt, u16(utf8(inner.providerId).length), utf8(inner.providerId), u16(inner.providerInfo.length), inner.providerInfo),
        ciphertext: inner.ciphertext,
      }),
    );
    let out = withGeneratedDataKey(m, dataKey, edks[0], trace('generated'));
    for (const edk of edks.slice(1)) out = withEncryptedDataKey(out, edk, trace('encrypted'));
    return out;
  }

  private unwrapBucketKey(suite: AlgorithmSuite, p: Parsed): Promise<Uint8Array | undefined> {
    const id = toHex(sha256(concat(u16(suite.id), u64(p.period), utf8(p.inner.providerId), u16(p.inner.providerInfo.length), p.inner.providerInfo, p.inner.ciphertext)));
    let key = this.unwrapped.get(id);
    if (!key) {
      key = this.options.keyring
        .onDecrypt(newDecryptionMaterials(suite, this.context(p.period)), [p.inner])
        .then((m) => m.plaintextDataKey);
      // A failure is not remembered: the next object retries the KMS.
      key.then((k) => k === undefined && this.unwrapped.delete(id), () => this.unwrapped.delete(id));
      this.unwrapped.set(id, key);
    }
    return key;
  }

  async onDecrypt(m: DecryptionMaterials, edks: readonly EncryptedDataKey[]): Promise<DecryptionMaterials> {
    if (m.plaintextDataKey) return m;
    for (const edk of edks) {
      if (edk.providerId !== BUCKET_KEY_PROVIDER_ID) continue;
      const p = parse(edk);
      if (!p || p.bucket !== this.bucket) continue;
      let bucketKey: Uint8Array | undefined;
      try {
        bucketKey = await this.unwrapBucketKey(m.suite, p);
      } catch {
        continue;
      }
      if (!bucketKey) continue;
      const dataKey = this.derive(m.suite, bucketKey, p.period, p.salt, m.encryptionContext);
      return withDecryptedDataKey(m, dataKey, { providerId: BUCKET_KEY_PROVIDER_ID, key: `${this.bucket}@${p.period}`, action: 'decrypted' });
    }
    return m;
  }
}
