// rotation_period: `<integer><d|h|m|s>` from 6 hours to 8760 hours, read exactly (docs/csms-api.md).
import { describe, expect, it } from 'vitest';
import { CsmsError } from '../../src/secrets/errors.ts';
import { checkPeriod, periodMs } from '../../src/secrets/rotation-period.ts';

const H = 3_600_000;

describe('rotation_period', () => {
  it('each unit in milliseconds', () => {
    expect(periodMs('1d')).toBe(24 * H);
    expect(periodMs('7h')).toBe(7 * H);
    expect(periodMs('360m')).toBe(6 * H);
    expect(periodMs('21600s')).toBe(6 * H);
    expect(periodMs('99999999s')).toBe(99_999_999_000);
  });

  it('anything else is NaN: no unit, another unit, a leading zero, a sign, spaces, more than 8 digits, text around it', () => {
    for (const bad of ['', '30', 'd', '30w', '030d', '0d', '-1d', '+1d', ' 30d', '30d ', '30 d', '123456789s', 'x30d', '30dx', '30D', '1.5d']) {
      expect(periodMs(bad), JSON.stringify(bad)).toBeNaN();
    }
  });

  it('checkPeriod accepts 6h to 8760h in any unit and refuses one second outside, with CSMS.0002', () => {
    for (const ok of ['6h', '360m', '21600s', '8760h', '365d', '525600m', '31536000s', '30d']) expect(checkPeriod(ok)).toBe(ok);
    for (const bad of ['21599s', '5h', '8761h', '366d', '31536001s', 'soon', '']) {
      const e = (() => {
        try {
          checkPeriod(bad);
        } catch (x) {
          return x as CsmsError;
        }
        throw new Error(`accepted ${bad}`);
      })();
      expect([e.constructor, e.code, e.status, e.message]).toEqual([CsmsError, 'CSMS.0002', 400, 'Invalid rotation_period: must be <number><d|h|m|s> from 6h to 8760h, e.g. "30d".']);
    }
  });
});
