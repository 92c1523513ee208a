// `edgekms secrets …` through SecretsClient: store values as versions, read them by version or stage, list,
// move stages, scheduled deletion and restore, rotation; and `secrets sync` (secrets-sync.ts).
import { ApiError } from '../sdk/errors.ts';
import type { Version } from '../sdk/secrets/types.ts';
import { arg, int, pairs, list, str, textArg, UsageError, type Command, type Invocation } from './command.ts';
import { connect } from './connection.ts';
import { runSync, SYNC_HELP, SyncUsageError } from './secrets-sync.ts';

const NAME = '<name>';
const name = (inv: Invocation) => arg(inv, 0, NAME);
const when = (ms?: number) => (ms ? new Date(ms).toISOString() : '');

export const secretsCommands: Command[] = [
  {
    name: 'secrets put',
    args: `${NAME} [value|-]`,
    summary: 'store a value as the secret\'s new version (SYSCURRENT), creating the secret if needed',
    details: 'The value is the argument, stdin for -, or JSON object of --field k=v rows.',
    options: {
      field: { type: 'string', multiple: true, value: 'K=V', description: 'a key/value row of a JSON value (repeatable), instead of value' },
      'kms-key': { type: 'string', value: 'KEY', description: 'the key that protects a new secret (default: the service default key)' },
      description: { type: 'string', value: 'TEXT', description: 'description of a new secret' },
    },
    async run(inv) {
      const secretName = name(inv);
      const fields = list(inv, 'field');
      if (fields.length && inv.positionals.length > 1) throw new UsageError('give either a value or --field rows, not both');
      const value = fields.length ? JSON.stringify(pairs(fields, 'field')) : await textArg(inv, 1, '[value|-] or --field K=V');
      const secrets = inv.secrets();
      let exists = true;
      try {
        await secrets.showSecret(secretName);
      } catch (e) {
        if (!(e instanceof ApiError && (e.code === 'CSMS.0106' || e.status === 404))) throw e; // CSMS.0106: no such secret
        exists = false;
      }
      if (!exists) {
        await secrets.createSecret({ name: secretName, secret_string: value, kms_key_id: str(inv, 'kms-key'), description: str(inv, 'description') });
        const v = (await secrets.listVersions(secretName)).version_metadatas[0];
        return inv.print({ created: true, version_metadata: v }, `created ${secretName} ${v?.id ?? ''}`.trim());
      }
      const v = await secrets.createVersion(secretName, { secret_string: value });
      inv.print({ created: false, version_metadata: v }, `${secretName} ${v.id} ${v.version_stages.join(',')}`);
    },
  },
  {
    name: 'secrets get',
    args: NAME,
    summary: 'print a secret\'s value (latest, or --version / --stage)',
    options: {
      version: { type: 'string', value: 'V', description: 'a version id such as v2 (default latest)' },
      stage: { type: 'string', value: 'STAGE', description: 'the version a stage points at, e.g. SYSCURRENT or SYSPREVIOUS' },
    },
    async run(inv) {
      const secrets = inv.secrets();
      const secretName = name(inv);
      const stage = str(inv, 'stage');
      if (stage && str(inv, 'version')) throw new UsageError('give --version or --stage, not both');
      const versionId = stage ? (await secrets.showStage(secretName, stage)).version_id : (str(inv, 'version') ?? 'latest');
      const v: Version = await secrets.getVersion(secretName, versionId);
      inv.print({ version: v }, v.secret_string ?? v.secret_binary ?? '');
    },
  },
  {
    name: 'secrets list',
    summary: 'list secrets with their state',
    options: {
      limit: { type: 'string', value: 'N', description: 'at most N per page (1-200)' },
      marker: { type: 'string', value: 'M', description: 'continue from the previous page\'s next_marker' },
    },
    async run(inv) {
      const limit = int(inv, 'limit', 1, 200);
      const a = await inv.secrets().listSecrets({ limit, marker: str(inv, 'marker') });
      inv.print(a, () => (a.secrets.map((s) => `${s.name}  ${s.state}${s.scheduled_delete_time ? `  deleted at ${when(s.scheduled_delete_time)}` : ''}`).join('\n') || '(no secrets)') + (a.page_info.next_marker ? `\n(more: --marker ${a.page_info.next_marker})` : ''));
    },
  },
  {
    name: 'secrets versions',
    args: NAME,
    summary: 'list a secret\'s versions and their stages',
    async run(inv) {
      const a = await inv.secrets().listVersions(name(inv));
      inv.print(a, a.version_metadatas.map((v) => `${v.id}  ${when(v.create_time)}  ${v.version_stages.join(',')}`).join('\n'));
    },
  },
  {
    name: 'secrets stage',
    args: `${NAME} <stage> [version]`,
    summary: 'point a stage at a version, or show where it points',
    async run(inv) {
      const secrets = inv.secrets();
      const [secretName, stage, version] = [name(inv), arg(inv, 1, '<stage>'), inv.positionals[2]];
      const s = version ? await secrets.updateStage(secretName, stage, version) : await secrets.showStage(secretName, stage);
      inv.print({ stage: s }, `${s.name} -> ${s.version_id}`);
    },
  },
  {
    name: 'secrets delete',
    args: NAME,
    summary: 'schedule a secret\'s deletion after --days N (7-30; restore undoes it), or --now',
    options: {
      days: { type: 'string', value: 'N', description: 'recovery window in days (7-30)' },
      now: { type: 'boolean', description: 'delete at once with every version, irreversibly' },
    },
    async run(inv) {
      const secretName = name(inv);
      const days = int(inv, 'days', 7, 30);
      if ((days === undefined) === !inv.values.now) throw new UsageError('give exactly one of --days N or --now');
      if (inv.values.now) {
        await inv.secrets().deleteSecret(secretName);
        return inv.print({ name: secretName, deleted: true }, `deleted ${secretName}`);
      }
      const s = await inv.secrets().scheduleDeletion(secretName, days!);
      inv.print({ secret: s }, `${s.name} ${s.state} until ${when(s.scheduled_delete_time)}`);
    },
  },
  {
    name: 'secrets restore',
    args: NAME,
    summary: 'cancel a scheduled deletion',
    async run(inv) {
      const s = await inv.secrets().restoreSecret(name(inv));
      inv.print({ secret: s }, `${s.name} ${s.state}`);
    },
  },
  {
    name: 'secrets rotate',
    args: NAME,
    summary: 'rotate a secret now (a new version, by its rotation settings)',
    async run(inv) {
      const a = await inv.secrets().rotateSecret(name(inv));
      inv.print(a, `${a.secret_name} ${a.version_id}`);
    },
  },
  {
    name: 'secrets sync',
    args: '--dir DIR --secret NAME[@version][:key] …',
    summary: 'write secrets to files and keep them current (edgekms secrets sync --help)',
    details: SYNC_HELP,
    rawArgs: true,
    // Parsed by runSync; listed here for completion.
    options: {
      dir: { type: 'string', value: 'DIR', description: 'where the files go' },
      secret: { type: 'string', multiple: true, value: 'SPEC', description: 'NAME[@version][:key]' },
      interval: { type: 'string', value: 'D', description: 'time between reads' },
      once: { type: 'boolean', description: 'read and write once, then exit' },
    },
    async run(inv, argv) {
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      try {
        return await runSync(argv, {
          transport: (o) => connect(o),
          stdout: (line) => console.log(line),
          stderr: inv.stderr,
          sleep: (ms, signal) =>
            new Promise((resolve) => {
              const t = setTimeout(resolve, ms);
              signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
            }),
          signal: stop.signal,
        });
      } catch (e) {
        throw e instanceof SyncUsageError ? new UsageError(e.message) : e;
      }
    },
  },
];
