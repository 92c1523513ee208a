// The ciphertext blob, for any header and payload: decodeBlob reads back what encodeHeader wrote and
// refuses what is not a blob of this format; and any single changed byte of a real encrypt-data blob
// makes decrypt-data refuse it (the whole header is in the GCM associated data).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOB_HEADER_BYTES, BLOB_TAG_BYTES, BlobAlgorithm, decodeBlob, encodeHeader } from '../../src/kms/ciphertext.ts';
import type { ApiError } from '../../src/sdk/errors.ts';
import { makeRig, rejection } from '../helpers/kms.ts';
import { property } from '../helpers/property.ts';

const header = fc.record({
  algorithm: fc.constantFrom(BlobAlgorithm.AES_256_GCM, BlobAlgorithm.SM4_GCM),
  keyId: fc.uuid().map((u) => u.toLowerCase()),
  version: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
  iv: fc.uint8Array({ minLength: 12, maxLength: 12 }),
});

describe('ciphertext blob properties', () => {
  it('any header round-trips; the sealed part is everything after it', async () => {
    await property(
      'blob header',
      fc.property(header, fc.uint8Array({ minLength: BLOB_TAG_BYTES, maxLength: 200 }), (h, sealed) => {
        const blob = Uint8Array.from([...encodeHeader(h), ...sealed]);
        const d = decodeBlob(blob)!;
        expect(d.header).toEqual(h);
        expect(d.headerBytes).toEqual(blob.subarray(0, BLOB_HEADER_BYTES));
        expect(d.sealed).toEqual(sealed);
        // Too short to hold a tag: not a blob.
        expect(decodeBlob(blob.subarray(0, BLOB_HEADER_BYTES + BLOB_TAG_BYTES - 1))).toBeNull();
      }),
    );
  });

  it('any bytes are a blob only with the magic, format, a known algorithm, a lower-case UUID and a non-zero version', async () => {
    await property(
      'blob arbitrary',
      fc.property(header, fc.uint8Array({ minLength: BLOB_TAG_BYTES, maxLength: 40 }), fc.nat(BLOB_HEADER_BYTES - 1), fc.integer({ min: 1, max: 255 }), (h, sealed, at, xor) => {
        const blob = Uint8Array.from([...encodeHeader(h), ...sealed]);
        blob[at] ^= xor;
        const d = decodeBlob(blob);
        const keyId = String.fromCharCode(...blob.subarray(4, 40));
        const version = new DataView(blob.buffer).getUint32(40);
        const wellFormed =
          blob[0] === 0x45 && blob[1] === 0x4b && blob[2] === 1 && (blob[3] === 1 || blob[3] === 2) && /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/.test(keyId) && version !== 0;
        expect(d !== null).toBe(wellFormed);
        if (d) expect([d.header.keyId, d.header.version, d.header.algorithm]).toEqual([keyId, version, blob[3]]);
      }),
      500,
    );
  });

  it('encodeHeader takes only a lower-case UUID and a 12-byte IV; decodeBlob refuses version 0', () => {
    const h = { algorithm: BlobAlgorithm.AES_256_GCM, keyId: '0d0466b0-e727-4d9c-b35d-f84bb474a37f', version: 1, iv: new Uint8Array(12) };
    expect(encodeHeader(h).length).toBe(BLOB_HEADER_BYTES);
    for (const keyId of [h.keyId.toUpperCase(), 'x' + h.keyId, h.keyId + 'x', h.keyId.slice(1), 'alias-name']) {
      expect(() => encodeHeader({ ...h, keyId }), keyId).toThrow(/blob key id must be a lower-case UUID/);
    }
    for (const n of [0, 11, 13, 16]) expect(() => encodeHeader({ ...h, iv: new Uint8Array(n) })).toThrow(/blob IV must be 12 bytes/);
    const blob = Uint8Array.from([...encodeHeader(h), ...new Uint8Array(BLOB_TAG_BYTES)]);
    expect(decodeBlob(blob)?.header.version).toBe(1);
    blob[43] = 0; // version 0
    expect(decodeBlob(blob)).toBeNull();
  });

  it('decrypt-data refuses a blob with any one byte changed (AES and SM4 keys)', async () => {
    const rig = await makeRig();
    const kms = (a: string, b: object) => rig.client.request('POST', `/v1.0/{project_id}/kms/${a}`, b);
    const blobs: Buffer[] = [];
    for (const key_spec of ['AES_256', 'SM4']) {
      const id = (await kms('create-key', { key_alias: `prop-${key_spec}`, key_spec })).key_info.key_id;
      blobs.push(Buffer.from((await kms('encrypt-data', { key_id: id, plain_text: 'property' })).cipher_text, 'base64'));
    }
    await property(
      'blob tamper',
      fc.asyncProperty(fc.nat(1), fc.nat(), fc.integer({ min: 1, max: 255 }), async (which, at, xor) => {
        const blob = Buffer.from(blobs[which]);
        blob[at % blob.length] ^= xor;
        const e = await rejection<ApiError>(kms('decrypt-data', { cipher_text: blob.toString('base64') }));
        expect(e.status).toBe(400);
      }),
      150,
    );
    // The untouched blobs still decrypt: the refusals above are the changes, not the rig.
    for (const b of blobs) expect((await kms('decrypt-data', { cipher_text: b.toString('base64') })).plain_text).toBe('property');
  });
});
