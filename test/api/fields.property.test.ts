// The JSON field readers against an oracle written here from their rules: for any JSON value and any
// rule, a reader returns the value exactly when it is of the right type and within the rule, and otherwise
// throws the "missing" or "invalid" error of the caller's spelling.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FieldReader, type FieldErrors } from '../../src/api/fields.ts';
import { property } from '../helpers/property.ts';

class Missing extends Error {}
class Invalid extends Error {}
const errors: FieldErrors = { missing: (f) => new Missing(f), invalid: (f, why) => new Invalid(`${f}: ${why}`) };

/** What a reader did: its value, or the kind of error it threw. */
function outcome(read: () => unknown): { value: unknown } | 'missing' | 'invalid' {
  try {
    return { value: read() };
  } catch (e) {
    if (e instanceof Missing) return 'missing';
    if (e instanceof Invalid) return 'invalid';
    throw e;
  }
}

const json = fc.jsonValue({ maxDepth: 2 });
const anyValue = fc.oneof(json, fc.constant(undefined), fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.boolean(), fc.array(fc.string({ maxLength: 4 }), { maxLength: 6 }));

describe('FieldReader properties', () => {
  it('string: value, bounds (characters or UTF-8 bytes), enum, pattern, required, emptyIsAbsent', async () => {
    const rule = fc.record(
      {
        required: fc.boolean(),
        min: fc.nat(6),
        max: fc.nat(12),
        bytes: fc.boolean(),
        enum: fc.array(fc.string({ maxLength: 3 }), { minLength: 1, maxLength: 4 }),
        pattern: fc.constantFrom(/^[a-z]*$/, /^\d+$/, /x/),
        emptyIsAbsent: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    await property(
      'fields string',
      fc.property(anyValue, rule, (v, r) => {
        const got = outcome(() => new FieldReader({ f: v }, errors).string('f', r));
        const absent = v === undefined || v === null || (r.emptyIsAbsent === true && v === '');
        let want: ReturnType<typeof outcome>;
        if (absent) want = r.required ? 'missing' : { value: undefined };
        else if (typeof v !== 'string') want = 'invalid';
        else {
          const len = r.bytes ? Buffer.byteLength(v, 'utf8') : v.length;
          const ok = (r.min === undefined || len >= r.min) && (r.max === undefined || len <= r.max) && (!r.enum || r.enum.includes(v)) && (!r.pattern || r.pattern.test(v));
          want = ok ? { value: v } : 'invalid';
        }
        expect(got).toEqual(want);
      }),
      1000,
    );
  });

  it('integer: safe integers within bounds only', async () => {
    const rule = fc.record({ required: fc.boolean(), min: fc.integer({ min: -50, max: 50 }), max: fc.integer({ min: -50, max: 100 }) }, { requiredKeys: [] });
    const value = fc.oneof(anyValue, fc.integer({ min: -100, max: 200 }), fc.constantFrom(2 ** 53, -(2 ** 53), 1.5, NaN, Infinity, '5'));
    await property(
      'fields integer',
      fc.property(value, rule, (v, r) => {
        const got = outcome(() => new FieldReader({ f: v }, errors).integer('f', r));
        let want: ReturnType<typeof outcome>;
        if (v === undefined || v === null) want = r.required ? 'missing' : { value: undefined };
        else if (typeof v !== 'number' || !Number.isSafeInteger(v)) want = 'invalid';
        else want = (r.min === undefined || v >= r.min) && (r.max === undefined || v <= r.max) ? { value: v } : 'invalid';
        expect(got).toEqual(want);
      }),
      1000,
    );
  });

  it('boolean, array (item counts) and strings (every item checked)', async () => {
    await property(
      'fields boolean array',
      fc.property(anyValue, fc.boolean(), fc.nat(4), fc.nat(6), (v, required, minItems, maxItems) => {
        const reader = new FieldReader({ f: v }, errors);
        const absent = v === undefined || v === null;
        expect(outcome(() => reader.boolean('f', { required }))).toEqual(absent ? (required ? 'missing' : { value: undefined }) : typeof v === 'boolean' ? { value: v } : 'invalid');
        const arrayWant = absent ? (required ? 'missing' : { value: undefined }) : !Array.isArray(v) ? 'invalid' : v.length >= minItems && v.length <= maxItems ? { value: v } : 'invalid';
        expect(outcome(() => reader.array('f', { required, minItems, maxItems }))).toEqual(arrayWant);
        const strings = outcome(() => reader.strings('f', { required, minItems, maxItems, item: { max: 2 } }));
        if (typeof arrayWant === 'object' && Array.isArray(arrayWant.value)) {
          // Items are read in order as required strings: the first bad one decides (a null item is missing).
          const items = arrayWant.value;
          const i = items.findIndex((x) => !(typeof x === 'string' && x.length <= 2));
          expect(strings).toEqual(i < 0 ? { value: items } : items[i] === null || items[i] === undefined ? 'missing' : 'invalid');
        } else {
          expect(strings).toEqual(arrayWant);
        }
      }),
      1000,
    );
  });

  it('of / object: only a JSON object is a body', async () => {
    await property(
      'fields object',
      fc.property(anyValue, (v) => {
        const isObject = v !== null && typeof v === 'object' && !Array.isArray(v);
        expect(outcome(() => FieldReader.of(v, errors).body)).toEqual(isObject ? { value: v } : 'invalid');
      }),
      500,
    );
  });
});
