// The version and stage rules of one secret on their own (the routes are checked in lifecycle.test.ts and
// bad-inputs.test.ts): reading a value at its bounds, the CMK a secret may use, stage moves and SYSPREVIOUS,
// the stage quota, pruning, adding a version, and when a secret may be used.
import { describe, expect, it } from 'vitest';
import { CsmsError } from '../../src/secrets/errors.ts';
import { csmsFields } from '../../src/secrets/operation.ts';
import type { SecretRecord, VersionRecord } from '../../src/secrets/record.ts';
import { secretRecord } from '../helpers/secret-record.ts';
import { openValue } from '../../src/secrets/sealing.ts';
import { Secrets } from '../../src/secrets/secrets.ts';
import { addVersion, assertStageQuota, assertUsable, cmkFor, DEFAULT_CMK, moveStage, prune, readKmsKeyId, readStages, readValue, STAGE_NAME } from '../../src/secrets/versions.ts';
import { ADMIN, makeRig } from '../helpers/kms.ts';

/** The CsmsError `f` throws, as [code, status, message]. */
function refusal(f: () => unknown): [string, number, string] {
  try {
    f();
  } catch (e) {
    if (!(e instanceof CsmsError)) throw e;
    return [e.code, e.status, e.message];
  }
  throw new Error('expected a refusal');
}
async function asyncRefusal(p: Promise<unknown>): Promise<[string, number, string]> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof CsmsError)) throw e;
    return [e.code, e.status, e.message];
  }
  throw new Error('expected a refusal');
}
const invalid = (field: string, why: string): [string, number, string] => ['CSMS.0002', 400, `Invalid ${field}: ${why}.`];

const version = (id: string): VersionRecord => ({ id, createdAt: 0, kmsKeyId: 'k', kind: 'string', wrappedKey: '', sealed: '' });
function record(versions: string[], stages: Record<string, string>, extra: Partial<SecretRecord> = {}): SecretRecord {
  return secretRecord({
    id: '11111111-2222-4333-8444-555555555555',
    project: ADMIN.project,
    name: 'app',
    kmsKeyId: DEFAULT_CMK,
    nextVersion: versions.length + 1,
    versions: versions.map(version),
    stages: Object.fromEntries(Object.entries(stages).map(([s, v]) => [s, { version: v, updatedAt: 0 }])),
    ...extra,
  });
}

async function secrets(limits: ConstructorParameters<typeof Secrets>[1] = {}) {
  const rig = await makeRig();
  return { rig, secrets: new Secrets(rig.kms, limits) };
}

