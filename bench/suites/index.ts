// The benchmark suites, in the order they run. Each file owns one area and reports against a reference
// measured in the same run.
import type { BenchSuite } from '../report.ts';
import server from './server.ts';

export const suites: Record<string, BenchSuite> = {
  server,
  wasm: (report) => import('./wasm.ts').then((m) => m.default(report)),
  workerd: (report) => import('./workerd.ts').then((m) => m.default(report)),
  sdk: (report) => import('./sdk.ts').then((m) => m.default(report)),
  'sdk-kms': (report) => import('./sdk-kms.ts').then((m) => m.default(report)),
  isolation: (report) => import('./isolation.ts').then((m) => m.default(report)),
  existence: (report) => import('./existence.ts').then((m) => m.default(report)),
  secrets: (report) => import('./secrets.ts').then((m) => m.default(report)),
  scale: (report) => import('./scale.ts').then((m) => m.default(report)),
};
