// Multi-region keyring, for disaster recovery: one data key wrapped under a CMK in each of several regions,
// so a message stays readable while any one of them is up.
//
// Encrypt: the first region (in the configured order) generates the data key with create-datakey; every
// other region wraps that key with encrypt-datakey, in parallel. By default every region must wrap or the
// encryption fails (fail closed: a message silently missing its DR copy would be found out only in the
// disaster). A caller may allow partial wrapping (at least N regions); then the next region generates if
// the first is down, and the report (`onWrapReport`, and the message's keyring trace) says which regions
// wrapped and which failed, and why.
//
// Decrypt: regions are tried in the configured order of preference (put the local one first), each with
// a per-call timeout, and each only for the EDKs whose URN names its own CMK; a region that is down or
// slow costs at most its timeout and the next one is tried.
import { wipe } from '../../crypto/bytes.ts';
import { InvalidArgumentError } from '../format/errors.ts';
import type { KmsClient } from '../kms/client.ts';
import { withEncryptedDataKey } from '../materials/materials.ts';
import type { DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring } from '../materials/types.ts';
import { KmsKeyring } from './kms.ts';

export interface RegionKey {
  /** Region label stored in the EDK (e.g. `cn-north-4`). */
  region: string;
  /** The KMS of that region. */
  client: KmsClient;
  /** The CMK in that region (key id or alias). */
  keyId: string;
  /** `AES_256` or `SM4` when known (saves a describe-key before the first wrap). */
  keySpec?: string;
}

export interface WrapReport {
  /** Regions whose CMK wrapped the data key, the generator first. */
  readonly wrapped: readonly string[];
  readonly failed: readonly { readonly region: string; readonly error: unknown }[];
}

export interface MultiRegionKeyringOptions {
  /** In order of preference: the first generates on encrypt and is tried first on decrypt. */
  regions: readonly RegionKey[];
  /** `false` (default): every region must wrap. `true`: at least one. A number: at least that many. */
  allowPartialWrap?: boolean | number;
  /** Bound on each KMS call, retries included (default 5 s). */
  callTimeoutMs?: number;
  /** Told after each successful encryption which regions wrapped and which failed. */
  onWrapReport?: (report: WrapReport) => void;
  /** Told why a region could not unwrap on decrypt (the next region is tried). */
  onUnwrapError?: (error: unknown, region: string) => void;
}

/** Encryption refused: fewer regions wrapped the data key than the policy requires. */
export class MultiRegionWrapError extends Error {
  override name = 'MultiRegionWrapError';
  readonly code = 'MULTI_REGION_WRAP';
  constructor(
    readonly report: WrapReport,
    readonly required: number,
  ) {
    super(
      `only ${report.wrapped.length} of ${report.wrapped.length + report.failed.length} regions wrapped the data key (${required} required); failed: ` +
        report.failed.map((f) => `${f.region} (${(f.error as Error)?.message ?? f.error})`).join(', '),
    );
  }
}

export class MultiRegionKeyring implements Keyring {
  private readonly keyrings: readonly KmsKeyring[];
  private readonly required: number;

  constructor(private readonly options: MultiRegionKeyringOptions) {
    const regions = options?.regions ?? [];
    if (regions.length === 0) throw new InvalidArgumentError('a multi-region keyring needs at least one region');
    const names = new Set(regions.map((r) => r.region));
    if (names.size !== regions.length) throw new InvalidArgumentError('each region may appear once');
    const p = options.allowPartialWrap ?? false;
    this.required = p === false ? regions.length : p === true ? 1 : p;
    if (!Number.isInteger(this.required) || this.required < 1 || this.required > regions.length) {
      throw new InvalidArgumentError(`allowPartialWrap must be a boolean or an integer from 1 to ${regions.length}`);
    }
    const callTimeoutMs = options.callTimeoutMs ?? 5_000;
    this.keyrings = regions.map(
      (r) =>
        new KmsKeyring({
          client: r.client,
          keyId: r.keyId,
          region: r.region,
          keySpec: r.keySpec,
          callTimeoutMs,
          onUnwrapError: options.onUnwrapError && ((e) => options.onUnwrapError!(e, r.region)),
        }),
    );
  }

  async onEncrypt(m: EncryptionMaterials): Promise<EncryptionMaterials> {
    const wrapped: string[] = [];
    const failed: { region: string; error: unknown }[] = [];
    const refuse = (materials: EncryptionMaterials, generated: boolean): never => {
      if (generated) wipe(materials.plaintextDataKey);
      throw new MultiRegionWrapError({ wrapped, failed }, this.required);
    };
    let mat = m;
    let rest = this.keyrings;
    const generated = !m.plaintextDataKey;
    if (generated) {
      // Only as many candidates as the policy can afford to lose: fail closed means the first one only.
      const candidates = this.keyrings.length - this.required + 1;
      for (let i = 0; i < candidates && !mat.plaintextDataKey; i++) {
        try {
          mat = await this.keyrings[i].onEncrypt(mat);
          wrapped.push(this.keyrings[i].region);
          rest = this.keyrings.filter((_, j) => j !== i);
        } catch (error) {
          failed.push({ region: this.keyrings[i].region, error });
        }
      }
      if (!mat.plaintextDataKey) {
        failed.push(...this.keyrings.slice(candidates).map((k) => ({ region: k.region, error: new Error('not tried: too many regions failed') })));
        refuse(mat, false);
      }
      rest = rest.filter((k) => !failed.some((f) => f.region === k.region));
    }
    const base = mat;
    const results = await Promise.allSettled(rest.map((k) => k.onEncrypt(base)));
    results.forEach((r, i) => {
      const region = rest[i].region;
      if (r.status === 'rejected') return failed.push({ region, error: r.reason });
      const edk = r.value.encryptedDataKeys[r.value.encryptedDataKeys.length - 1];
      mat = withEncryptedDataKey(mat, edk, r.value.trace[r.value.trace.length - 1]);
      wrapped.push(region);
    });
    if (wrapped.length < this.required) refuse(mat, generated);
    this.options.onWrapReport?.({ wrapped, failed });
    return mat;
  }

  async onDecrypt(m: DecryptionMaterials, edks: readonly EncryptedDataKey[]): Promise<DecryptionMaterials> {
    for (const k of this.keyrings) {
      if (m.plaintextDataKey) break;
      m = await k.onDecrypt(m, edks);
    }
    return m;
  }
}
