// Grants and authorization over signed HTTP (in-process): the grant API (create, list, list-retirable,
// revoke, retire) with its limits and errors, and the proof that a non-administrator principal can run
// exactly the granted operations on exactly the granted key and nothing else, and that revoking or retiring
// a grant takes effect at once.
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { KMS_ROUTES } from '../../src/kms/routes.ts';
import { ApiError } from '../../src/sdk/errors.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { listAll, type PutOptions, type Store } from '../../src/store/store.ts';
import type { SignedClient } from '../../src/sdk/client.ts';
import { USERS, makeRig, rejection, type Rig } from '../helpers/kms.ts';

let rig: Rig;
let keyA: string;
let keyB: string;
let alice: SignedClient;
let bob: SignedClient;

const call = (client: SignedClient, action: string, body: unknown) => client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
const kms = (action: string, body: unknown) => call(rig.client, action, body);
const fail = (action: string, body: unknown, client = rig.client) => rejection<ApiError>(call(client, action, body));
const ALICE = USERS.alice.principal;
const BOB = USERS.bob.principal;

beforeEach(async () => {
  rig = await makeRig();
  keyA = (await kms('create-key', { key_alias: 'grant-a' })).key_info.key_id;
  keyB = (await kms('create-key', { key_alias: 'grant-b' })).key_info.key_id;
  alice = rig.userClient('alice');
  bob = rig.userClient('bob');
});

const grant = (body: object) => kms('create-grant', { key_id: keyA, grantee_principal: ALICE, operations: ['describe-key'], ...body });

