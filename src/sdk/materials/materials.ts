// Building materials: the only way keyrings should make new EncryptionMaterials / DecryptionMaterials, so
// the invariants hold everywhere (the data key has the suite's length and is set once; EDK fields fit the
// header's u16 lengths).
import { utf8 } from '../../crypto/bytes.ts';
import { InvalidArgumentError, NoDataKeyError } from '../format/errors.ts';
import type { EncryptionContext } from '../format/context.ts';
import type { AlgorithmSuite } from '../format/suites.ts';
import type {
  DecryptionMaterials,
  DecryptionRequest,
  EncryptedDataKey,
  EncryptionMaterials,
  EncryptionRequest,
  Keyring,
  KeyringTraceEntry,
  MaterialsManager,
} from './types.ts';

/** Throws unless the EDK can be stored in a header. */
export function checkEncryptedDataKey(edk: EncryptedDataKey): void {
  if (typeof edk.providerId !== 'string' || edk.providerId.length === 0) throw new InvalidArgumentError('EDK providerId must be a non-empty string');
  if (utf8(edk.providerId).length > 0xffff) throw new InvalidArgumentError('EDK providerId is longer than 65535 bytes');
  if (!(edk.providerInfo instanceof Uint8Array) || edk.providerInfo.length > 0xffff) throw new InvalidArgumentError('EDK providerInfo must be at most 65535 bytes');
  if (!(edk.ciphertext instanceof Uint8Array) || edk.ciphertext.length > 0xffff) throw new InvalidArgumentError('EDK ciphertext must be at most 65535 bytes');
}

function checkDataKey(suite: AlgorithmSuite, key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== suite.dataKeyBytes) {
    throw new InvalidArgumentError(`data key for ${suite.name} must be ${suite.dataKeyBytes} bytes`);
  }
}

export function newEncryptionMaterials(suite: AlgorithmSuite, encryptionContext: EncryptionContext): EncryptionMaterials {
  return Object.freeze({ suite, encryptionContext, encryptedDataKeys: [], trace: [] });
}

export function newDecryptionMaterials(suite: AlgorithmSuite, encryptionContext: EncryptionContext): DecryptionMaterials {
  return Object.freeze({ suite, encryptionContext, trace: [] });
}

/** A generator's result: the new data key and (optionally) its own wrapping of it. */
export function withGeneratedDataKey(
  m: EncryptionMaterials,
  dataKey: Uint8Array,
  edk: EncryptedDataKey | undefined,
  trace: KeyringTraceEntry,
): EncryptionMaterials {
  if (m.plaintextDataKey) throw new InvalidArgumentError('materials already hold a data key');
  checkDataKey(m.suite, dataKey);
  if (edk) checkEncryptedDataKey(edk);
  return Object.freeze({
    ...m,
    plaintextDataKey: dataKey,
    encryptedDataKeys: edk ? [...m.encryptedDataKeys, edk] : m.encryptedDataKeys,
    trace: [...m.trace, trace],
  });
}

/** Another keyring's wrapping of the existing data key. */
export function withEncryptedDataKey(m: EncryptionMaterials, edk: EncryptedDataKey, trace: KeyringTraceEntry): EncryptionMaterials {
  if (!m.plaintextDataKey) throw new InvalidArgumentError('no data key to wrap: the first keyring must generate one');
  checkEncryptedDataKey(edk);
  return Object.freeze({ ...m, encryptedDataKeys: [...m.encryptedDataKeys, edk], trace: [...m.trace, trace] });
}

export function withDecryptedDataKey(m: DecryptionMaterials, dataKey: Uint8Array, trace: KeyringTraceEntry): DecryptionMaterials {
  if (m.plaintextDataKey) throw new InvalidArgumentError('materials already hold a data key');
  checkDataKey(m.suite, dataKey);
  return Object.freeze({ ...m, plaintextDataKey: dataKey, trace: [...m.trace, trace] });
}

/** The plain materials manager: one keyring, a fresh data key per message, no policy. */
export class KeyringMaterialsManager implements MaterialsManager {
  constructor(private readonly keyring: Keyring) {}

  async getEncryptionMaterials(request: EncryptionRequest): Promise<EncryptionMaterials> {
    const m = await this.keyring.onEncrypt(newEncryptionMaterials(request.suite, request.encryptionContext));
    if (!m.plaintextDataKey) throw new InvalidArgumentError('the keyring returned no data key (is a generator keyring configured?)');
    if (m.encryptedDataKeys.length === 0) throw new InvalidArgumentError('the keyring wrapped the data key under no key');
    return m;
  }

  async decryptMaterials(request: DecryptionRequest): Promise<DecryptionMaterials> {
    const m = await this.keyring.onDecrypt(newDecryptionMaterials(request.suite, request.encryptionContext), request.encryptedDataKeys);
    if (!m.plaintextDataKey) throw new NoDataKeyError();
    return m;
  }
}
