// Key tags (docs/kms-api.md, "Tags"): create one, batch create/delete, delete one, show a key's tags, the project's tag
// keys and values, and finding keys by tags (`/kms/resource_instances/action`, filter or count). Tags are
// kept in their key's document, so each change is one compare-and-set write of the key and is
// all-or-nothing: a batch with one bad tag changes nothing.
//
// Limits and codes: at most 10 tags per key (KMS.0409 beyond); a tag key is 1-36 characters, a value 0-43,
// neither may contain ASCII control characters or * < > \ = (KMS.0406 / KMS.0405 for bad characters,
// KMS.0411 / KMS.0410 for bad lengths); a batch names 1-10 tags (KMS.0401 empty, KMS.0407 longer) and an
// action of create or delete (KMS.0404). Creating a tag whose key exists replaces its value; deleting a
// tag that is not there succeeds (both are idempotent). A filter has at most 10 tags (KMS.0412) of at most
// 10 values each (KMS.0413); `matches` may only name resource_name (KMS.0403) and its value is matched as
// a substring of the key alias (KMS.0402 for a bad value); offset must be a decimal >= 0 (KMS.0417).
// Success codes: 204 with an empty body for the tag changes, 200 for the queries.
import { DECIMAL } from '../api/fields.ts';
import { Code, KmsError } from './errors.ts';
import { keyDetails, type KeyRecord, type TagRecord } from './key-record.ts';
import { assertState } from './key-state.ts';
import { KEY_ID } from './keys.ts';
import type { Kms } from './kms.ts';
import { fields, noContent, ok, type Call, type Input, type Operation } from './operation.ts';
import { notFound } from './repository.ts';

export const MAX_TAGS_PER_KEY = 10;
const MAX_KEY_CHARS = 36;
const MAX_VALUE_CHARS = 43;
const MAX_FILTER_TAGS = 10;
const MAX_FILTER_VALUES = 10;
const FORBIDDEN = /[\u0000-\u001f*<>\\=]/;
// Tag keys travel in delete-tag's path. Without '%' no key can be mistaken for the escaped form of another,
// which is what makes accepting the Node SDK's as-sent path signatures safe (src/iam/verify.ts); Huawei's
// tag rules do not allow '%' either.
const KEY_FORBIDDEN = /[\u0000-\u001f*<>\\=%]/;

const chars = (s: string) => [...s].length;

function tagKey(v: unknown, where = 'key'): string {
  if (typeof v !== 'string' || !v.isWellFormed() || KEY_FORBIDDEN.test(v)) {
    throw new KmsError(Code.InvalidTagKey, `Invalid tag ${where}: must be a string without control characters or * < > \\ = %.`);
  }
  if (chars(v) < 1 || chars(v) > MAX_KEY_CHARS) throw new KmsError(Code.InvalidTagKeyLength, `Invalid tag ${where}: must be 1-${MAX_KEY_CHARS} characters.`);
  return v;
}

function tagValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string' || !v.isWellFormed() || FORBIDDEN.test(v)) {
    throw new KmsError(Code.InvalidTagValue, 'Invalid tag value: must be a string without control characters or * < > \\ =.');
  }
  if (chars(v) > MAX_VALUE_CHARS) throw new KmsError(Code.InvalidTagValueLength, `Invalid tag value: must be at most ${MAX_VALUE_CHARS} characters.`);
  return v;
}

function tagItem(v: unknown): TagRecord {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new KmsError(Code.InvalidTagKey, 'Invalid tag: must be an object {key, value}.');
  const o = v as Record<string, unknown>;
  return { key: tagKey(o.key), value: tagValue(o.value) };
}

/** The key a tag path names: ids only (an alias cannot travel in one path segment). */
async function taggedKey(kms: Kms, call: Call, input: Input): Promise<KeyRecord> {
  const id = input.params.key_id ?? '';
  if (!KEY_ID.test(id)) throw new KmsError(Code.InvalidKeyId, `Invalid key_id: ${id.length > 64 ? id.slice(0, 64) + '…' : id}.`);
  const r = await kms.repo.get(call.project, id);
  if (!r) throw notFound(id);
  return r;
}

/** One write that applies `change` to the key's tags, within the limits and state rules. */
async function changeTags(kms: Kms, call: Call, input: Input, change: (tags: TagRecord[]) => TagRecord[]): Promise<void> {
  const target = await taggedKey(kms, call, input);
  await kms.repo.update(call.project, target.id, (r) => {
    assertState(r.id, r.state, 'modify');
    const tags = change(r.tags ?? []);
    if (tags.length > MAX_TAGS_PER_KEY) throw new KmsError(Code.TagQuota, `A key may have at most ${MAX_TAGS_PER_KEY} tags.`);
    return { ...r, tags };
  });
}

function upsert(tags: TagRecord[], add: TagRecord[]): TagRecord[] {
  const out = tags.filter((t) => !add.some((a) => a.key === t.key));
  return [...out, ...add];
}

export const createKmsTagOp: Operation = async (kms, call, input) => {
  const body = input.body.body;
  if (body.tag === undefined || body.tag === null) throw new KmsError(Code.MissingParameter, 'Missing required parameter: tag.');
  const tag = tagItem(body.tag);
  await changeTags(kms, call, input, (tags) => upsert(tags, [tag]));
  return noContent();
};