describe('the grant API', () => {
  it('creates a grant with a 64-hex id and lists it with every field', async () => {
    const { grant_id } = await grant({ operations: ['encrypt-data', 'decrypt-data'], name: 'app:orders', retiring_principal: BOB });
    expect(grant_id).toMatch(/^[0-9a-f]{64}$/);
    const list = await kms('list-grants', { key_id: keyA });
    expect(list).toEqual({
      grants: [
        {
          key_id: keyA,
          grant_id,
          grantee_principal: ALICE,
          grantee_principal_type: 'user',
          operations: ['encrypt-data', 'decrypt-data'],
          issuing_principal: 'admin',
          creation_date: String(rig.clock.now()),
          name: 'app:orders',
          retiring_principal: BOB,
        },
      ],
      next_marker: '',
      truncated: 'false',
      total: 1,
    });
    expect((await kms('list-grants', { key_id: keyB })).total).toBe(0);
  });

  it('pages list-grants with limit / marker strings', async () => {
    for (let i = 0; i < 5; i++) await grant({ name: `g${i}` });
    const p1 = await kms('list-grants', { key_id: keyA, limit: '2' });
    expect([p1.grants.map((g: { name: string }) => g.name), p1.truncated, p1.next_marker, p1.total]).toEqual([['g0', 'g1'], 'true', '2', 5]);
    const p3 = await kms('list-grants', { key_id: keyA, limit: '2', marker: '4' });
    expect([p3.grants.length, p3.truncated, p3.next_marker]).toEqual([1, 'false', '']);
    expect((await fail('list-grants', { key_id: keyA, limit: '0' })).code).toBe('KMS.1601');
    expect((await fail('list-grants', { key_id: keyA, marker: '-1' })).code).toBe('KMS.1602');
  });

  it('refuses create-grant alone (KMS.2401), bad principals (KMS.2402), unknown operations, default keys', async () => {
    expect((await fail('create-grant', { key_id: keyA, grantee_principal: ALICE, operations: ['create-grant'] })).code).toBe('KMS.2401');
    expect((await fail('create-grant', { key_id: keyA, grantee_principal: ALICE, operations: ['create-grant', 'create-grant'] })).code).toBe('KMS.2401');
    await kms('create-grant', { key_id: keyA, grantee_principal: ALICE, operations: ['create-grant', 'describe-key'] });
    expect((await fail('create-grant', { key_id: keyA, grantee_principal: 'has space', operations: ['describe-key'] })).code).toBe('KMS.2402');
    expect((await fail('create-grant', { key_id: keyA, grantee_principal: 'x'.repeat(65), operations: ['describe-key'] })).code).toBe('KMS.2402');
    expect((await fail('create-grant', { key_id: keyA, grantee_principal: ALICE, operations: ['describe-key'], retiring_principal: 'a-b' })).code).toBe('KMS.2402');
    expect((await fail('create-grant', { key_id: keyA, grantee_principal: ALICE, operations: ['delete-key'] })).code).toBe('KMS.0308');
    expect((await fail('create-grant', { key_id: keyA, grantee_principal: ALICE, operations: [] })).code).toBe('KMS.0308');
    expect((await fail('create-grant', { key_id: keyA, grantee_principal: ALICE, operations: 'describe-key' })).code).toBe('KMS.0308');
    expect((await fail('create-grant', { key_id: keyA, grantee_principal: ALICE })).code).toBe('KMS.0204');
    expect((await fail('create-grant', { key_id: keyA, grantee_principal: ALICE, operations: ['describe-key'], name: 'bad name' })).code).toBe('KMS.0308');
    expect((await fail('create-grant', { key_id: keyA, grantee_principal: ALICE, operations: ['describe-key'], grantee_principal_type: 'group' })).code).toBe('KMS.0308');
    await kms('encrypt-data', { key_id: 'obs/default', plain_text: 'x' });
    expect((await fail('create-grant', { key_id: 'obs/default', grantee_principal: ALICE, operations: ['describe-key'] })).code).toBe('KMS.0211');
  });

  it('limits grants per key (KMS.2404) in one compare-and-set write each', async () => {
    // Record every write that lands, so the test sees how each grant reached the store.
    const landed: { key: string; options?: PutOptions }[] = [];
    const inner = new MemoryStore();
    const recording: Store = {
      get: (k) => inner.get(k),
      list: (prefix, options) => inner.list(prefix, options),
      delete: (k, options) => inner.delete(k, options),
      put: async (k, value, options) => {
        const version = await inner.put(k, value, options);
        landed.push({ key: k, options });
        return version;
      },
    };
    const small = await makeRig({ store: recording, limits: { grantsPerKey: 3 } });
    const id = (await call(small.client, 'create-key', { key_alias: 'g' })).key_info.key_id;
    landed.length = 0;
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => call(small.client, 'create-grant', { key_id: id, grantee_principal: ALICE, operations: ['describe-key'] })),
    );
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(3);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as ApiError).code).toBe('KMS.2404');
    // Three grants, three writes of the key's own document, each conditional on the version read; the
    // only other writes are the grant index pointers (grant-index.ts), one per attempt.
    const keyPath = `kms/${small.client.projectId}/key/${id}`;
    const toKey = landed.filter((w) => w.key === keyPath);
    expect(toKey.length).toBe(3);
    for (const w of toKey) expect(typeof w.options?.ifVersion).toBe('string');
    const others = landed.filter((w) => w.key !== keyPath).map((w) => w.key);
    expect(others.length).toBe(6);
    for (const k of others) expect(k).toMatch(new RegExp(`^kms/${small.client.projectId}/grant/[0-9a-fA-F]{64}$`));
    expect((await call(small.client, 'list-grants', { key_id: id })).total).toBe(3);
  });

  it('revoke-grant: KMS.2501 for an unknown grant, KMS.2502 for another key’s grant', async () => {
    const { grant_id } = await grant({});
    expect((await fail('revoke-grant', { key_id: keyB, grant_id })).code).toBe('KMS.2502');
    expect((await fail('revoke-grant', { key_id: keyA, grant_id: 'f'.repeat(64) })).code).toBe('KMS.2501');
    expect((await fail('revoke-grant', { key_id: keyA, grant_id: 'xyz' })).code).toBe('KMS.0308');
    expect(await kms('revoke-grant', { key_id: keyA, grant_id: grant_id.toUpperCase() })).toBeUndefined();
    expect((await kms('list-grants', { key_id: keyA })).total).toBe(0);
    expect((await fail('revoke-grant', { key_id: keyA, grant_id })).code).toBe('KMS.2501');
  });

  it('grants go with their key when it is destroyed', async () => {
    await grant({ operations: ['encrypt-data'] });
    await kms('schedule-key-deletion', { key_id: keyA, pending_days: '7' });
    expect((await kms('list-grants', { key_id: keyA })).total).toBe(1);
    expect((await fail('encrypt-data', { key_id: keyA, plain_text: 'x' }, alice)).code).toBe('KMS.0210');
    rig.clock.advance(8 * 86_400_000);
    expect((await kms('list-keys', { key_spec: 'ALL' })).keys).not.toContain(keyA);
  });
});

