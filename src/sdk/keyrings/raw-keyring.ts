// What the raw keyrings (a wrapping key held by the application) share: one named key, generation of
// the data key when the keyring is the first one, and on decrypt only the EDKs carrying exactly this
// keyring's namespace and key name are tried (no trial decryption across unrelated EDKs).
import { constantTimeEqual, randomBytes, utf8 } from '../../crypto/bytes.ts';
import { InvalidArgumentError } from '../format/errors.ts';
import type { EncryptionContext } from '../format/context.ts';
import { withDecryptedDataKey, withEncryptedDataKey, withGeneratedDataKey } from '../materials/materials.ts';
import type { DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring } from '../materials/types.ts';

/** Provider ids that belong to KMS keyrings; a raw keyring may not pose as one. */
export const RESERVED_PROVIDER_PREFIXES = ['huawei-kms', 'edgekms-kms', 'aws-kms'] as const;

export interface RawKeyName {
  /** The EDK provider id: names the key store or application that holds the wrapping key. */
  readonly keyNamespace: string;
  /** The wrapping key's name within the namespace (stored in the EDK, so rotate by adding a new name). */
  readonly keyName: string;
}

export abstract class RawKeyring implements Keyring {
  protected readonly namespace: string;
  protected readonly name: string;
  private readonly nameBytes: Uint8Array;

  constructor(id: RawKeyName) {
    if (typeof id.keyNamespace !== 'string' || !id.keyNamespace) throw new InvalidArgumentError('keyNamespace must be a non-empty string');
    if (typeof id.keyName !== 'string' || !id.keyName) throw new InvalidArgumentError('keyName must be a non-empty string');
    if (RESERVED_PROVIDER_PREFIXES.some((p) => id.keyNamespace.startsWith(p))) {
      throw new InvalidArgumentError(`keyNamespace "${id.keyNamespace}" is reserved for KMS keyrings`);
    }
    this.namespace = id.keyNamespace;
    this.name = id.keyName;
    this.nameBytes = utf8(id.keyName);
  }

  /** Encrypts the data key; `context` is the message's stored encryption context. */
  protected abstract wrap(dataKey: Uint8Array, context: EncryptionContext): Promise<Uint8Array>;
  /** Recovers the data key, or throws if this EDK does not open under the keyring's key. */
  protected abstract unwrap(ciphertext: Uint8Array, context: EncryptionContext, dataKeyBytes: number): Promise<Uint8Array>;
  /** Whether the keyring can encrypt / decrypt at all (public-key-only keyrings cannot decrypt). */
  protected abstract readonly canWrap: boolean;
  protected abstract readonly canUnwrap: boolean;

  async onEncrypt(m: EncryptionMaterials): Promise<EncryptionMaterials> {
    if (!this.canWrap) throw new InvalidArgumentError(`keyring ${this.namespace}/${this.name} has no key to encrypt with`);
    const trace = (action: 'generated' | 'encrypted') => ({ providerId: this.namespace, key: this.name, action });
    if (!m.plaintextDataKey) {
      const dataKey = randomBytes(m.suite.dataKeyBytes);
      const edk = this.edk(await this.wrap(dataKey, m.encryptionContext));
      return withEncryptedDataKey(withGeneratedDataKey(m, dataKey, undefined, trace('generated')), edk, trace('encrypted'));
    }
    return withEncryptedDataKey(m, this.edk(await this.wrap(m.plaintextDataKey, m.encryptionContext)), trace('encrypted'));
  }

  async onDecrypt(m: DecryptionMaterials, edks: readonly EncryptedDataKey[]): Promise<DecryptionMaterials> {
    if (m.plaintextDataKey || !this.canUnwrap) return m;
    for (const edk of edks) {
      if (edk.providerId !== this.namespace || !constantTimeEqual(edk.providerInfo, this.nameBytes)) continue;
      let dataKey: Uint8Array;
      try {
        dataKey = await this.unwrap(edk.ciphertext, m.encryptionContext, m.suite.dataKeyBytes);
      } catch {
        continue; // not ours after all, or modified: the next matching EDK may still open
      }
      if (dataKey.length !== m.suite.dataKeyBytes) continue;
      return withDecryptedDataKey(m, dataKey, { providerId: this.namespace, key: this.name, action: 'decrypted' });
    }
    return m;
  }

  private edk(ciphertext: Uint8Array): EncryptedDataKey {
    return Object.freeze({ providerId: this.namespace, providerInfo: this.nameBytes.slice(), ciphertext });
  }
}
