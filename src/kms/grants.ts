// Grants (docs/kms-api.md, "Grants"): create-grant, list-grants, list-retirable-grants, revoke-grant, retire-grant. A grant
// lets a grantee principal run the listed operations on one key; src/kms/authorize.ts is where every
// operation consults them. Grants live in their key's document, so creating or removing one is a single
// compare-and-set write of the key (the per-key limit cannot be raced past) and they die with the key.
//
// Rules: grant_id is 64 hex digits (random); `create-grant` alone is refused (KMS.2401); default keys
// cannot be granted (KMS.0211); more than kms.limits.grantsPerKey grants on a key is KMS.2404. A grantee
// holding create-grant may grant onwards, but never more operations than it holds itself (KMS.0306).
// Only administrators create `domain` grants, and their grantee must be the deployment's domain id (a domain
// grant applies to every principal of the account). Only administrators revoke (the key's owner); retiring
// is for the grant's issuer, its retiring principal, or its grantee when the grant lists retire-grant
// (KMS.2402 otherwise). For an administrator an unknown grant_id is KMS.2501 and one that belongs to
// another key KMS.2502. Any other caller gets 403 KMS.0306 for a key that does not exist and for a grant
// that is not on the key named, unless it may retire that grant (then KMS.2502), so retire-grant reveals
// nothing about keys or grants the caller has no part in. Grants are found through src/kms/grant-index.ts.
import { DECIMAL } from '../api/fields.ts';
import { randomBytes } from '../crypto/bytes.ts';
import { toHex } from '../crypto/encoding.ts';
import { GRANTABLE_OPERATIONS, grantedOperations, isAdmin, mayRetire, noKeyPermission } from './authorize.ts';
import { findGrant, indexGrant, retirableGrants, unindexGrant } from './grant-index.ts';
import { Code, KmsError } from './errors.ts';
import type { GrantRecord, KeyRecord } from './key-record.ts';
import { assertState } from './key-state.ts';
import { KEY_REF_RULE, assertNotDefault, resolveKey } from './keys.ts';
import type { Kms } from './kms.ts';
import { fields, ok, type Call, type Input, type Operation } from './operation.ts';

const PRINCIPAL = /^[a-zA-Z0-9]{1,64}$/;
const GRANT_NAME = /^[a-zA-Z0-9:/_-]{1,255}$/;
const GRANT_ID = /^[A-Fa-f0-9]{64}$/;

function grantView(r: KeyRecord, g: GrantRecord) {
  return {
    key_id: r.id,
    grant_id: g.id,
    grantee_principal: g.grantee,
    grantee_principal_type: g.granteeType,
    operations: [...g.operations],
    issuing_principal: g.issuer,
    creation_date: String(g.createdAt),
    name: g.name ?? '',
    retiring_principal: g.retiring ?? '',
  };
}

export const createGrantOp: Operation = async (kms, call, input) => {
  const f = fields(input, { grantee_principal: Code.InvalidGrantPrincipal, retiring_principal: Code.InvalidGrantPrincipal });
  const ref = f.string('key_id', KEY_REF_RULE);
  const grantee = f.string('grantee_principal', { required: true, pattern: PRINCIPAL });
  const operations = [...new Set(f.strings('operations', { required: true, minItems: 1, maxItems: 64, item: { enum: GRANTABLE_OPERATIONS } })!)];
  const name = f.string('name', { pattern: GRANT_NAME, emptyIsAbsent: true });
  const retiring = f.string('retiring_principal', { pattern: PRINCIPAL, emptyIsAbsent: true });
  const granteeType = (f.string('grantee_principal_type', { enum: ['user', 'domain'], emptyIsAbsent: true }) ?? 'user') as 'user' | 'domain';
  if (operations.length === 1 && operations[0] === 'create-grant') {
    throw new KmsError(Code.GrantOnlyCreateGrant, 'Invalid operations: create-grant cannot be the only granted operation.');
  }
  const admin = isAdmin(call);
  if (granteeType === 'domain') {
    if (!admin) throw new KmsError(Code.NoKeyPermission, 'Only administrators create grants of type domain.', 403);
    if (grantee !== kms.domainId) throw new KmsError(Code.InvalidGrantPrincipal, 'Invalid grantee_principal: a domain grant names the domain id.');
  }
  const target = await resolveKey(kms, call.project, ref);
  const grant: GrantRecord = {
    id: toHex(randomBytes(32), false),
    grantee,
    granteeType,
    operations,
    issuer: call.principal,
    createdAt: kms.clock.now(),
    ...(name === undefined ? {} : { name }),
    ...(retiring === undefined ? {} : { retiring }),
  };
  // The pointers go first; if the key refuses the grant they are left invisible and maintenance removes them.
  await indexGrant(kms, call.project, target.id, grant);
  await kms.repo.update(call.project, target.id, (r) => {
    assertNotDefault(r);
    assertState(r.id, r.state, 'modify');
    if (!admin) {
      // Granting onwards never widens access: only operations the issuer itself holds on this key.
      const own = grantedOperations(kms, r, call.principal);
      const extra = operations.filter((op) => !own.has(op));
      if (extra.length) throw new KmsError(Code.NoKeyPermission, `The caller cannot grant operations it does not hold: ${extra.join(', ')}.`, 403);
    }
    const grants = r.grants ?? [];
    if (grants.length >= kms.limits.grantsPerKey) {
      throw new KmsError(Code.GrantQuota, `The key ${r.id} already has ${grants.length} grants, its limit.`);
    }
    return { ...r, grants: [...grants, grant] };
  });
  return ok({ grant_id: grant.id });
};

