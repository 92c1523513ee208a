// The key index's counts against a plain count of its own summaries: after any sequence of creates,
// changes (state, spec, enterprise project, deletion date, imported material's expiry) and removals, and
// at any time, count(filter) equals the number of keys a read at that time would find matching, the
// entries stay in creation order, and changedBy names exactly the keys a read would report differently.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyIndex, asReadAt, matches, type KeyFilter } from '../../src/kms/key-index.ts';
import type { KeyRecord } from '../../src/kms/key-record.ts';
import { property } from '../helpers/property.ts';

const STATES = ['1', '2', '3', '4', '5'] as const;
const SPECS = ['AES_256', 'SM4'] as const;
const EPS = ['0', 'ep-1'];

const record = (id: number, at: number, f: { state: (typeof STATES)[number]; spec: (typeof SPECS)[number]; eps: string; deletionAt?: number; expiresAt?: number; material: boolean }): KeyRecord =>
  ({
    schema: 1,
    id: `k${id}`,
    project: 'p',
    alias: `a${id}`,
    description: '',
    spec: f.spec,
    usage: 'ENCRYPT_DECRYPT',
    origin: 'kms',
    state: f.state,
    defaultKey: false,
    createdAt: at,
    deletionAt: f.deletionAt,
    rotation: { enabled: false, intervalDays: 365, count: 0 },
    versions: f.material ? [{ v: 1 }] : [],
    materialExpiresAt: f.expiresAt,
    enterpriseProjectId: f.eps,
    keystoreId: '0',
  }) as unknown as KeyRecord;

const fields = fc.record({
  state: fc.constantFrom(...STATES),
  spec: fc.constantFrom(...SPECS),
  eps: fc.constantFrom(...EPS),
  deletionAt: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
  expiresAt: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
  material: fc.boolean(),
});
const op = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), id: fc.integer({ min: 0, max: 15 }), at: fc.integer({ min: 0, max: 5 }), fields }),
  fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 15 }) }),
);
const filter: fc.Arbitrary<KeyFilter> = fc.record(
  { state: fc.constantFrom(...STATES), spec: fc.constantFrom(...SPECS), enterpriseProjectId: fc.constantFrom(...EPS) },
  { requiredKeys: [] },
);

describe('key index counts', () => {
  it('count, order and changedBy agree with the summaries, after any writes and at any time', async () => {
    await property(
      'key index counts',
      fc.property(fc.array(op, { maxLength: 40 }), fc.array(filter, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 25 }), (ops, filters, now) => {
        const index = new KeyIndex();
        const createdAt = new Map<number, number>();
        for (const o of ops) {
          if (o.kind === 'remove') {
            index.remove(`k${o.id}`);
            createdAt.delete(o.id);
          } else {
            // A key keeps its creation time across changes, as the repository's writes do; a new one takes o.at.
            const at = createdAt.get(o.id) ?? o.at;
            createdAt.set(o.id, at);
            index.put(record(o.id, at, o.fields));
          }
        }
        const all = index.entries();
        expect(all.map((s) => s.id).sort()).toEqual([...createdAt.keys()].map((id) => `k${id}`).sort());
        for (let i = 1; i < all.length; i++) expect(all[i - 1].createdAt < all[i].createdAt || (all[i - 1].createdAt === all[i].createdAt && all[i - 1].id < all[i].id)).toBe(true);
        const found = (f: KeyFilter) =>
          all.filter((s) => {
            const read = asReadAt(s, now);
            return read !== null && matches(read, f);
          }).length;
        for (const f of [...filters, {}]) expect(index.count(f, now), JSON.stringify(f)).toBe(found(f));
        const changed = all.filter((s) => asReadAt(s, now) !== s).map((s) => s.id).sort();
        expect(index.changedBy(now).map((s) => s.id).sort()).toEqual(changed);
      }),
    );
  });
});