describe('what a grantee may do', () => {
  it('runs exactly the granted operations on exactly the granted key, and nothing else', async () => {
    await grant({ operations: ['encrypt-data', 'decrypt-data', 'describe-key'] });
    // Granted: encrypt, decrypt (with or without key_id), describe on key A.
    const enc = await call(alice, 'encrypt-data', { key_id: keyA, plain_text: 'granted' });
    expect(enc.key_id).toBe(keyA);
    expect((await call(alice, 'decrypt-data', { cipher_text: enc.cipher_text })).plain_text).toBe('granted');
    expect((await call(alice, 'decrypt-data', { cipher_text: enc.cipher_text, key_id: keyA })).plain_text).toBe('granted');
    expect((await call(alice, 'decrypt-data', { cipher_text: enc.cipher_text, key_id: '' })).plain_text).toBe('granted');
    expect((await call(alice, 'describe-key', { key_id: keyA })).key_info.key_id).toBe(keyA);
    // Not granted on A: data keys, disabling, rotation, aliases, tags.
    for (const [op, body] of [
      ['create-datakey', { key_id: keyA }],
      ['disable-key', { key_id: keyA }],
      ['schedule-key-deletion', { key_id: keyA, pending_days: '7' }],
      ['rotate-on-demand', { key_id: keyA }],
      ['update-key-description', { key_id: keyA, key_description: 'x' }],
      ['list-grants', { key_id: keyA }],
    ] as const) {
      const e = await fail(op, body, alice);
      expect([e.status, e.code], op).toEqual([403, ['create-datakey'].includes(op) ? 'KMS.0306' : 'KMS.0307']);
    }
    // Key B: nothing, including decrypting its ciphertexts; unknown keys look the same.
    const encB = await kms('encrypt-data', { key_id: keyB, plain_text: 'not yours' });
    for (const [op, body] of [
      ['encrypt-data', { key_id: keyB, plain_text: 'x' }],
      ['decrypt-data', { cipher_text: encB.cipher_text }],
      ['describe-key', { key_id: keyB }],
      ['describe-key', { key_id: '00000000-0000-0000-0000-000000000000' }],
      ['encrypt-data', { key_id: 'obs/default', plain_text: 'x' }],
    ] as const) {
      const e = await fail(op, body, alice);
      expect([e.status, e.code], `${op} ${JSON.stringify(body)}`).toEqual([403, 'KMS.0306']);
    }
    // A ciphertext of B presented with key_id A is still refused (the key inside decides).
    expect((await fail('decrypt-data', { cipher_text: encB.cipher_text, key_id: keyA }, alice)).code).toBe('KMS.0308');
    // Administration: never.
    for (const op of ['create-key', 'list-keys', 'gen-random', 'create-grant']) {
      const e = await fail(op, { key_alias: 'x', random_data_length: '8', key_id: keyB, grantee_principal: ALICE, operations: ['describe-key'] }, alice);
      expect([e.status, e.code], op).toEqual([403, op === 'create-grant' ? 'KMS.0306' : 'KMS.0307']);
    }
    // Bob holds nothing.
    expect((await fail('encrypt-data', { key_id: keyA, plain_text: 'x' }, bob)).code).toBe('KMS.0306');
    // And the refusals changed nothing: key B has no grants, key A is still enabled.
    expect((await kms('list-grants', { key_id: keyB })).total).toBe(0);
    expect((await kms('describe-key', { key_id: keyA })).key_info.key_state).toBe('2');
  });

  it('every route refuses a principal without grants (no operation escapes the check)', async () => {
    const enc = await kms('encrypt-data', { key_id: keyA, plain_text: 'x' });
    const body = { key_id: keyA, cipher_text: enc.cipher_text, plain_text: 'x', key_alias: 'x', alias: 'x', aliases: ['x'], target_key_id: keyA };
    let checked = 0;
    for (const route of KMS_ROUTES) {
      if (route.name === 'list-retirable-grants' || route.name === 'retire-grant') continue; // self-service, checked below
      const path = `/${route.version ?? 'v1.0'}/{project_id}${route.path.replace(':key_id', keyA).replace(':key', 'k')}`;
      const e = await rejection<ApiError>(bob.request(route.method, path, route.method === 'GET' ? undefined : body));
      expect(e.status, `${route.method} ${route.path}`).toBe(403);
      expect(['KMS.0306', 'KMS.0307'], route.name).toContain(e.code);
      checked++;
    }
    expect(checked).toBe(KMS_ROUTES.length - 2);
    expect((await call(bob, 'list-retirable-grants', {})).total).toBe(0);
    // retire-grant is no existence oracle: the same 403 for an existing key as for a missing one.
    const onExisting = await fail('retire-grant', { key_id: keyA, grant_id: 'a'.repeat(64) }, bob);
    const onMissing = await fail('retire-grant', { key_id: '00000000-0000-0000-0000-000000000000', grant_id: 'a'.repeat(64) }, bob);
    expect([onExisting.status, onExisting.code, onExisting.message]).toEqual([403, 'KMS.0306', onMissing.message]);
    expect([onMissing.status, onMissing.code]).toEqual([403, 'KMS.0306']);
  });

  it('grants to each data-key and asymmetric operation work for that operation only', async () => {
    const signer = (await kms('create-key', { key_alias: 'g-sign', key_spec: 'EC_P256' })).key_info.key_id;
    const mac = (await kms('create-key', { key_alias: 'g-mac', key_spec: 'HMAC_256' })).key_info.key_id;
    await grant({ operations: ['create-datakey', 'decrypt-datakey'] });
    await kms('create-grant', { key_id: signer, grantee_principal: ALICE, operations: ['sign', 'get-publickey'] });
    await kms('create-grant', { key_id: mac, grantee_principal: ALICE, operations: ['generate-mac'] });
    const dk = await call(alice, 'create-datakey', { key_id: keyA, datakey_length: '256' });
    expect((await call(alice, 'decrypt-datakey', { key_id: keyA, cipher_text: dk.cipher_text, datakey_cipher_length: '32' })).data_key).toBe(dk.plain_text);
    expect((await fail('create-datakey-without-plaintext', { key_id: keyA }, alice)).code).toBe('KMS.0306');
    const digest = createHash('sha256').update('m').digest('base64');
    const sig = await call(alice, 'sign', { key_id: signer, message: digest, signing_algorithm: 'ECDSA_SHA_256' });
    expect((await call(alice, 'get-publickey', { key_id: signer })).public_key).toContain('BEGIN PUBLIC KEY');
    expect((await fail('verify', { key_id: signer, message: digest, signing_algorithm: 'ECDSA_SHA_256', signature: sig.signature }, alice)).code).toBe('KMS.0306');
    const m = await call(alice, 'generate-mac', { key_id: mac, mac_algorithm: 'HMAC_SHA_256', message: 'bQ==' });
    expect((await fail('verify-mac', { key_id: mac, mac_algorithm: 'HMAC_SHA_256', message: 'bQ==', mac: m.mac }, alice)).code).toBe('KMS.0306');
  });

  it('a grantee reaches the granted key through an alias, and the key it checked is the key that is used', async () => {
    await grant({ operations: ['encrypt-data'] });
    await kms('aliases', { key_id: keyA, alias: 'shared' });
    expect((await call(alice, 'encrypt-data', { key_id: 'alias/shared', plain_text: 'x' })).key_id).toBe(keyA);
    await kms('alias/associate', { alias: 'shared', target_key_id: keyB });
    expect((await fail('encrypt-data', { key_id: 'alias/shared', plain_text: 'x' }, alice)).code).toBe('KMS.0306');
  });

  it('domain grants cover every principal of the account; user grants only their grantee', async () => {
    const domain = (await kms('describe-key', { key_id: keyA })).key_info.domain_id;
    await kms('create-grant', { key_id: keyA, grantee_principal: domain, grantee_principal_type: 'domain', operations: ['describe-key'] });
    expect((await call(alice, 'describe-key', { key_id: keyA })).key_info.key_id).toBe(keyA);
    expect((await call(bob, 'describe-key', { key_id: keyA })).key_info.key_id).toBe(keyA);
    expect((await fail('describe-key', { key_id: keyB }, bob)).code).toBe('KMS.0306');
  });

  it('revoking takes effect at once', async () => {
    const { grant_id } = await grant({ operations: ['encrypt-data'] });
    await call(alice, 'encrypt-data', { key_id: keyA, plain_text: 'x' });
    await kms('revoke-grant', { key_id: keyA, grant_id });
    expect((await fail('encrypt-data', { key_id: keyA, plain_text: 'x' }, alice)).code).toBe('KMS.0306');
    // A grantee may not revoke (that is the key owner's), even its own grant.
    const again = await grant({ operations: ['encrypt-data', 'retire-grant'] });
    expect((await fail('revoke-grant', { key_id: keyA, grant_id: again.grant_id }, alice)).code).toBe('KMS.0307');
  });

  it('retiring: by the retiring principal, by the grantee holding retire-grant, by the issuer - by nobody else', async () => {
    const byRetirer = await grant({ operations: ['encrypt-data'], retiring_principal: BOB });
    const list = await call(bob, 'list-retirable-grants', {});
    expect([list.total, list.grants[0].grant_id, list.truncated]).toEqual([1, byRetirer.grant_id, 'false']);
    expect((await call(alice, 'list-retirable-grants', {})).total).toBe(0);
    // Alice is the grantee but lacks retire-grant: KMS.2402.
    expect((await fail('retire-grant', { key_id: keyA, grant_id: byRetirer.grant_id }, alice)).code).toBe('KMS.2402');
    expect(await call(bob, 'retire-grant', { key_id: keyA, grant_id: byRetirer.grant_id })).toBeUndefined();
    expect((await fail('encrypt-data', { key_id: keyA, plain_text: 'x' }, alice)).code).toBe('KMS.0306');

    const selfRetire = await grant({ operations: ['encrypt-data', 'retire-grant'] });
    await call(alice, 'encrypt-data', { key_id: keyA, plain_text: 'x' });
    expect((await fail('retire-grant', { key_id: keyA, grant_id: selfRetire.grant_id }, bob)).code).toBe('KMS.2402');
    expect((await fail('retire-grant', { key_id: keyB, grant_id: selfRetire.grant_id }, alice)).code).toBe('KMS.2502');
    await call(alice, 'retire-grant', { key_id: keyA, grant_id: selfRetire.grant_id });
    expect((await fail('encrypt-data', { key_id: keyA, plain_text: 'x' }, alice)).code).toBe('KMS.0306');

    const byAdmin = await grant({ operations: ['describe-key'] });
    await kms('retire-grant', { key_id: keyA, grant_id: byAdmin.grant_id });
    expect((await kms('list-grants', { key_id: keyA })).total).toBe(0);
  });

  it('a grantee holding create-grant grants onwards only what it holds; its grants it may retire as issuer', async () => {
    await grant({ operations: ['create-grant', 'encrypt-data', 'describe-key'] });
    const e = await fail('create-grant', { key_id: keyA, grantee_principal: BOB, operations: ['encrypt-data', 'decrypt-data'] }, alice);
    expect([e.status, e.code]).toEqual([403, 'KMS.0306']);
    const { grant_id } = await call(alice, 'create-grant', { key_id: keyA, grantee_principal: BOB, operations: ['encrypt-data'] });
    await call(bob, 'encrypt-data', { key_id: keyA, plain_text: 'x' });
    const listed = (await kms('list-grants', { key_id: keyA })).grants.find((g: { grant_id: string }) => g.grant_id === grant_id);
    expect(listed.issuing_principal).toBe(ALICE);
    await call(alice, 'retire-grant', { key_id: keyA, grant_id });
    expect((await fail('encrypt-data', { key_id: keyA, plain_text: 'x' }, bob)).code).toBe('KMS.0306');
  });
});

