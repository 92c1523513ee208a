// SM2 public-key cryptography (GB/T 32918.1-5-2016/2017, also GM/T 0003-2012):
// - digital signatures with SM3 (part 2), where the signed digest is e = SM3(Z_A ‖ M) and
//   Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) binds the signer's identity and key
//   (GB/T 32918.2 5.5); RAW messages use the default ID "1234567812345678" (GB/T 35276-2017 5.3)
//   unless told otherwise; DIGEST messages are e itself (32 bytes), computed by the caller;
// - public-key encryption (part 4) with the SM3 KDF, output laid out C1 ‖ C3 ‖ C2 (GB/T 32918.4-2016
//   and sm-crypto's default; GM/T 0003-2012 used C1 ‖ C2 ‖ C3): C1 = [k]G as an uncompressed point
//   (65 bytes), C3 = SM3(x2 ‖ M ‖ y2) (32 bytes), C2 = M XOR KDF(x2 ‖ y2) (|M| bytes);
// - key pairs on the recommended curve (GB/T 32918.5-2017, "sm2p256v1").
//
// Point arithmetic is @noble/curves' generic short Weierstrass code (its `multiply` is its constant-time
// ladder); hashing is the WASM SM3. Scalars mod n are JavaScript BigInts, which cannot be made constant
// time or wiped; the modular inverse in signing is blinded with a random factor to keep the private key
// out of its timing. Private keys are 32-byte big-endian integers in [1, n-2] (d = n-1 has no 1+d inverse).
//
// Encodings: public keys are SEC1 points (65-byte uncompressed 04 ‖ x ‖ y, or 33-byte compressed);
// signatures DER SEQUENCE { r INTEGER, s INTEGER } (GM/T 0009-2012) or raw r ‖ s (64 bytes). SPKI/PEM
// wrapping is the KMS layer's job.
//
// Call initWasm() once per runtime first (SM3 runs in WASM).

import { weierstrass, type WeierstrassPoint, type WeierstrassPointCons } from '@noble/curves/abstract/weierstrass.js';
import { ecdsaDerToRaw, ecdsaRawToDer } from './asn1.ts';
import { concat, randomBytes, utf8 } from './bytes.ts';
import { sm3 } from './sm3.ts';
import { WasmCryptoError } from './wasm/errors.ts';

/** Default signer ID for RAW messages (GB/T 35276-2017 5.3, GM/T 0009-2012 10). */
export const SM2_DEFAULT_USER_ID = '1234567812345678';
export const SM2_PRIVATE_KEY_BYTES = 32;
export const SM2_PUBLIC_KEY_BYTES = 65;
export const SM2_SIGNATURE_RAW_BYTES = 64;
/** C1 (65) + C3 (32): what SM2 encryption adds to the plaintext length. */
export const SM2_CIPHERTEXT_OVERHEAD = 97;

export interface Sm2CurveParams {
  p: bigint;
  a: bigint;
  b: bigint;
  n: bigint;
  Gx: bigint;
  Gy: bigint;
}

/** GB/T 32918.5-2017, the curve every SM2 key uses. */
export const SM2P256V1: Readonly<Sm2CurveParams> = Object.freeze({
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
});

export interface Sm2KeyPair {
  /** 32-byte big-endian scalar d. */
  privateKey: Uint8Array;
  /** 65-byte uncompressed point 04 ‖ x ‖ y. */
  publicKey: Uint8Array;
}

export type Sm2SignatureFormat = 'der' | 'raw';

export interface Sm2SignOptions {
  /** ID_A for Z_A when signing a RAW message; default "1234567812345678". Ignored with `digest: true`. */
  userId?: Uint8Array | string;
  /** true: `message` is already e = SM3(Z_A ‖ M), 32 bytes (DIGEST). Default false (RAW). */
  digest?: boolean;
  /** 'der' (default) or 'raw' (r ‖ s). */
  format?: Sm2SignatureFormat;
  /** The key pair's public key, to save recomputing it for Z_A (RAW only). Must match the private key. */
  publicKey?: Uint8Array;
}

