// Starts bench/server-process.ts (the production app on a file store, plus a bare reference route) as a
// child process, so the server never shares a CPU core's event loop with the load it is measured under.
import { spawn } from 'node:child_process';
// @ts-expect-error plain ESM helper without types
import { bundle } from '../../scripts/bundle.mjs';

export interface BenchServer {
  port: number;
  url: string;
  stop(): void;
}

/** `mode`: `quiet` (default) or `access-log`, as bench/server-process.ts reads it. */
export async function startBenchServer(accessKey: string, secretKey: string, mode: 'quiet' | 'access-log' = 'quiet'): Promise<BenchServer> {
  const script = await bundle('bench/server-process.ts', 'bench-server.mjs');
  const child = spawn(process.execPath, [script, accessKey, secretKey, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        const m = /port (\d+)/.exec(d.toString());
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    return { port, url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
  } catch (e) {
    child.kill('SIGTERM');
    throw e;
  }
}
