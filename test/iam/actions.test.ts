// The policy action of every operation is the one docs/iam.md's tables name (read from the document, so
// the two cannot drift), and the resource names a key or a secret goes by.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CSMS_ACTIONS, KMS_ACTIONS, keyResources, secretResources } from '../../src/iam/actions.ts';

/** `operation -> action` from the "| action | KMS operations |" or "| action | CSMS operations |" table. */
function documented(service: 'KMS' | 'CSMS'): Record<string, string> {
  const doc = readFileSync(new URL('../../docs/iam.md', import.meta.url), 'utf8');
  const start = doc.indexOf(`| action | ${service} operations |`);
  expect(start).toBeGreaterThan(0);
  const out: Record<string, string> = {};
  for (const line of doc.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const [, action, operations] = line.split('|').map((c) => c.trim());
    for (const op of operations.split(',')) out[op.trim().replaceAll('`', '')] = action.replaceAll('`', '');
  }
  return out;
}

describe('actions', () => {
  it('KMS operations map to the actions docs/iam.md lists, one for one', () => {
    const table = documented('KMS');
    expect(Object.keys(table).length).toBeGreaterThan(60);
    expect({ ...KMS_ACTIONS }).toEqual(table);
  });

  it('CSMS operations map to the actions docs/iam.md lists, one for one', () => {
    const table = documented('CSMS');
    expect(Object.keys(table).length).toBeGreaterThan(30);
    expect({ ...CSMS_ACTIONS }).toEqual(table);
  });
});

describe('resource names', () => {
  it('a key goes by its id, and by its alias when it has one', () => {
    expect(keyResources('cn-north-4', 'p1', 'k-1')).toEqual(['KMS:cn-north-4:p1:KeyId:k-1']);
    expect(keyResources('cn-north-4', 'p1', 'k-1', 'orders')).toEqual(['KMS:cn-north-4:p1:KeyId:k-1', 'KMS:cn-north-4:p1:KeyAlias:orders']);
    expect(keyResources('r', 'p', 'k', '')).toEqual(['KMS:r:p:KeyId:k']);
  });

  it('a secret goes by the name in the path, else the name in the body, and by its id on the tag routes', () => {
    expect(secretResources('r', 'p', { secret_name: 'db' })).toEqual(['CSMS:r:p:secret:db']);
    expect(secretResources('r', 'p', { secret_name: 'db' }, 'other')).toEqual(['CSMS:r:p:secret:db']);
    expect(secretResources('r', 'p', {}, 'created')).toEqual(['CSMS:r:p:secret:created']);
    expect(secretResources('r', 'p', {}, 42)).toEqual([]);
    expect(secretResources('r', 'p', {}, '')).toEqual([]);
    expect(secretResources('r', 'p', {})).toEqual([]);
    expect(secretResources('r', 'p', { secret_id: 'id-1' })).toEqual(['CSMS:r:p:secretId:id-1']);
    expect(secretResources('r', 'p', { secret_name: 'db', secret_id: 'id-1' })).toEqual(['CSMS:r:p:secret:db', 'CSMS:r:p:secretId:id-1']);
  });
});