export const batchKmsTagsOp: Operation = async (kms, call, input) => {
  const body = input.body.body;
  if (body.action === undefined || body.action === null) throw new KmsError(Code.MissingParameter, 'Missing required parameter: action.');
  if (body.action !== 'create' && body.action !== 'delete') throw new KmsError(Code.InvalidTagAction, 'Invalid action: must be create or delete.');
  if (body.tags === undefined || body.tags === null) throw new KmsError(Code.MissingParameter, 'Missing required parameter: tags.');
  if (!Array.isArray(body.tags)) throw new KmsError(Code.InvalidTagListLength, 'Invalid tags: must be a list.');
  if (body.tags.length === 0) throw new KmsError(Code.TagListEmpty, 'Invalid tags: the list cannot be empty.');
  if (body.tags.length > MAX_TAGS_PER_KEY) throw new KmsError(Code.InvalidTagListLength, `Invalid tags: at most ${MAX_TAGS_PER_KEY} tags at once.`);
  const items = body.tags.map(tagItem);
  if (body.action === 'create') {
    if (new Set(items.map((t) => t.key)).size !== items.length) throw new KmsError(Code.InvalidTagKey, 'Invalid tags: a tag key appears twice.');
    await changeTags(kms, call, input, (tags) => upsert(tags, items));
  } else {
    const gone = new Set(items.map((t) => t.key));
    await changeTags(kms, call, input, (tags) => tags.filter((t) => !gone.has(t.key)));
  }
  return noContent();
};

export const deleteTagOp: Operation = async (kms, call, input) => {
  const key = tagKey(input.params.key ?? '');
  await changeTags(kms, call, input, (tags) => tags.filter((t) => t.key !== key));
  return noContent();
};

const tagList = (r: KeyRecord) => (r.tags ?? []).map((t) => ({ key: t.key, value: t.value }));

export const showKmsTagsOp: Operation = async (kms, call, input) => {
  const r = await taggedKey(kms, call, input);
  assertState(r.id, r.state, 'read');
  const tags = tagList(r);
  return ok({ tags, existTagsNum: tags.length });
};

export const listKmsTagsOp: Operation = async (kms, call) => {
  const byKey = new Map<string, Set<string>>();
  for (const r of await kms.repo.list(call.project)) {
    for (const t of r.tags ?? []) {
      let values = byKey.get(t.key);
      if (!values) byKey.set(t.key, (values = new Set()));
      values.add(t.value);
    }
  }
  const tags = [...byKey.keys()].sort().map((key) => ({ key, values: [...byKey.get(key)!].sort() }));
  return ok({ tags });
};

interface TagFilter {
  key: string;
  values: string[];
}

function filters(v: unknown): TagFilter[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new KmsError(Code.InvalidTagFilterLength, 'Invalid tags: must be a list.');
  if (v.length > MAX_FILTER_TAGS) throw new KmsError(Code.InvalidTagFilterLength, `Invalid tags: at most ${MAX_FILTER_TAGS} tags.`);
  return v.map((item) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new KmsError(Code.InvalidTagKey, 'Invalid tags: each must be an object {key, values}.');
    const o = item as Record<string, unknown>;
    const values = o.values ?? [];
    if (!Array.isArray(values) || values.length > MAX_FILTER_VALUES) {
      throw new KmsError(Code.InvalidTagFilterValues, `Invalid tags: values must be a list of at most ${MAX_FILTER_VALUES}.`);
    }
    return { key: tagKey(o.key), values: values.map(tagValue) };
  });
}

function nameMatch(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new KmsError(Code.InvalidMatchKey, 'Invalid matches: must be a list.');
  let name: string | undefined;
  for (const item of v) {
    const o = (item ?? {}) as Record<string, unknown>;
    if (typeof item !== 'object' || Array.isArray(item) || o.key !== 'resource_name') {
      throw new KmsError(Code.InvalidMatchKey, 'Invalid matches: the only key is resource_name.');
    }
    if (typeof o.value !== 'string' || o.value.length > 255 || !o.value.isWellFormed()) {
      throw new KmsError(Code.InvalidMatchValue, 'Invalid matches: value must be a string of at most 255 characters.');
    }
    name = o.value;
  }
  return name;
}

function matches(r: KeyRecord, tagFilters: TagFilter[], name: string | undefined): boolean {
  if (name !== undefined && !r.alias.includes(name)) return false;
  return tagFilters.every((f) => (r.tags ?? []).some((t) => t.key === f.key && (f.values.length === 0 || f.values.includes(t.value))));
}

export const listKmsByTagsOp: Operation = async (kms, call, input) => {
  const f = fields(input, {});
  const body = input.body.body;
  if (body.action !== 'filter' && body.action !== 'count') throw new KmsError(Code.InvalidTagAction, 'Invalid action: must be filter or count.');
  const limit = Number(f.string('limit', { pattern: DECIMAL, emptyIsAbsent: true }) ?? '10');
  if (limit < 1 || limit > 1000) throw new KmsError(Code.InvalidLimit, 'Invalid limit: must be 1-1000.');
  const offsetText = body.offset === undefined || body.offset === null || body.offset === '' ? '0' : body.offset;
  if (typeof offsetText !== 'string' || !DECIMAL.test(offsetText)) throw new KmsError(Code.InvalidOffset, 'Invalid offset: must be a decimal string >= 0.');
  const offset = Number(offsetText);
  const tagFilters = filters(body.tags);
  const name = nameMatch(body.matches);
  const found = (await kms.repo.list(call.project)).filter((r) => matches(r, tagFilters, name));
  if (body.action === 'count') return ok({ total_count: found.length });
  return ok({
    resources: found.slice(offset, offset + limit).map((r) => ({
      resource_id: r.id,
      resource_detail: keyDetails(r, kms.domainId, kms.region),
      resource_name: r.alias,
      tags: tagList(r),
    })),
    total_count: found.length,
  });
};
