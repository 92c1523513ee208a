// The authorization check itself, called in-process with the calls the HTTP layer builds: identity
// policies (Allow, Deny, resources by key id and alias, the encryption-context condition, a temporary
// credential's narrowing policy) and how they combine with grants; the key a request names (body,
// path, or the key id inside decrypt-data's ciphertext) and that the input handed on names the checked
// key by id. test/kms/grants.test.ts proves the grant rules over signed HTTP.
import { beforeEach, describe, expect, it } from 'vitest';
import { FieldReader } from '../../src/api/fields.ts';
import type { Statement } from '../../src/iam/policy.ts';
import { authorize, authorized, grantApplies, grantedOperations, isAdmin, mayRetire } from '../../src/kms/authorize.ts';
import { KmsError } from '../../src/kms/errors.ts';
import type { GrantRecord } from '../../src/kms/key-record.ts';
import { KMS_FIELDS, type Call, type Input } from '../../src/kms/operation.ts';
import { ADMIN, makeRig, rejection, type Rig } from '../helpers/kms.ts';

let rig: Rig;
let keyA: string;
let keyB: string;
let cipherA: string;
const MISSING_ID = '00000000-0000-4000-8000-000000000000';

const kms = (action: string, body: unknown) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
const input = (body: Record<string, unknown>, params: Record<string, string> = {}): Input => ({ body: new FieldReader(body, KMS_FIELDS), query: new URLSearchParams(), params });
const user = (extra: Partial<Call> = {}): Call => ({ project: ADMIN.project, principal: 'carol03', role: 'user', requestId: 'req', ...extra });
const allow = (Action: string[], Resource?: string[], Condition?: Statement['Condition']): Statement => ({ Effect: 'Allow', Action, ...(Resource ? { Resource } : {}), ...(Condition ? { Condition } : {}) });
const deny = (Action: string[], Resource?: string[]): Statement => ({ Effect: 'Deny', Action, ...(Resource ? { Resource } : {}) });

/** The KmsError authorize throws, with its code and status. */
async function refusal(call: Call, operation: string, given: Input): Promise<[string, number]> {
  const e = await rejection(authorize(rig.kms, call, operation, given));
  expect(e).toBeInstanceOf(KmsError);
  return [e.code, e.status];
}

beforeEach(async () => {
  rig = await makeRig();
  keyA = (await kms('create-key', { key_alias: 'app-orders' })).key_info.key_id;
  keyB = (await kms('create-key', { key_alias: 'other-key' })).key_info.key_id;
  await kms('aliases', { key_id: keyA, alias: 'orders' });
  cipherA = (await kms('encrypt-data', { key_id: keyA, plain_text: 'x', additional_authenticated_data: 'tenant=1' })).cipher_text;
});