describe('reading a secret value', () => {
  it('secret_string as UTF-8 up to the value limit, well-formed only', async () => {
    const { secrets: s } = await secrets({ valueBytes: 4 });
    const read = (body: object, required = true) => readValue(s, csmsFields(body), required);
    expect(read({ secret_string: 'äb' })).toEqual({ kind: 'string', bytes: Uint8Array.of(0xc3, 0xa4, 0x62) });
    expect(read({ secret_string: 'ää' })?.bytes).toHaveLength(4);
    expect(read({ secret_string: '' })).toEqual({ kind: 'string', bytes: new Uint8Array(0) });
    expect(refusal(() => read({ secret_string: 'ääa' }))).toEqual(invalid('secret_string', 'must be at most 4 bytes'));
    expect(refusal(() => read({ secret_string: 'a\ud800' }))).toEqual(invalid('secret_string', 'it is not well-formed Unicode'));
  });

  it('secret_binary as base64 up to the value limit; its length is checked before it is decoded', async () => {
    const { secrets: s } = await secrets({ valueBytes: 3 });
    const read = (body: object) => readValue(s, csmsFields(body), true);
    expect(read({ secret_binary: 'AAEC' })).toEqual({ kind: 'binary', bytes: Uint8Array.of(0, 1, 2) });
    expect(read({ secret_binary: 'AA==' })).toEqual({ kind: 'binary', bytes: Uint8Array.of(0) });
    // 5 characters are more than 3 bytes can take: refused by length, not read as (bad) base64.
    expect(refusal(() => read({ secret_binary: 'AAECA' }))).toEqual(invalid('secret_binary', 'must decode to at most 3 bytes'));
    expect(refusal(() => read({ secret_binary: 'AA!C' }))).toEqual(invalid('secret_binary', 'must be base64'));
    const { secrets: s4 } = await secrets({ valueBytes: 4 });
    // 8 characters fit the bound for 4 bytes (6 bytes at most), then the decoded length refuses them.
    expect(refusal(() => readValue(s4, csmsFields({ secret_binary: 'AAECAwQF' }), true))).toEqual(invalid('secret_binary', 'must decode to at most 4 bytes'));
    expect(readValue(s4, csmsFields({ secret_binary: 'AAECAw==' }), true)?.bytes).toEqual(Uint8Array.of(0, 1, 2, 3));
  });

  it('exactly one of the two when required; neither is fine when not', async () => {
    const { secrets: s } = await secrets();
    expect(refusal(() => readValue(s, csmsFields({ secret_string: 'a', secret_binary: 'AA==' }), false))).toEqual(invalid('secret_string', 'give secret_string or secret_binary, not both'));
    expect(refusal(() => readValue(s, csmsFields({}), true))).toEqual(invalid('secret_string', 'give secret_string or secret_binary'));
    expect(readValue(s, csmsFields({}), false)).toBeUndefined();
  });
});

describe('the CMK of a secret', () => {
  it('csms/default is created on first use; a named symmetric ENCRYPT_DECRYPT key is used as it is', async () => {
    const { rig, secrets: s } = await secrets();
    const d = await cmkFor(s, ADMIN.project, undefined);
    expect([d.alias, d.defaultKey, d.spec, d.usage]).toEqual([DEFAULT_CMK, true, 'AES_256', 'ENCRYPT_DECRYPT']);
    expect((await cmkFor(s, ADMIN.project, undefined)).id).toBe(d.id);
    const own = (await rig.client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'sm4', key_spec: 'SM4' })).key_info.key_id;
    expect((await cmkFor(s, ADMIN.project, own)).id).toBe(own);
  });

  it('a key that cannot wrap data keys is refused by spec and usage', async () => {
    const { rig, secrets: s } = await secrets();
    const mac = (await rig.client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'mac', key_spec: 'HMAC_256', key_usage: 'GENERATE_VERIFY_MAC' })).key_info.key_id;
    expect(await asyncRefusal(cmkFor(s, ADMIN.project, mac))).toEqual(
      invalid('kms_key_id', `the key ${mac} (HMAC_256, GENERATE_VERIFY_MAC) cannot wrap data keys; use a symmetric ENCRYPT_DECRYPT key`),
    );
    const rsa = (await rig.client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'rsa', key_spec: 'RSA_2048', key_usage: 'ENCRYPT_DECRYPT' })).key_info.key_id;
    expect(await asyncRefusal(cmkFor(s, ADMIN.project, rsa))).toEqual(
      invalid('kms_key_id', `the key ${rsa} (RSA_2048, ENCRYPT_DECRYPT) cannot wrap data keys; use a symmetric ENCRYPT_DECRYPT key`),
    );
  });

  it('kms_key_id: empty is absent', () => {
    expect(readKmsKeyId(csmsFields({}))).toBeUndefined();
    expect(readKmsKeyId(csmsFields({ kms_key_id: '' }))).toBeUndefined();
    expect(readKmsKeyId(csmsFields({ kms_key_id: 'alias/x' }))).toBe('alias/x');
  });
});

