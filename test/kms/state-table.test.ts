// Every key operation in every key state ("1".."5"), against an expectation table written here from the
// wire reference (not read from the implementation). A refused operation must change nothing.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { KeyState } from '../../src/kms/key-state.ts';
import { ApiError } from '../../src/sdk/errors.ts';
import { makeRig, rejection, type Rig } from '../helpers/kms.ts';

type Expect = 'ok' | string;
const S = ['1', '2', '3', '4', '5'] as const;

interface Case {
  path: string;
  method?: 'POST' | 'DELETE';
  body: (ctx: { id: string; blob: string; dkBlob: string; n: number }) => object;
  /** Expected outcome in states 1..5. */
  expect: [Expect, Expect, Expect, Expect, Expect];
}

const USE: Case['expect'] = ['KMS.0308', 'ok', 'KMS.0209', 'KMS.0210', 'KMS.0308'];
const dek = Buffer.alloc(32, 1);
const dekPlain = Buffer.concat([dek, createHash('sha256').update(dek).digest()]).toString('hex');

const CASES: Record<string, Case> = {
  'describe-key': { path: 'describe-key', body: ({ id }) => ({ key_id: id }), expect: ['ok', 'ok', 'ok', 'ok', 'ok'] },
  'get-key-rotation-status': { path: 'get-key-rotation-status', body: ({ id }) => ({ key_id: id }), expect: ['ok', 'ok', 'ok', 'ok', 'ok'] },
  'enable-key': { path: 'enable-key', body: ({ id }) => ({ key_id: id }), expect: ['KMS.1201', 'KMS.1201', 'ok', 'KMS.0210', 'KMS.1201'] },
  'disable-key': { path: 'disable-key', body: ({ id }) => ({ key_id: id }), expect: ['KMS.1301', 'ok', 'KMS.1301', 'KMS.0210', 'KMS.1301'] },
  'schedule-key-deletion': { path: 'schedule-key-deletion', body: ({ id }) => ({ key_id: id, pending_days: '7' }), expect: ['ok', 'ok', 'ok', 'KMS.1402', 'ok'] },
  'cancel-key-deletion': { path: 'cancel-key-deletion', body: ({ id }) => ({ key_id: id }), expect: ['KMS.1501', 'KMS.1501', 'KMS.1501', 'ok', 'KMS.1501'] },
  'update-key-alias': { path: 'update-key-alias', body: ({ id, n }) => ({ key_id: id, key_alias: `renamed-${n}` }), expect: ['ok', 'ok', 'ok', 'KMS.0210', 'ok'] },
  'update-key-description': { path: 'update-key-description', body: ({ id }) => ({ key_id: id, key_description: 'd' }), expect: ['ok', 'ok', 'ok', 'KMS.0210', 'ok'] },
  'encrypt-data': { path: 'encrypt-data', body: ({ id }) => ({ key_id: id, plain_text: 'x' }), expect: USE },
  'decrypt-data': { path: 'decrypt-data', body: ({ blob }) => ({ cipher_text: blob }), expect: USE },
  'create-datakey': { path: 'create-datakey', body: ({ id }) => ({ key_id: id }), expect: USE },
  'create-datakey-without-plaintext': { path: 'create-datakey-without-plaintext', body: ({ id }) => ({ key_id: id }), expect: USE },
  'encrypt-datakey': { path: 'encrypt-datakey', body: ({ id }) => ({ key_id: id, plain_text: dekPlain, datakey_plain_length: '32' }), expect: USE },
  'decrypt-datakey': { path: 'decrypt-datakey', body: ({ id, dkBlob }) => ({ key_id: id, cipher_text: dkBlob, datakey_cipher_length: '32' }), expect: USE },
  'rotate-on-demand': { path: 'rotate-on-demand', body: ({ id }) => ({ key_id: id }), expect: USE },
  'enable-key-rotation': { path: 'enable-key-rotation', body: ({ id }) => ({ key_id: id }), expect: ['KMS.0308', 'ok', 'ok', 'KMS.0210', 'KMS.0308'] },
  'disable-key-rotation': { path: 'disable-key-rotation', body: ({ id }) => ({ key_id: id }), expect: ['KMS.0308', 'ok', 'ok', 'KMS.0210', 'KMS.0308'] },
  'update-key-rotation-interval': {
    path: 'update-key-rotation-interval',
    body: ({ id }) => ({ key_id: id, rotation_interval: 90 }),
    expect: ['KMS.0308', 'ok', 'ok', 'KMS.0210', 'KMS.0308'],
  },
  'create-alias': { path: 'aliases', body: ({ id, n }) => ({ key_id: id, alias: `al-${n}` }), expect: ['ok', 'ok', 'ok', 'KMS.0210', 'ok'] },
};

async function keyIn(rig: Rig, state: KeyState, n: number) {
  const kms = (a: string, b: object) => rig.client.request('POST', `/v1.0/{project_id}/kms/${a}`, b);
  const id = (await kms('create-key', { key_alias: `state-${n}` })).key_info.key_id;
  const blob = (await kms('encrypt-data', { key_id: id, plain_text: 'x' })).cipher_text;
  const dkBlob = (await kms('create-datakey', { key_id: id })).cipher_text;
  await rig.kms.repo.update(rig.client.projectId, id, (r) => ({
    ...r,
    state,
    ...(state === '4' ? { deletionAt: rig.clock.now() + 30 * 86_400_000 } : {}),
  }));
  return { id, blob, dkBlob, n };
}

describe('key state table', () => {
  const rigP = makeRig();
  let n = 0;
  for (const [name, c] of Object.entries(CASES)) {
    for (let i = 0; i < 5; i++) {
      const state = S[i];
      const want = c.expect[i];
      it(`${name} in state ${state} → ${want}`, async () => {
        const rig = await rigP;
        const ctx = await keyIn(rig, state, ++n);
        const path = `/v1.0/{project_id}/kms/${c.path}`;
        const before = await rig.store.get(`kms/${rig.client.projectId}/key/${ctx.id}`);
        if (want === 'ok') {
          await rig.client.request(c.method ?? 'POST', path, c.body(ctx));
        } else {
          const e = await rejection<ApiError>(rig.client.request(c.method ?? 'POST', path, c.body(ctx)));
          expect(e.status).toBe(400);
          expect(e.code).toBe(want);
          const after = await rig.store.get(`kms/${rig.client.projectId}/key/${ctx.id}`);
          expect(after!.version).toBe(before!.version);
        }
      });
    }
  }
});
