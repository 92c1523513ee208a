// Identity policies: JSON documents of Allow and Deny statements over Huawei-named actions
// (src/iam/actions.ts), resources and conditions, in the shape of Huawei IAM's custom policies:
//
//   {"Version": "1.1", "Statement": [{"Effect": "Allow", "Action": ["kms:cmk:encrypt"],
//     "Resource": ["KMS:*:*:KeyAlias:app-*"], "Condition": {"StringEquals": {"kms:EncryptionContext": ["tenant=1"]}}}]}
//
// Evaluation: a statement applies when one of its actions matches the request's action, one of its
// resources matches one of the request's resources (a statement without Resource, or with "*", applies to
// every request, also one that names no resource), and every condition holds. An applying Deny wins over
// everything; otherwise an applying Allow allows; otherwise the policy says nothing ('none') and the caller
// falls back to grants (src/kms/authorize.ts).
//
// Wildcards: `*` matches any run of characters (also none), `?` one character. Actions compare without
// regard to case, as Huawei IAM's do; resources compare exactly except for their service prefix.

export type Decision = 'allow' | 'deny' | 'none';

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource?: string[];
  Condition?: Record<string, Record<string, string[]>>;
}

export interface PolicyDocument {
  Version: '1.1';
  Statement: Statement[];
}

/** What a request asks for, as the evaluator sees it. */
export interface PolicyRequest {
  /** e.g. kms:cmk:encrypt */
  action: string;
  /** Every name the target goes by (a key's id and alias), e.g. kms:cn-north-4:<project>:KeyId:<id>; empty for none. */
  resources: readonly string[];
  /** Condition keys present in the request (kms:EncryptionContext, …); absent keys are undefined. */
  context: Readonly<Record<string, string | undefined>>;
}

export class PolicyError extends Error {
  override name = 'PolicyError';
}

export const CONDITION_OPERATORS = ['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike', 'Null'] as const;
const OPERATORS: ReadonlySet<string> = new Set(CONDITION_OPERATORS);
const MAX_STATEMENTS = 64;
const MAX_VALUES = 64;
const MAX_STRING = 512;
const ACTION = /^(\*|[a-z]+:(\*|[A-Za-z*?]+:[A-Za-z*?]+))$/i;

/** Validates an untrusted policy document; throws PolicyError naming the first problem. */
export function parsePolicy(input: unknown): PolicyDocument {
  if (!isObject(input)) throw new PolicyError('the policy must be a JSON object');
  const extra = Object.keys(input).filter((k) => k !== 'Version' && k !== 'Statement');
  if (extra.length) throw new PolicyError(`unknown policy field ${JSON.stringify(extra[0].slice(0, 64))}`);
  if (input.Version !== '1.1') throw new PolicyError('Version must be "1.1"');
  const list = input.Statement;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_STATEMENTS) throw new PolicyError(`Statement must be an array of 1-${MAX_STATEMENTS} statements`);
  return { Version: '1.1', Statement: list.map((s, i) => parseStatement(s, i)) };
}

function parseStatement(s: unknown, i: number): Statement {
  const bad = (why: string) => new PolicyError(`Statement ${i}: ${why}`);
  if (!isObject(s)) throw bad('must be an object');
  const extra = Object.keys(s).filter((k) => !['Effect', 'Action', 'Resource', 'Condition'].includes(k));
  if (extra.length) throw bad(`unknown field ${JSON.stringify(extra[0].slice(0, 64))}`);
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw bad('Effect must be "Allow" or "Deny"');
  const actions = strings(s.Action, 'Action', bad);
  for (const a of actions) if (!ACTION.test(a)) throw bad(`Action ${JSON.stringify(a)} is not service:type:operation`);
  const out: Statement = { Effect: s.Effect, Action: actions };
  if (s.Resource !== undefined) out.Resource = strings(s.Resource, 'Resource', bad);
  if (s.Condition !== undefined) {
    if (!isObject(s.Condition)) throw bad('Condition must be an object');
    const condition: Record<string, Record<string, string[]>> = {};
    for (const [op, keys] of Object.entries(s.Condition)) {
      if (!OPERATORS.has(op)) throw bad(`condition operator ${JSON.stringify(op.slice(0, 64))} is not one of ${CONDITION_OPERATORS.join(', ')}`);
      if (!isObject(keys) || Object.keys(keys).length === 0) throw bad(`Condition.${op} must map condition keys to values`);
      condition[op] = {};
      for (const [key, values] of Object.entries(keys)) {
        condition[op][key] = strings(values, `Condition.${op}.${key}`, bad);
        if (op === 'Null' && !condition[op][key].every((v) => v === 'true' || v === 'false')) throw bad('Null takes "true" or "false"');
      }
    }
    out.Condition = condition;
  }
  return out;
}

function strings(v: unknown, what: string, bad: (why: string) => PolicyError): string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_VALUES) throw bad(`${what} must be a string or 1-${MAX_VALUES} strings`);
  for (const x of list) if (typeof x !== 'string' || x.length === 0 || x.length > MAX_STRING) throw bad(`${what} values must be strings of 1-${MAX_STRING} characters`);
  return list as string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The decision of a set of statements (from every policy the caller holds) on one request. */
export function evaluate(statements: readonly Statement[], request: PolicyRequest): Decision {
  let allowed = false;
  for (const s of statements) {
    if (!applies(s, request)) continue;
    if (s.Effect === 'Deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'none';
}

/**
 * The decision for a caller holding `policies`, narrowed by a temporary credential's own policy: with a
 * narrowing, anything it does not allow is refused (a token may only narrow its role, never widen it).
 */
export function decide(policies: readonly Statement[], narrowing: readonly Statement[] | undefined, request: PolicyRequest): Decision {
  const decision = evaluate(policies, request);
  if (!narrowing || decision === 'deny') return decision;
  return evaluate(narrowing, request) === 'allow' ? decision : 'deny';
}

function applies(s: Statement, r: PolicyRequest): boolean {
  if (!s.Action.some((a) => glob(a.toLowerCase(), r.action.toLowerCase()))) return false;
  if (s.Resource && !s.Resource.includes('*')) {
    if (!s.Resource.some((p) => r.resources.some((name) => glob(serviceLower(p), serviceLower(name))))) return false;
  }
  for (const [op, keys] of Object.entries(s.Condition ?? {})) {
    for (const [key, values] of Object.entries(keys)) if (!holds(op, r.context[key], values)) return false;
  }
  return true;
}

function holds(op: string, actual: string | undefined, values: string[]): boolean {
  switch (op) {
    case 'StringEquals':
      return actual !== undefined && values.includes(actual);
    case 'StringNotEquals':
      return actual === undefined || !values.includes(actual);
    case 'StringLike':
      return actual !== undefined && values.some((v) => glob(v, actual));
    case 'StringNotLike':
      return actual === undefined || !values.some((v) => glob(v, actual));
    case 'Null':
      return values.includes(String(actual === undefined));
    default:
      return false; // parsePolicy admits no other operator; an unknown one never applies a statement
  }
}

function serviceLower(resource: string): string {
  const i = resource.indexOf(':');
  return i < 0 ? resource : resource.slice(0, i).toLowerCase() + resource.slice(i);
}

/** `*` any run, `?` one character; iterative with backtracking to the last star (linear-ish, no regex). */
export function glob(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
