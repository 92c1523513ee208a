// The key index after every kind of write that changes what list-keys, the key count or the quotas show,
// with the store failing each of the write's store writes in turn, before it lands ("fail") or after
// ("lost-ack": done, but reported as failed): whatever the outcome, the KMS's index shows exactly what a
// rebuild from the store (a restart, or a crash after the writes that landed) and a full read of every
// record show (test/helpers/key-listings.ts). A destruction whose delete landed though it reported failure
// is done: reported destroyed, its name and aliases released.
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, ManualClock } from '../../src/kms/clock.ts';
import { runMaintenance } from '../../src/kms/maintenance.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { StoreError, listAll } from '../../src/store/store.ts';
import { FaultyStore } from '../helpers/faulty-store.ts';
import { expectSameListings } from '../helpers/key-listings.ts';
import { makeRig, type Rig } from '../helpers/kms.ts';

interface Keys {
  /** Enabled, AES_256. */
  a: string;
  /** SM4 in enterprise project ep-1, with a grant. */
  b: string;
  grant: string;
  /** External, with imported material that expires in an hour. */
  c: string;
  /** Pending deletion in 7 days; alias entity alias-d points at it. */
  d: string;
  /** Disabled. */
  e: string;
  /** External, pending import, with import parameters and material wrapped for them. */
  f: string;
  importToken: string;
  wrapped: string;
}

interface World extends Keys {
  rig: Rig;
  store: FaultyStore;
}

const call = (rig: Rig, action: string, body: object) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);

async function importParams(rig: Rig, id: string): Promise<{ importToken: string; wrapped: string }> {
  const p = await call(rig, 'get-parameters-for-import', { key_id: id, wrapping_algorithm: 'RSAES_OAEP_SHA_256' });
  const pub = createPublicKey({ key: Buffer.from(p.public_key, 'base64'), format: 'der', type: 'spki' });
  const wrapped = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, randomBytes(32)).toString('base64');
  return { importToken: p.import_token, wrapped };
}

// The keys are made once (import parameters cost an RSA key pair); each world starts from a copy.
let template: MemoryStore;
let startedAt: number;
let keys: Keys;

beforeAll(async () => {
  template = new MemoryStore();
  const rig = await makeRig({ store: template });
  startedAt = rig.clock.now();
  const create = async (body: object) => (await call(rig, 'create-key', body)).key_info.key_id as string;
  const a = await create({ key_alias: 'a' });
  const b = await create({ key_alias: 'b', key_spec: 'SM4', enterprise_project_id: 'ep-1' });
  const grant = (await call(rig, 'create-grant', { key_id: b, grantee_principal: 'alice01', operations: ['describe-key'] })).grant_id;
  const c = await create({ key_alias: 'c', origin: 'external' });
  const forC = await importParams(rig, c);
  await call(rig, 'import-key-material', { key_id: c, import_token: forC.importToken, encrypted_key_material: forC.wrapped, expiration_time: Math.floor(startedAt / 1000) + 3600 });
  const d = await create({ key_alias: 'd' });
  await rig.client.request('POST', '/v1.0/{project_id}/kms/aliases', { key_id: d, alias: 'alias-d' });
  await call(rig, 'schedule-key-deletion', { key_id: d, pending_days: '7' });
  const e = await create({ key_alias: 'e' });
  await call(rig, 'disable-key', { key_id: e });
  const f = await create({ key_alias: 'f', origin: 'external' });
  keys = { a, b, grant, c, d, e, f, ...(await importParams(rig, f)) };
});

async function world(): Promise<World> {
  const backend = new MemoryStore();
  for (const k of await listAll(template, '')) await backend.put(k, (await template.get(k))!.value);
  const store = new FaultyStore(backend);
  const rig = await makeRig({ store, clock: new ManualClock(startedAt) });
  await call(rig, 'list-keys', { key_spec: 'ALL' }); // the index is built, and kept by the writes from here on
  return { rig, store, ...keys };
}

interface Case {
  /** Runs before the faults are armed. */
  before?: (w: World) => void;
  op: (w: World) => Promise<unknown>;
}