export interface Sm2VerifyOptions {
  userId?: Uint8Array | string;
  digest?: boolean;
  format?: Sm2SignatureFormat;
}

type Point = WeierstrassPoint<bigint>;

const bytesToBig = (b: Uint8Array): bigint => {
  let x = 0n;
  for (const v of b) x = (x << 8n) | BigInt(v);
  return x;
};

const bigToBytes = (x: bigint, len: number): Uint8Array => {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
};

function fail(code: ConstructorParameters<typeof WasmCryptoError>[0], message: string): never {
  throw new WasmCryptoError(code, message);
}

function need(x: unknown, name: string): Uint8Array {
  if (!(x instanceof Uint8Array)) fail('INVALID_ARGUMENT', `${name} must be a Uint8Array`);
  return x;
}

/** SM2 over one curve. The exported functions use sm2p256v1; tests also build the standards' example curve. */
export class Sm2Curve {
  readonly Point: WeierstrassPointCons<bigint>;
  readonly n: bigint;
  /** a ‖ b ‖ x_G ‖ y_G, the curve part of Z_A. */
  private readonly zCurve: Uint8Array;

  constructor(readonly params: Readonly<Sm2CurveParams>) {
    this.Point = weierstrass({ p: params.p, n: params.n, h: 1n, a: params.a, b: params.b, Gx: params.Gx, Gy: params.Gy });
    this.n = params.n;
    this.zCurve = concat(...[params.a, params.b, params.Gx, params.Gy].map((v) => bigToBytes(v, 32)));
  }

  private mod(x: bigint): bigint {
    const r = x % this.n;
    return r < 0n ? r + this.n : r;
  }

  /** Uniform scalar in [1, max] by rejection sampling. */
  private randomScalar(max: bigint): bigint {
    for (;;) {
      const b = randomBytes(32);
      const x = bytesToBig(b);
      b.fill(0);
      if (x >= 1n && x <= max) return x;
    }
  }

  privateScalar(privateKey: Uint8Array): bigint {
    need(privateKey, 'SM2 private key');
    if (privateKey.length !== SM2_PRIVATE_KEY_BYTES) fail('INVALID_KEY', `SM2 private key must be 32 bytes, got ${privateKey.length}`);
    const d = bytesToBig(privateKey);
    if (d < 1n || d > this.n - 2n) fail('INVALID_KEY', 'SM2 private key out of range [1, n-2]');
    return d;
  }

  /** Decodes and validates a SEC1 public key (uncompressed or compressed; on the curve, not infinity). */
  publicPoint(publicKey: Uint8Array): Point {
    need(publicKey, 'SM2 public key');
    if (publicKey.length !== 65 && publicKey.length !== 33) {
      fail('INVALID_KEY', `SM2 public key must be a 65-byte uncompressed or 33-byte compressed point, got ${publicKey.length} bytes`);
    }
    try {
      const p = this.Point.fromBytes(publicKey);
      p.assertValidity();
      return p;
    } catch {
      return fail('INVALID_KEY', 'SM2 public key is not a point on the curve');
    }
  }

  generateKeyPair(): Sm2KeyPair {
    const d = this.randomScalar(this.n - 2n);
    const privateKey = bigToBytes(d, 32);
    return { privateKey, publicKey: this.Point.BASE.multiply(d).toBytes(false) };
  }

  publicKeyFromPrivate(privateKey: Uint8Array, compressed = false): Uint8Array {
    return this.Point.BASE.multiply(this.privateScalar(privateKey)).toBytes(compressed);
  }

