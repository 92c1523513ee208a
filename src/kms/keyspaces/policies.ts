// Key policies of a keyspace (newer SDKs: /kms/key-policies): stored and returned as the API defines them.
// A policy says which access points and data security zones may use a keyspace's data key capsules and
// when; edgekms keeps it, validates its shape, binds capsules to it (capsules.ts), and enforces nothing
// else (docs/kms-api.md says so).
//
// The policy arrives as a JSON string {version, validity_period: {start_time, end_time},
// allowed_access_point: [], allowed_data_security_zone: []} (camelCase validityPeriod / allowedAccessPoint
// are read too) and is answered as an object: snake_case in show and update, and, as the list model has it,
// validityPeriod / allowedAccessPoint / allowed_data_security_zone in list.
import { Code, KmsError } from '../errors.ts';
import { fields, ok, type Operation } from '../operation.ts';
import { DESCRIPTION_RULE, KeyspaceDocuments, NAME_RULE, UUID_RULE, keyspaceQuery, pageQuery, type KeyspaceDocument } from './documents.ts';
import type { Kms } from '../kms.ts';

export interface Policy {
  version: string;
  validity_period?: { start_time?: string; end_time?: string };
  allowed_access_point?: string[];
  allowed_data_security_zone?: string[];
}

interface PolicyDocument extends KeyspaceDocument {
  name: string;
  policy: Policy;
  description: string;
  accessedAt?: number;
}

const MAX_POLICY_CHARS = 8192;
const MAX_LIST = 100;

const invalidPolicy = (why: string) => new KmsError(Code.InvalidParameter, `Invalid policy: ${why}.`);

function strings(v: unknown, field: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length > MAX_LIST || !v.every((x) => typeof x === 'string' && x.length >= 1 && x.length <= 255)) {
    throw invalidPolicy(`${field} must be a list of at most ${MAX_LIST} strings of 1-255 characters`);
  }
  return [...v];
}

function text(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > 64) throw invalidPolicy(`${field} must be a string of at most 64 characters`);
  return v;
}

/** Parses and checks the policy JSON string; unknown members are refused so a typo is not silently dropped. */
export function parsePolicy(json: string): Policy {
  if (json.length > MAX_POLICY_CHARS) throw invalidPolicy(`it is longer than ${MAX_POLICY_CHARS} characters`);
  let o: unknown;
  try {
    o = JSON.parse(json);
  } catch {
    throw invalidPolicy('it is not JSON');
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw invalidPolicy('it must be a JSON object');
  const known = new Set(['version', 'validity_period', 'validityPeriod', 'allowed_access_point', 'allowedAccessPoint', 'allowed_data_security_zone']);
  const p = o as Record<string, unknown>;
  for (const k of Object.keys(p)) if (!known.has(k)) throw invalidPolicy(`unknown member ${JSON.stringify(k.slice(0, 64))}`);
  if (typeof p.version !== 'string' || p.version.length < 1 || p.version.length > 32) throw invalidPolicy('version must be a string of 1-32 characters');
  const out: Policy = { version: p.version };
  const period = p.validity_period ?? p.validityPeriod;
  if (period !== undefined && period !== null) {
    if (typeof period !== 'object' || Array.isArray(period)) throw invalidPolicy('validity_period must be an object');
    const v = period as Record<string, unknown>;
    out.validity_period = {};
    const start = text(v.start_time, 'start_time');
    const end = text(v.end_time, 'end_time');
    if (start !== undefined) out.validity_period.start_time = start;
    if (end !== undefined) out.validity_period.end_time = end;
  }
  const points = strings(p.allowed_access_point ?? p.allowedAccessPoint, 'allowed_access_point');
  if (points) out.allowed_access_point = points;
  const zones = strings(p.allowed_data_security_zone, 'allowed_data_security_zone');
  if (zones) out.allowed_data_security_zone = zones;
  return out;
}

/** The list model's spelling of a policy. */
function listForm(p: Policy): Record<string, unknown> {
  return {
    version: p.version,
    ...(p.validity_period ? { validityPeriod: p.validity_period } : {}),
    ...(p.allowed_access_point ? { allowedAccessPoint: p.allowed_access_point } : {}),
    ...(p.allowed_data_security_zone ? { allowed_data_security_zone: p.allowed_data_security_zone } : {}),
  };
}

const docsOf = (kms: Kms) => new KeyspaceDocuments<PolicyDocument>(kms.store, 'policy', 'key policy');

/** A project's key policy, for capsules. */
export async function keyPolicy(kms: Kms, project: string, id: string): Promise<PolicyDocument> {
  return (await docsOf(kms).get(project, id)).doc;
}

export const createKeyPolicyOp: Operation = async (kms, call, input) => {
  const f = fields(input, {});
  const keyspaceId = f.string('keyspace_id', UUID_RULE);
  const name = f.string('policy_name', NAME_RULE);
  const policy = parsePolicy(f.string('policy', { required: true, min: 1, max: MAX_POLICY_CHARS }));
  const description = f.string('description', DESCRIPTION_RULE) ?? '';
  const now = kms.clock.now();
  const doc: PolicyDocument = { id: crypto.randomUUID(), keyspaceId: keyspaceId.toLowerCase(), name, policy, description, createdBy: call.principal, createdAt: now, updatedAt: now };
  await docsOf(kms).create(call.project, doc);
  return ok({ policy_id: doc.id });
};

const times = (d: PolicyDocument) => ({
  created_by: d.createdBy,
  create_time: String(d.createdAt),
  last_modify_time: String(d.updatedAt),
  last_access_time: d.accessedAt === undefined ? '' : String(d.accessedAt),
});

export const listKeyPoliciesOp: Operation = async (kms, call, input) => {
  const keyspaceId = keyspaceQuery(input.query);
  const { limit, marker } = pageQuery(input.query);
  const { docs, nextMarker } = await docsOf(kms).page(call.project, keyspaceId, limit, marker);
  return ok({
    page_info: { next_marker: nextMarker, current_count: docs.length },
    keyspace_policies: docs.map((d) => ({ policy_id: d.id, policy_name: d.name, keyspace_id: d.keyspaceId, policy: listForm(d.policy), description: d.description, ...times(d) })),
  });
};

export const showKeyPolicyOp: Operation = async (kms, call, input) => {
  const { doc: d } = await docsOf(kms).get(call.project, input.params.policy_id ?? '');
  return ok({ policy_id: d.id, policy_name: d.name, keyspace_id: d.keyspaceId, policy: d.policy, description: d.description, ...times(d) });
};

export const updateKeyPolicyOp: Operation = async (kms, call, input) => {
  const f = fields(input, {});
  const policy = parsePolicy(f.string('policy', { required: true, min: 1, max: MAX_POLICY_CHARS }));
  const description = f.string('description', DESCRIPTION_RULE);
  const docs = docsOf(kms);
  const { doc, version } = await docs.get(call.project, input.params.policy_id ?? '');
  const next: PolicyDocument = { ...doc, policy, description: description ?? doc.description, updatedAt: kms.clock.now() };
  await docs.put(call.project, next, version);
  return ok({ policy_id: next.id, policy: next.policy, description: next.description, last_modify_time: String(next.updatedAt) });
};

export const deleteKeyPolicyOp: Operation = async (kms, call, input) => {
  const docs = docsOf(kms);
  const { doc, version } = await docs.get(call.project, input.params.policy_id ?? '');
  await docs.delete(call.project, doc.id, version);
  return ok();
};