describe('stages', () => {
  it('SYSCURRENT leaving a version leaves SYSPREVIOUS on it; other stages and staying put do not', () => {
    const r = record(['v1', 'v2', 'v3'], { SYSCURRENT: 'v1', beta: 'v1' });
    moveStage(r, 'SYSCURRENT', 'v1', 5);
    expect(r.stages).toEqual({ SYSCURRENT: { version: 'v1', updatedAt: 5 }, beta: { version: 'v1', updatedAt: 0 } });
    moveStage(r, 'beta', 'v2', 6);
    expect(r.stages).toEqual({ SYSCURRENT: { version: 'v1', updatedAt: 5 }, beta: { version: 'v2', updatedAt: 6 } });
    moveStage(r, 'SYSCURRENT', 'v3', 7);
    expect(r.stages).toEqual({ SYSCURRENT: { version: 'v3', updatedAt: 7 }, SYSPREVIOUS: { version: 'v1', updatedAt: 7 }, beta: { version: 'v2', updatedAt: 6 } });
    const fresh = record(['v1'], {});
    moveStage(fresh, 'SYSCURRENT', 'v1', 8);
    expect(fresh.stages).toEqual({ SYSCURRENT: { version: 'v1', updatedAt: 8 } });
  });

  it('at most stagesPerSecret stage labels: the limit is fine, one more is CSMS.0203', async () => {
    const { secrets: s } = await secrets({ stagesPerSecret: 2, versionsPerSecret: 5 });
    expect(() => assertStageQuota(s, record(['v1'], { SYSCURRENT: 'v1', a: 'v1' }))).not.toThrow();
    expect(refusal(() => assertStageQuota(s, record(['v1'], { SYSCURRENT: 'v1', a: 'v1', b: 'v1' })))).toEqual(['CSMS.0203', 400, 'A secret may have at most 2 stages.']);
  });

  it('version_stages: 1-12 names of letters, digits, _ and -, up to 64 characters, none twice', () => {
    expect(readStages(csmsFields({}))).toBeUndefined();
    expect(readStages(csmsFields({ version_stages: ['a', 'B_-9'] }))).toEqual(['a', 'B_-9']);
    expect(readStages(csmsFields({ version_stages: Array.from({ length: 12 }, (_, i) => `s${i}`) }))).toHaveLength(12);
    expect(refusal(() => readStages(csmsFields({ version_stages: ['a', 'b', 'a'] })))).toEqual(invalid('version_stages', 'names a stage twice'));
    expect(refusal(() => readStages(csmsFields({ version_stages: [] })))).toEqual(invalid('version_stages', 'must have at least 1 items'));
    expect(refusal(() => readStages(csmsFields({ version_stages: Array.from({ length: 13 }, (_, i) => `s${i}`) })))).toEqual(invalid('version_stages', 'must have at most 12 items'));
    expect(STAGE_NAME.test('x'.repeat(64))).toBe(true);
    for (const bad of ['', 'x'.repeat(65), 'a b', 'a.b', 'ä', 'a\n']) expect(STAGE_NAME.test(bad), JSON.stringify(bad)).toBe(false);
  });
});

