// Reads fields from a parsed JSON request body with the exact JSON types the wire reference gives.
// Every byte from outside is hostile: types are checked, lengths bounded, patterns matched, and the
// first problem becomes an API error (the caller supplies how its API spells errors).

import { utf8Length } from '../crypto/bytes.ts';

export interface FieldErrors {
  missing(field: string): Error;
  invalid(field: string, why: string): Error;
}

interface Common {
  required?: boolean;
}

export interface StringRule extends Common {
  /** Bounds on the length in UTF-16 code units unless `bytes` is set. */
  min?: number;
  max?: number;
  /** Bound the UTF-8 byte length instead of the string length. */
  bytes?: boolean;
  pattern?: RegExp;
  enum?: readonly string[];
  /** Treat "" like an absent field (several SDK models send empty optional strings). */
  emptyIsAbsent?: boolean;
}

export interface IntegerRule extends Common {
  min?: number;
  max?: number;
}

export interface ArrayRule extends Common {
  minItems?: number;
  maxItems?: number;
}

export class FieldReader {
  constructor(
    readonly body: Record<string, unknown>,
    private readonly errors: FieldErrors,
  ) {}

  /** Checks that a parsed body is a JSON object. */
  static of(body: unknown, errors: FieldErrors, what = 'request body'): FieldReader {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.invalid(what, 'must be a JSON object');
    return new FieldReader(body as Record<string, unknown>, errors);
  }

  has(field: string): boolean {
    return this.body[field] !== undefined && this.body[field] !== null;
  }

  string(field: string, rule: StringRule & { required: true }): string;
  string(field: string, rule?: StringRule): string | undefined;
  string(field: string, rule: StringRule = {}): string | undefined {
    const v = this.body[field];
    if (v === undefined || v === null || (rule.emptyIsAbsent && v === '')) {
      if (rule.required) throw this.errors.missing(field);
      return undefined;
    }
    if (typeof v !== 'string') throw this.errors.invalid(field, 'must be a JSON string');
    const len = rule.bytes ? utf8Length(v) : v.length;
    if (rule.min !== undefined && len < rule.min) throw this.errors.invalid(field, `must be at least ${rule.min}${rule.bytes ? ' bytes' : ' characters'}`);
    if (rule.max !== undefined && len > rule.max) throw this.errors.invalid(field, `must be at most ${rule.max}${rule.bytes ? ' bytes' : ' characters'}`);
    if (rule.enum && !rule.enum.includes(v)) throw this.errors.invalid(field, `must be one of ${rule.enum.join(', ')}`);
    if (rule.pattern && !rule.pattern.test(v)) throw this.errors.invalid(field, 'has an invalid format');
    return v;
  }

  integer(field: string, rule: IntegerRule & { required: true }): number;
  integer(field: string, rule?: IntegerRule): number | undefined;
  integer(field: string, rule: IntegerRule = {}): number | undefined {
    const v = this.body[field];
    if (v === undefined || v === null) {
      if (rule.required) throw this.errors.missing(field);
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw this.errors.invalid(field, 'must be a JSON integer');
    if (rule.min !== undefined && v < rule.min) throw this.errors.invalid(field, `must be at least ${rule.min}`);
    if (rule.max !== undefined && v > rule.max) throw this.errors.invalid(field, `must be at most ${rule.max}`);
    return v;
  }

  boolean(field: string, rule: Common = {}): boolean | undefined {
    const v = this.body[field];
    if (v === undefined || v === null) {
      if (rule.required) throw this.errors.missing(field);
      return undefined;
    }
    if (typeof v !== 'boolean') throw this.errors.invalid(field, 'must be a JSON boolean');
    return v;
  }

  array(field: string, rule: ArrayRule & { required: true }): unknown[];
  array(field: string, rule?: ArrayRule): unknown[] | undefined;
  array(field: string, rule: ArrayRule = {}): unknown[] | undefined {
    const v = this.body[field];
    if (v === undefined || v === null) {
      if (rule.required) throw this.errors.missing(field);
      return undefined;
    }
    if (!Array.isArray(v)) throw this.errors.invalid(field, 'must be a JSON array');
    if (rule.minItems !== undefined && v.length < rule.minItems) throw this.errors.invalid(field, `must have at least ${rule.minItems} items`);
    if (rule.maxItems !== undefined && v.length > rule.maxItems) throw this.errors.invalid(field, `must have at most ${rule.maxItems} items`);
    return v;
  }

  /** An array of strings, each checked with `item`. */
  strings(field: string, rule: ArrayRule & { item?: StringRule }): string[] | undefined {
    const arr = this.array(field, rule);
    if (!arr) return undefined;
    return arr.map((v, i) => new FieldReader({ [`${field}[${i}]`]: v }, this.errors).string(`${field}[${i}]`, { ...rule.item, required: true }));
  }

  /** A nested object, read with the same error spelling. */
  object(field: string, rule: Common = {}): FieldReader | undefined {
    const v = this.body[field];
    if (v === undefined || v === null) {
      if (rule.required) throw this.errors.missing(field);
      return undefined;
    }
    return FieldReader.of(v, this.errors, field);
  }
}

/** A decimal string in canonical form ("0" or no leading zeros), as the API's numeric string fields use. */
export const DECIMAL = /^(0|[1-9][0-9]{0,9})$/;