const CASES: Record<string, Case> = {
  'create-key': { op: (w) => call(w.rig, 'create-key', { key_alias: 'new', key_spec: 'SM4', enterprise_project_id: 'ep-1' }) },
  'disable-key': { op: (w) => call(w.rig, 'disable-key', { key_id: w.a }) },
  'enable-key': { op: (w) => call(w.rig, 'enable-key', { key_id: w.e }) },
  'schedule-key-deletion': { op: (w) => call(w.rig, 'schedule-key-deletion', { key_id: w.a, pending_days: '7' }) },
  'cancel-key-deletion': { op: (w) => call(w.rig, 'cancel-key-deletion', { key_id: w.d }) },
  'update-key-alias': { op: (w) => call(w.rig, 'update-key-alias', { key_id: w.a, key_alias: 'renamed' }) },
  'update-key-description': { op: (w) => call(w.rig, 'update-key-description', { key_id: w.a, key_description: 'described' }) },
  'enable-key-rotation': { op: (w) => call(w.rig, 'enable-key-rotation', { key_id: w.a }) },
  'rotate-on-demand': { op: (w) => call(w.rig, 'rotate-on-demand', { key_id: w.a }) },
  'create-kms-tag': { op: (w) => w.rig.client.request('POST', `/v1.0/{project_id}/kms/${w.a}/tags`, { tag: { key: 'env', value: 'prod' } }) },
  'create-grant': { op: (w) => call(w.rig, 'create-grant', { key_id: w.a, grantee_principal: 'bob02', operations: ['describe-key'] }) },
  'revoke-grant': { op: (w) => call(w.rig, 'revoke-grant', { key_id: w.b, grant_id: w.grant }) },
  'import-key-material': { op: (w) => call(w.rig, 'import-key-material', { key_id: w.f, import_token: w.importToken, encrypted_key_material: w.wrapped }) },
  'delete-imported-key-material': { op: (w) => call(w.rig, 'delete-imported-key-material', { key_id: w.c }) },
  // A key past its deletion date is destroyed by the read that finds it so.
  'destruction on read': { before: (w) => w.rig.clock.advance(8 * DAY_MS), op: (w) => w.rig.kms.repo.get(w.rig.client.projectId, w.d) },
  'destruction by maintenance': { before: (w) => w.rig.clock.advance(8 * DAY_MS), op: (w) => runMaintenance(w.rig.kms) },
  // Imported material past its expiration_time is dropped by the read that finds it so.
  'material expiry on read': { before: (w) => w.rig.clock.advance(2 * 3600 * 1000), op: (w) => w.rig.kms.repo.get(w.rig.client.projectId, w.c) },
};

describe('key index under store faults', () => {
  for (const [name, { before, op }] of Object.entries(CASES)) {
    it(`follows the store through ${name}, whichever write fails`, async () => {
      for (const mode of ['fail', 'lost-ack'] as const) {
        for (let n = 1; ; n++) {
          const w = await world();
          before?.(w);
          w.store.arm(n, mode);
          await op(w).catch((e) => {
            if (!w.store.injected) throw e; // only the injected fault may fail the write
          });
          const reached = w.store.writes >= n;
          w.store.arm(0);
          await expectSameListings(w.rig, `${name} #${n} ${mode}`);
          if (!reached) {
            expect(n, `${name} writes to the store`).toBeGreaterThan(1);
            break;
          }
        }
      }
    });
  }

  it('takes a destruction whose delete landed though it reported failure as done, and releases what pointed at the key', async () => {
    const w = await world();
    w.rig.clock.advance(8 * DAY_MS);
    w.store.arm(1, 'lost-ack');
    const result = await runMaintenance(w.rig.kms);
    expect(w.store.injected).toBeInstanceOf(StoreError);
    expect(result).toMatchObject({ destroyed: 1, failed: 0 });
    w.store.arm(0);
    const left = await listAll(w.rig.store, `kms/${w.rig.client.projectId}/`);
    expect(left.filter((k) => k.endsWith(`/key/${w.d}`) || k.endsWith('/name/d') || k.endsWith('/alias/alias-d'))).toEqual([]);
    await expectSameListings(w.rig);
  });
});