describe('administrators and plain users', () => {
  it('an administrator passes with the input untouched; a user without policies or grants is refused', async () => {
    const given = input({ key_id: 'alias/orders', plain_text: 'x' });
    expect(await authorize(rig.kms, user({ role: 'admin' }), 'encrypt-data', given)).toBe(given);
    expect(await authorize(rig.kms, user({ role: 'admin' }), 'create-key', input({}))).toEqual(input({}));
    expect(await refusal(user(), 'encrypt-data', given)).toEqual(['KMS.0306', 403]);
    expect(await refusal(user(), 'create-key', input({ key_alias: 'x' }))).toEqual(['KMS.0307', 403]);
    const e = await rejection(authorize(rig.kms, user(), 'encrypt-data', given));
    expect(e.message).toBe('The caller has no grant for this operation on this key.');
    const api = await rejection(authorize(rig.kms, user(), 'create-key', input({})));
    expect(api.message).toBe('The caller may not call create-key: it is not an administrator, and neither policies nor grants cover this API.');
  });

  it('an API a user may never call is refused before its key is looked at, whatever the key_id', async () => {
    for (const key_id of [keyA, 'no-such-form', '!!', MISSING_ID]) {
      expect(await refusal(user(), 'disable-key', input({ key_id })), key_id).toEqual(['KMS.0307', 403]);
    }
  });

  it('a grantable request names its key as the operation reads it: a malformed key_id is 400, a missing one 403', async () => {
    await kms('create-grant', { key_id: keyA, grantee_principal: 'carol03', operations: ['encrypt-data', 'decrypt-data'] });
    expect(await refusal(user(), 'encrypt-data', input({ key_id: 'no-such-form', plain_text: 'x' }))).toEqual(['KMS.0205', 400]);
    expect(await refusal(user(), 'encrypt-data', input({ key_id: 'alias/nothing', plain_text: 'x' }))).toEqual(['KMS.0306', 403]);
    const absent = await rejection(authorize(rig.kms, user(), 'encrypt-data', input({ plain_text: 'x' })));
    expect([absent.code, absent.message]).toEqual(['KMS.0204', 'Missing required parameter: key_id.']);
    const empty = await rejection(authorize(rig.kms, user(), 'encrypt-data', input({ key_id: '', plain_text: 'x' })));
    expect(empty.code).toBe('KMS.0205');
    expect(isAdmin({ role: 'admin' })).toBe(true);
    expect(isAdmin({ role: 'user' })).toBe(false);
  });

  it('self-service operations pass for any user, with the input untouched', async () => {
    for (const op of ['list-retirable-grants', 'retire-grant']) {
      const given = input({ key_id: keyA, grant_id: 'a'.repeat(64) });
      expect(await authorize(rig.kms, user(), op, given), op).toBe(given);
    }
  });

  it('a grant for the principal allows exactly its operations, and the input names the key by id', async () => {
    await kms('create-grant', { key_id: keyA, grantee_principal: 'carol03', operations: ['encrypt-data', 'describe-key'] });
    const out = await authorize(rig.kms, user(), 'encrypt-data', input({ key_id: 'alias/orders', plain_text: 'x' }));
    expect([out.body.body.key_id, out.body.body.plain_text, out.params]).toEqual([keyA, 'x', {}]);
    expect(await refusal(user(), 'decrypt-datakey', input({ key_id: keyA }))).toEqual(['KMS.0306', 403]);
    expect(await refusal(user(), 'encrypt-data', input({ key_id: keyB, plain_text: 'x' }))).toEqual(['KMS.0306', 403]);
    expect(await refusal(user({ principal: 'dave04' }), 'encrypt-data', input({ key_id: keyA, plain_text: 'x' }))).toEqual(['KMS.0306', 403]);
    expect(await refusal(user(), 'encrypt-data', input({ key_id: MISSING_ID, plain_text: 'x' }))).toEqual(['KMS.0306', 403]);
  });

  it('decrypt-data without a key_id (absent or empty) is checked against the key inside the ciphertext', async () => {
    await kms('create-grant', { key_id: keyA, grantee_principal: 'carol03', operations: ['decrypt-data'] });
    for (const body of [{ cipher_text: cipherA }, { cipher_text: cipherA, key_id: '' }]) {
      const out = await authorize(rig.kms, user(), 'decrypt-data', input(body));
      expect(out.body.body, JSON.stringify(body)).toEqual({ cipher_text: cipherA, key_id: keyA });
    }
    const cipherB = (await kms('encrypt-data', { key_id: keyB, plain_text: 'x' })).cipher_text;
    expect(await refusal(user(), 'decrypt-data', input({ cipher_text: cipherB }))).toEqual(['KMS.0306', 403]);
    // The key named in key_id is the one checked, not the one inside the ciphertext.
    expect(await refusal(user(), 'decrypt-data', input({ cipher_text: cipherA, key_id: keyB }))).toEqual(['KMS.0306', 403]);
  });

  it('a decrypt-data ciphertext that is not base64 or not a blob is a 400 KMS.0308, not a crash', async () => {
    await kms('create-grant', { key_id: keyA, grantee_principal: 'carol03', operations: ['decrypt-data'] });
    for (const cipher_text of ['!!!!', 'AAAA', cipherA.slice(0, 20)]) {
      const e = await rejection(authorize(rig.kms, user(), 'decrypt-data', input({ cipher_text })));
      expect([e.code, e.status, e.message], cipher_text).toEqual([
        'KMS.0308',
        400,
        'Invalid cipher_text: it is malformed, was altered, or belongs to another key, project or additional_authenticated_data.',
      ]);
    }
    // A missing or oversized cipher_text is the field reader's error.
    expect(await refusal(user(), 'decrypt-data', input({}))).toEqual(['KMS.0204', 400]);
    const long = await rejection(authorize(rig.kms, user(), 'decrypt-data', input({ cipher_text: 'A'.repeat(5652) })));
    expect([long.code, long.message]).toEqual(['KMS.0308', 'Invalid cipher_text: must be at most 5648 characters.']);
  });

  it('a domain grant covers every principal of the deployment; a user grant only its grantee', async () => {
    const g = (grantee: string, granteeType: 'user' | 'domain'): GrantRecord => ({ id: 'g', grantee, granteeType, operations: ['describe-key', 'retire-grant'], issuer: 'admin', createdAt: 0 }) as GrantRecord;
    expect(grantApplies(rig.kms, g(rig.kms.domainId, 'domain'), 'anyone')).toBe(true);
    expect(grantApplies(rig.kms, g('carol03', 'domain'), 'carol03')).toBe(false);
    expect(grantApplies(rig.kms, g('carol03', 'user'), 'carol03')).toBe(true);
    expect(grantApplies(rig.kms, g(rig.kms.domainId, 'user'), 'carol03')).toBe(false);
    const record = { grants: [g('carol03', 'user'), { ...g('dave04', 'user'), operations: ['sign'] }] } as never;
    expect([...grantedOperations(rig.kms, record, 'carol03')]).toEqual(['describe-key', 'retire-grant']);
    expect([...grantedOperations(rig.kms, { grants: undefined } as never, 'carol03')]).toEqual([]);
  });

  it('mayRetire: the administrator, the issuer, the retiring principal, the grantee holding retire-grant', () => {
    const g = { id: 'g', grantee: 'carol03', granteeType: 'user', operations: ['describe-key'], issuer: 'erin05', retiring: 'frank06', createdAt: 0 } as unknown as GrantRecord;
    const by = (principal: string, role: 'admin' | 'user' = 'user') => mayRetire(rig.kms, g, { principal, role });
    expect([by('someone', 'admin'), by('erin05'), by('frank06'), by('carol03'), by('someone')]).toEqual([true, true, true, false, false]);
    expect(mayRetire(rig.kms, { ...g, operations: ['retire-grant'] }, { principal: 'carol03', role: 'user' })).toBe(true);
    expect(mayRetire(rig.kms, { ...g, operations: ['retire-grant'] }, { principal: 'dave04', role: 'user' })).toBe(false);
  });

  it('authorized() runs the operation with the checked input, and not at all when refused', async () => {
    await kms('create-grant', { key_id: keyA, grantee_principal: 'carol03', operations: ['describe-key'] });
    const seen: Input[] = [];
    const op = authorized('describe-key', async (_kms, _call, given) => {
      seen.push(given);
      return { status: 200, body: 'ran' };
    });
    expect(await op(rig.kms, user(), input({ key_id: 'alias/orders' }))).toEqual({ status: 200, body: 'ran' });
    expect(seen.map((i) => i.body.body.key_id)).toEqual([keyA]);
    await rejection(op(rig.kms, user(), input({ key_id: keyB })));
    expect(seen).toHaveLength(1);
  });
});

