// HMAC keys (docs/kms-api.md, "MAC keys"): generate-mac and verify-mac with HMAC_256 / HMAC_384 / HMAC_512 / HMAC_SM3 keys
// (usage GENERATE_VERIFY_MAC). A SHA-2 key is imported once per version into WebCrypto (non-extractable);
// an HMAC_SM3 key (RFC 2104 with SM3, 32-byte key and output) is a private copy of its bytes for the WASM
// core, zeroed when the material cache drops it. Both are cached like every prepared key.
//
// Wire choices: `message` is base64 of 1-4096 bytes; `mac` is lower-case hex as in the official example
// (verify-mac accepts either case); mac_valid is a JSON boolean. verify-mac recomputes the MAC and compares
// in constant time: a mac of the wrong length is not valid (false); a mac that is not hex is a malformed
// request (KMS.0308). mac_algorithm must be the key's own (HMAC_256 keys take HMAC_SHA_256, ...).
import { bufferSource } from '../crypto/asym-handle.ts';
import { constantTimeEqual } from '../crypto/bytes.ts';
import { hmacSm3 } from '../crypto/sm3.ts';
import { EncodingError, fromHex, toHex } from '../crypto/encoding.ts';
import { base64Field } from './asymmetric.ts';
import { Code, KmsError } from './errors.ts';
import { primaryVersion, type KeyRecord } from './key-record.ts';
import type { KeySpec } from './key-spec.ts';
import { KEY_REF_RULE, usableKey } from './keys.ts';
import type { Kms } from './kms.ts';
import { fields, ok, type Call, type Operation } from './operation.ts';

const MAC_ALGORITHMS = ['HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512', 'HMAC_SM3'] as const;

const BY_SPEC: Partial<Record<KeySpec, { algorithm: string; hash: 'SHA-256' | 'SHA-384' | 'SHA-512' | 'SM3' }>> = {
  HMAC_256: { algorithm: 'HMAC_SHA_256', hash: 'SHA-256' },
  HMAC_384: { algorithm: 'HMAC_SHA_384', hash: 'SHA-384' },
  HMAC_512: { algorithm: 'HMAC_SHA_512', hash: 'SHA-512' },
  HMAC_SM3: { algorithm: 'HMAC_SM3', hash: 'SM3' },
};

/** base64 of 4096 bytes is 5464 characters. */
const MESSAGE_RULE = { required: true, min: 1, max: 5464, pattern: /^[0-9a-zA-Z+/=]+$/ } as const;
const MAX_MESSAGE_BYTES = 4096;

async function macRequest(kms: Kms, call: Call, input: Parameters<Operation>[2], op: string) {
  const f = fields(input, {});
  const ref = f.string('key_id', KEY_REF_RULE);
  const algorithm = f.string('mac_algorithm', { required: true, enum: MAC_ALGORITHMS });
  const message = base64Field('message', f.string('message', MESSAGE_RULE));
  if (message.length < 1 || message.length > MAX_MESSAGE_BYTES) throw new KmsError(Code.InvalidParameter, `Invalid message: must be 1-${MAX_MESSAGE_BYTES} bytes.`);
  const macText = op === 'verify-mac' ? f.string('mac', { required: true, min: 1, max: 128 }) : undefined;
  const r = await usableKey(kms, call.project, ref, 'use');
  const params = BY_SPEC[r.spec];
  if (!params || r.usage !== 'GENERATE_VERIFY_MAC') {
    throw new KmsError(Code.InvalidParameter, `The key ${r.id} (${r.spec}, ${r.usage}) cannot be used for ${op}: it needs an HMAC key.`);
  }
  if (algorithm !== params.algorithm) throw new KmsError(Code.InvalidParameter, `Invalid mac_algorithm: ${r.spec} keys use ${params.algorithm}, not ${algorithm}.`);
  return { r, algorithm, hash: params.hash, message, macText };
}

async function computeMac(kms: Kms, r: KeyRecord, hash: string, message: Uint8Array): Promise<Uint8Array> {
  const mv = primaryVersion(r);
  if (!mv) throw new KmsError(Code.InvalidParameter, `The key ${r.id} has no key material.`);
  if (hash === 'SM3') {
    const key = await kms.material.prepared(r, mv, 'hmac:SM3', async (raw) => {
      const bytes = raw.slice();
      return { bytes, dispose: () => bytes.fill(0) };
    });
    return hmacSm3(key.bytes, message);
  }
  const key = await kms.material.prepared(r, mv, `hmac:${hash}`, (raw) =>
    crypto.subtle.importKey('raw', bufferSource(raw), { name: 'HMAC', hash }, false, ['sign']),
  );
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, bufferSource(message)));
}

export const generateMacOp: Operation = async (kms, call, input) => {
  const q = await macRequest(kms, call, input, 'generate-mac');
  const mac = await computeMac(kms, q.r, q.hash, q.message);
  return ok({ key_id: q.r.id, mac_algorithm: q.algorithm, mac: toHex(mac, false) });
};

export const verifyMacOp: Operation = async (kms, call, input) => {
  const q = await macRequest(kms, call, input, 'verify-mac');
  let given: Uint8Array;
  try {
    given = fromHex(q.macText!);
  } catch (e) {
    if (e instanceof EncodingError) throw new KmsError(Code.InvalidParameter, 'Invalid mac: it is not hex.');
    throw e;
  }
  const expected = await computeMac(kms, q.r, q.hash, q.message);
  return ok({ key_id: q.r.id, mac_algorithm: q.algorithm, mac_valid: constantTimeEqual(expected, given) });
};
