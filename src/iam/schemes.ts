// The AK/SK signing schemes the verifier accepts. Both build the same canonical request (signer.ts); they
// differ in the hash (body, canonical request), the HMAC, the name in the Authorization header and the
// header that may carry the body hash:
//
//   SDK-HMAC-SHA256  SHA-256, HMAC-SHA256, X-Sdk-Content-Sha256   (every Huawei SDK's default)
//   SDK-HMAC-SM3     SM3,     HMAC-SM3,    X-Sdk-Content-Sm3      (Huawei's SDKs with signing algorithm
//                                                                  HMAC_SM3, for national-cryptography setups)
//
// SHA-256 and its HMAC come from the deployment's crypto provider (node:crypto on Node); SM3 from the WASM
// core, which every runtime loads at start-up.
import { utf8 } from '../crypto/bytes.ts';
import { toHex } from '../crypto/encoding.ts';
import { sha256Hex, type HashImplementation } from '../crypto/hash.ts';
import { createHmacSm3, sm3 } from '../crypto/sm3.ts';
import type { Credential } from './credentials.ts';

export type SchemeName = 'SDK-HMAC-SHA256' | 'SDK-HMAC-SM3';
type Mac = (data: string) => Uint8Array;

export interface SigningScheme {
  readonly name: SchemeName;
  /** Lower-case name of the header that may state the body's hash. */
  readonly contentHeader: string;
  /** Lower-case hex hash of bytes or of a UTF-8 string. */
  hashHex(data: Uint8Array | string): string;
  /** The keyed MAC of a credential; for null, a throwaway key of the same cost (unknown access keys). */
  mac(credential: Credential | null): Mac;
}

const bytesOf = (d: Uint8Array | string) => (typeof d === 'string' ? utf8(d) : d);

/** Keyed MACs of known credentials, dropped with the credential. */
function macCache(make: (key: Uint8Array) => Mac): (c: Credential | null) => Mac {
  const known = new WeakMap<Credential, Mac>();
  const unknown = make(new Uint8Array(40));
  return (c) => {
    if (!c) return unknown;
    let mac = known.get(c);
    if (!mac) {
      mac = make(c.secretKey);
      known.set(c, mac);
    }
    return mac;
  };
}

const sha256Schemes = new WeakMap<HashImplementation, SigningScheme>();

export function sha256Scheme(hashes: HashImplementation): SigningScheme {
  let s = sha256Schemes.get(hashes);
  if (!s) {
    s = {
      name: 'SDK-HMAC-SHA256',
      contentHeader: 'x-sdk-content-sha256',
      hashHex: (data) => sha256Hex(data, hashes),
      mac: macCache((key) => hashes.keyedHmacSha256(key)),
    };
    sha256Schemes.set(hashes, s);
  }
  return s;
}

export const SM3_SCHEME: SigningScheme = {
  name: 'SDK-HMAC-SM3',
  contentHeader: 'x-sdk-content-sm3',
  hashHex: (data) => toHex(sm3(bytesOf(data)), false),
  mac: macCache((key) => {
    const k = key.slice();
    return (data) => createHmacSm3(k).update(utf8(data)).digest();
  }),
};

/** The scheme named in an Authorization header, or undefined. */
export function schemeNamed(name: string, hashes: HashImplementation): SigningScheme | undefined {
  if (name === 'SDK-HMAC-SHA256') return sha256Scheme(hashes);
  if (name === 'SDK-HMAC-SM3') return SM3_SCHEME;
  return undefined;
}
