// The key index on its own, where the model test's random draws are thin: keys that change at the same
// moment (kept apart by id, so each one is found again), a summary changed behind the index's back
// (refused with the key named, not served out of order), and what a summary carries for the quotas.
import { describe, expect, it } from 'vitest';
import { KeyIndex, summarize } from '../../src/kms/key-index.ts';
import type { KeyRecord } from '../../src/kms/key-record.ts';
import { keyRecord } from '../helpers/key-records.ts';

const record = keyRecord;
const pendingDeletion = (deletionAt: number): Partial<KeyRecord> => ({ state: '4', deletionAt });

describe('key index', () => {
  it('keeps keys that change at the same moment apart, and finds each again to change or remove it', () => {
    const index = new KeyIndex();
    for (const id of ['k3', 'k1', 'k2', 'k4']) index.put(record(id, 1, pendingDeletion(50)));
    index.put(record('k0', 1, { materialExpiresAt: 50 }));
    expect(index.changedBy(49)).toEqual([]);
    expect(index.changedBy(50).map((s) => s.id)).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    index.remove('k2');
    index.put(record('k3', 1)); // deletion cancelled: no longer changes by itself
    index.put(record('k4', 1, pendingDeletion(60)));
    expect(index.changedBy(50).map((s) => s.id)).toEqual(['k0', 'k1']);
    expect(index.changedBy(60).map((s) => s.id)).toEqual(['k0', 'k1', 'k4']);
    expect(index.count({}, 50)).toBe(3); // k1 is gone by 50; k0 stays (pending import), k3 and k4 too
    expect(index.count({ state: '5' }, 50)).toBe(1);
    expect(index.entries().map((s) => s.id)).toEqual(['k0', 'k1', 'k3', 'k4']);
  });

  it('refuses to go on with a summary changed behind its back, naming the key', () => {
    const index = new KeyIndex();
    index.put(record('k1', 5));
    index.put(record('k2', 6));
    // The entries are the index's own; one edited in place no longer sits where its creation time says.
    (index.entries()[0] as { createdAt: number }).createdAt = 100;
    expect(() => index.remove('k1')).toThrow(new Error('key index out of order at k1'));
    expect(index.entries().map((s) => s.id)).toEqual(['k1', 'k2']);
  });

  it('summarizes a key with its grant count, and no grants as none', () => {
    const grants = [{ id: 'g1' }, { id: 'g2' }] as unknown as KeyRecord['grants'];
    expect(summarize(record('k1', 1, { grants })).grants).toBe(2);
    expect(summarize(record('k2', 1, { grants: [] })).grants).toBe(0);
    expect(summarize(record('k3', 1)).grants).toBe(0);
  });

  it('tells where a scan goes on after a key, whether that key is still there or not', () => {
    const index = new KeyIndex();
    for (const [id, at] of [['k2', 2], ['k1', 1], ['k3', 3], ['k0', 3]] as const) index.put(record(id, at));
    const [k1, k2, k0, k3] = index.entries().slice();
    expect([k1, k2, k0, k3].map((s) => s.id)).toEqual(['k1', 'k2', 'k0', 'k3']);
    expect([k1, k2, k0, k3].map((s) => index.after(s))).toEqual([1, 2, 3, 4]);
    index.remove('k2');
    index.remove('k0');
    expect([k1, k2, k0, k3].map((s) => index.after(s))).toEqual([1, 1, 1, 2]);
    index.put(record('k2', 2, { description: 'changed' })); // back, as another object
    expect(index.after(k2)).toBe(2);
    expect(index.entries()[index.after(k1)].description).toBe('changed');
    index.remove('k3'); // the newest gone: a scan after it has nothing left
    expect(index.after(k3)).toBe(2);
    expect(index.entries().length).toBe(2);
  });
});
