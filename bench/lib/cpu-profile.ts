// Where a V8 CPU profile (node --cpu-prof) spent its time, as the server bench prints it: per function, its
// self time and its inclusive time (itself and everything it called), each as a share of the time the
// thread was busy (idle samples left out). A function is named by its name, file and line, so the same
// function reached along different call paths counts once, and a recursive one is not counted twice.
// Inclusive time is ranked over the program's own code and its packages' (Node's internals and natives,
// whose call chains would fill the list, show in self time).

/** The parts of a .cpuprofile this reads (Chrome DevTools Protocol `Profiler.Profile`). */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  name: string;
  /** Percent of busy time. */
  percent: number;
}

export interface ProfileSummary {
  /** Sampled time the thread was not idle, in milliseconds. */
  busyMs: number;
  self: ProfileShare[];
  inclusive: ProfileShare[];
}

const IDLE = '(idle)';

/** `node:internal/streams/writable` -> `streams/writable`, `file:///…/dist/index.mjs` -> `dist/index.mjs`. */
const shortFile = (url: string) => url.split('/').slice(-2).join('/');
const nameOf = (f: CpuProfile['nodes'][number]['callFrame']) =>
  f.url ? `${f.functionName || '(anonymous)'} ${shortFile(f.url)}:${f.lineNumber + 1}` : f.functionName || '(anonymous)';

export function summarizeCpuProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Sampled time per node (the delta before a sample is the time it stands for).
  const time = new Map<number, number>();
  profile.samples.forEach((id, i) => time.set(id, (time.get(id) ?? 0) + Math.max(0, profile.timeDeltas[i] ?? 0)));
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const ownCode = new Set<string>();
  let busy = 0;
  for (const [id, t] of time) {
    const leaf = nameOf(byId.get(id)!.callFrame);
    if (leaf === IDLE) continue;
    busy += t;
    self.set(leaf, (self.get(leaf) ?? 0) + t);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      const name = nameOf(f);
      if (f.url.startsWith('file:')) ownCode.add(name);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + t);
    }
  }
  for (const name of [...inclusive.keys()]) if (!ownCode.has(name)) inclusive.delete(name);
  const ranked = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, t]) => ({ name, percent: busy ? (100 * t) / busy : 0 }));
  return { busyMs: busy / 1000, self: ranked(self), inclusive: ranked(inclusive) };
}
