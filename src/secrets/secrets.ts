// The secrets service (CSMS): everything a CSMS operation needs, wired once per process or Worker
// isolate on top of the KMS core, whose CMKs protect every secret value.
import type { Clock } from '../kms/clock.ts';
import type { Kms } from '../kms/kms.ts';
import { EventStore } from './events-store.ts';
import { SecretRepository } from './repository.ts';

export interface SecretsLimits {
  /** Secrets per project (CSMS.0202 beyond it). */
  secretsPerProject: number;
  /** Versions kept per secret: a new version beyond it prunes the oldest versions without a stage. */
  versionsPerSecret: number;
  /** Stage labels per secret, SYSCURRENT and SYSPREVIOUS included (CSMS.0203 beyond it). */
  stagesPerSecret: number;
  /** Bytes of a secret value (secret_string as UTF-8, secret_binary decoded). */
  valueBytes: number;
}

export const DEFAULT_SECRETS_LIMITS: SecretsLimits = {
  secretsPerProject: 200,
  versionsPerSecret: 20,
  stagesPerSecret: 12,
  valueBytes: 32 * 1024,
};

export class Secrets {
  readonly repo: SecretRepository;
  readonly events: EventStore;
  readonly clock: Clock;
  readonly limits: SecretsLimits;

  constructor(
    readonly kms: Kms,
    limits: Partial<SecretsLimits> = {},
  ) {
    this.clock = kms.clock;
    this.limits = { ...DEFAULT_SECRETS_LIMITS, ...limits };
    if (this.limits.stagesPerSecret >= this.limits.versionsPerSecret) {
      // Pruning needs a version without a stage whenever the version limit is reached.
      throw new RangeError('stagesPerSecret must be below versionsPerSecret');
    }
    this.repo = new SecretRepository(kms.store, kms.clock);
    this.events = new EventStore(this);
  }
}