describe('identity policies', () => {
  it('an Allow over a key alias pattern allows that key (pinned by id) and no other', async () => {
    const call = user({ policies: [allow(['kms:cmk:encrypt'], ['KMS:*:*:KeyAlias:app-*'])] });
    const out = await authorize(rig.kms, call, 'encrypt-data', input({ key_id: 'alias/orders', plain_text: 'x' }));
    expect(out.body.body).toEqual({ key_id: keyA, plain_text: 'x' });
    expect(await refusal(call, 'encrypt-data', input({ key_id: keyB, plain_text: 'x' }))).toEqual(['KMS.0306', 403]);
    expect(await refusal(call, 'decrypt-data', input({ cipher_text: cipherA }))).toEqual(['KMS.0306', 403]);
  });

  it('an Allow over a key id names the resource with the region and project', async () => {
    const exact = user({ policies: [allow(['kms:cmk:get'], [`KMS:${rig.kms.region}:${ADMIN.project}:KeyId:${keyA}`])] });
    expect((await authorize(rig.kms, exact, 'describe-key', input({ key_id: 'alias/orders' }))).body.body.key_id).toBe(keyA);
    const otherProject = user({ policies: [allow(['kms:cmk:get'], [`KMS:*:fedcba9876543210fedcba9876543210:KeyId:${keyA}`])] });
    expect(await refusal(otherProject, 'describe-key', input({ key_id: keyA }))).toEqual(['KMS.0306', 403]);
  });

  it('a key named in the path is pinned in the path, and the body is left alone', async () => {
    const call = user({ policies: [allow(['kms:cmkTag:create'], ['KMS:*:*:KeyAlias:app-orders'])] });
    const out = await authorize(rig.kms, call, 'create-kms-tag', input({ tag: { key: 'k', value: 'v' } }, { key_id: 'alias/orders' }));
    expect([out.params, out.body.body]).toEqual([{ key_id: keyA }, { tag: { key: 'k', value: 'v' } }]);
    expect(await refusal(call, 'create-kms-tag', input({ tag: { key: 'k', value: 'v' } }, { key_id: keyB }))).toEqual(['KMS.0307', 403]);
  });

  it('an Allow for an action with no key reaches only requests that name no key, and is matched by action', async () => {
    const call = user({ policies: [allow(['kms:cmk:create'])] });
    const given = input({ key_alias: 'new-key' });
    expect(await authorize(rig.kms, call, 'create-key', given)).toBe(given);
    expect(await refusal(call, 'list-keys', input({}))).toEqual(['KMS.0307', 403]);
    // A statement narrowed to some keys never matches a request that names none.
    for (const resource of ['KMS:*:*:KeyAlias:*', '?*']) {
      const narrowed = user({ policies: [allow(['kms:cmk:create'], [resource])] });
      expect(await refusal(narrowed, 'create-key', given), resource).toEqual(['KMS.0307', 403]);
    }
  });

  it('a key that does not exist is named as the request names it: KeyId for an id, KeyAlias otherwise', async () => {
    const byId = user({ policies: [allow(['kms:cmk:get'], [`KMS:*:*:KeyId:${MISSING_ID}`])] });
    const idInput = input({ key_id: MISSING_ID });
    expect(await authorize(rig.kms, byId, 'describe-key', idInput)).toBe(idInput);
    const byAlias = user({ policies: [allow(['kms:cmk:get'], ['KMS:*:*:KeyAlias:alias/nothing-here'])] });
    const aliasInput = input({ key_id: 'alias/nothing-here' });
    expect(await authorize(rig.kms, byAlias, 'describe-key', aliasInput)).toBe(aliasInput);
    // An alias that holds a key id is an alias.
    const idAlias = `alias/${MISSING_ID}`;
    expect(await authorize(rig.kms, user({ policies: [allow(['kms:cmk:get'], [`KMS:*:*:KeyAlias:${idAlias}`])] }), 'describe-key', input({ key_id: idAlias }))).toEqual(input({ key_id: idAlias }));
    expect(await refusal(user({ policies: [allow(['kms:cmk:get'], [`KMS:*:*:KeyId:${idAlias}`])] }), 'describe-key', input({ key_id: idAlias }))).toEqual(['KMS.0306', 403]);
    // Every id of the wire form is an id, also one with letters past f.
    const zId = 'zzzzzzzz-0000-4000-8000-000000000000';
    expect(await authorize(rig.kms, user({ policies: [allow(['kms:cmk:get'], [`KMS:*:*:KeyId:${zId}`])] }), 'describe-key', input({ key_id: zId }))).toEqual(input({ key_id: zId }));
  });

  it('a Deny wins over a grant: KMS.0306 on a key, KMS.0307 for an API without one', async () => {
    await kms('create-grant', { key_id: keyA, grantee_principal: 'carol03', operations: ['encrypt-data'] });
    const call = user({ policies: [deny(['kms:cmk:encrypt'], ['KMS:*:*:KeyId:*']), allow(['kms:cmk:encrypt'])] });
    const e = await rejection(authorize(rig.kms, call, 'encrypt-data', input({ key_id: keyA, plain_text: 'x' })));
    expect([e.code, e.status]).toEqual(['KMS.0306', 403]);
    const noKey = await rejection(authorize(rig.kms, user({ policies: [deny(['kms:*'])] }), 'list-retirable-grants', input({})));
    expect([noKey.code, noKey.status, noKey.message]).toEqual(['KMS.0307', 403, 'The caller may not call list-retirable-grants: a policy denies it.']);
    // With the Deny for another key, the grant decides.
    const elsewhere = user({ policies: [deny(['kms:cmk:encrypt'], [`KMS:*:*:KeyId:${keyB}`])] });
    expect((await authorize(rig.kms, elsewhere, 'encrypt-data', input({ key_id: keyA, plain_text: 'x' }))).body.body.key_id).toBe(keyA);
  });

  it('a statement that does not apply leaves the decision to grants', async () => {
    const call = user({ policies: [allow(['kms:cmk:sign'])] });
    expect(await refusal(call, 'encrypt-data', input({ key_id: keyA, plain_text: 'x' }))).toEqual(['KMS.0306', 403]);
    await kms('create-grant', { key_id: keyA, grantee_principal: 'carol03', operations: ['encrypt-data'] });
    expect((await authorize(rig.kms, call, 'encrypt-data', input({ key_id: 'alias/orders', plain_text: 'x' }))).body.body.key_id).toBe(keyA);
    expect(await authorize(rig.kms, user({ policies: [] }), 'retire-grant', input({}))).toEqual(input({}));
  });

  it('the encryption-context condition reads additional_authenticated_data', async () => {
    const call = user({ policies: [allow(['kms:cmk:decrypt'], undefined, { StringEquals: { 'kms:EncryptionContext': ['tenant=1'] } })] });
    const ok = await authorize(rig.kms, call, 'decrypt-data', input({ cipher_text: cipherA, additional_authenticated_data: 'tenant=1' }));
    expect(ok.body.body).toEqual({ cipher_text: cipherA, additional_authenticated_data: 'tenant=1', key_id: keyA });
    expect(await refusal(call, 'decrypt-data', input({ cipher_text: cipherA, additional_authenticated_data: 'tenant=2' }))).toEqual(['KMS.0306', 403]);
    expect(await refusal(call, 'decrypt-data', input({ cipher_text: cipherA }))).toEqual(['KMS.0306', 403]);
    // A non-string additional_authenticated_data is no context (the Null condition sees it absent).
    const absent = user({ policies: [allow(['kms:cmk:decrypt'], undefined, { Null: { 'kms:EncryptionContext': ['true'] } })] });
    expect((await authorize(rig.kms, absent, 'decrypt-data', input({ cipher_text: cipherA, additional_authenticated_data: 7 }))).body.body.key_id).toBe(keyA);
    expect(await refusal(absent, 'decrypt-data', input({ cipher_text: cipherA, additional_authenticated_data: 'tenant=1' }))).toEqual(['KMS.0306', 403]);
  });

  it('an operation without a policy action is kms:unknown:<name>, matched by no statement over the named KMS actions', async () => {
    expect(await refusal(user({ policies: [allow(['kms:cmk:*'])] }), 'no-such-operation', input({}))).toEqual(['KMS.0307', 403]);
    const given = input({});
    expect(await authorize(rig.kms, user({ policies: [allow(['kms:*:*'])] }), 'no-such-operation', given)).toBe(given);
    expect(await authorize(rig.kms, user({ policies: [allow(['kms:unknown:no-such-operation'])] }), 'no-such-operation', given)).toBe(given);
  });

  it("a temporary credential's narrowing policy can only take away, also from a user without policies", async () => {
    await kms('create-grant', { key_id: keyA, grantee_principal: 'carol03', operations: ['encrypt-data', 'describe-key'] });
    const narrowing = [allow(['kms:cmk:get'])];
    // Grants still decide what the narrowing admits...
    expect((await authorize(rig.kms, user({ narrowing }), 'describe-key', input({ key_id: keyA }))).body.body.key_id).toBe(keyA);
    // ...and what it does not admit is refused although a grant covers it.
    expect(await refusal(user({ narrowing }), 'encrypt-data', input({ key_id: keyA, plain_text: 'x' }))).toEqual(['KMS.0306', 403]);
    // With policies, an Allow outside the narrowing is refused too.
    const both = user({ policies: [allow(['kms:cmk:*'])], narrowing });
    expect(await refusal(both, 'encrypt-data', input({ key_id: keyB, plain_text: 'x' }))).toEqual(['KMS.0306', 403]);
    expect((await authorize(rig.kms, both, 'describe-key', input({ key_id: keyB }))).body.body.key_id).toBe(keyB);
  });
});