describe('grant fields and refusals, by their words', () => {
  /** Status, code and the server's error_msg (ApiError's message is "code: error_msg"). */
  const refusal = async (action: string, body: unknown, client = rig.client) => {
    const e = await fail(action, body, client);
    return [e.status, e.code, e.message.slice(e.code.length + 2)];
  };
  const grantIds = async (id: string) => (await kms('list-grants', { key_id: id })).grants.map((g: { grant_id: string }) => g.grant_id);

  it('a grant without name or retiring principal lists them as empty strings; empty strings are absent', async () => {
    await grant({ name: '', retiring_principal: '' });
    const [listed] = (await kms('list-grants', { key_id: keyA })).grants;
    expect([listed.name, listed.retiring_principal]).toEqual(['', '']);
    const stored = (await rig.kms.repo.get(rig.client.projectId, keyA))!.grants![0];
    expect(['name' in stored, 'retiring' in stored]).toEqual([false, false]);
  });

  it('create-grant refuses with words that say why, and writes nothing', async () => {
    expect(await refusal('create-grant', { key_id: keyA, operations: ['describe-key'] })).toEqual([400, 'KMS.0204', 'Missing required parameter: grantee_principal.']);
    expect(await refusal('create-grant', { key_id: keyA, grantee_principal: ALICE, operations: ['create-grant'] })).toEqual([
      400,
      'KMS.2401',
      'Invalid operations: create-grant cannot be the only granted operation.',
    ]);
    const domain = rig.kms.domainId;
    expect(await refusal('create-grant', { key_id: keyA, grantee_principal: BOB, grantee_principal_type: 'domain', operations: ['describe-key'] })).toEqual([
      400,
      'KMS.2402',
      'Invalid grantee_principal: a domain grant names the domain id.',
    ]);
    await grant({ operations: ['create-grant', 'describe-key'] });
    expect(await refusal('create-grant', { key_id: keyA, grantee_principal: domain, grantee_principal_type: 'domain', operations: ['describe-key'] }, alice)).toEqual([
      403,
      'KMS.0306',
      'Only administrators create grants of type domain.',
    ]);
    expect(await refusal('create-grant', { key_id: keyA, grantee_principal: BOB, operations: ['encrypt-data', 'describe-key', 'decrypt-data'] }, alice)).toEqual([
      403,
      'KMS.0306',
      'The caller cannot grant operations it does not hold: encrypt-data, decrypt-data.',
    ]);
    expect((await grantIds(keyA)).length).toBe(1);
  });

  it('the per-key limit is stated with the key and its count', async () => {
    const small = await makeRig({ limits: { grantsPerKey: 1 } });
    const id = (await call(small.client, 'create-key', { key_alias: 'one-grant' })).key_info.key_id;
    await call(small.client, 'create-grant', { key_id: id, grantee_principal: ALICE, operations: ['describe-key'] });
    const e = await rejection<ApiError>(call(small.client, 'create-grant', { key_id: id, grantee_principal: BOB, operations: ['describe-key'] }));
    expect([e.code, e.message]).toEqual(['KMS.2404', `KMS.2404: The key ${id} already has 1 grants, its limit.`]);
  });

  it('list-grants: limit and marker at their bounds, empty strings as absent', async () => {
    await grant({ name: 'g0' });
    await grant({ name: 'g1' });
    const names = (page: { grants: { name: string }[] }) => page.grants.map((g) => g.name);
    const whole = await kms('list-grants', { key_id: keyA, limit: '2' });
    expect([names(whole), whole.truncated, whole.next_marker]).toEqual([['g0', 'g1'], 'false', '']);
    const first = await kms('list-grants', { key_id: keyA, limit: '1' });
    expect([names(first), first.truncated, first.next_marker]).toEqual([['g0'], 'true', '1']);
    expect(names(await kms('list-grants', { key_id: keyA, limit: '1000' }))).toEqual(['g0', 'g1']);
    expect(names(await kms('list-grants', { key_id: keyA, limit: '', marker: '' }))).toEqual(['g0', 'g1']);
    for (const limit of ['1001', '1x']) expect(await refusal('list-grants', { key_id: keyA, limit }), limit).toEqual([400, 'KMS.1601', limit === '1x' ? 'Invalid limit: has an invalid format.' : 'Invalid limit: must be 1-1000.']);
    expect((await fail('list-retirable-grants', { limit: '0' })).code).toBe('KMS.1601');
  });

  it('revoke and retire: each removes exactly its grant and its index pointer', async () => {
    const one = await grant({ name: 'one' });
    const two = await grant({ name: 'two' });
    await kms('revoke-grant', { key_id: keyA, grant_id: one.grant_id });
    expect(await grantIds(keyA)).toEqual([two.grant_id]);
    const pointers = async () => (await listAll(rig.store, `kms/${rig.client.projectId}/grant/`)).map((p) => p.split('/').at(-1));
    expect(await pointers()).toEqual([two.grant_id]);
    await kms('retire-grant', { key_id: keyA, grant_id: two.grant_id });
    expect([await grantIds(keyA), await pointers()]).toEqual([[], []]);
  });

  it('revoke and retire refuse with words that say why', async () => {
    const { grant_id } = await grant({ operations: ['describe-key'] });
    expect(await refusal('revoke-grant', { key_id: keyB, grant_id })).toEqual([400, 'KMS.2502', `The grant ${grant_id} does not belong to the key_id given.`]);
    expect(await refusal('revoke-grant', { key_id: keyA, grant_id: 'e'.repeat(64) })).toEqual([400, 'KMS.2501', `The grant ${'e'.repeat(64)} does not exist.`]);
    expect(await refusal('revoke-grant', { key_id: keyA })).toEqual([400, 'KMS.0204', 'Missing required parameter: grant_id.']);
    for (const bad of [`0${grant_id}`, `${grant_id}0`]) expect((await fail('revoke-grant', { key_id: keyA, grant_id: bad })).code, bad).toBe('KMS.0308');
    expect(await refusal('retire-grant', { key_id: keyA, grant_id }, alice)).toEqual([400, 'KMS.2402', `The caller may not retire the grant ${grant_id}.`]);
    // A malformed key_id is the field's error for everyone; only a key that does not exist is hidden.
    expect((await fail('retire-grant', { key_id: 'no-such-form', grant_id }, bob)).code).toBe('KMS.0205');
    expect(await grantIds(keyA)).toEqual([grant_id]);
  });
});
