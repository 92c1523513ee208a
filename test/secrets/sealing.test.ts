// Sealing of secret values on its own: a fresh data key per version, the value under AES-256-GCM with the
// version's binding as associated data (checked with node:crypto), the data key sealed by the CMK with the
// same binding, the data key wiped after use, and a value moved to another secret, version, kind or
// project refused as damaged (KMS.0101, 500) without revealing anything.
import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromBase64 } from '../../src/crypto/encoding.ts';
import { openBlob } from '../../src/kms/data.ts';
import { KmsError } from '../../src/kms/errors.ts';
import type { VersionRecord } from '../../src/secrets/record.ts';
import { openValue, sealValue } from '../../src/secrets/sealing.ts';
import { Secrets } from '../../src/secrets/secrets.ts';
import { cmkFor } from '../../src/secrets/versions.ts';
import { ADMIN, makeRig, OTHER_PROJECT, rejection } from '../helpers/kms.ts';
import { observedCrypto } from '../helpers/observed-crypto.ts';

const SECRET = '11111111-2222-4333-8444-555555555555';
const value = new TextEncoder().encode('the value: pässword');

async function setup(crypto?: ReturnType<typeof observedCrypto>['crypto'], ownKey = false) {
  const rig = await makeRig(crypto ? { crypto } : {});
  const secrets = new Secrets(rig.kms);
  const ref = ownKey ? (await rig.client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'own' })).key_info.key_id : undefined;
  const cmk = await cmkFor(secrets, ADMIN.project, ref);
  const seal = async (kind: VersionRecord['kind'] = 'string', id = 'v1'): Promise<VersionRecord> => ({
    id,
    createdAt: 0,
    kind,
    ...(await sealValue(rig.kms, cmk, SECRET, id, kind, value)),
  });
  return { rig, secrets, cmk, seal };
}

const binding = (project: string, secretId: string, versionId: string, kind: string) => new TextEncoder().encode(JSON.stringify(['csms-value', project, secretId, versionId, kind]));

