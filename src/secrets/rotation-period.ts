// rotation_period: `<integer><unit>` with unit d, h, m or s, from 6 hours to 8760 hours (docs/csms-api.md).
import { invalidParameter } from './errors.ts';

const PERIOD = /^([1-9][0-9]{0,7})([dhms])$/;
const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
const MIN_MS = 6 * 3_600_000;
const MAX_MS = 8760 * 3_600_000;

export function periodMs(period: string): number {
  const m = PERIOD.exec(period);
  return m ? Number(m[1]) * UNIT_MS[m[2]] : NaN;
}

/** Checks a rotation_period and returns it. */
export function checkPeriod(period: string): string {
  const ms = periodMs(period);
  if (!(ms >= MIN_MS && ms <= MAX_MS)) throw invalidParameter('rotation_period', 'must be <number><d|h|m|s> from 6h to 8760h, e.g. "30d"');
  return period;
}
