// Who may run which operation on which key: the one check every KMS operation passes. routes.ts wraps the
// operation of every route with `authorized`, so no operation can be reached without it.
//
// Administrators (credential role 'admin', carried in the call) may call every API in the projects their credential
// names (the HTTP layer checks projects). Every other principal (role 'user') is first judged by its identity
// policies (src/iam/policy.ts, when it holds any): a Deny refuses whatever grants say, an Allow allows.
// When no statement applies, the principal may only:
// - run a grantable operation on a key that holds a grant for the principal (grantee_principal_type
//   "user") or for the whole account (type "domain", grantee = the deployment's domain id) listing that
//   operation. The key is found in the request (key_id; for decrypt-data without key_id, the key id inside
//   the ciphertext) and then pinned: the request the operation sees names the key by its id, so an alias
//   moved in between cannot make the operation act on another key than the one checked;
// - list the grants it may retire and retire grants (`mayRetire` says which).
// Anything else is 403: KMS.0307 for an API a user may never call, KMS.0306 for a key the user holds no
// grant on - also when the key does not exist, so ids cannot be probed.
import { FieldReader } from '../api/fields.ts';
import { KMS_ACTIONS, keyResources } from '../iam/actions.ts';
import { decide } from '../iam/policy.ts';
import { fromBase64 } from '../crypto/encoding.ts';
import { decodeBlob } from './ciphertext.ts';
import { Code, KmsError } from './errors.ts';
import type { GrantRecord, KeyRecord } from './key-record.ts';
import { KEY_ID, KEY_REF_RULE, resolveKey } from './keys.ts';
import type { Kms } from './kms.ts';
import { KMS_FIELDS, fields, type Call, type Input, type Operation } from './operation.ts';

/**
 * Operations a grant may list. The first nine are Huawei's (docs/kms-api.md, "Grants"); the rest extend grants to the
 * asymmetric and MAC operations so a grantee can sign, verify or MAC with a key it was granted.
 */
export const GRANTABLE_OPERATIONS = [
  'create-datakey',
  'create-datakey-without-plaintext',
  'encrypt-datakey',
  'decrypt-datakey',
  'describe-key',
  'create-grant',
  'retire-grant',
  'encrypt-data',
  'decrypt-data',
  'sign',
  'verify',
  'get-publickey',
  'generate-mac',
  'verify-mac',
  'create-rsa-datakey-pair',
  'create-ec-datakey-pair',
] as const;

const GRANTABLE: ReadonlySet<string> = new Set(GRANTABLE_OPERATIONS);

/** Operations any authenticated principal may call; they apply their own rules (mayRetire). */
const SELF_SERVICE: ReadonlySet<string> = new Set(['list-retirable-grants', 'retire-grant']);

export function isAdmin(call: Pick<Call, 'role'>): boolean {
  return call.role === 'admin';
}

/** Whether a grant is for this principal. */
export function grantApplies(kms: Kms, g: GrantRecord, principal: string): boolean {
  return g.granteeType === 'domain' ? g.grantee === kms.domainId : g.grantee === principal;
}

/** Every operation the key's grants give a principal. */
export function grantedOperations(kms: Kms, r: KeyRecord, principal: string): Set<string> {
  const ops = new Set<string>();
  for (const g of r.grants ?? []) if (grantApplies(kms, g, principal)) for (const op of g.operations) ops.add(op);
  return ops;
}

/** retire-grant: the grant's issuer, its retiring principal, its grantee when it holds retire-grant, or an administrator. */
export function mayRetire(kms: Kms, g: GrantRecord, call: Pick<Call, 'role' | 'principal'>): boolean {
  const principal = call.principal;
  return (
    isAdmin(call) ||
    g.issuer === principal ||
    g.retiring === principal ||
    (grantApplies(kms, g, principal) && g.operations.includes('retire-grant'))
  );
}

export const noKeyPermission = () => new KmsError(Code.NoKeyPermission, 'The caller has no grant for this operation on this key.', 403);

