// Unwraps the "huawei-kms" data keys of Huawei Encryption SDK (Java) messages through a KMS (edgekms or
// Huawei DEW): the EDK is the hex-decoded `cipher_text` of encrypt-datakey, opened with decrypt-datakey.
// Only the caller's allow-listed key ids are used and only the caller's client (its endpoint and
// credentials) is called: the message's discovery info (key id, region, project, endpoint) is never
// followed, unlike the Java SDK's discovery keyring.
import { fromHex, toHex } from '../../crypto/encoding.ts';
import type { KmsClient } from '../kms/client.ts';
import { HUAWEI_ALGORITHMS, type HuaweiDataKeyUnwrapper } from './huawei-java.ts';

export interface HuaweiKmsUnwrapOptions {
  client: KmsClient;
  /** The CMK ids to try, in order of preference. */
  keyIds: readonly string[];
}

export function huaweiKmsUnwrapper(options: HuaweiKmsUnwrapOptions): HuaweiDataKeyUnwrapper {
  return async (edks, header) => {
    const keyBytes = HUAWEI_ALGORITHMS[header.algorithm].keyBytes;
    for (const edk of edks) {
      if (edk.providerId !== 'huawei-kms') continue;
      for (const keyId of options.keyIds) {
        try {
          const r = await options.client.decryptDatakey({
            key_id: keyId,
            cipher_text: toHex(edk.ciphertext),
            datakey_cipher_length: String(keyBytes),
          });
          const key = fromHex(r.data_key);
          if (key.length === keyBytes) return key;
        } catch {
          // another CMK's EDK, or the KMS refused: try the next pair
        }
      }
    }
    return undefined;
  };
}
