// Read-only support for files made by Huawei's Go envelope-encryption example: a data key from KMS
// create-datakey (its `plain_text`, hex), and the whole file encrypted as ONE AES-GCM message with a
// 12-byte nonce and caller-chosen associated data:
//
//   file = nonce (12) ‖ ciphertext ‖ tag (16)        (Go's gcm.Seal(nonce, nonce, plaintext, aad))
//   or     ciphertext ‖ tag (16)                      when the nonce is kept elsewhere (pass `nonce`)
//
// It streams through the WASM core's incremental GCM with bounded memory. The catch of a single GCM
// message: no byte of its plaintext is authentic until the final tag verifies, at the very end. So:
// - by default the stream holds the plaintext back until the tag verifies, up to `maxBufferedBytes`
//   (16 MiB), and refuses larger files;
// - `releaseUnverified: true` streams plaintext as it is decrypted; the stream then errors at the end if
//   the tag fails, and everything already read MUST be discarded. The Node file helper
//   (src/runtime/sdk-node.ts) does exactly that: temp file, rename only after the tag verifies.
import { aesGcmDecryptor } from '../../crypto/aes-gcm-stream.ts';
import { fromHex } from '../../crypto/encoding.ts';
import { LegacyFormatError } from './errors.ts';

export const GO_ENVELOPE_NONCE_BYTES = 12;
const TAG = 16;

export interface GoEnvelopeOptions {
  /** The data key: bytes, or the hex `plain_text` that create-datakey returned. 32 bytes (AES-256) or 16. */
  dataKey: Uint8Array | string;
  /** The associated data the file was sealed with (default none). */
  aad?: Uint8Array;
  /** The nonce, when it is not the first 12 bytes of the file. */
  nonce?: Uint8Array;
  /** Stream plaintext before the tag is verified (the caller discards it on error). Default false. */
  releaseUnverified?: boolean;
  /** Without releaseUnverified: the most plaintext held back waiting for the tag (default 16 MiB). */
  maxBufferedBytes?: number;
}

function keyOf(k: Uint8Array | string): Uint8Array {
  let key: Uint8Array;
  try {
    key = typeof k === 'string' ? fromHex(k) : new Uint8Array(k); // a copy (Buffer.slice would be a view): wiped when done
  } catch {
    throw new LegacyFormatError('LEGACY_INVALID_ARGUMENT', 'dataKey is not valid hex');
  }
  if (key.length !== 32 && key.length !== 16) throw new LegacyFormatError('LEGACY_INVALID_ARGUMENT', 'dataKey must be 16 or 32 bytes');
  return key;
}

/** Decrypts a Go envelope file; see the module comment for when plaintext is released. */
export function decryptGoEnvelopeStream(input: ReadableStream<Uint8Array>, options: GoEnvelopeOptions): ReadableStream<Uint8Array> {
  const key = keyOf(options.dataKey);
  if (options.nonce && options.nonce.length !== GO_ENVELOPE_NONCE_BYTES) throw new LegacyFormatError('LEGACY_INVALID_ARGUMENT', 'nonce must be 12 bytes');
  const release = options.releaseUnverified === true;
  const maxBuffered = options.maxBufferedBytes ?? 16 << 20;
  const reader = input.getReader();
  let nonce = options.nonce ? new Uint8Array(options.nonce) : undefined;
  let pending = new Uint8Array(0); // bytes not yet decrypted: the last 16 may be the tag
  let decryptor: ReturnType<typeof aesGcmDecryptor> | undefined;
  const held: Uint8Array[] = [];
  let heldBytes = 0;

  const wipeAll = () => {
    for (const h of held) h.fill(0);
    held.length = 0;
    key.fill(0);
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            if (!(value instanceof Uint8Array)) throw new LegacyFormatError('LEGACY_INVALID_ARGUMENT', 'stream chunks must be Uint8Array');
            const all = new Uint8Array(pending.length + value.length);
            all.set(pending);
            all.set(value, pending.length);
            pending = all;
            if (!nonce) {
              if (pending.length < GO_ENVELOPE_NONCE_BYTES) continue;
              nonce = pending.slice(0, GO_ENVELOPE_NONCE_BYTES);
              pending = pending.subarray(GO_ENVELOPE_NONCE_BYTES);
            }
            if (pending.length <= TAG) continue;
            decryptor ??= aesGcmDecryptor(key, nonce, options.aad);
            const out = decryptor.update(pending.subarray(0, pending.length - TAG));
            pending = pending.slice(pending.length - TAG);
            if (release) {
              controller.enqueue(out);
              return;
            }
            heldBytes += out.length;
            held.push(out);
            if (heldBytes > maxBuffered) {
              throw new LegacyFormatError('LEGACY_LIMIT', `more than ${maxBuffered} bytes of unverified plaintext; use releaseUnverified with a temporary destination (the file helper)`);
            }
          }
          if (!nonce || pending.length < TAG) throw new LegacyFormatError('LEGACY_BAD_FORMAT', 'Go envelope file is shorter than its nonce and tag');
          decryptor ??= aesGcmDecryptor(key, nonce, options.aad);
          const d = decryptor;
          decryptor = undefined;
          try {
            d.final(pending);
          } catch {
            throw new LegacyFormatError('LEGACY_AUTH', 'Go envelope file: the tag does not verify (wrong key, nonce or AAD, or modified data); discard any output');
          }
          for (const h of held) controller.enqueue(h);
          held.length = 0;
          key.fill(0);
          controller.close();
        } catch (e) {
          decryptor?.free();
          wipeAll();
          await reader.cancel(e).catch(() => {});
          throw e;
        }
      },
      async cancel(reason) {
        decryptor?.free();
        wipeAll();
        await reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}