describe('secret value sealing', () => {
  it('IV ‖ AES-256-GCM(value) under a data key that the CMK seals, both bound to project, secret, version and kind', async () => {
    const { rig, cmk, seal } = await setup();
    const v = await seal();
    expect(v.kmsKeyId).toBe(cmk.id);
    const sealed = fromBase64(v.sealed);
    expect(sealed.length).toBe(12 + value.length + 16);
    const ad = binding(ADMIN.project, SECRET, 'v1', 'string');
    const damaged = () => new KmsError('KMS.0101', 'x', 500);
    const { key, plaintext: dek } = await openBlob(rig.kms, ADMIN.project, fromBase64(v.wrappedKey), 'secret', ad, damaged);
    expect([key.id, dek.length]).toEqual([cmk.id, 32]);
    // The data key's blob is of purpose "secret" and bound the same way: another purpose or binding does not open it.
    expect((await rejection(openBlob(rig.kms, ADMIN.project, fromBase64(v.wrappedKey), 'data', ad, damaged))).status).toBe(500);
    expect((await rejection(openBlob(rig.kms, ADMIN.project, fromBase64(v.wrappedKey), 'secret', binding(ADMIN.project, SECRET, 'v2', 'string'), damaged))).status).toBe(500);
    const d = createDecipheriv('aes-256-gcm', dek, sealed.subarray(0, 12)).setAAD(ad).setAuthTag(sealed.subarray(sealed.length - 16));
    expect(Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]).toString()).toBe('the value: pässword');
    expect(new TextDecoder().decode(await openValue(rig.kms, ADMIN.project, SECRET, v))).toBe('the value: pässword');
  });

  it('every seal draws a fresh data key and IV', async () => {
    const { seal } = await setup();
    const a = await seal();
    const b = await seal();
    expect(fromBase64(a.sealed).subarray(0, 12)).not.toEqual(fromBase64(b.sealed).subarray(0, 12));
    expect(a.sealed).not.toBe(b.sealed);
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
  });

  it('a value moved to another secret, version, kind or project, or changed, does not open: KMS.0101 naming the version', async () => {
    const { rig, seal } = await setup();
    const v = await seal();
    const refused = async (project: string, secretId: string, version: VersionRecord) => {
      const e = await rejection<KmsError>(openValue(rig.kms, project, secretId, version));
      return [e.constructor, e.code, e.status, e.message];
    };
    const damaged = (id: string) => [KmsError, 'KMS.0101', 500, `The stored value of version ${id} does not open; it was damaged or moved.`];
    expect(await refused(ADMIN.project, '11111111-2222-4333-8444-666666666666', v)).toEqual(damaged('v1'));
    expect(await refused(ADMIN.project, SECRET, { ...v, id: 'v2' })).toEqual(damaged('v2'));
    expect(await refused(ADMIN.project, SECRET, { ...v, kind: 'binary' })).toEqual(damaged('v1'));
    // The value under a data key that opens: only the value's own tag refuses it.
    const sealed = fromBase64(v.sealed);
    sealed[20] ^= 1;
    expect(await refused(ADMIN.project, SECRET, { ...v, sealed: Buffer.from(sealed).toString('base64') })).toEqual(damaged('v1'));
    const wrapped = fromBase64(v.wrappedKey);
    wrapped[wrapped.length - 1] ^= 1;
    expect(await refused(ADMIN.project, SECRET, { ...v, wrappedKey: Buffer.from(wrapped).toString('base64') })).toEqual(damaged('v1'));
    // A stored value cut short (no room for its IV) or no longer base64 is damaged too.
    expect(await refused(ADMIN.project, SECRET, { ...v, sealed: Buffer.from(sealed.subarray(0, 5)).toString('base64') })).toEqual(damaged('v1'));
    expect(await refused(ADMIN.project, SECRET, { ...v, sealed: '!' + v.sealed.slice(1) })).toEqual(damaged('v1'));
    // Another project does not even find the CMK.
    const other = await rejection<KmsError>(openValue(rig.kms, OTHER_PROJECT, SECRET, v));
    expect([other.code, other.status]).toEqual(['KMS.0207', 400]);
  });

  it('the CMK’s own error passes through: a disabled CMK is KMS.0209, and the value opens again once it is enabled', async () => {
    const { rig, cmk, seal } = await setup(undefined, true);
    const v = await seal('binary');
    await rig.client.request('POST', '/v1.0/{project_id}/kms/disable-key', { key_id: cmk.id });
    const e = await rejection<KmsError>(openValue(rig.kms, ADMIN.project, SECRET, v));
    expect([e.code, e.status]).toEqual(['KMS.0209', 400]);
    await rig.client.request('POST', '/v1.0/{project_id}/kms/enable-key', { key_id: cmk.id });
    expect(new TextDecoder().decode(await openValue(rig.kms, ADMIN.project, SECRET, v))).toBe('the value: pässword');
  });

  it('the data key is wiped after sealing and after opening', async () => {
    const observed = observedCrypto();
    const { rig, seal } = await setup(observed.crypto);
    observed.sealed.length = 0;
    const v = await seal();
    // Two seals: the data key under the CMK, and the value under the data key.
    const dek = observed.sealed.find((b) => b.length === 32)!;
    expect(observed.sealed.map((b) => b.length).sort()).toEqual([32, value.length].sort());
    expect(dek.every((b) => b === 0)).toBe(true);
    observed.opened.length = 0;
    const out = await openValue(rig.kms, ADMIN.project, SECRET, v);
    expect(new TextDecoder().decode(out)).toBe('the value: pässword');
    const opened = observed.opened.filter((b) => b !== out);
    expect(opened.map((b) => b.length)).toEqual([32]);
    expect(opened[0].every((b) => b === 0)).toBe(true);
    // Also when the value does not open.
    observed.opened.length = 0;
    await rejection(openValue(rig.kms, ADMIN.project, SECRET, { ...v, kind: 'binary' }));
    await rejection(openValue(rig.kms, ADMIN.project, SECRET, { ...v, sealed: Buffer.from(fromBase64(v.sealed).map((b, i) => (i === 15 ? b ^ 1 : b))).toString('base64') }));
    expect(observed.opened.length).toBe(1);
    expect(observed.opened[0].every((b) => b === 0)).toBe(true);
  });
});
