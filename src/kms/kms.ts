// The KMS: everything an operation needs, wired once per process (or per Worker isolate).
import type { CryptoProvider } from '../crypto/provider.ts';
import type { KeyRecord } from './key-record.ts';
import { SealedStore } from '../store/barrier.ts';
import type { Store } from '../store/store.ts';
import { systemClock, type Clock } from './clock.ts';
import { KeyMaterial } from './material.ts';
import { KeyRepository } from './repository.ts';
import { ConcurrencyLimit } from './work-limit.ts';
import { DEFAULT_SEAL_LIMITS, SealCounter, type SealLimits } from './seal-counter.ts';
import type { RootKey } from './root-key.ts';

export interface KmsLimits {
  /** Customer master keys per project (KMS.1105 beyond it; reported by user-quotas as "CMK"). */
  keysPerProject: number;
  /** Alias entities per project. */
  aliasesPerProject: number;
  /** Grants on one key (KMS.2404 beyond it; reported by user-quotas as "grant_per_CMK"). */
  grantsPerKey: number;
  /** Key pair generations running at once, in all (429 APIGW.0308 beyond it). */
  keyGenerations: number;
  /** Key pair generations running at once for one principal (429 APIGW.0308 beyond it). */
  keyGenerationsPerPrincipal: number;
}

/** Limits in effect: KmsLimits plus the seal counts of symmetric key versions (src/kms/seal-counter.ts). */
export type KmsSettings = KmsLimits & SealLimits;

// Two generations at once leave two of Node's four thread-pool threads to every other request's WebCrypto calls.
export const DEFAULT_LIMITS: KmsSettings = {
  ...DEFAULT_SEAL_LIMITS, keysPerProject: 100_000, aliasesPerProject: 100_000, grantsPerKey: 100,  keyGenerations: 2, keyGenerationsPerPrincipal: 1 };

export interface KmsOptions {
  store: Store;
  rootKey: RootKey;
  /** The deployment's crypto, chosen by its entry point (portableCrypto, or a runtime's native provider). */
  crypto: CryptoProvider;
  /** The account: reported as domain_id. */
  domainId: string;
  /** Reported as realm / region_id. */
  region?: string;
  clock?: Clock;
  limits?: Partial<KmsSettings>;
  /** Told when a rotation triggered by a version's seal count fails (the next seal past the threshold retries). */
  onSealRotationFailure?: (key: KeyRecord, error: unknown) => void;
}

export class Kms {
  /** The store behind the barrier (src/store/barrier.ts): every record MACed under the root key. */
  readonly store: Store;
  readonly repo: KeyRepository;
  readonly material: KeyMaterial;
  readonly clock: Clock;
  readonly domainId: string;
  readonly region: string;
  readonly limits: KmsSettings;
  readonly crypto: CryptoProvider;
  /** Every key pair generation a request asks for runs through this cap. */
  readonly keyGeneration: ConcurrencyLimit;
  /** Seals per symmetric key version; see seal-counter.ts. */
  readonly seals: SealCounter;
  readonly onSealRotationFailure?: (key: KeyRecord, error: unknown) => void;
  private readonly root: RootKey;

  constructor(options: KmsOptions) {
    this.store = SealedStore.over(options.store, options.rootKey.barrierMac);
    this.crypto = options.crypto;
    this.clock = options.clock ?? systemClock;
    this.domainId = options.domainId;
    this.region = options.region ?? 'local-1';
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.seals = new SealCounter(this, this.limits);
    this.onSealRotationFailure = options.onSealRotationFailure;
    this.keyGeneration = new ConcurrencyLimit('key pair generation', this.limits.keyGenerations, this.limits.keyGenerationsPerPrincipal);
    this.root = options.rootKey;
    this.material = new KeyMaterial(options.rootKey);
    this.repo = new KeyRepository(this.store, this.clock, (r) => this.material.forget(r));
  }

  /**
   * Seals a secret that is not key material (an import wrapping key) under the root key. The context
   * names what it is; it starts with "aux" so it can never be confused with sealed key material.
   */
  async sealSecret(secret: Uint8Array, context: readonly string[]): Promise<Uint8Array> {
    return this.root.seal(secret, ['aux', ...context]);
  }

  /** Opens what sealSecret sealed under the same context (throws AuthenticationError otherwise). */
  async openSecret(sealed: Uint8Array, context: readonly string[]): Promise<Uint8Array> {
    return this.root.open(sealed, ['aux', ...context]);
  }
}