  /** Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A). */
  z(publicKey: Uint8Array, userId: Uint8Array | string = SM2_DEFAULT_USER_ID): Uint8Array {
    const id = typeof userId === 'string' ? utf8(userId) : need(userId, 'SM2 user ID');
    // ENTL is the ID's length in bits, in two bytes.
    if (id.length > 8191) fail('INPUT_TOO_LONG', `SM2 user ID must be at most 8191 bytes, got ${id.length}`);
    const p = this.publicPoint(publicKey);
    const entl = Uint8Array.of((id.length * 8) >>> 8, (id.length * 8) & 0xff);
    return sm3(entl, id, this.zCurve, bigToBytes(p.x, 32), bigToBytes(p.y, 32));
  }

  /** e = SM3(Z_A ‖ M): what a DIGEST signature signs. */
  digest(publicKey: Uint8Array, message: Uint8Array, userId?: Uint8Array | string): Uint8Array {
    return sm3(this.z(publicKey, userId), need(message, 'SM2 message'));
  }

  private messageDigest(message: Uint8Array, isDigest: boolean | undefined, publicKey: () => Uint8Array, userId?: Uint8Array | string): bigint {
    need(message, 'SM2 message');
    if (isDigest) {
      if (message.length !== 32) fail('INVALID_ARGUMENT', `SM2 DIGEST message must be the 32-byte SM3 value e, got ${message.length} bytes`);
      return bytesToBig(message);
    }
    return bytesToBig(this.digest(publicKey(), message, userId));
  }

  /** Signs digest e with private scalar d and nonce source `nonce` (GB/T 32918.2 6.1, steps A3-A7). */
  signDigest(e: bigint, d: bigint, nonce: () => bigint): { r: bigint; s: bigint } {
    const n = this.n;
    for (;;) {
      const k = nonce();
      const x1 = this.Point.BASE.multiply(k).x;
      const r = this.mod(e + x1);
      if (r === 0n || r + k === n) continue;
      // s = (1 + d)^-1 (k - r d), with the inverse taken of (1 + d) u for a random u, then multiplied back.
      const u = this.randomScalar(n - 1n);
      const inv = this.mod(this.Point.Fn.inv(this.mod((1n + d) * u)) * u);
      const s = this.mod(inv * (k - r * d));
      if (s === 0n) continue;
      return { r, s };
    }
  }

  sign(privateKey: Uint8Array, message: Uint8Array, options: Sm2SignOptions = {}, nonce?: () => bigint): Uint8Array {
    const d = this.privateScalar(privateKey);
    const format = checkFormat(options.format);
    const e = this.messageDigest(message, options.digest, () => options.publicKey ?? this.Point.BASE.multiply(d).toBytes(false), options.userId);
    const { r, s } = this.signDigest(e, d, nonce ?? (() => this.randomScalar(this.n - 1n)));
    const raw = concat(bigToBytes(r, 32), bigToBytes(s, 32));
    return format === 'raw' ? raw : ecdsaRawToDer(raw);
  }

