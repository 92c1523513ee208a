// The key index against a model of what was written: after any sequence of creates, changes (state, spec,
// enterprise project, deletion date, imported material's expiry, grants, even the creation time) and
// removals, and at any time, count(filter) equals the number of keys a read at that time would find
// matching, the entries are the model's keys in creation order with every field list-keys and the quotas
// show, changedBy names exactly the keys a read reports differently, and each summary as read is the key
// as the repository would rewrite it. Times are drawn from a short range so that keys often share one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyIndex, asReadAt, type KeyFilter } from '../../src/kms/key-index.ts';
import type { KeyRecord } from '../../src/kms/key-record.ts';
import { keyRecord } from '../helpers/key-records.ts';
import { property } from '../helpers/property.ts';

const STATES = ['1', '2', '3', '4', '5'] as const;
const SPECS = ['AES_256', 'SM4'] as const;
const EPS = ['0', 'ep-1'];

type Fields = { state: (typeof STATES)[number]; spec: (typeof SPECS)[number]; eps: string; deletionAt?: number; expiresAt?: number; material: boolean; grants: number };

const record = (id: number, at: number, f: Fields): KeyRecord =>
  keyRecord(`k${id}`, at, {
    alias: `a${id}`,
    spec: f.spec,
    state: f.state,
    deletionAt: f.deletionAt,
    versions: f.material ? ([{ v: 1 }] as unknown as KeyRecord['versions']) : [],
    materialExpiresAt: f.expiresAt,
    enterpriseProjectId: f.eps,
    grants: Array.from({ length: f.grants }, (_, g) => ({ id: `g${g}` })) as unknown as KeyRecord['grants'],
  });

/** The summary the index must hold for a key, spelled out field by field (not through summarize). */
const summaryOf = (id: number, at: number, f: Fields) => ({
  id: `k${id}`,
  alias: `a${id}`,
  description: '',
  spec: f.spec,
  usage: 'ENCRYPT_DECRYPT',
  origin: 'kms',
  state: f.state,
  defaultKey: false,
  createdAt: at,
  deletionAt: f.deletionAt,
  materialExpiresAt: f.expiresAt,
  enterpriseProjectId: f.eps,
  keystoreId: '0',
  rotation: { enabled: false },
  hasMaterial: f.material,
  grants: f.grants,
});

const fields = fc.record({
  state: fc.constantFrom(...STATES),
  spec: fc.constantFrom(...SPECS),
  eps: fc.constantFrom(...EPS),
  deletionAt: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
  expiresAt: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
  material: fc.boolean(),
  grants: fc.integer({ min: 0, max: 2 }),
});
const op = fc.oneof(
  // `moved`: the write gives an existing key another creation time (the repository never does; the index
  // must still hold it once, in its new place).
  fc.record({ kind: fc.constant('put' as const), id: fc.integer({ min: 0, max: 15 }), at: fc.integer({ min: 0, max: 5 }), moved: fc.boolean(), fields }),
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
      fc.property(fc.array(op, { maxLength: 40 }), fc.array(filter, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 10 }), (ops, filters, now) => {
        const index = new KeyIndex();
        // The model: each key's creation time and fields, as written.
        const keys = new Map<number, { at: number; f: Fields }>();
        for (const o of ops) {
          if (o.kind === 'remove') {
            index.remove(`k${o.id}`);
            keys.delete(o.id);
          } else {
            // A key keeps its creation time across changes, as the repository's writes do, unless `moved`;
            // a new one takes o.at.
            const at = o.moved ? o.at : (keys.get(o.id)?.at ?? o.at);
            keys.set(o.id, { at, f: o.fields });
            index.put(record(o.id, at, o.fields));
          }
        }
        const all = index.entries();
        const inOrder = [...keys].sort(([a, x], [b, y]) => x.at - y.at || (`k${a}` < `k${b}` ? -1 : 1));
        expect(all).toEqual(inOrder.map(([id, { at, f }]) => summaryOf(id, at, f)));
        expect(index.size).toBe(keys.size);
        // What a read at `now` shows of a key, from the model alone: gone from its deletion date on, and
        // imported material past its expiry gone (pending import, unless pending deletion).
        const shown = (f: Fields) => {
          if (f.state === '4' && f.deletionAt !== undefined && f.deletionAt <= now) return null;
          const expired = f.material && f.expiresAt !== undefined && f.expiresAt <= now;
          return { state: expired && f.state !== '4' ? '5' : f.state, expired };
        };
        const found = (filter: KeyFilter) =>
          [...keys.values()].filter(({ f }) => {
            const read = shown(f);
            return read !== null && (filter.state === undefined || read.state === filter.state) && (filter.spec === undefined || f.spec === filter.spec) && (filter.enterpriseProjectId === undefined || f.eps === filter.enterpriseProjectId);
          }).length;
        for (const f of [...filters, {}]) expect(index.count(f, now), JSON.stringify(f)).toBe(found(f));
        const changed = [...keys].filter(([, { f }]) => shown(f) === null || shown(f)!.expired).map(([id]) => `k${id}`);
        expect(index.changedBy(now).map((s) => s.id).sort()).toEqual(changed.sort());
        // And each summary as read is the key as a read rewrites it: material past its expiry gone.
        for (const [id, { at, f }] of inOrder) {
          const model = shown(f);
          const expected = model && { ...summaryOf(id, at, f), state: model.state, ...(model.expired ? { materialExpiresAt: undefined, hasMaterial: false } : {}) };
          expect(asReadAt(index.entries().find((s) => s.id === `k${id}`)!, now)).toEqual(expected);
        }
      }),
    );
  });
});
