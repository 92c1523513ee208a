// `npm start`'s own entry point (bundled) as a child process in a fresh data directory, for suites that
// measure the server as users run it (audit log, limits and maintenance included).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error plain ESM helper without types
import { bundle } from '../../scripts/bundle.mjs';

export interface NpmStart {
  url: string;
  hostname: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * `env`: more variables (the admin credential, limits); `users`: users.json's entries; `dir`: a data
 * directory prepared beforehand instead of a fresh one. stop() removes the directory either way.
 */
export async function startNpmStart(env: Record<string, string>, users: object[] = [], dir = mkdtempSync(join(tmpdir(), 'edgekms-bench-npm-start-'))): Promise<NpmStart> {
  const script = await bundle('src/runtime/node.ts', 'bench-npm-start.mjs');
  if (users.length) writeFileSync(join(dir, 'users.json'), JSON.stringify(users));
  // BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops, as in the server suite.
  const flags = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...flags, script], { env: { ...process.env, HOST: '127.0.0.1', PORT: '0', EDGEKMS_LOG: 'silent', EDGEKMS_DATA_DIR: dir, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /edgekms listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`npm start exited with ${code}: ${out}`)));
    });
    const { hostname, port } = new URL(url);
    return { url, hostname, port: Number(port), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
