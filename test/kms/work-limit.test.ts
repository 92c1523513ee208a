// Key pair generations are capped globally and per principal; beyond a cap the answer is 429 APIGW.0308 at
// once (nothing queued, nothing written), and a slot is given back however the generation ended.
import { describe, expect, it } from 'vitest';
import { KmsError } from '../../src/kms/errors.ts';
import { ConcurrencyLimit } from '../../src/kms/work-limit.ts';
import type { ApiError } from '../../src/sdk/errors.ts';
import { USERS, makeRig, rejection } from '../helpers/kms.ts';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

describe('concurrency limit', () => {
  it('refuses beyond the per-principal and the global cap, and frees slots on success and on failure', async () => {
    const limit = new ConcurrencyLimit('key pair generation', 2, 1);
    const a = gate();
    const first = limit.run('alice', () => a.opened);
    const refused = await rejection<KmsError>(limit.run('alice', async () => 'never'));
    expect([refused.status, refused.code]).toEqual([429, 'APIGW.0308']);
    expect(refused.message).toMatch(/per caller/);
    const b = gate();
    const second = limit.run('bob', () => b.opened);
    const full = await rejection<KmsError>(limit.run('carol', async () => 'never'));
    expect([full.status, full.code]).toEqual([429, 'APIGW.0308']);
    expect(full.message).toMatch(/2 at a time/);
    a.open();
    await first;
    expect(await limit.run('alice', async () => 'again')).toBe('again');
    await expect(limit.run('carol', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    b.open();
    await second;
    expect(await Promise.all([limit.run('carol', async () => 1), limit.run('dave', async () => 2)])).toEqual([1, 2]);
  });

  it('over HTTP: concurrent RSA data key pairs of one user beyond its cap get 429 APIGW.0308, others still generate', async () => {
    const rig = await makeRig({ limits: { keyGenerations: 2, keyGenerationsPerPrincipal: 1 } });
    const kms = (action: string, body: unknown, client = rig.client) => client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
    const key = (await kms('create-key', { key_alias: 'pairs' })).key_info.key_id;
    await kms('create-grant', { key_id: key, grantee_principal: USERS.alice.principal, operations: ['create-rsa-datakey-pair'] });
    const alice = rig.userClient('alice');
    const ask = (client = alice) => kms('create-rsa-datakey-pair', { key_id: key, key_spec: 'RSA_3072' }, client).then(
      (r) => ({ ok: true as const, r }),
      (e: ApiError) => ({ ok: false as const, e }),
    );
    const results = await Promise.all([ask(), ask(), ask(), ask(rig.client)]);
    const aliceOk = results.slice(0, 3).filter((x) => x.ok);
    const aliceRefused = results.slice(0, 3).filter((x) => !x.ok);
    expect(aliceOk).toHaveLength(1);
    expect(aliceRefused).toHaveLength(2);
    for (const x of aliceRefused) expect(!x.ok && [x.e.status, x.e.code]).toEqual([429, 'APIGW.0308']);
    expect(results[3].ok).toBe(true); // the administrator is another principal, within the global cap
    // The slots are free again.
    expect((await ask()).ok).toBe(true);
  });
});
