// The `edgekms` command's entry point (bin/edgekms.mjs runs it; docs/cli.md describes it).
import { report, run } from './run.ts';
import { KEEP_RUNNING } from './serve.ts';

run(process.argv.slice(2)).then(
  (code) => {
    if (code !== KEEP_RUNNING) process.exitCode = code;
  },
  (e) => {
    process.exitCode = report(e);
  },
);
