// `edgekms admin reset-credential`: a new admin access key and secret key in the data directory's
// admin.json, offline (the server stopped: it holds the directory's lock), with the root key at hand.
// Keys, secrets, users and projects stay as they are (docs/iam.md, The administrator's credential).
import { readEnv } from '../runtime/config.ts';
import { resetAdminCredential } from '../runtime/data-dir.ts';
import { nodeCrypto } from '../runtime/node-crypto.ts';
import type { Command } from './command.ts';

export const adminCommands: Command[] = [
  {
    name: 'admin reset-credential',
    summary: 'new admin access key and secret key in $EDGEKMS_DATA_DIR/admin.json (server stopped; needs the root key); keeps every key, secret, user and project',
    async run(inv) {
      const done = await resetAdminCredential(readEnv(process.env), nodeCrypto);
      inv.print(done, () =>
        [
          `new admin credential ${done.access_key} (project ${done.project_id}) written to ${done.path}; the old one no longer works once the server restarts`,
          ...(done.projects.length ? [`projects in this deployment: ${done.projects.join(', ')}`] : []),
        ].join('\n'),
      );
    },
  },
];
