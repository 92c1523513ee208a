// Runs the edgekms command as a child process, as users do. The CLI's entry point is bundled once per test
// run (bin/edgekms.mjs would re-bundle it on every call in the repository), then each call spawns node on it.
import { spawn } from 'node:child_process';
// @ts-expect-error plain ESM helper without types
import { bundle } from '../../scripts/bundle.mjs';

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

let built: Promise<string> | undefined;

export function cliScript(): Promise<string> {
  return (built ??= bundle('src/cli/main.ts', 'edgekms-cli-test.mjs'));
}

/** Runs `edgekms ...args` with `env` added to this process's environment; `input` goes to stdin. */
export async function runCli(args: string[], env: Record<string, string>, input?: string | Buffer): Promise<CliResult> {
  const r = await runCliBytes(args, env, input);
  return { code: r.code, out: r.stdout.toString('utf8').trim(), err: r.stderr.trim() };
}

/** As runCli, with stdout as bytes (binary pipes). */
export async function runCliBytes(args: string[], env: Record<string, string>, input?: string | Buffer): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const script = await cliScript();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.on('error', () => {}); // a command that exits before reading all its input
    child.stdin.end(input);
  });
}