/** The key a grantable request acts on, as the request names it. */
function keyRefOf(operation: string, input: Input): string {
  const f = fields(input, {});
  // decrypt-data takes an empty key_id for an absent one, like the operation itself.
  if (operation === 'decrypt-data' && (!f.has('key_id') || f.body.key_id === '')) {
    const text = f.string('cipher_text', { required: true, max: 5648 });
    let keyId: string | undefined;
    try {
      keyId = decodeBlob(fromBase64(text))?.header.keyId;
    } catch {
      keyId = undefined;
    }
    if (!keyId) throw new KmsError(Code.InvalidParameter, 'Invalid cipher_text: it is malformed, was altered, or belongs to another key, project or additional_authenticated_data.');
    return keyId;
  }
  return f.string('key_id', KEY_REF_RULE);
}

/** The key a request names, when it names one (body key_id, a /kms/{key_id}/… path, or decrypt-data's ciphertext). */
function namedKeyRef(operation: string, input: Input): string | undefined {
  if (input.params.key_id !== undefined) return input.params.key_id;
  if (input.body.has('key_id') || operation === 'decrypt-data') return keyRefOf(operation, input);
  return undefined;
}

async function findKey(kms: Kms, project: string, ref: string): Promise<KeyRecord | null> {
  try {
    return await resolveKey(kms, project, ref);
  } catch (e) {
    if (e instanceof KmsError && e.code === Code.KeyNotFound) return null;
    throw e;
  }
}

const pinned = (input: Input, r: KeyRecord): Input =>
  input.params.key_id !== undefined
    ? { ...input, params: { ...input.params, key_id: r.id } }
    : { ...input, body: new FieldReader({ ...input.body.body, key_id: r.id }, KMS_FIELDS) };

/**
 * What the caller's identity policies (src/iam/policy.ts) say: an applying Deny refuses (KMS.0306 on a
 * key, KMS.0307 otherwise), an applying Allow allows with the key pinned, and silence leaves it to grants.
 * A request that names no key is matched only by statements over every resource, so an Allow narrowed to
 * some keys never reaches an operation that picks its key another way (re-encrypt's destination).
 */
async function byPolicy(kms: Kms, call: Call, operation: string, input: Input): Promise<Input | null> {
  const policies = call.policies;
  if (!policies && !call.narrowing) return null;
  const ref = namedKeyRef(operation, input);
  const r = ref === undefined ? null : await findKey(kms, call.project, ref);
  const resources = r
    ? keyResources(kms.region, call.project, r.id, r.alias)
    : ref === undefined
      ? []
      : [`KMS:${kms.region}:${call.project}:${KEY_ID.test(ref) ? 'KeyId' : 'KeyAlias'}:${ref}`];
  const aad = input.body.body.additional_authenticated_data;
  const decision = decide(policies ?? [], call.narrowing, {
    action: KMS_ACTIONS[operation] ?? `kms:unknown:${operation}`,
    resources,
    context: { 'kms:EncryptionContext': typeof aad === 'string' ? aad : undefined },
  });
  if (decision === 'deny') {
    if (ref !== undefined) throw noKeyPermission();
    throw new KmsError(Code.NoApiPermission, `The caller may not call ${operation}: a policy denies it.`, 403);
  }
  if (decision === 'allow') return r ? pinned(input, r) : input;
  return null;
}

/**
 * Checks that `call` may run `operation` with `input`; returns the input the operation must use (for a
 * non-administrator, with the checked key pinned by id). Throws a 403 KmsError otherwise.
 */
export async function authorize(kms: Kms, call: Call, operation: string, input: Input): Promise<Input> {
  if (isAdmin(call)) return input;
  const allowed = await byPolicy(kms, call, operation, input);
  if (allowed) return allowed;
  if (SELF_SERVICE.has(operation)) return input;
  if (!GRANTABLE.has(operation)) {
    throw new KmsError(Code.NoApiPermission, `The caller may not call ${operation}: it is not an administrator, and neither policies nor grants cover this API.`, 403);
  }
  const ref = keyRefOf(operation, input);
  const r = await findKey(kms, call.project, ref);
  if (!r || !grantedOperations(kms, r, call.principal).has(operation)) throw noKeyPermission();
  return pinned(input, r);
}

/** An operation that runs only after `authorize` allowed it. */
export function authorized(operation: string, op: Operation): Operation {
  return async (kms, call, input) => op(kms, call, await authorize(kms, call, operation, input));
}
