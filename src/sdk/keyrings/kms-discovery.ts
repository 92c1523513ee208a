// KMS discovery keyring (decrypt only): opens messages whose CMK the reader does not know in advance,
// e.g. a service reading objects written by many tenants' keys. The key id comes from the message; nothing
// else does. An EDK is tried only when its URN names a region AND a project on the caller's allow-list,
// and only through the client the caller configured for that region, whose project must be the URN's.
// No endpoint, credential or region is ever taken from a message (Huawei's Java discovery keyring takes
// the endpoint from the message and so sends signed requests wherever a message's author likes).
import { InvalidArgumentError } from '../format/errors.ts';
import type { KmsClient } from '../kms/client.ts';
import type { DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring } from '../materials/types.ts';
import { checkRegion, KMS_PROVIDER_ID, parseKeyUrn } from './kms-key-urn.ts';
import { KmsKeyring } from './kms.ts';

export interface KmsDiscoveryKeyringOptions {
  /** The KMS client of each region the reader trusts, by region label; the only endpoints ever called. */
  clients: Readonly<Record<string, KmsClient>>;
  /** Projects whose keys may be used; required and non-empty (discovery without an allow-list is refused). */
  allowedProjects: readonly string[];
  /** Regions that may be used (default: every region in `clients`). */
  allowedRegions?: readonly string[];
  /** Bound on each KMS call, retries included (default 5 s). */
  callTimeoutMs?: number;
  /** At most this many EDKs are tried per message (default 4), so a hostile message cannot fan out calls. */
  maxAttempts?: number;
  onUnwrapError?: (error: unknown, key: string) => void;
}

export class KmsDiscoveryKeyring implements Keyring {
  private readonly projects: ReadonlySet<string>;
  private readonly regions: ReadonlySet<string>;

  constructor(private readonly options: KmsDiscoveryKeyringOptions) {
    if (!options?.allowedProjects?.length) throw new InvalidArgumentError('a discovery keyring needs a non-empty allowedProjects list');
    const configured = Object.keys(options.clients ?? {});
    if (configured.length === 0) throw new InvalidArgumentError('a discovery keyring needs at least one region client');
    configured.forEach(checkRegion);
    this.projects = new Set(options.allowedProjects);
    const allowed = options.allowedRegions ?? configured;
    for (const r of allowed) if (!configured.includes(r)) throw new InvalidArgumentError(`allowed region ${r} has no configured client`);
    this.regions = new Set(allowed);
  }

  async onEncrypt(_m: EncryptionMaterials): Promise<EncryptionMaterials> {
    throw new InvalidArgumentError('a discovery keyring only decrypts; encrypt with a KMS keyring naming its CMK');
  }

  async onDecrypt(m: DecryptionMaterials, edks: readonly EncryptedDataKey[]): Promise<DecryptionMaterials> {
    let budget = this.options.maxAttempts ?? 4;
    for (const edk of edks) {
      if (m.plaintextDataKey || budget <= 0) break;
      if (edk.providerId !== KMS_PROVIDER_ID) continue;
      const urn = parseKeyUrn(edk.providerInfo);
      if (!urn || !this.regions.has(urn.region) || !this.projects.has(urn.projectId)) continue;
      const client = this.options.clients[urn.region];
      if (client.projectId !== urn.projectId) continue;
      budget--;
      const keyring = new KmsKeyring({ client, keyId: urn.keyId, region: urn.region, callTimeoutMs: this.options.callTimeoutMs ?? 5_000 });
      try {
        m = await keyring.unwrap(m, edk);
      } catch (e) {
        this.options.onUnwrapError?.(e, `${urn.region}/${urn.keyId}`);
      }
    }
    return m;
  }
}
