// Loaded asymmetric keys: a parsed, self-checked key plus the WebCrypto CryptoKeys made from it on demand.
//
// WebCrypto binds a CryptoKey to one algorithm and hash (an RSA key imported for RSA-PSS/SHA-256 cannot
// sign RSASSA-PKCS1-v1_5 or use SHA-384), so a handle imports lazily per (algorithm, hash/curve) and caches
// the non-extractable result. The KMS can keep a handle for as long as it keeps the unwrapped key and must
// call dispose() when done: that zeroes our copy of the PKCS#8 bytes and of the EC scalar (BigInt RSA
// values and WebCrypto's internal copies cannot be zeroed from JS; dropping them is all we can do).

import { AsymCryptoError } from './asym-error.ts';
import {
  type AsymKeySpec,
  type EcCurve,
  type KeyShape,
  type PrivateKeyInfo,
  type PublicKeyInfo,
  CURVES,
  assertKeyMatchesSpec,
  parsePkcs8,
  parseSpki,
  shapeOf,
  spkiFromPrivateKey,
} from './asym-keys.ts';
import { pemToPublicKey, publicKeyToPem, type PemEncodeOptions } from './pem.ts';
import type { RsaPrivateOperation } from './provider.ts';

/** WebCrypto algorithm a handle can be imported for. */
export type WebCryptoKeyAlgorithm =
  | { name: 'RSA-PSS' | 'RSASSA-PKCS1-v1_5' | 'RSA-OAEP'; hash: 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512' }
  | { name: 'ECDSA'; namedCurve: 'P-256' | 'P-384' | 'P-521' };

const cacheKey = (a: WebCryptoKeyAlgorithm) => (a.name === 'ECDSA' ? `${a.name}/${a.namedCurve}` : `${a.name}/${a.hash}`);

/** A Uint8Array over a plain ArrayBuffer (what the DOM typings want for BufferSource). */
export function bufferSource(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return b.buffer instanceof ArrayBuffer ? (b as Uint8Array<ArrayBuffer>) : new Uint8Array(b);
}

function usagesFor(a: WebCryptoKeyAlgorithm, kind: 'public' | 'private'): KeyUsage[] {
  if (a.name === 'RSA-OAEP') return [kind === 'public' ? 'encrypt' : 'decrypt'];
  return [kind === 'public' ? 'verify' : 'sign'];
}

function checkWebCryptoFits(info: PublicKeyInfo, a: WebCryptoKeyAlgorithm): void {
  const ok = a.name === 'ECDSA' ? info.kind === 'ec' && CURVES[info.curve].webcrypto === a.namedCurve : info.kind === 'rsa';
  if (!ok) throw new AsymCryptoError('UNSUPPORTED', `${a.name} does not apply to this key`);
}

async function importInto(
  cache: Map<string, Promise<CryptoKey>>,
  format: 'spki' | 'pkcs8',
  der: Uint8Array,
  a: WebCryptoKeyAlgorithm,
): Promise<CryptoKey> {
  const k = cacheKey(a);
  let p = cache.get(k);
  if (!p) {
    const kind = format === 'spki' ? 'public' : 'private';
    p = crypto.subtle.importKey(format, bufferSource(der), a, false, usagesFor(a, kind));
    cache.set(k, p);
    p.catch(() => cache.delete(k));
  }
  return p;
}

export class AsymPublicKey {
  private readonly cache = new Map<string, Promise<CryptoKey>>();

  private constructor(
    readonly info: PublicKeyInfo,
    /** SubjectPublicKeyInfo DER (a private copy). */
    readonly spki: Uint8Array,
  ) {}

  /** Parses and validates a SubjectPublicKeyInfo; with `spec`, also requires that key spec. */
  static fromSpki(spki: Uint8Array, spec?: AsymKeySpec): AsymPublicKey {
    const info = parseSpki(spki);
    if (spec) assertKeyMatchesSpec(info, spec);
    return new AsymPublicKey(info, new Uint8Array(spki));
  }

  static fromPem(pem: string, spec?: AsymKeySpec): AsymPublicKey {
    let der: Uint8Array;
    try {
      der = pemToPublicKey(pem);
    } catch (e) {
      throw new AsymCryptoError('INVALID_KEY', `malformed PEM public key: ${(e as Error).message}`);
    }
    return AsymPublicKey.fromSpki(der, spec);
  }

  /** @internal used by AsymPrivateKey */
  static fromParsed(info: PublicKeyInfo, spki: Uint8Array): AsymPublicKey {
    return new AsymPublicKey(info, spki);
  }

  get shape(): KeyShape {
    const s = shapeOf(this.info);
    if (!s) throw new AsymCryptoError('INVALID_KEY', 'key size is not one of the supported key specs');
    return s;
  }

  /** PEM with CRLF line endings, as get-publickey returns it. */
  toPem(opts?: PemEncodeOptions): string {
    return publicKeyToPem(this.spki, opts);
  }

  webcrypto(a: WebCryptoKeyAlgorithm): Promise<CryptoKey> {
    checkWebCryptoFits(this.info, a);
    return importInto(this.cache, 'spki', this.spki, a);
  }
}

export class AsymPrivateKey {
  private readonly cache = new Map<string, Promise<CryptoKey>>();
  private disposed = false;
  readonly publicKey: AsymPublicKey;

  private constructor(
    private readonly parsed: PrivateKeyInfo,
    private readonly der: Uint8Array,
    private readonly rsaOperation: RsaPrivateOperation | undefined,
  ) {
    this.publicKey = AsymPublicKey.fromParsed(parsed.kind === 'rsa' ? stripRsa(parsed) : stripEc(parsed), spkiFromPrivateKey(parsed));
  }

  /**
   * Parses and self-checks PKCS#8 DER (copied; the caller may zero its buffer afterwards). With `spec`,
   * also requires that key spec. `rsaPrivate` is the runtime's native RSA private operation (its crypto
   * provider's), used for DIGEST signatures instead of the portable BigInt code.
   */
  static fromPkcs8(pkcs8: Uint8Array, spec?: AsymKeySpec, rsaPrivate?: RsaPrivateOperation): AsymPrivateKey {
    const info = parsePkcs8(pkcs8);
    try {
      if (spec) assertKeyMatchesSpec(info, spec);
    } catch (e) {
      if (info.kind === 'ec') info.d.fill(0);
      throw e;
    }
    return new AsymPrivateKey(info, new Uint8Array(pkcs8), info.kind === 'rsa' ? rsaPrivate : undefined);
  }

  /** RSASP1 of a k-byte encoded message in the runtime's native code, or undefined where it has none. */
  nativeRsaPrivate(em: Uint8Array): Promise<Uint8Array> | undefined {
    if (this.disposed) throw new AsymCryptoError('INVALID_ARGUMENT', 'private key handle was disposed');
    return this.rsaOperation?.(this.der, em);
  }

  /** The parsed private key (RSA numbers or EC scalar). Throws after dispose(). */
  get info(): PrivateKeyInfo {
    if (this.disposed) throw new AsymCryptoError('INVALID_ARGUMENT', 'private key handle was disposed');
    return this.parsed;
  }

  get shape(): KeyShape {
    return this.publicKey.shape;
  }

  get curve(): EcCurve | undefined {
    return this.parsed.kind === 'ec' ? this.parsed.curve : undefined;
  }

  webcrypto(a: WebCryptoKeyAlgorithm): Promise<CryptoKey> {
    if (this.disposed) throw new AsymCryptoError('INVALID_ARGUMENT', 'private key handle was disposed');
    checkWebCryptoFits(this.publicKey.info, a);
    return importInto(this.cache, 'pkcs8', this.der, a);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.der.fill(0);
    if (this.parsed.kind === 'ec') this.parsed.d.fill(0);
    this.cache.clear();
  }
}

function stripRsa(k: Extract<PrivateKeyInfo, { kind: 'rsa' }>): PublicKeyInfo {
  return { kind: 'rsa', n: k.n, e: k.e, bits: k.bits, byteLength: k.byteLength };
}

function stripEc(k: Extract<PrivateKeyInfo, { kind: 'ec' }>): PublicKeyInfo {
  return { kind: 'ec', curve: k.curve, point: k.point };
}
