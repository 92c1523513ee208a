// Alias entities (create-alias, delete-alias, list-aliases, associate-alias): extra names that point at a
// key and can be moved to another key. A request names a key through one as `alias/<name>` or as the
// alias URN `kms:<region>:<domain>:alias:<name>`.
import { DECIMAL } from '../api/fields.ts';
import { Code, KmsError } from './errors.ts';
import type { KeyRecord } from './key-record.ts';
import { assertState } from './key-state.ts';
import { KEY_REF_RULE, assertNotDefault, resolveKey } from './keys.ts';
import type { Kms } from './kms.ts';
import { created, fields, noContent, ok, type Operation } from './operation.ts';
import type { AliasRecord } from './repository.ts';

/** Alias names: the key_alias alphabet; `alias/` prefixes and `/default` endings are reserved. */
const ALIAS = /^(?!alias\/)[a-zA-Z0-9:/_-]{1,255}$/;
const ALIAS_RULE = { required: true, max: 255, pattern: ALIAS } as const;

function entity(kms: Kms, a: AliasRecord): Record<string, string> {
  return {
    domain_id: kms.domainId,
    key_id: a.keyId,
    alias: a.name,
    alias_urn: `kms:${kms.region}:${kms.domainId}:alias:${a.name}`,
    create_time: new Date(a.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    update_time: new Date(a.updatedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

function checkTarget(r: KeyRecord): void {
  assertNotDefault(r);
  assertState(r.id, r.state, 'modify');
}

function checkName(name: string): void {
  if (name.endsWith('/default')) throw new KmsError(Code.InvalidParameter, 'Invalid alias: names ending in /default are reserved for service default keys.');
}

export const createAliasOp: Operation = async (kms, call, input) => {
  const f = fields(input, { alias: Code.InvalidKeyAlias });
  const ref = f.string('key_id', KEY_REF_RULE);
  const name = f.string('alias', ALIAS_RULE);
  checkName(name);
  const r = await resolveKey(kms, call.project, ref);
  checkTarget(r);
  const now = kms.clock.now();
  const alias: AliasRecord = { name, keyId: r.id, createdAt: now, updatedAt: now };
  if (!(await kms.repo.createAlias(call.project, alias, kms.limits.aliasesPerProject))) {
    throw new KmsError(Code.InvalidParameter, `The project has reached its quota of ${kms.limits.aliasesPerProject} aliases.`);
  }
  return created(entity(kms, alias));
};

export const associateAliasOp: Operation = async (kms, call, input) => {
  const f = fields(input, { alias: Code.InvalidKeyAlias, target_key_id: Code.InvalidKeyId });
  const name = f.string('alias', ALIAS_RULE);
  const ref = f.string('target_key_id', KEY_REF_RULE);
  const current = await kms.repo.getAlias(call.project, name);
  if (!current) throw new KmsError(Code.InvalidParameter, `Invalid alias: ${name} does not exist.`);
  const r = await resolveKey(kms, call.project, ref);
  checkTarget(r);
  const alias: AliasRecord = { ...current.alias, keyId: r.id, updatedAt: kms.clock.now() };
  await kms.repo.putAlias(call.project, alias, current.version);
  return ok(entity(kms, alias));
};

export const deleteAliasOp: Operation = async (kms, call, input) => {
  const f = fields(input, { aliases: Code.InvalidKeyAlias });
  const ref = f.string('key_id', KEY_REF_RULE);
  const names = f.strings('aliases', { required: true, minItems: 1, maxItems: 100, item: { max: 255, pattern: ALIAS } })!;
  const r = await resolveKey(kms, call.project, ref);
  // Check every alias before deleting any, so a bad name changes nothing.
  const found: { name: string; version: string }[] = [];
  for (const name of new Set(names)) {
    const a = await kms.repo.getAlias(call.project, name);
    if (!a || a.alias.keyId !== r.id) throw new KmsError(Code.InvalidParameter, `Invalid aliases: ${name} is not an alias of ${r.id}.`);
    found.push({ name, version: a.version });
  }
  for (const a of found) await kms.repo.deleteAlias(call.project, a.name, a.version);
  return noContent();
};

export const listAliasesOp: Operation = async (kms, call, input) => {
  const q = input.query;
  const keyRef = q.get('key_id') || undefined;
  const limitText = q.get('limit') || '100';
  if (!DECIMAL.test(limitText) || Number(limitText) < 1 || Number(limitText) > 1000) throw new KmsError(Code.InvalidLimit, 'Invalid limit: must be 1-1000.');
  const marker = q.get('marker') || '';
  const keyId = keyRef ? (await resolveKey(kms, call.project, keyRef)).id : undefined;
  const all = (await kms.repo.listAliases(call.project, keyId)).filter((a) => a.name > marker);
  const page = all.slice(0, Number(limitText));
  const more = all.length > page.length;
  // The body is a JSON array (as Huawei's ListAliases answers it).
  return ok([
    {
      aliases: page.map((a) => entity(kms, a)),
      page_info: { next_marker: more ? page[page.length - 1].name : '', current_count: page.length },
    },
  ]);
};
