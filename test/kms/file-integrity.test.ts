// PRODUCT.md item 7, file integrity, over the API: the SHA-256 digest of a 100 MB file (written here and
// hashed as a stream, never held in memory) is signed by the KMS with RSASSA_PSS_SHA_256 (message_type
// DIGEST); the KMS and node:crypto (streaming the file itself) verify it; one changed byte makes both
// verifications fail.
import { constants, createHash, createPublicKey, createVerify, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRig, type Rig } from '../helpers/kms.ts';

const SIZE = 100 * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'edgekms-integrity-'));
const file = join(dir, 'large.bin');
let rig: Rig;
let keyId: string;

const kms = (action: string, body: unknown) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);

function sha256OfFile(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (chunk) => h.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(h.digest()));
  });
}

/** node:crypto's own verification, streaming the file (not the KMS's digest). */
function nodeVerifiesFile(path: string, publicKeyPem: string, signature: Buffer): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const v = createVerify('sha256');
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (chunk) => v.update(chunk))
      .on('error', reject)
      .on('end', () =>
        resolve(v.verify({ key: createPublicKey(publicKeyPem), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)),
      );
  });
}

beforeAll(async () => {
  const fd = openSync(file, 'w');
  const chunk = randomBytes(1 << 20);
  for (let i = 0; i < SIZE / chunk.length; i++) {
    chunk.writeUInt32BE(i, 0); // no two MiB alike
    writeSync(fd, chunk);
  }
  closeSync(fd);
  rig = await makeRig();
  keyId = (await kms('create-key', { key_alias: 'file-signer', key_spec: 'RSA_3072', key_usage: 'SIGN_VERIFY' })).key_info.key_id;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('file integrity: sign a large file’s digest, verify it, detect a one-byte change', () => {
  it('signs and verifies the SHA-256 of a 100 MB file; changing one byte fails verification', async () => {
    expect(statSync(file).size).toBe(SIZE);
    const digest = await sha256OfFile(file);
    const signed = await kms('sign', { key_id: keyId, message: digest.toString('base64'), signing_algorithm: 'RSASSA_PSS_SHA_256', message_type: 'DIGEST' });
    const signature = Buffer.from(signed.signature, 'base64');
    const pem = (await kms('get-publickey', { key_id: keyId })).public_key;
    const check = async (d: Buffer) =>
      (await kms('verify', { key_id: keyId, message: d.toString('base64'), signing_algorithm: 'RSASSA_PSS_SHA_256', message_type: 'DIGEST', signature: signed.signature })).signature_valid;

    expect(await check(digest)).toBe('true');
    expect(await nodeVerifiesFile(file, pem, signature)).toBe(true);

    // Change one byte in the middle of the file.
    const fd = openSync(file, 'r+');
    const at = Math.floor(SIZE / 2) + 12345;
    const one = Buffer.alloc(1);
    readSync(fd, one, 0, 1, at);
    one[0] ^= 0x01;
    writeSync(fd, one, 0, 1, at);
    closeSync(fd);

    const changed = await sha256OfFile(file);
    expect(changed.equals(digest)).toBe(false);
    expect(await check(changed)).toBe('false');
    expect(await nodeVerifiesFile(file, pem, signature)).toBe(false);
  });
});
