// SM2 keys (docs/kms-api.md; GB/T 32918) as an asymmetric family: SM2DSA_SM3 signatures, SM2_ENCRYPT, and
// SM2 data key pairs. The arithmetic is src/crypto/sm2.ts (SM3 from the WASM core, so the runtime must
// have called initWasm()).
//
// Choices, where the wire reference leaves room:
// - Material is the 32-byte big-endian private scalar d, sealed by the root key like all material; the
//   public half is kept beside it as base64 SubjectPublicKeyInfo (id-ecPublicKey + curve
//   1.2.156.10197.1.301, as OpenSSL writes SM2 keys), so get-publickey is the same PEM as for other keys
//   and node:crypto / OpenSSL parse it.
// - Signatures are DER SEQUENCE { r, s } (Huawei's DEW FAQ: KMS ASN.1-encodes SM2 signatures, 70-72
//   bytes); verify accepts only DER. RAW messages are hashed as e = SM3(Z_A ‖ M) with the default signer ID
//   "1234567812345678" (GB/T 35276-2017 5.3); a DIGEST message is the caller's 32-byte e, already Z-hashed.
// - SM2_ENCRYPT ciphertexts are C1 ‖ C3 ‖ C2 (GB/T 32918.4-2016), base64. Decryption also accepts the
//   GM/T 0009-2012 ASN.1 form SEQUENCE { x, y, hash, ciphertext } that OpenSSL's pkeyutl emits.
// - A prepared private key is checked against the stored public key once (d·G must equal it); it holds a
//   copy of d that is zeroed when the material cache drops it.
// - No key agreement: SM2 key exchange (GB/T 32918.3) is not ECDH and the API offers only ECDH.
import { encodeSm2Pkcs8, encodeSm2Spki, parseSm2Spki } from '../../crypto/asym-keys.ts';
import { DerReader, TAG, parseDer, readOctetString, readUnsignedIntegerBytes } from '../../crypto/asn1.ts';
import { concat, constantTimeEqual } from '../../crypto/bytes.ts';
import { publicKeyToPem } from '../../crypto/pem.ts';
import { sm2Decrypt, sm2Encrypt, sm2GenerateKeyPair, sm2PublicKeyFromPrivate, sm2Sign, sm2Verify } from '../../crypto/sm2.ts';
import { WasmCryptoError } from '../../crypto/wasm/errors.ts';
import { type AsymmetricFamily, MAX_RAW_MESSAGE_BYTES, type MessageType, inconsistentMaterial, invalidCipherText, invalidInput, selfCheckFailed } from './family.ts';

export const SM2_SIGNING_ALGORITHM = 'SM2DSA_SM3';
export const SM2_ENCRYPTION_ALGORITHM = 'SM2_ENCRYPT';

/** A prepared SM2 private key: its own copy of d. */
interface Sm2PrivateKey {
  readonly d: Uint8Array;
  dispose(): void;
}

function checkMessage(message: Uint8Array, messageType: MessageType): void {
  if (messageType === 'DIGEST' && message.length !== 32) {
    throw invalidInput('message', `an ${SM2_SIGNING_ALGORITHM} DIGEST is the 32-byte SM3 value e = SM3(Z ‖ M), got ${message.length} bytes`);
  }
  if (messageType === 'RAW' && message.length > MAX_RAW_MESSAGE_BYTES) {
    throw invalidInput('message', 'a RAW message must be shorter than 4096 bytes');
  }
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

/** The 65-byte public point. */
type Sm2Point = Uint8Array;

export const SM2: AsymmetricFamily<Sm2PrivateKey, Sm2Point> = {
  async generate() {
    const pair = sm2GenerateKeyPair();
    return { material: pair.privateKey, publicKeySpki: encodeSm2Spki(pair.publicKey) };
  },
  async generateDataKeyPair() {
    const pair = sm2GenerateKeyPair();
    try {
      return { publicKeySpki: encodeSm2Spki(pair.publicKey), privateKeyPkcs8: encodeSm2Pkcs8(pair.privateKey) };
    } finally {
      pair.privateKey.fill(0);
    }
  },
  parsePublic: (spki) => parseSm2Spki(spki),
  publicPem: (point) => publicKeyToPem(encodeSm2Spki(point)),
  async preparePrivate(raw, _spec, point) {
    const d = raw.slice();
    let matches = false;
    try {
      matches = constantTimeEqual(sm2PublicKeyFromPrivate(d), point);
    } catch {
      matches = false;
    }
    if (!matches) {
      d.fill(0);
      throw inconsistentMaterial();
    }
    return { d, dispose: () => d.fill(0) };
  },
  signingAlgorithms: () => [SM2_SIGNING_ALGORITHM],
  encryptionAlgorithms: () => [SM2_ENCRYPTION_ALGORITHM],
  async sign(key, point, _algorithm, message, messageType) {
    checkMessage(message, messageType);
    const digest = messageType === 'DIGEST';
    const signature = sm2Sign(key.d, message, { digest, publicKey: point });
    if (!sm2Verify(point, message, signature, { digest })) throw selfCheckFailed();
    return signature;
  },
  async verify(point, _algorithm, message, messageType, signature) {
    checkMessage(message, messageType);
    return sm2Verify(point, message, signature, { digest: messageType === 'DIGEST' });
  },
  async encrypt(point, _algorithm, plaintext) {
    return sm2Encrypt(point, plaintext);
  },
  async decrypt(key, _algorithm, ciphertext) {
    const raw = c1c3c2(ciphertext);
    if (!raw) throw invalidCipherText();
    try {
      return sm2Decrypt(key.d, raw);
    } catch (e) {
      if (e instanceof WasmCryptoError && e.code === 'DECRYPT_FAILED') throw invalidCipherText();
      throw e;
    }
  },
};
