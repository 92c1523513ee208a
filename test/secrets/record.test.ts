// The secret document's helpers and its wire shapes (docs/csms-api.md, Models): which optional fields
// appear, stage order, the next rotation time.
import { describe, expect, it } from 'vitest';
import { findVersion, latestVersion, nextRotationTime, secretInfo, stageInfo, stagesOf, SYSCURRENT, SYSPREVIOUS, SYSTEM_STAGES, versionMetadata, type SecretRecord, type VersionRecord } from '../../src/secrets/record.ts';
import { periodMs } from '../../src/secrets/rotation-period.ts';
import { secretRecord } from '../helpers/secret-record.ts';

const version = (id: string, extra: Partial<VersionRecord> = {}): VersionRecord => ({ id, createdAt: 1000, kmsKeyId: 'key-1', kind: 'string', wrappedKey: 'w', sealed: 's', ...extra });

function record(extra: Partial<SecretRecord> = {}): SecretRecord {
  return secretRecord({
    kmsKeyId: 'key-1',
    description: 'd',
    createdAt: 1000,
    updatedAt: 2000,
    eventSubscriptions: ['e1'],
    nextVersion: 4,
    versions: [version('v1'), version('v2', { expireTime: 5000, createdAt: 1500 }), version('v3')],
    stages: { SYSCURRENT: { version: 'v3', updatedAt: 10 }, beta: { version: 'v3', updatedAt: 11 }, SYSPREVIOUS: { version: 'v3', updatedAt: 12 }, alpha: { version: 'v3', updatedAt: 13 }, Alpha: { version: 'v3', updatedAt: 15 }, other: { version: 'v2', updatedAt: 14 } },
    ...extra,
  });
}

describe('secret record', () => {
  it('system stages are SYSCURRENT and SYSPREVIOUS', () => {
    expect([SYSCURRENT, SYSPREVIOUS, SYSTEM_STAGES]).toEqual(['SYSCURRENT', 'SYSPREVIOUS', ['SYSCURRENT', 'SYSPREVIOUS']]);
  });

  it("a version's stages: system stages first (in key order), then the others by name", () => {
    // "Alpha" sorts before "SYS…" by name: the system stages still come first.
    expect(stagesOf(record(), 'v3')).toEqual(['SYSCURRENT', 'SYSPREVIOUS', 'Alpha', 'alpha', 'beta']);
    expect(stagesOf(record({ stages: { b: { version: 'v1', updatedAt: 0 }, A: { version: 'v1', updatedAt: 0 }, a: { version: 'v1', updatedAt: 0 }, SYSPREVIOUS: { version: 'v1', updatedAt: 0 }, c: { version: 'v1', updatedAt: 0 } } }), 'v1')).toEqual([
      'SYSPREVIOUS',
      'A',
      'a',
      'b',
      'c',
    ]);
    expect(stagesOf(record(), 'v2')).toEqual(['other']);
    expect(stagesOf(record(), 'v1')).toEqual([]);
  });

  it('latest and by-id lookups', () => {
    expect(latestVersion(record())?.id).toBe('v3');
    expect(latestVersion(record({ versions: [] }))).toBeUndefined();
    expect(findVersion(record(), 'v2')?.createdAt).toBe(1500);
    expect(findVersion(record(), 'v9')).toBeUndefined();
  });

  it('the next rotation: last rotation (or creation) plus the period, only with automatic rotation and a period', () => {
    expect(nextRotationTime(record({ autoRotation: true, rotationPeriod: '1d' }), periodMs)).toBe(1000 + 86_400_000);
    expect(nextRotationTime(record({ autoRotation: true, rotationPeriod: '1d', rotationTime: 7000 }), periodMs)).toBe(7000 + 86_400_000);
    expect(nextRotationTime(record({ autoRotation: false, rotationPeriod: '1d' }), periodMs)).toBeUndefined();
    expect(nextRotationTime(record({ autoRotation: true }), periodMs)).toBeUndefined();
  });

  it('the Secret model: optional fields only when set', () => {
    // toStrictEqual: an unset field is absent, not present as undefined.
    expect(secretInfo(record(), periodMs)).toStrictEqual({
      id: 'id-1',
      name: 'db',
      state: 'ENABLED',
      kms_key_id: 'key-1',
      description: 'd',
      create_time: 1000,
      update_time: 2000,
      secret_type: 'COMMON',
      auto_rotation: false,
      event_subscriptions: ['e1'],
      enterprise_project_id: '0',
    });
    const full = record({ scheduledDeleteAt: 9, autoRotation: true, rotationPeriod: '6h', rotationConfig: '{}', rotationTime: 100, rotationFuncUrn: 'urn:x' });
    const info = secretInfo(full, periodMs);
    expect(info).toStrictEqual({
      ...secretInfo(record(), periodMs),
      scheduled_delete_time: 9,
      auto_rotation: true,
      rotation_period: '6h',
      rotation_config: '{}',
      rotation_time: 100,
      next_rotation_time: 100 + 6 * 3_600_000,
      rotation_func_urn: 'urn:x',
    });
    // The subscriptions are a copy: the answer cannot change the record.
    (info.event_subscriptions as string[]).push('x');
    expect(full.eventSubscriptions).toEqual(['e1']);
  });

  it('the VersionMetadata and Stage models', () => {
    const r = record();
    expect(versionMetadata(r, r.versions[0])).toStrictEqual({ id: 'v1', create_time: 1000, kms_key_id: 'key-1', secret_name: 'db', version_stages: [] });
    expect(versionMetadata(r, r.versions[1])).toStrictEqual({ id: 'v2', create_time: 1500, expire_time: 5000, kms_key_id: 'key-1', secret_name: 'db', version_stages: ['other'] });
    expect(stageInfo(r, 'alpha')).toStrictEqual({ name: 'alpha', update_time: 13, secret_name: 'db', version_id: 'v3' });
  });
});
