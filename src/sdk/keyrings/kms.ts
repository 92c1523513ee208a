// KMS keyring: data keys protected by a CMK in a KMS (edgekms or Huawei Cloud DEW).
//
//   generate:  create-datakey            -> the data key (hex) and its wrapping under the CMK (hex)
//   wrap:      encrypt-datakey           plain_text = hex(key ‖ SHA-256(key)), SM3 for an SM4 CMK, as the API asks
//   unwrap:    decrypt-datakey           only for EDKs whose URN names this keyring's region, project and key
//
// The message's encryption context goes to the KMS as `additional_authenticated_data`, so a wrapped key
// opens only for its own context. The API bounds that field to 128 bytes, so what travels is the
// lowercase hex SHA-256 of the canonical context encoding (64 characters): the KMS binds the digest, and
// ENV1 binds the context itself through its key schedule.
import { sha256 } from '@noble/hashes/sha2.js';
import { concat } from '../../crypto/bytes.ts';
import { fromHex, toHex } from '../../crypto/encoding.ts';
import { sm3 } from '../../crypto/sm3.ts';
import { encodeContext, type EncryptionContext } from '../format/context.ts';
import { InvalidArgumentError } from '../format/errors.ts';
import type { KmsClient } from '../kms/client.ts';
import { withDecryptedDataKey, withEncryptedDataKey, withGeneratedDataKey } from '../materials/materials.ts';
import type { DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring } from '../materials/types.ts';
import { checkRegion, formatKeyUrn, isKeyId, KMS_PROVIDER_ID, parseKeyUrn, urnText } from './kms-key-urn.ts';

export interface KmsKeyringOptions {
  /** The KMS of this region (its endpoint, project and credentials). */
  client: KmsClient;
  /** The CMK: a key id, or an alias (resolved once with describe-key, since EDKs name key ids). */
  keyId: string;
  /** The region label written into EDKs, e.g. `cn-north-4`; a reader maps it to its own endpoint. */
  region: string;
  /** `AES_256` or `SM4`, to skip the describe-key that wrapping an existing data key otherwise needs. */
  keySpec?: string;
  /** Bound on each KMS call, retries included (default: the client's own bounds). */
  callTimeoutMs?: number;
  /** Told why an EDK that matched did not open (region down, key disabled, ...); decryption carries on. */
  onUnwrapError?: (error: unknown, key: string) => void;
}

/** The AAD a KMS keyring sends for a context: lowercase hex SHA-256 of its canonical encoding. */
export function kmsContextAad(context: EncryptionContext): string {
  return toHex(sha256(encodeContext(context)), false);
}

export class KmsKeyring implements Keyring {
  readonly region: string;
  readonly client: KmsClient;
  private readonly options: KmsKeyringOptions;
  private described?: Promise<{ keyId: string; keySpec: string }>;

  constructor(options: KmsKeyringOptions) {
    if (!options?.client) throw new InvalidArgumentError('a KMS keyring needs a client');
    if (typeof options.keyId !== 'string' || !options.keyId) throw new InvalidArgumentError('a KMS keyring needs a keyId');
    this.region = checkRegion(options.region);
    this.client = options.client;
    this.options = { ...options };
  }

  /** The configured key as `region/key`, for traces and errors. */
  get name(): string {
    return `${this.region}/${this.options.keyId}`;
  }

  private signal(): AbortSignal | undefined {
    return this.options.callTimeoutMs ? AbortSignal.timeout(this.options.callTimeoutMs) : undefined;
  }

  private describe(): Promise<{ keyId: string; keySpec: string }> {
    this.described ??= this.client.describeKey({ key_id: this.options.keyId }, { signal: this.signal() }).then(
      ({ key_info }) => ({ keyId: key_info.key_id, keySpec: key_info.key_spec }),
      (e) => {
        this.described = undefined;
        throw e;
      },
    );
    return this.described;
  }

  private async resolvedKeyId(): Promise<string> {
    return isKeyId(this.options.keyId) ? this.options.keyId : (await this.describe()).keyId;
  }

