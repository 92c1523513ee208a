// SM2 CMKs (spec 2.2, 2.6; GB/T 32918): key material, sign / verify with SM2DSA_SM3, SM2_ENCRYPT
// encryption, get-publickey, and SM2 data key pairs. asymmetric.ts routes SM2 keys here; the arithmetic is
// src/crypto/sm2.ts (SM3 from the WASM core, so the runtime must have called initWasm()).
//
// Choices, where the wire reference leaves room:
// - Material is the 32-byte big-endian private scalar d, sealed by the root key like all material; the
//   public half is kept beside it as base64 SubjectPublicKeyInfo (id-ecPublicKey + curve
//   1.2.156.10197.1.301, as OpenSSL writes SM2 keys), so get-publickey is the same PEM as for other keys
//   and node:crypto / OpenSSL parse it.
// - Signatures are DER SEQUENCE { r, s } (Huawei's DEW FAQ: KMS ASN.1-encodes SM2 signatures, 70-72
//   bytes); verify accepts only DER. RAW messages are hashed as e = SM3(Z_A ‖ M) with the default signer ID
//   "1234567812345678" (GB/T 35276-2017 5.3); a DIGEST message is the caller's 32-byte e, already Z-hashed.
//   Every signature is verified before it is returned (fault countermeasure, as for ECDSA).
// - SM2_ENCRYPT ciphertexts are C1 ‖ C3 ‖ C2 (GB/T 32918.4-2016), base64. decrypt-data also accepts the
//   GM/T 0009-2012 ASN.1 form SEQUENCE { x, y, hash, ciphertext } that OpenSSL's pkeyutl emits. Every
//   decryption failure is one error. No AAD (refused by the caller, as for RSA-OAEP).
// - A prepared private key is checked against the stored public key once (d·G must equal it), so
//   corrupted material fails loudly instead of signing with a wrong key; it holds a copy of d that is
//   zeroed when the material cache drops it.
import { encodeSm2Pkcs8, encodeSm2Spki, parseSm2Spki } from '../crypto/asym-keys.ts';
import { DerReader, TAG, parseDer, readOctetString, readUnsignedIntegerBytes } from '../crypto/asn1.ts';
import { concat, constantTimeEqual } from '../crypto/bytes.ts';
import { fromBase64, toBase64 } from '../crypto/encoding.ts';
import { publicKeyToPem } from '../crypto/pem.ts';
import { sm2Decrypt, sm2Encrypt, sm2GenerateKeyPair, sm2PublicKeyFromPrivate, sm2Sign, sm2Verify } from '../crypto/sm2.ts';
import { WasmCryptoError } from '../crypto/wasm/errors.ts';
import { Code, KmsError } from './errors.ts';
import { primaryVersion, type KeyRecord } from './key-record.ts';
import type { Kms } from './kms.ts';

export const SM2_SIGNING_ALGORITHM = 'SM2DSA_SM3';
export const SM2_ENCRYPTION_ALGORITHM = 'SM2_ENCRYPT';
/** The longest RAW message sign accepts (under 4096 bytes, as for the other key specs). */
const MAX_RAW_MESSAGE_BYTES = 4095;

/** New SM2 CMK material: the private scalar (the caller seals and wipes it) and the public SPKI (base64). */
export function newSm2Material(): { material: Uint8Array; publicKey: string } {
  const pair = sm2GenerateKeyPair();
  return { material: pair.privateKey, publicKey: toBase64(encodeSm2Spki(pair.publicKey)) };
}

/** An SM2 data key pair: SubjectPublicKeyInfo and PKCS#8 DER (the caller wipes the PKCS#8). */
export function newSm2DataKeyPair(): { publicKeySpki: Uint8Array; privateKeyPkcs8: Uint8Array } {
  const pair = sm2GenerateKeyPair();
  try {
    return { publicKeySpki: encodeSm2Spki(pair.publicKey), privateKeyPkcs8: encodeSm2Pkcs8(pair.privateKey) };
  } finally {
    pair.privateKey.fill(0);
  }
}

/** A prepared SM2 private key: its own copy of d and its public point. */
interface Sm2PrivateKey {
  readonly d: Uint8Array;
  readonly point: Uint8Array;
  dispose(): void;
}

function noMaterial(r: KeyRecord): KmsError {
  return new KmsError(Code.InvalidParameter, `The key ${r.id} has no key material.`);
}

/** Public points by their SPKI (public data; bounded so a long-lived process does not grow). */
const points = new Map<string, Uint8Array>();
const POINT_CACHE = 1024;

/** The 65-byte public point of the key's primary version. */
function publicPoint(r: KeyRecord): Uint8Array {
  const b64 = primaryVersion(r)?.publicKey;
  if (!b64) throw noMaterial(r);
  let p = points.get(b64);
  if (!p) {
    p = parseSm2Spki(fromBase64(b64));
    points.set(b64, p);
    if (points.size > POINT_CACHE) points.delete(points.keys().next().value as string);
  }
  return p;
}

