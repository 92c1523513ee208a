// Runs `npm start`'s entry point (or `deno task start`'s) as a child process, exactly as users do, and
// waits for its ready line.
import { spawn, type ChildProcess } from 'node:child_process';
// @ts-expect-error plain ESM helper without types
import { bundle } from '../../scripts/bundle.mjs';

export interface RunningServer {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Milliseconds from spawn to the ready line. */
  readyMs: number;
  stop(): Promise<number | null>;
}

let built: Promise<string> | undefined;

/** `wrap`: a command that runs node (e.g. `unshare --pid --fork …`), node and the script appended. */
export async function startNodeServer(env: Record<string, string | undefined>, timeoutMs = 20_000, wrap: string[] = []): Promise<RunningServer> {
  const script: string = await (built ??= bundle('src/runtime/node.ts', 'node-entry.mjs'));
  const [command, ...args] = [...wrap, process.execPath, script];
  return startServerProcess(command, args, env, timeoutMs);
}

/** `deno task start` in the repository, as users run it (Deno from node_modules, offline). */
export function startDenoServer(env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<RunningServer> {
  const root = new URL('../..', import.meta.url).pathname;
  return startServerProcess(`${root}node_modules/deno/deno`, ['task', 'start'], { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', ...env }, timeoutMs, root);
}

/**
 * Any server command (its ready line is `edgekms listening on URL`), e.g. an installed package's `npm start`.
 * `processGroup`: the command runs in a process group of its own and stop() signals the whole group (npm
 * does not pass SIGTERM on to the script it runs).
 */
export async function startServerProcess(command: string, args: string[], env: Record<string, string | undefined>, timeoutMs: number, cwd?: string, processGroup = false): Promise<RunningServer> {
  const started = performance.now();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', PORT: '0', EDGEKMS_LOG: 'silent', ...env };
  const child: ChildProcess = spawn(command, args, { cwd, env: childEnv as Record<string, string>, stdio: ['ignore', 'pipe', 'pipe'], detached: processGroup });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      const m = /edgekms listening on (https?:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', check);
    // 'close', not 'exit': the output a failing server writes last may arrive after it exited.
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready:\n${out}`));
    });
  });
  const readyMs = performance.now() - started;
  return {
    url,
    child,
    readyMs,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        if (processGroup) process.kill(-child.pid!, 'SIGTERM');
        else child.kill('SIGTERM');
      }),
  };
}