  /** The key the KMS says it used must be the configured one (an alias may resolve to any key id). */
  private checkAnswerKey(keyId: string): string {
    if (typeof keyId !== 'string' || !isKeyId(keyId) || (isKeyId(this.options.keyId) && keyId !== this.options.keyId)) {
      throw new InvalidArgumentError(`the KMS answered for key ${String(keyId).slice(0, 64)}, not ${this.options.keyId}`);
    }
    return keyId;
  }

  private edk(keyId: string, cipherHex: string): EncryptedDataKey {
    const providerInfo = formatKeyUrn({ region: this.region, projectId: this.client.projectId, keyId });
    return Object.freeze({ providerId: KMS_PROVIDER_ID, providerInfo, ciphertext: fromHex(cipherHex) });
  }

  private trace(keyId: string, action: 'generated' | 'encrypted' | 'decrypted') {
    return { providerId: KMS_PROVIDER_ID, key: urnText({ region: this.region, projectId: this.client.projectId, keyId }), action };
  }

  async onEncrypt(m: EncryptionMaterials): Promise<EncryptionMaterials> {
    const aad = kmsContextAad(m.encryptionContext);
    if (!m.plaintextDataKey) {
      const r = await this.client.createDatakey(
        { key_id: this.options.keyId, datakey_length: String(m.suite.dataKeyBytes * 8), additional_authenticated_data: aad },
        { signal: this.signal() },
      );
      const keyId = this.checkAnswerKey(r.key_id);
      const dataKey = fromHex(r.plain_text);
      return withGeneratedDataKey(m, dataKey, this.edk(keyId, r.cipher_text), this.trace(keyId, 'generated'));
    }
    const key = m.plaintextDataKey;
    const spec = this.options.keySpec ?? (await this.describe()).keySpec;
    const digest = spec === 'SM4' ? sm3(key) : sha256(key);
    const r = await this.client.encryptDatakey(
      { key_id: this.options.keyId, plain_text: toHex(concat(key, digest), false), datakey_plain_length: String(key.length), additional_authenticated_data: aad },
      { signal: this.signal() },
    );
    const keyId = this.checkAnswerKey(r.key_id);
    return withEncryptedDataKey(m, this.edk(keyId, r.cipher_text), this.trace(keyId, 'encrypted'));
  }

  /** The EDKs of `edks` that name exactly this keyring's region, project and key. */
  async matching(edks: readonly EncryptedDataKey[]): Promise<EncryptedDataKey[]> {
    const candidates = edks.filter((e) => e.providerId === KMS_PROVIDER_ID);
    if (candidates.length === 0) return [];
    const keyId = await this.resolvedKeyId();
    return candidates.filter((e) => {
      const u = parseKeyUrn(e.providerInfo);
      return u !== undefined && u.region === this.region && u.projectId === this.client.projectId && u.keyId === keyId;
    });
  }

  /** Unwraps one EDK (already matched); throws what the KMS answered. */
  async unwrap(m: DecryptionMaterials, edk: EncryptedDataKey): Promise<DecryptionMaterials> {
    const keyId = parseKeyUrn(edk.providerInfo)!.keyId;
    const r = await this.client.decryptDatakey(
      {
        key_id: keyId,
        cipher_text: toHex(edk.ciphertext, false),
        datakey_cipher_length: String(m.suite.dataKeyBytes),
        additional_authenticated_data: kmsContextAad(m.encryptionContext),
      },
      { signal: this.signal() },
    );
    const dataKey = fromHex(r.data_key);
    if (dataKey.length !== m.suite.dataKeyBytes) throw new InvalidArgumentError(`the KMS returned a ${dataKey.length}-byte data key`);
    return withDecryptedDataKey(m, dataKey, this.trace(keyId, 'decrypted'));
  }

  async onDecrypt(m: DecryptionMaterials, edks: readonly EncryptedDataKey[]): Promise<DecryptionMaterials> {
    if (m.plaintextDataKey) return m;
    let matching: EncryptedDataKey[];
    try {
      matching = await this.matching(edks);
    } catch (e) {
      this.options.onUnwrapError?.(e, this.name); // the KMS could not even resolve the alias
      return m;
    }
    for (const edk of matching) {
      try {
        return await this.unwrap(m, edk);
      } catch (e) {
        // A region down, a disabled key, a modified EDK: the next matching EDK may still open.
        this.options.onUnwrapError?.(e, this.name);
      }
    }
    return m;
  }
}
