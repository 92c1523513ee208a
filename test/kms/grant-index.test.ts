// Grants are found through their index, never by reading every key of the project: list-retirable-grants
// and retire-grant of a non-administrator list no key documents; retire-grant tells a caller nothing about
// keys and grants it has no part in; domain grants are the administrators'; maintenance repairs the index.
import { beforeEach, describe, expect, it } from 'vitest';
import { runMaintenance } from '../../src/kms/maintenance.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import type { ListOptions, ListResult } from '../../src/store/store.ts';
import type { ApiError } from '../../src/sdk/errors.ts';
import type { SignedClient } from '../../src/sdk/client.ts';
import { ADMIN, USERS, makeRig, rejection, type Rig } from '../helpers/kms.ts';

/** A memory store that records the prefixes listed. */
class ListingStore extends MemoryStore {
  listed: string[] = [];
  override list(prefix: string, options?: ListOptions): Promise<ListResult> {
    this.listed.push(prefix);
    return super.list(prefix, options);
  }
}

let rig: Rig;
let store: ListingStore;
let keys: string[];
let alice: SignedClient;
let bob: SignedClient;
const call = (client: SignedClient, action: string, body: unknown) => client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
const kms = (action: string, body: unknown) => call(rig.client, action, body);
const fail = (action: string, body: unknown, client: SignedClient) => rejection<ApiError>(call(client, action, body));
const ALICE = USERS.alice.principal;
const BOB = USERS.bob.principal;
const KEY_PREFIX = `kms/${ADMIN.project}/key/`;

beforeEach(async () => {
  store = new ListingStore();
  rig = await makeRig({ store });
  keys = [];
  for (let i = 0; i < 5; i++) {
    keys.push((await kms('create-key', { key_alias: `idx-${i}` })).key_info.key_id);
    rig.clock.advance(1000); // listings are by key creation time
  }
  alice = rig.userClient('alice');
  bob = rig.userClient('bob');
});

