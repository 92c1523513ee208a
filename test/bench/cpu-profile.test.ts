import { describe, expect, it } from 'vitest';
import { summarizeCpuProfile, type CpuProfile } from '../../bench/lib/cpu-profile.ts';

const frame = (functionName: string, url = '', lineNumber = -1) => ({ functionName, url, lineNumber });

// (root) -> serve (app.mjs:10) -> verify (app.mjs:20) -> hmac (node:crypto:5)
//                             -> verify again, recursively, through a helper (app.mjs:30)
//        -> (idle)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 6] },
    { id: 2, callFrame: frame('serve', 'file:///x/.cache/tsrun/app.mjs', 9), children: [3, 5] },
    { id: 3, callFrame: frame('verify', 'file:///x/.cache/tsrun/app.mjs', 19), children: [4, 7] },
    { id: 4, callFrame: frame('hmac', 'node:crypto', 4) },
    { id: 5, callFrame: frame('', 'file:///x/.cache/tsrun/app.mjs', 29) },
    { id: 6, callFrame: frame('(idle)') },
    { id: 7, callFrame: frame('verify', 'file:///x/.cache/tsrun/app.mjs', 19) },
  ],
  // The first delta belongs to the first sample: 100 us serve, 300 us hmac, 200 us the inner verify,
  // 400 us the helper, and 1000 us idle that must not count.
  samples: [2, 4, 4, 7, 5, 6],
  timeDeltas: [100, 150, 150, 200, 400, 1000],
};

describe('CPU profile summary (the server bench prints it with BENCH_CPU_PROF)', () => {
  const s = summarizeCpuProfile(profile);

  it('measures busy time without the idle samples', () => {
    expect(s.busyMs).toBeCloseTo(1.0, 10);
  });

  it('ranks self time per function, as a share of busy time', () => {
    expect(s.self).toEqual([
      { name: '(anonymous) tsrun/app.mjs:30', percent: 40 },
      { name: 'hmac node:crypto:5', percent: 30 },
      { name: 'verify tsrun/app.mjs:20', percent: 20 },
      { name: 'serve tsrun/app.mjs:10', percent: 10 },
    ]);
  });

  it('counts inclusive time once per sample even through recursion, for the program’s own functions', () => {
    expect(Object.fromEntries(s.inclusive.map((r) => [r.name, r.percent]))).toEqual({
      'serve tsrun/app.mjs:10': 100,
      'verify tsrun/app.mjs:20': 50, // its own 200 us (nested verify counted once) and hmac's 300 us
      '(anonymous) tsrun/app.mjs:30': 40,
    });
  });

  it('keeps the top N', () => {
    expect(summarizeCpuProfile(profile, 2).self.map((r) => r.name)).toEqual(['(anonymous) tsrun/app.mjs:30', 'hmac node:crypto:5']);
  });
});