  /** GB/T 32918.2 7.1. False for any malformed or wrong signature; throws only for a bad key or options. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, options: Sm2VerifyOptions = {}): boolean {
    const P = this.publicPoint(publicKey);
    const format = checkFormat(options.format);
    need(signature, 'SM2 signature');
    const e = this.messageDigest(message, options.digest, () => publicKey, options.userId);
    let raw: Uint8Array;
    if (format === 'raw') {
      if (signature.length !== 64) return false;
      raw = signature;
    } else {
      try {
        raw = ecdsaDerToRaw(signature, 32);
      } catch {
        return false;
      }
    }
    const n = this.n;
    const r = bytesToBig(raw.subarray(0, 32));
    const s = bytesToBig(raw.subarray(32));
    if (r < 1n || r >= n || s < 1n || s >= n) return false;
    const t = this.mod(r + s);
    if (t === 0n) return false;
    // Public values only: the faster variable-time double multiplication is fine here.
    const R = this.Point.BASE.mulAddUnsafe(s, P, t);
    if (R.is0()) return false;
    return this.mod(e + R.x) === r;
  }

  /** KDF(Z, klen) = SM3(Z ‖ 1) ‖ SM3(Z ‖ 2) ‖ ... truncated (GB/T 32918.4 5.4.3). */
  private kdf(z: Uint8Array, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let off = 0, ct = 1; off < len; off += 32, ct++) {
      const h = sm3(z, Uint8Array.of(ct >>> 24, (ct >>> 16) & 0xff, (ct >>> 8) & 0xff, ct & 0xff));
      out.set(h.subarray(0, Math.min(32, len - off)), off);
    }
    return out;
  }

  /** GB/T 32918.4 6.1, output C1 ‖ C3 ‖ C2. */
  encrypt(publicKey: Uint8Array, plaintext: Uint8Array, nonce?: () => bigint): Uint8Array {
    const P = this.publicPoint(publicKey);
    need(plaintext, 'SM2 plaintext');
    if (plaintext.length === 0) fail('INVALID_ARGUMENT', 'SM2 encryption needs a non-empty plaintext');
    // KDF counter is 32 bits of 32-byte blocks; far beyond any sensible SM2 message.
    if (plaintext.length > 1 << 30) fail('INPUT_TOO_LONG', 'SM2 plaintext too long');
    for (;;) {
      const k = nonce ? nonce() : this.randomScalar(this.n - 1n);
      const c1 = this.Point.BASE.multiply(k).toBytes(false);
      const S = P.multiply(k);
      const x2 = bigToBytes(S.x, 32);
      const y2 = bigToBytes(S.y, 32);
      const t = this.kdf(concat(x2, y2), plaintext.length);
      if (t.every((b) => b === 0)) continue; // A5: a zero key stream would leave M in the clear
      const c2 = new Uint8Array(plaintext.length);
      for (let i = 0; i < c2.length; i++) c2[i] = plaintext[i] ^ t[i];
      const c3 = sm3(x2, plaintext, y2);
      t.fill(0);
      x2.fill(0);
      y2.fill(0);
      return concat(c1, c3, c2);
    }
  }

  /** GB/T 32918.4 7.1 on C1 ‖ C3 ‖ C2 (C1 uncompressed or compressed). One error for every failure. */
  decrypt(privateKey: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    const d = this.privateScalar(privateKey);
    need(ciphertext, 'SM2 ciphertext');
    const c1Len = ciphertext[0] === 0x04 ? 65 : ciphertext[0] === 0x02 || ciphertext[0] === 0x03 ? 33 : 0;
    const bad = (): never => fail('DECRYPT_FAILED', 'SM2 decryption failed');
    if (c1Len === 0 || ciphertext.length <= c1Len + 32) bad();
    let C1: Point;
    try {
      C1 = this.Point.fromBytes(ciphertext.subarray(0, c1Len)); // B1: on the curve (h = 1: B2 is this too)
      C1.assertValidity();
    } catch {
      return bad();
    }
    const c3 = ciphertext.subarray(c1Len, c1Len + 32);
    const c2 = ciphertext.subarray(c1Len + 32);
    const S = C1.multiply(d);
    const x2 = bigToBytes(S.x, 32);
    const y2 = bigToBytes(S.y, 32);
    const t = this.kdf(concat(x2, y2), c2.length);
    const m = new Uint8Array(c2.length);
    for (let i = 0; i < m.length; i++) m[i] = c2[i] ^ t[i];
    const u = sm3(x2, m, y2);
    let diff = t.every((b) => b === 0) ? 1 : 0;
    for (let i = 0; i < 32; i++) diff |= u[i] ^ c3[i];
    t.fill(0);
    x2.fill(0);
    y2.fill(0);
    if (diff !== 0) {
      m.fill(0);
      bad();
    }
    return m;
  }
}

function checkFormat(f: unknown): Sm2SignatureFormat {
  if (f === undefined) return 'der';
  if (f !== 'der' && f !== 'raw') fail('INVALID_ARGUMENT', `SM2 signature format must be 'der' or 'raw'`);
  return f;
}

const standard = new Sm2Curve(SM2P256V1);

/** A new random key pair on sm2p256v1. */
export function sm2GenerateKeyPair(): Sm2KeyPair {
  return standard.generateKeyPair();
}