describe('grant index', () => {
  it('list-retirable-grants and retire-grant of a user read no listing of key documents', async () => {
    const g1 = await kms('create-grant', { key_id: keys[3], grantee_principal: ALICE, operations: ['encrypt-data'], retiring_principal: BOB });
    const g2 = await kms('create-grant', { key_id: keys[1], grantee_principal: ALICE, operations: ['describe-key'], retiring_principal: BOB });
    await kms('create-grant', { key_id: keys[2], grantee_principal: ALICE, operations: ['describe-key'], retiring_principal: ALICE });
    store.listed = [];
    const listed = await call(bob, 'list-retirable-grants', {});
    // Oldest key first, as before the index.
    expect(listed.grants.map((g: { grant_id: string }) => g.grant_id)).toEqual([g2.grant_id, g1.grant_id]);
    expect(listed.grants[0]).toMatchObject({ key_id: keys[1], retiring_principal: BOB, grantee_principal: ALICE });
    await call(bob, 'retire-grant', { key_id: keys[3], grant_id: g1.grant_id });
    await fail('retire-grant', { key_id: keys[0], grant_id: g2.grant_id }, bob); // on another key
    await fail('retire-grant', { key_id: keys[0], grant_id: 'b'.repeat(64) }, bob); // nowhere
    expect(store.listed.filter((p) => p.startsWith(KEY_PREFIX))).toEqual([]);
    expect((await call(bob, 'list-retirable-grants', {})).total).toBe(1);
    expect((await kms('list-grants', { key_id: keys[3] })).total).toBe(0);
  });

  it('retire-grant: the same 403 for missing keys, missing grants and grants of others; KMS.2502 only for a grant the caller may retire', async () => {
    const g = await kms('create-grant', { key_id: keys[0], grantee_principal: ALICE, operations: ['describe-key'], retiring_principal: BOB });
    const answers = [
      await fail('retire-grant', { key_id: '00000000-0000-0000-0000-000000000000', grant_id: g.grant_id }, alice),
      await fail('retire-grant', { key_id: keys[1], grant_id: g.grant_id }, alice), // alice may not retire it
      await fail('retire-grant', { key_id: keys[1], grant_id: 'c'.repeat(64) }, alice),
    ];
    for (const a of answers) expect([a.status, a.code, a.message]).toEqual([403, 'KMS.0306', answers[0].message]);
    const mismatch = await fail('retire-grant', { key_id: keys[1], grant_id: g.grant_id }, bob);
    expect([mismatch.status, mismatch.code]).toEqual([400, 'KMS.2502']);
    // Administrators see everything, as before.
    expect((await rejection<ApiError>(kms('retire-grant', { key_id: keys[1], grant_id: g.grant_id }))).code).toBe('KMS.2502');
    expect((await rejection<ApiError>(kms('retire-grant', { key_id: keys[1], grant_id: 'c'.repeat(64) }))).code).toBe('KMS.2501');
    expect((await rejection<ApiError>(kms('retire-grant', { key_id: '00000000-0000-0000-0000-000000000000', grant_id: 'c'.repeat(64) }))).code).toBe('KMS.0207');
  });

  it('only administrators create domain grants, and their grantee is the domain id', async () => {
    const domain = (await kms('describe-key', { key_id: keys[0] })).key_info.domain_id;
    await kms('create-grant', { key_id: keys[0], grantee_principal: ALICE, operations: ['create-grant', 'describe-key'] });
    const byUser = await fail('create-grant', { key_id: keys[0], grantee_principal: domain, grantee_principal_type: 'domain', operations: ['describe-key'] }, alice);
    expect([byUser.status, byUser.code]).toEqual([403, 'KMS.0306']);
    const wrongGrantee = await rejection<ApiError>(kms('create-grant', { key_id: keys[0], grantee_principal: BOB, grantee_principal_type: 'domain', operations: ['describe-key'] }));
    expect([wrongGrantee.status, wrongGrantee.code]).toEqual([400, 'KMS.2402']);
    // Nothing was written by the refusals: bob still cannot use the key; the admin's domain grant works.
    expect((await fail('describe-key', { key_id: keys[0] }, bob)).code).toBe('KMS.0306');
    expect((await kms('list-grants', { key_id: keys[0] })).total).toBe(1);
    await kms('create-grant', { key_id: keys[0], grantee_principal: domain, grantee_principal_type: 'domain', operations: ['describe-key'] });
    expect((await call(bob, 'describe-key', { key_id: keys[0] })).key_info.key_id).toBe(keys[0]);
  });

  it('maintenance writes pointers missing (grants made before the index) and removes dead ones after a grace period', async () => {
    const g = await kms('create-grant', { key_id: keys[2], grantee_principal: ALICE, operations: ['describe-key'], retiring_principal: BOB });
    const pointers = async () => (await store.list(`kms/${ADMIN.project}/`)).keys.filter((k) => /\/(grant|retiring)\//.test(k)).sort();
    const made = await pointers();
    expect(made).toEqual([`kms/${ADMIN.project}/grant/${g.grant_id}`, `kms/${ADMIN.project}/retiring/${BOB}/${g.grant_id}`]);
    for (const p of made) await store.delete(p);
    expect((await call(bob, 'list-retirable-grants', {})).total).toBe(0);
    await runMaintenance(rig.kms);
    expect(await pointers()).toEqual(made);
    expect((await call(bob, 'list-retirable-grants', {})).total).toBe(1);

    // A pointer whose grant is gone (a create-grant that failed after writing it) is invisible, then swept.
    await rig.store.put(`kms/${ADMIN.project}/retiring/${BOB}/${'d'.repeat(64)}`, new TextEncoder().encode(JSON.stringify({ keyId: keys[2], at: rig.clock.now() })));
    expect((await call(bob, 'list-retirable-grants', {})).total).toBe(1);
    await runMaintenance(rig.kms);
    expect(await pointers()).toHaveLength(3); // still within the grace period
    rig.clock.advance(11 * 60 * 1000);
    await runMaintenance(rig.kms);
    expect(await pointers()).toEqual(made);
  });
});

describe('grant index under store failures', () => {
  it('a failed create-grant or retire-grant (any write, before or after it lands) leaves index and keys agreeing', async () => {
    const { FaultyStore } = await import('../helpers/faulty-store.ts');
    for (const mode of ['fail', 'lost-ack'] as const) {
      for (const op of ['create', 'retire'] as const) {
        for (let n = 1; ; n++) {
          const faulty = new FaultyStore(new MemoryStore());
          const r = await makeRig({ store: faulty });
          const k = (action: string, body: unknown, client = r.client) => client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
          const key = (await k('create-key', { key_alias: 'f' })).key_info.key_id;
          const existing = await k('create-grant', { key_id: key, grantee_principal: ALICE, operations: ['describe-key'], retiring_principal: BOB });
          faulty.arm(n, mode);
          const ok = await (op === 'create'
            ? k('create-grant', { key_id: key, grantee_principal: ALICE, operations: ['encrypt-data'], retiring_principal: BOB })
            : k('retire-grant', { key_id: key, grant_id: existing.grant_id }, r.userClient('bob'))
          ).then(
            () => true,
            () => false,
          );
          const failedAt = faulty.writes >= n;
          faulty.arm(0);
          // What bob may retire is exactly what the key holds with bob as retiring principal, before and
          // after maintenance has swept what the failure left behind.
          const onKey = async () => ((await k('list-grants', { key_id: key })).grants as { grant_id: string; retiring_principal: string }[]).filter((g) => g.retiring_principal === BOB).map((g) => g.grant_id).sort();
          const retirable = async () => ((await k('list-retirable-grants', {}, r.userClient('bob'))).grants as { grant_id: string }[]).map((g) => g.grant_id).sort();
          expect(await retirable(), `${mode} ${op} write ${n}`).toEqual(await onKey());
          r.clock.advance(11 * 60 * 1000);
          expect(await runMaintenance(r.kms)).toMatchObject({ failed: 0 });
          expect(await retirable(), `${mode} ${op} write ${n}, after maintenance`).toEqual(await onKey());
          const pointers = (await r.store.list(`kms/${ADMIN.project}/`)).keys.filter((p) => /\/(grant|retiring)\//.test(p));
          expect(pointers.length, `${mode} ${op} write ${n}`).toBe(2 * (await onKey()).length);
          if (ok && !failedAt) break; // the operation ran without reaching the armed write
          if (n > 10) throw new Error('too many writes');
        }
      }
    }
  });
});
