// The secrets service's config switch (ops/config.ts) in-process: off until set, kept per project at its
// own store path, an update without the field keeps what was set, and a refused update changes nothing.
import { describe, expect, it } from 'vitest';
import type { Call } from '../../src/kms/operation.ts';
import { csmsFields, type CsmsOperation } from '../../src/secrets/operation.ts';
import { showConfigOp, updateConfigOp } from '../../src/secrets/ops/config.ts';
import { Secrets } from '../../src/secrets/secrets.ts';
import { getJson, listAll } from '../../src/store/store.ts';
import { makeRig, OTHER_PROJECT, rejection } from '../helpers/kms.ts';

async function rig() {
  const t = await makeRig();
  const secrets = new Secrets(t.kms);
  const run = (op: CsmsOperation, body: unknown = {}, project = t.client.projectId) =>
    op(secrets, { project, principal: 'admin', role: 'admin', requestId: 'r' } as Call, { body: csmsFields(body), query: new URLSearchParams(), params: {} });
  const show = async (project?: string) => run(showConfigOp, {}, project);
  const update = async (body: unknown, project?: string) => run(updateConfigOp, body, project);
  return { ...t, show, update };
}

const answer = (checking: boolean) => ({ status: 200, body: { checking_secret_strength: checking } });

describe('ShowSecretsConfig and UpdateSecretsConfig', () => {
  it('the switch is off until set, and an update without it keeps it off and stores that', async () => {
    const t = await rig();
    expect(await t.show()).toStrictEqual(answer(false));
    expect(await listAll(t.store, 'csms/')).toEqual([]);
    expect(await t.update({})).toStrictEqual(answer(false));
    expect(await t.update({ checking_secret_strength: null })).toStrictEqual(answer(false));
    expect((await getJson(t.store, `csms/${t.client.projectId}/config`))?.value).toStrictEqual({ checkingSecretStrength: false });
    expect(await t.show()).toStrictEqual(answer(false));
  });

  it('an update sets it as given, an update without it keeps what was set, and each project has its own', async () => {
    const t = await rig();
    expect(await t.update({ checking_secret_strength: true })).toStrictEqual(answer(true));
    expect((await getJson(t.store, `csms/${t.client.projectId}/config`))?.value).toStrictEqual({ checkingSecretStrength: true });
    expect(await t.show()).toStrictEqual(answer(true));
    expect(await t.update({})).toStrictEqual(answer(true));
    expect(await t.show()).toStrictEqual(answer(true));
    // Another project is untouched, and setting it leaves this one as it was.
    expect(await t.show(OTHER_PROJECT)).toStrictEqual(answer(false));
    expect(await t.update({ checking_secret_strength: false }, OTHER_PROJECT)).toStrictEqual(answer(false));
    expect(await t.show()).toStrictEqual(answer(true));
    expect(await t.update({ checking_secret_strength: false })).toStrictEqual(answer(false));
    expect(await t.show()).toStrictEqual(answer(false));
    expect(await t.update({})).toStrictEqual(answer(false));
    expect(await t.update({ checking_secret_strength: true }, OTHER_PROJECT)).toStrictEqual(answer(true));
    expect(await t.show()).toStrictEqual(answer(false));
    expect((await listAll(t.store, 'csms/')).sort()).toEqual([`csms/${t.client.projectId}/config`, `csms/${OTHER_PROJECT}/config`].sort());
  });

  it('a switch that is not a JSON boolean is refused and changes nothing', async () => {
    const t = await rig();
    await t.update({ checking_secret_strength: true });
    for (const v of [1, 'true', 'false', 0, [], {}]) {
      const e = await rejection(t.update({ checking_secret_strength: v }));
      expect([e.code, e.message], JSON.stringify(v)).toEqual(['CSMS.0002', 'Invalid checking_secret_strength: must be a JSON boolean.']);
    }
    expect(await t.show()).toStrictEqual(answer(true));
  });
});