function page(input: Input) {
  const f = fields(input, {});
  const limit = Number(f.string('limit', { pattern: DECIMAL, emptyIsAbsent: true }) ?? '100');
  if (limit < 1 || limit > 1000) throw new KmsError(Code.InvalidLimit, 'Invalid limit: must be 1-1000.');
  const marker = Number(f.string('marker', { pattern: DECIMAL, emptyIsAbsent: true }) ?? '0');
  return { limit, marker };
}

function listing(all: ReturnType<typeof grantView>[], { limit, marker }: { limit: number; marker: number }) {
  const truncated = marker + limit < all.length;
  return {
    grants: all.slice(marker, marker + limit),
    next_marker: truncated ? String(marker + limit) : '',
    truncated: String(truncated),
    total: all.length,
  };
}

export const listGrantsOp: Operation = async (kms, call, input) => {
  const ref = fields(input, {}).string('key_id', KEY_REF_RULE);
  const p = page(input);
  const r = await resolveKey(kms, call.project, ref);
  assertState(r.id, r.state, 'read');
  return ok(listing((r.grants ?? []).map((g) => grantView(r, g)), p));
};

export const listRetirableGrantsOp: Operation = async (kms, call, input) => {
  const p = page(input);
  const all = (await retirableGrants(kms, call.project, call.principal)).map(({ key, grant }) => grantView(key, grant));
  return ok(listing(all, p));
};

/** Where a grant is when it is not on the key the request named: 2502 if on another key, 2501 if nowhere. */
async function missingGrant(kms: Kms, call: Call, grantId: string, allowed: (g: GrantRecord) => boolean): Promise<KmsError> {
  const found = await findGrant(kms, call.project, grantId);
  // A caller that may not act on the grant learns nothing about it, as for a key that does not exist.
  if (!isAdmin(call) && !(found && allowed(found.grant))) return noKeyPermission();
  if (found) return new KmsError(Code.GrantKeyMismatch, `The grant ${grantId} does not belong to the key_id given.`);
  return new KmsError(Code.GrantNotFound, `The grant ${grantId} does not exist.`);
}

async function removeGrant(kms: Kms, call: Call, input: Input, allowed: (g: GrantRecord) => boolean): Promise<void> {
  const f = fields(input, {});
  const ref = f.string('key_id', KEY_REF_RULE);
  const grantId = f.string('grant_id', { required: true, pattern: GRANT_ID }).toLowerCase();
  let target: KeyRecord;
  try {
    target = await resolveKey(kms, call.project, ref);
  } catch (e) {
    if (!isAdmin(call) && e instanceof KmsError && e.code === Code.KeyNotFound) throw noKeyPermission();
    throw e;
  }
  let removed: GrantRecord | undefined;
  try {
    await kms.repo.update(call.project, target.id, (r) => {
      assertState(r.id, r.state, 'read');
      const g = (r.grants ?? []).find((x) => x.id === grantId);
      if (!g) throw new NotOnKey();
      if (!allowed(g)) throw new KmsError(Code.InvalidGrantPrincipal, `The caller may not retire the grant ${grantId}.`);
      removed = g;
      return { ...r, grants: r.grants!.filter((x) => x.id !== grantId) };
    });
  } catch (e) {
    if (e instanceof NotOnKey) throw await missingGrant(kms, call, grantId, allowed);
    throw e;
  }
  if (removed) await unindexGrant(kms, call.project, removed);
}

/** The grant is not on the key named (thrown inside the update so nothing is written). */
class NotOnKey extends Error {}

export const revokeGrantOp: Operation = async (kms, call, input) => {
  // Only administrators get here (authorize.ts); they may revoke any grant.
  await removeGrant(kms, call, input, () => true);
  return ok();
};

export const retireGrantOp: Operation = async (kms, call, input) => {
  await removeGrant(kms, call, input, (g) => mayRetire(kms, g, call));
  return ok();
};