describe('versions', () => {
  it('prune drops the oldest versions without a stage while there are more than the limit', async () => {
    const { secrets: s } = await secrets({ stagesPerSecret: 2, versionsPerSecret: 3 });
    const r = record(['v1', 'v2', 'v3', 'v4', 'v5'], { SYSCURRENT: 'v5', SYSPREVIOUS: 'v1' });
    prune(s, r);
    expect(r.versions.map((v) => v.id)).toEqual(['v1', 'v4', 'v5']);
    const atLimit = record(['v1', 'v2', 'v3'], { SYSCURRENT: 'v3' });
    prune(s, atLimit);
    expect(atLimit.versions.map((v) => v.id)).toEqual(['v1', 'v2', 'v3']);
    // Every version staged (a record the limits would not let arise): nothing to drop, and no endless loop.
    const allStaged = record(['v1', 'v2', 'v3', 'v4'], { SYSCURRENT: 'v1', a: 'v2', b: 'v3', c: 'v4' });
    prune(s, allStaged);
    expect(allStaged.versions).toHaveLength(4);
  });

  it('addVersion seals the value as v<next> under the secret’s CMK, moves SYSCURRENT (or the stages given), and prunes', async () => {
    const { rig, secrets: s } = await secrets({ stagesPerSecret: 3, versionsPerSecret: 4 });
    rig.clock.set(1_000_000);
    const r = record(['v1', 'v2', 'v3'], { SYSCURRENT: 'v3' }, { nextVersion: 7 });
    const value = { kind: 'string' as const, bytes: new TextEncoder().encode('seven') };
    const { record: out, version } = await addVersion(s, r, value);
    expect(out).toBe(r);
    expect([version.id, version.createdAt, version.kind, 'expireTime' in version]).toEqual(['v7', 1_000_000, 'string', false]);
    expect(version.kmsKeyId).toBe((await cmkFor(s, ADMIN.project, undefined)).id);
    expect(new TextDecoder().decode(await openValue(rig.kms, ADMIN.project, r.id, version))).toBe('seven');
    expect([r.nextVersion, r.updatedAt]).toEqual([8, 1_000_000]);
    expect(r.stages).toEqual({ SYSCURRENT: { version: 'v7', updatedAt: 1_000_000 }, SYSPREVIOUS: { version: 'v3', updatedAt: 1_000_000 } });
    expect(r.versions.map((v) => v.id)).toEqual(['v1', 'v2', 'v3', 'v7']);

    const { version: v8 } = await addVersion(s, r, { kind: 'binary', bytes: Uint8Array.of(1) }, { stages: ['canary'], expireTime: 5 });
    expect([v8.id, v8.kind, v8.expireTime]).toEqual(['v8', 'binary', 5]);
    expect(r.stages.canary.version).toBe('v8');
    expect(r.stages.SYSCURRENT.version).toBe('v7');
    expect(r.versions.map((v) => v.id)).toEqual(['v2', 'v3', 'v7', 'v8']);

    expect(await asyncRefusal(addVersion(s, r, value, { stages: ['one-too-many'] }))).toEqual(['CSMS.0203', 400, 'A secret may have at most 3 stages.']);
  });

  it('addVersion under a CMK given by the caller', async () => {
    const { rig, secrets: s } = await secrets();
    const own = (await rig.client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'own' })).key_info.key_id;
    const cmk = await cmkFor(s, ADMIN.project, own);
    const { version } = await addVersion(s, record([], {}), { kind: 'string', bytes: Uint8Array.of(65) }, { cmk });
    expect([version.id, version.kmsKeyId]).toEqual(['v1', own]);
  });
});

describe('when a secret may be used', () => {
  it('ENABLED only: pending deletion is CSMS.0103, disabled or frozen CSMS.0003', () => {
    expect(() => assertUsable(record([], {}))).not.toThrow();
    expect(refusal(() => assertUsable(record([], {}, { state: 'PENDING_DELETE' })))).toEqual(['CSMS.0103', 400, 'The secret app is pending deletion and cannot be used.']);
    expect(refusal(() => assertUsable(record([], {}, { state: 'DISABLED' })))).toEqual(['CSMS.0003', 400, 'The secret app is DISABLED and cannot be used.']);
    expect(refusal(() => assertUsable(record([], {}, { state: 'FROZEN' })))).toEqual(['CSMS.0003', 400, 'The secret app is FROZEN and cannot be used.']);
  });

  it('the limits: stages must stay below versions, so pruning always finds a version without a stage', async () => {
    const { rig } = await secrets();
    expect(() => new Secrets(rig.kms, { stagesPerSecret: 5, versionsPerSecret: 5 })).toThrow(new RangeError('stagesPerSecret must be below versionsPerSecret'));
    expect(new Secrets(rig.kms, { stagesPerSecret: 4, versionsPerSecret: 5 }).limits).toEqual({ secretsPerProject: 200, versionsPerSecret: 5, stagesPerSecret: 4, valueBytes: 32 * 1024 });
  });
});
