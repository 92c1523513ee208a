// Tags of secrets and finding secrets by tags (docs/csms-api.md). Tags live in their secret's document, so
// every change is one compare-and-set write and a batch with one bad tag changes nothing. A tag key is
// 1-128 characters without leading or trailing whitespace, control characters or '%', and must not start
// with `_sys_`; a value is at most 255 characters; a secret has at most 20 tags. Creating a tag whose key exists replaces its value.
// Errors are nested (routes.ts).
import { DECIMAL } from '../../api/fields.ts';
import { invalidParameter, resourceNotFound } from '../errors.ts';
import { noContent, ok, type Call, type CsmsInput, type CsmsOperation } from '../operation.ts';
import type { SecretRecord, TagItem } from '../record.ts';
import type { Secrets } from '../secrets.ts';
import { info } from './secrets.ts';

export const MAX_TAGS = 20;
const SECRET_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function tagKey(v: unknown, where = 'tag key'): string {
  if (typeof v !== 'string' || !v.isWellFormed()) throw invalidParameter(where, 'must be a string');
  if (v.length < 1 || v.length > 128) throw invalidParameter(where, 'must be 1-128 characters');
  if (v.trim() !== v) throw invalidParameter(where, 'must not start or end with whitespace');
  if (v.startsWith('_sys_')) throw invalidParameter(where, 'must not start with _sys_');
  // Tag keys travel in delete-tag's path; without '%' none can be taken for the escaped form of another
  // (the verifier accepts the Node SDK's double-encoded paths; src/kms/tags.ts has the same rule).
  if (/[\u0000-\u001f%]/.test(v)) throw invalidParameter(where, 'must not contain control characters or %');
  return v;
}

function tagValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string' || !v.isWellFormed()) throw invalidParameter('tag value', 'must be a string');
  if (v.length > 255) throw invalidParameter('tag value', 'must be at most 255 characters');
  return v;
}

function tagItem(v: unknown): TagItem {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalidParameter('tag', 'must be an object {key, value}');
  const o = v as Record<string, unknown>;
  return { key: tagKey(o.key), value: tagValue(o.value) };
}

async function taggedSecret(secrets: Secrets, call: Call, input: CsmsInput): Promise<SecretRecord> {
  const id = input.params.secret_id ?? '';
  if (!SECRET_ID.test(id)) throw invalidParameter('secret_id', 'must be a secret id');
  const r = await secrets.repo.byId(call.project, id);
  if (!r) throw resourceNotFound(`secret ${id}`);
  return r;
}

async function changeTags(secrets: Secrets, call: Call, input: CsmsInput, change: (tags: TagItem[]) => TagItem[]): Promise<void> {
  const target = await taggedSecret(secrets, call, input);
  await secrets.repo.update(call.project, target.name, (r) => {
    if (r.id !== target.id) throw resourceNotFound(`secret ${target.id}`);
    const tags = change(r.tags);
    if (tags.length > MAX_TAGS) throw invalidParameter('tags', `a secret may have at most ${MAX_TAGS} tags`);
    return { ...r, tags };
  });
}

const upsert = (tags: TagItem[], add: TagItem[]) => [...tags.filter((t) => !add.some((a) => a.key === t.key)), ...add];

export const createTagOp: CsmsOperation = async (secrets, call, input) => {
  const tag = tagItem(input.body.object('tag', { required: true })!.body);
  await changeTags(secrets, call, input, (tags) => upsert(tags, [tag]));
  return noContent();
};

export const batchTagsOp: CsmsOperation = async (secrets, call, input) => {
  const f = input.body;
  const items = f.array('tags', { required: true, minItems: 1, maxItems: MAX_TAGS }).map(tagItem);
  const action = f.string('action', { required: true, enum: ['create', 'delete'] });
  f.string('sequence', { max: 36 });
  if (new Set(items.map((t) => t.key)).size !== items.length) throw invalidParameter('tags', 'names a key twice');
  await changeTags(secrets, call, input, (tags) => (action === 'create' ? upsert(tags, items) : tags.filter((t) => !items.some((i) => i.key === t.key))));
  return noContent();
};

export const deleteTagOp: CsmsOperation = async (secrets, call, input) => {
  const key = tagKey(input.params.key, 'key');
  await changeTags(secrets, call, input, (tags) => {
    if (!tags.some((t) => t.key === key)) throw resourceNotFound(`tag ${key}`);
    return tags.filter((t) => t.key !== key);
  });
  return noContent();
};

export const listTagsOp: CsmsOperation = async (secrets, call, input) => {
  const r = await taggedSecret(secrets, call, input);
  return ok({ tags: r.tags.map((t) => ({ key: t.key, value: t.value })), sys_tags: [] });
};

export const projectTagsOp: CsmsOperation = async (secrets, call) => {
  const byKey = new Map<string, Set<string>>();
  for (const r of await secrets.repo.list(call.project)) {
    for (const t of r.tags) (byKey.get(t.key) ?? byKey.set(t.key, new Set()).get(t.key)!).add(t.value);
  }
  return ok({ tags: [...byKey].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, values]) => ({ key, values: [...values].sort() })) });
};

/** `resource_instances/action`: filter (a page of secrets) or count, by tags (every listed key, any listed value) and resource_name. */
export const resourceInstancesOp: CsmsOperation = async (secrets, call, input) => {
  const f = input.body;
  const action = f.string('action', { required: true, enum: ['filter', 'count'] });
  const limitText = f.string('limit', { emptyIsAbsent: true }) ?? '1000';
  if (!DECIMAL.test(limitText) || Number(limitText) < 1 || Number(limitText) > 1000) throw invalidParameter('limit', 'must be 1-1000');
  const offsetText = f.string('offset', { emptyIsAbsent: true }) ?? '0';
  if (!DECIMAL.test(offsetText)) throw invalidParameter('offset', 'must be a decimal >= 0');
  f.string('sequence', { max: 36 });
  const filters = (f.array('tags', { maxItems: 20 }) ?? []).map((t, i) => {
    const o = t !== null && typeof t === 'object' && !Array.isArray(t) ? (t as Record<string, unknown>) : {};
    const key = tagKey(o.key, `tags[${i}].key`);
    const values = o.values === undefined ? [] : o.values;
    if (!Array.isArray(values) || values.length > 20) throw invalidParameter(`tags[${i}].values`, 'must be an array of at most 20 values');
    return { key, values: values.map(tagValue) };
  });
  const matches = (f.array('matches', { maxItems: 1 }) ?? []).map((m) => {
    const o = m !== null && typeof m === 'object' && !Array.isArray(m) ? (m as Record<string, unknown>) : {};
    if (o.key !== 'resource_name') throw invalidParameter('matches', 'key must be resource_name');
    if (typeof o.value !== 'string' || o.value.length > 255) throw invalidParameter('matches', 'value must be a string of at most 255 characters');
    return o.value;
  });
  const hit = (r: SecretRecord) =>
    filters.every((flt) => r.tags.some((t) => t.key === flt.key && (flt.values.length === 0 || flt.values.includes(t.value)))) &&
    matches.every((m) => r.name.includes(m));
  const all = (await secrets.repo.list(call.project)).filter(hit);
  if (action === 'count') return ok({ total_count: all.length });
  const offset = Number(offsetText);
  const page = all.slice(offset, offset + Number(limitText));
  return ok({
    resources: page.map((r) => ({ resource_id: r.id, resource_detail: info(r), resource_name: r.name, tags: r.tags.map((t) => ({ key: t.key, value: t.value })), sys_tags: [] })),
    total_count: all.length,
  });
};
