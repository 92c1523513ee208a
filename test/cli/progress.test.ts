// The progress line of encrypt-file / decrypt-file: bytes done, of the total, bytes/s and an ETA.
import { describe, expect, it } from 'vitest';
import { formatBytes, progressLine } from '../../src/cli/progress.ts';

describe('progress line', () => {
  it('formats sizes in binary units', () => {
    expect([formatBytes(0), formatBytes(1023), formatBytes(1024), formatBytes(1536 * 1024), formatBytes(200 * 1024 ** 3)]).toEqual(['0 B', '1023 B', '1.0 KiB', '1.5 MiB', '200.0 GiB']);
  });

  it('shows done of total, the rate, and the time left at that rate', () => {
    // 50 MiB of 200 MiB in 2 s: 25 MiB/s, 150 MiB left = 6 s.
    expect(progressLine(50 * 2 ** 20, 200 * 2 ** 20, 2000, 8)).toBe('[##------] 50.0 MiB / 200.0 MiB  25.0 MiB/s  ETA 6s');
    expect(progressLine(200 * 2 ** 20, 200 * 2 ** 20, 8000, 8)).toBe('[########] 200.0 MiB / 200.0 MiB  25.0 MiB/s  ETA 0s');
    // 1 MiB of 1 GiB at 1 KiB/s: minutes and hours.
    expect(progressLine(2 ** 20, 2 ** 30, 1024 * 1000, 4)).toMatch(/ETA 290h\d\dm$/);
    expect(progressLine(0, 100, 0, 4)).toBe('[----] 0 B / 100 B  0 B/s  ETA ?');
  });

  it('without a total (stdin) shows bytes and rate only', () => {
    expect(progressLine(3 * 2 ** 20, undefined, 1000)).toBe('3.0 MiB  3.0 MiB/s');
  });
});