/** The public key (65-byte uncompressed, or 33-byte compressed) of a 32-byte private key. */
export function sm2PublicKeyFromPrivate(privateKey: Uint8Array, compressed = false): Uint8Array {
  return standard.publicKeyFromPrivate(privateKey, compressed);
}

/** Validates a SEC1 public key and returns it as the 65-byte uncompressed point. Throws INVALID_KEY. */
export function sm2NormalizePublicKey(publicKey: Uint8Array): Uint8Array {
  return standard.publicPoint(publicKey).toBytes(false);
}

/** The 33-byte compressed form of a public key. */
export function sm2CompressPublicKey(publicKey: Uint8Array): Uint8Array {
  return standard.publicPoint(publicKey).toBytes(true);
}

/** Throws INVALID_KEY unless `privateKey` is a valid SM2 private key. */
export function sm2CheckPrivateKey(privateKey: Uint8Array): void {
  standard.privateScalar(privateKey);
}

/** Z_A for a public key and user ID (default "1234567812345678"). */
export function sm2Za(publicKey: Uint8Array, userId?: Uint8Array | string): Uint8Array {
  return standard.z(publicKey, userId);
}

/** e = SM3(Z_A ‖ message): the 32 bytes a DIGEST-mode signature signs. */
export function sm2MessageDigest(publicKey: Uint8Array, message: Uint8Array, userId?: Uint8Array | string): Uint8Array {
  return standard.digest(publicKey, message, userId);
}

/** SM2 signature of a RAW message (default) or of a 32-byte digest e (`digest: true`). DER unless `format: 'raw'`. */
export function sm2Sign(privateKey: Uint8Array, message: Uint8Array, options?: Sm2SignOptions): Uint8Array {
  return standard.sign(privateKey, message, options);
}

/** Verifies an SM2 signature; false for any mismatch or malformed signature. */
export function sm2Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, options?: Sm2VerifyOptions): boolean {
  return standard.verify(publicKey, message, signature, options);
}

/** SM2 public-key encryption; returns C1 ‖ C3 ‖ C2 (97 bytes longer than the plaintext). */
export function sm2Encrypt(publicKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return standard.encrypt(publicKey, plaintext);
}

/** SM2 decryption of C1 ‖ C3 ‖ C2; throws DECRYPT_FAILED for any failure. */
export function sm2Decrypt(privateKey: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return standard.decrypt(privateKey, ciphertext);
}

/** r ‖ s (64 bytes) to DER. */
export function sm2SignatureToDer(raw: Uint8Array): Uint8Array {
  if (need(raw, 'SM2 signature').length !== 64) fail('INVALID_ARGUMENT', 'raw SM2 signature must be 64 bytes');
  return ecdsaRawToDer(raw);
}

/** DER to r ‖ s (64 bytes); throws INVALID_ARGUMENT for malformed DER. */
export function sm2SignatureFromDer(der: Uint8Array): Uint8Array {
  try {
    return ecdsaDerToRaw(need(der, 'SM2 signature'), 32);
  } catch (e) {
    if (e instanceof WasmCryptoError) throw e;
    return fail('INVALID_ARGUMENT', 'malformed DER SM2 signature');
  }
}

/** The same functions as one object: `sm2.generateKeyPair()`, `sm2.sign(...)`, ... */
export const sm2 = Object.freeze({
  generateKeyPair: sm2GenerateKeyPair,
  publicKeyFromPrivate: sm2PublicKeyFromPrivate,
  normalizePublicKey: sm2NormalizePublicKey,
  compressPublicKey: sm2CompressPublicKey,
  checkPrivateKey: sm2CheckPrivateKey,
  za: sm2Za,
  messageDigest: sm2MessageDigest,
  sign: sm2Sign,
  verify: sm2Verify,
  encrypt: sm2Encrypt,
  decrypt: sm2Decrypt,
  signatureToDer: sm2SignatureToDer,
  signatureFromDer: sm2SignatureFromDer,
});
