// `edgekms keys …`: the key lifecycle through KmsClient (create, list, describe, enable, disable, rotate,
// scheduled deletion, alias, tags, grants).
import type { KeyDetails, TagItem } from '../sdk/kms/types.ts';
import { arg, int, list, pairs, str, UsageError, type Command, type Invocation } from './command.ts';

const KEY = '<key>';
const line = (k: Pick<KeyDetails, 'key_id' | 'key_alias' | 'key_spec' | 'key_state'>) => `${k.key_id}  ${k.key_alias}  ${k.key_spec}  state ${k.key_state}`;
const key = (inv: Invocation) => arg(inv, 0, KEY);

export const keysCommands: Command[] = [
  {
    name: 'keys create',
    args: '<alias>',
    summary: 'create a customer master key; prints its id',
    options: {
      spec: { type: 'string', value: 'SPEC', description: 'AES_256 (default), SM4, RSA_2048…4096, EC_P256, EC_P384, SM2, ED25519, HMAC_256…' },
      usage: { type: 'string', value: 'USAGE', description: 'ENCRYPT_DECRYPT, SIGN_VERIFY or GENERATE_VERIFY_MAC' },
      description: { type: 'string', value: 'TEXT', description: 'a description' },
    },
    async run(inv) {
      const a = await inv.kms().createKey({ key_alias: arg(inv, 0, '<alias>'), key_spec: str(inv, 'spec'), key_usage: str(inv, 'usage'), key_description: str(inv, 'description') });
      inv.print(a, a.key_info.key_id);
    },
  },
  {
    name: 'keys list',
    summary: 'list keys with their alias, spec and state',
    options: {
      state: { type: 'string', value: 'N', description: 'only keys in this state (1 pending creation, 2 enabled, 3 disabled, 4 pending deletion, 5 pending import)' },
      spec: { type: 'string', value: 'SPEC', description: 'only keys of this spec (default ALL)' },
      limit: { type: 'string', value: 'N', description: 'at most N keys (1-1000)' },
      marker: { type: 'string', value: 'M', description: 'continue from the previous page\'s next_marker' },
    },
    async run(inv) {
      const limit = int(inv, 'limit', 1, 1000);
      const a = await inv.kms().listKeys({ key_state: str(inv, 'state'), key_spec: str(inv, 'spec') ?? 'ALL', limit: limit === undefined ? undefined : String(limit), marker: str(inv, 'marker') });
      inv.print(a, () => (a.key_details.map(line).join('\n') || '(no keys)') + (a.truncated === 'true' ? `\n(more: --marker ${a.next_marker})` : ''));
    },
  },
  {
    name: 'keys describe',
    args: KEY,
    summary: 'show a key',
    async run(inv) {
      const a = await inv.kms().describeKey({ key_id: key(inv) });
      const k = a.key_info;
      inv.print(a, `${line(k)}  ${k.key_usage}${k.key_description ? `  "${k.key_description}"` : ''}`);
    },
  },
  ...(['enable', 'disable'] as const).map(
    (action): Command => ({
      name: `keys ${action}`,
      args: KEY,
      summary: `${action} a key`,
      async run(inv) {
        const kms = inv.kms();
        const a = await (action === 'enable' ? kms.enableKey({ key_id: key(inv) }) : kms.disableKey({ key_id: key(inv) }));
        inv.print(a, `${a.key_info.key_id} state ${a.key_info.key_state}`);
      },
    }),
  ),
  {
    name: 'keys rotate',
    args: KEY,
    summary: 'rotate a key now (a new version encrypts; old versions still decrypt), or set automatic rotation',
    options: {
      every: { type: 'string', value: 'DAYS', description: 'instead: rotate automatically every DAYS days (30-365)' },
      off: { type: 'boolean', description: 'instead: turn automatic rotation off' },
      status: { type: 'boolean', description: 'instead: show the rotation settings' },
    },
    async run(inv) {
      const kms = inv.kms();
      const key_id = key(inv);
      const every = int(inv, 'every', 30, 365);
      if (every !== undefined) {
        await kms.enableKeyRotation({ key_id });
        await kms.updateKeyRotationInterval({ key_id, rotation_interval: every });
      } else if (inv.values.off) {
        await kms.disableKeyRotation({ key_id });
      } else if (!inv.values.status) {
        const a = await kms.rotateOnDemand({ key_id });
        return inv.print(a, `rotated ${a.key_id}`);
      }
      const s = await kms.getKeyRotationStatus({ key_id });
      inv.print(s, `${key_id} automatic rotation ${s.key_rotation_enabled ? `every ${s.rotation_interval} days` : 'off'}, rotated ${s.number_of_rotations ?? 0} times`);
    },
  },
  {
    name: 'keys delete',
    args: KEY,
    summary: 'schedule a key\'s deletion after --days N (7-1096); cancel-delete undoes it until then',
    options: { days: { type: 'string', value: 'N', description: 'days until deletion (7-1096), required' } },
    async run(inv) {
      const days = int(inv, 'days', 7, 1096);
      if (days === undefined) throw new UsageError('--days N is required (7-1096)');
      const a = await inv.kms().scheduleKeyDeletion({ key_id: key(inv), pending_days: String(days) });
      inv.print(a, `${a.key_id} state ${a.key_state}`);
    },
  },
  {
    name: 'keys cancel-delete',
    args: KEY,
    summary: 'cancel a scheduled deletion (the key comes back disabled)',
    async run(inv) {
      const a = await inv.kms().cancelKeyDeletion({ key_id: key(inv) });
      inv.print(a, `${a.key_id} state ${a.key_state}`);
    },
  },
  {
    name: 'keys alias',
    args: `${KEY} <new-alias>`,
    summary: 'rename a key (its alias)',
    async run(inv) {
      const a = await inv.kms().updateKeyAlias({ key_id: key(inv), key_alias: arg(inv, 1, '<new-alias>') });
      inv.print(a, `${a.key_info.key_id} ${a.key_info.key_alias}`);
    },
  },
  {
    name: 'keys tag',
    args: `${KEY} [k=v …]`,
    summary: 'add tags (k=v), remove them (--remove k), then show the key\'s tags',
    options: { remove: { type: 'string', multiple: true, value: 'K', description: 'remove the tag with this key (repeatable)' } },
    async run(inv) {
      const kms = inv.kms();
      const keyId = key(inv);
      const add: TagItem[] = Object.entries(pairs(inv.positionals.slice(1), 'tag')).map(([k, value]) => ({ key: k, value }));
      const remove: TagItem[] = list(inv, 'remove').map((k) => ({ key: k, value: '' }));
      if (add.length) await kms.batchCreateKmsTags(keyId, { action: 'create', tags: add });
      if (remove.length) await kms.batchCreateKmsTags(keyId, { action: 'delete', tags: remove });
      const a = await kms.showKmsTags(keyId);
      inv.print(a, a.tags.map((t) => `${t.key}=${t.value}`).join('\n') || '(no tags)');
    },
  },
  {
    name: 'keys grant',
    args: KEY,
    summary: 'grant a user operations on a key (--to USER --operations a,b); without --to, list the key\'s grants',
    options: {
      to: { type: 'string', value: 'USER', description: 'the grantee (a user id)' },
      operations: { type: 'string', value: 'OPS', description: 'comma-separated, e.g. create-datakey,decrypt-datakey,encrypt-data,decrypt-data' },
      name: { type: 'string', value: 'NAME', description: 'a name for the grant' },
      revoke: { type: 'string', value: 'GRANT_ID', description: 'instead: revoke this grant' },
    },
    async run(inv) {
      const kms = inv.kms();
      const key_id = key(inv);
      const to = str(inv, 'to');
      const revoke = str(inv, 'revoke');
      if (revoke) {
        await kms.revokeGrant({ key_id, grant_id: revoke });
        return inv.print({ key_id, grant_id: revoke, revoked: true }, `revoked ${revoke}`);
      }
      if (to) {
        const operations = (str(inv, 'operations') ?? '').split(',').filter(Boolean);
        if (!operations.length) throw new UsageError('--operations is required with --to');
        const a = await kms.createGrant({ key_id, grantee_principal: to, operations, name: str(inv, 'name') });
        return inv.print(a, a.grant_id);
      }
      const a = await kms.listGrants({ key_id });
      inv.print(a, a.grants.map((g) => `${g.grant_id}  ${g.grantee_principal}  ${g.operations.join(',')}${g.name ? `  ${g.name}` : ''}`).join('\n') || '(no grants)');
    },
  },
];