function privateKey(kms: Kms, r: KeyRecord): Promise<Sm2PrivateKey> {
  const mv = primaryVersion(r);
  if (!mv?.publicKey) throw noMaterial(r);
  const point = publicPoint(r);
  return kms.material.prepared(r, mv, 'sm2', async (raw) => {
    const d = raw.slice();
    try {
      if (!constantTimeEqual(sm2PublicKeyFromPrivate(d), point)) throw new Error('SM2 key material does not match its public key');
    } catch {
      d.fill(0);
      throw new KmsError(Code.Internal, `The key material of ${r.id} failed its consistency check.`, 500);
    }
    return { d, point, dispose: () => d.fill(0) };
  });
}

/** The PEM get-publickey returns (CRLF line endings, like the other key specs). */
export function sm2PublicKeyPem(r: KeyRecord): string {
  return publicKeyToPem(encodeSm2Spki(publicPoint(r)));
}

function checkMessage(message: Uint8Array, messageType: 'DIGEST' | 'RAW'): void {
  if (messageType === 'DIGEST' && message.length !== 32) {
    throw new KmsError(Code.InvalidParameter, `Invalid message: an ${SM2_SIGNING_ALGORITHM} DIGEST is the 32-byte SM3 value e = SM3(Z ‖ M), got ${message.length} bytes.`);
  }
  if (messageType === 'RAW' && message.length > MAX_RAW_MESSAGE_BYTES) {
    throw new KmsError(Code.InvalidParameter, `Invalid message: a RAW message must be shorter than 4096 bytes.`);
  }
}

/** SM2DSA_SM3 signature (DER) of a RAW message or of a DIGEST e. */
export async function sm2SignMessage(kms: Kms, r: KeyRecord, message: Uint8Array, messageType: 'DIGEST' | 'RAW'): Promise<Uint8Array> {
  checkMessage(message, messageType);
  const key = await privateKey(kms, r);
  const digest = messageType === 'DIGEST';
  const signature = sm2Sign(key.d, message, { digest, publicKey: key.point });
  if (!sm2Verify(key.point, message, signature, { digest })) {
    throw new KmsError(Code.Internal, 'The signature failed its self-check; nothing was returned.', 500);
  }
  return signature;
}

/** True only for a valid DER SM2DSA_SM3 signature of the message by this key. */
export function sm2VerifyMessage(r: KeyRecord, message: Uint8Array, messageType: 'DIGEST' | 'RAW', signature: Uint8Array): boolean {
  checkMessage(message, messageType);
  return sm2Verify(publicPoint(r), message, signature, { digest: messageType === 'DIGEST' });
}

/** SM2_ENCRYPT under the key's public key: C1 ‖ C3 ‖ C2. */
export function sm2EncryptData(r: KeyRecord, plaintext: Uint8Array): Uint8Array {
  return sm2Encrypt(publicPoint(r), plaintext);
}

/**
 * The C1 ‖ C3 ‖ C2 bytes of a ciphertext given either that way or as GM/T 0009-2012's
 * SEQUENCE { XCoordinate INTEGER, YCoordinate INTEGER, HASH OCTET STRING, CipherText OCTET STRING };
 * undefined for a malformed ASN.1 form.
 */
export function c1c3c2(ciphertext: Uint8Array): Uint8Array | undefined {
  if (ciphertext[0] !== TAG.SEQUENCE) return ciphertext;
  try {
    const rd = new DerReader(parseDer(ciphertext, TAG.SEQUENCE));
    const coordinate = () => {
      const v = readUnsignedIntegerBytes(rd.next(TAG.INTEGER));
      if (v.length > 32) throw new Error('coordinate too long');
      const out = new Uint8Array(32);
      out.set(v, 32 - v.length);
      return out;
    };
    const x = coordinate();
    const y = coordinate();
    const hash = readOctetString(rd.next(TAG.OCTET_STRING));
    const c2 = readOctetString(rd.next(TAG.OCTET_STRING));
    rd.end();
    if (hash.length !== 32 || c2.length === 0) return undefined;
    return concat(Uint8Array.of(0x04), x, y, hash, c2);
  } catch {
    return undefined;
  }
}

/** SM2_ENCRYPT decryption; `bad` is the one error for every ciphertext that does not decrypt. */
export async function sm2DecryptData(kms: Kms, r: KeyRecord, ciphertext: Uint8Array, bad: () => KmsError): Promise<Uint8Array> {
  const key = await privateKey(kms, r);
  const raw = c1c3c2(ciphertext);
  if (!raw) throw bad();
  try {
    return sm2Decrypt(key.d, raw);
  } catch (e) {
    if (e instanceof WasmCryptoError && e.code === 'DECRYPT_FAILED') throw bad();
    throw e;
  }
}
