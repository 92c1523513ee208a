// `edgekms serve` (and `npm start`): the Node server, configured by the environment (docs/operations.md);
// the flags are shorthands for the variables they name.
import { int, str, type Command } from './command.ts';

/** Exit code meaning "keep running": the server owns the process until a signal stops it. */
export const KEEP_RUNNING = -1;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the server (same as npm start)',
  details: `Configuration is read from the environment: HOST, PORT, EDGEKMS_DATA_DIR, EDGEKMS_ADMIN_AK,
EDGEKMS_ADMIN_SK, EDGEKMS_PROJECT_ID, EDGEKMS_ROOT_KEY, EDGEKMS_REGION, EDGEKMS_LOG (README, Configuration).`,
  options: {
    host: { type: 'string', value: 'ADDR', description: 'listen address (env HOST, default 127.0.0.1)' },
    port: { type: 'string', value: 'N', description: 'listen port, 0 for any free one (env PORT, default 8787)' },
    'data-dir': { type: 'string', value: 'DIR', description: 'where keys and admin.json live (env EDGEKMS_DATA_DIR, default ./.edgekms)' },
  },
  async run(inv) {
    const port = int(inv, 'port', 0, 65535);
    if (port !== undefined) process.env.PORT = String(port);
    if (str(inv, 'host')) process.env.HOST = str(inv, 'host');
    if (str(inv, 'data-dir')) process.env.EDGEKMS_DATA_DIR = str(inv, 'data-dir');
    await import('../runtime/node.ts');
    return KEEP_RUNNING;
  },
};
