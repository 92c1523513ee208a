// The policy evaluator against a decision table written from docs/iam.md's rules (Deny wins, Allow
// allows, silence is 'none'; wildcards; resource-less requests; conditions), not from the code.
import { describe, expect, it } from 'vitest';
import { CSMS_ACTIONS, KMS_ACTIONS } from '../../src/iam/actions.ts';
import { decide, evaluate, glob, parsePolicy, PolicyError, type Statement } from '../../src/iam/policy.ts';
import { KMS_ROUTES } from '../../src/kms/routes.ts';
import { CSMS_ROUTES } from '../../src/secrets/routes.ts';

const KEY_A = 'KMS:r1:p1:KeyId:0d0466b0-e727-4d9c-b35d-f84bb474a37f';
const ALIAS_A = 'KMS:r1:p1:KeyAlias:app-orders';
const KEY_B = 'KMS:r1:p1:KeyId:11111111-2222-3333-4444-555555555555';
const ALIAS_B = 'KMS:r1:p1:KeyAlias:billing';
const KEY_OTHER_PROJECT = 'KMS:r1:p2:KeyId:0d0466b0-e727-4d9c-b35d-f84bb474a37f';
const SECRET_DB = 'CSMS:r1:p1:secret:db-password';

const allow = (Action: string[], Resource?: string[], Condition?: Statement['Condition']): Statement => ({ Effect: 'Allow', Action, ...(Resource ? { Resource } : {}), ...(Condition ? { Condition } : {}) });
const deny = (Action: string[], Resource?: string[], Condition?: Statement['Condition']): Statement => ({ Effect: 'Deny', Action, ...(Resource ? { Resource } : {}), ...(Condition ? { Condition } : {}) });

type Row = [name: string, action: string, resources: string[], statements: Statement[], expected: 'allow' | 'deny' | 'none', context?: Record<string, string>];

const TABLE: Row[] = [
  ['no statements', 'kms:cmk:encrypt', [KEY_A], [], 'none'],
  ['exact action, any resource', 'kms:cmk:encrypt', [KEY_A], [allow(['kms:cmk:encrypt'])], 'allow'],
  ['other action', 'kms:cmk:decrypt', [KEY_A], [allow(['kms:cmk:encrypt'])], 'none'],
  ['action case does not matter', 'kms:cmk:encrypt', [KEY_A], [allow(['KMS:CMK:Encrypt'])], 'allow'],
  ['service wildcard', 'kms:dek:create', [KEY_A], [allow(['kms:*'])], 'allow'],
  ['type wildcard', 'kms:dek:decrypt', [KEY_A], [allow(['kms:dek:*'])], 'allow'],
  ['type wildcard does not cross types', 'kms:cmk:decrypt', [KEY_A], [allow(['kms:dek:*'])], 'none'],
  ['everything', 'csms:secret:get', [SECRET_DB], [allow(['*'])], 'allow'],
  ['kms wildcard does not cover csms', 'csms:secret:get', [SECRET_DB], [allow(['kms:*:*'])], 'none'],
  ['resource by id', 'kms:cmk:encrypt', [KEY_A, ALIAS_A], [allow(['kms:cmk:encrypt'], [KEY_A])], 'allow'],
  ['resource by alias wildcard', 'kms:cmk:encrypt', [KEY_A, ALIAS_A], [allow(['kms:cmk:encrypt'], ['KMS:*:*:KeyAlias:app-*'])], 'allow'],
  ['alias wildcard misses another key', 'kms:cmk:encrypt', [KEY_B, ALIAS_B], [allow(['kms:cmk:encrypt'], ['KMS:*:*:KeyAlias:app-*'])], 'none'],
  ['service prefix case does not matter in resources', 'kms:cmk:encrypt', [KEY_A], [allow(['kms:cmk:encrypt'], ['kms:*:*:KeyId:*'])], 'allow'],
  ['resource type is case-sensitive', 'kms:cmk:encrypt', [KEY_A], [allow(['kms:cmk:encrypt'], ['KMS:*:*:keyid:*'])], 'none'],
  ['project in the resource', 'kms:cmk:encrypt', [KEY_OTHER_PROJECT], [allow(['kms:cmk:encrypt'], ['KMS:*:p1:KeyId:*'])], 'none'],
  ['? is one character', 'kms:cmk:encrypt', [ALIAS_B], [allow(['kms:cmk:encrypt'], ['KMS:r1:p1:KeyAlias:billin?'])], 'allow'],
  ['? is not two', 'kms:cmk:encrypt', [ALIAS_B], [allow(['kms:cmk:encrypt'], ['KMS:r1:p1:KeyAlias:billi?'])], 'none'],
  ['no resource named: only statements over all resources', 'kms:cmk:list', [], [allow(['kms:cmk:list'], [KEY_A])], 'none'],
  ['no resource named, Resource "*"', 'kms:cmk:list', [], [allow(['kms:cmk:list'], ['*'])], 'allow'],
  ['no resource named, no Resource', 'kms:cmk:create', [], [allow(['kms:cmk:create'])], 'allow'],
  ['deny wins over allow', 'kms:cmk:decrypt', [KEY_A], [allow(['kms:*']), deny(['kms:cmk:decrypt'])], 'deny'],
  ['deny wins whatever the order', 'kms:cmk:decrypt', [KEY_A], [deny(['kms:cmk:decrypt'], [KEY_A]), allow(['kms:cmk:decrypt'], [KEY_A])], 'deny'],
  ['deny on another key leaves the allow', 'kms:cmk:decrypt', [KEY_A], [allow(['kms:*']), deny(['kms:cmk:decrypt'], [KEY_B])], 'allow'],
  ['deny alone', 'kms:cmk:decrypt', [KEY_A], [deny(['kms:*'])], 'deny'],
  ['deny of one alias matches a key going by it', 'kms:cmk:encrypt', [KEY_A, ALIAS_A], [allow(['*']), deny(['*'], [ALIAS_A])], 'deny'],
  ['secret by name wildcard', 'csms:secretVersion:get', [SECRET_DB], [allow(['csms:secretVersion:get'], ['CSMS:*:*:secret:db-*'])], 'allow'],
  ['secret name must match whole', 'csms:secretVersion:get', ['CSMS:r1:p1:secret:db-password-old'], [allow(['csms:secretVersion:get'], ['CSMS:*:*:secret:db-password'])], 'none'],
  ['StringEquals holds', 'kms:cmk:encrypt', [KEY_A], [allow(['kms:cmk:encrypt'], undefined, { StringEquals: { 'kms:EncryptionContext': ['tenant=1'] } })], 'allow', { 'kms:EncryptionContext': 'tenant=1' }],
  ['StringEquals fails on another value', 'kms:cmk:encrypt', [KEY_A], [allow(['kms:cmk:encrypt'], undefined, { StringEquals: { 'kms:EncryptionContext': ['tenant=1'] } })], 'none', { 'kms:EncryptionContext': 'tenant=2' }],
  ['StringEquals fails when absent', 'kms:cmk:encrypt', [KEY_A], [allow(['kms:cmk:encrypt'], undefined, { StringEquals: { 'kms:EncryptionContext': ['tenant=1'] } })], 'none'],
  ['StringLike', 'kms:cmk:decrypt', [KEY_A], [allow(['kms:cmk:decrypt'], undefined, { StringLike: { 'kms:EncryptionContext': ['tenant=*'] } })], 'allow', { 'kms:EncryptionContext': 'tenant=9' }],
  ['StringNotLike denies a pattern', 'kms:cmk:decrypt', [KEY_A], [allow(['*']), deny(['*'], undefined, { StringNotLike: { 'kms:EncryptionContext': ['tenant=*'] } })], 'deny', { 'kms:EncryptionContext': 'other' }],
  ['StringNotLike lets the pattern through', 'kms:cmk:decrypt', [KEY_A], [allow(['*']), deny(['*'], undefined, { StringNotLike: { 'kms:EncryptionContext': ['tenant=*'] } })], 'allow', { 'kms:EncryptionContext': 'tenant=3' }],
  ['StringNotEquals holds when absent', 'kms:cmk:encrypt', [KEY_A], [deny(['*'], undefined, { StringNotEquals: { 'kms:EncryptionContext': ['x'] } })], 'deny'],
  ['Null true: a request without AAD', 'kms:cmk:encrypt', [KEY_A], [deny(['kms:cmk:encrypt'], undefined, { Null: { 'kms:EncryptionContext': ['true'] } })], 'deny'],
  ['Null true: a request with AAD', 'kms:cmk:encrypt', [KEY_A], [deny(['kms:cmk:encrypt'], undefined, { Null: { 'kms:EncryptionContext': ['true'] } })], 'none', { 'kms:EncryptionContext': 'a' }],
  ['one of several actions is enough', 'kms:cmk:decrypt', [KEY_A], [allow(['kms:cmk:encrypt', 'kms:cmk:decrypt'])], 'allow'],
  ['one of several resources is enough', 'kms:cmk:encrypt', [KEY_A], [allow(['kms:cmk:encrypt'], [KEY_B, KEY_A])], 'allow'],
  ['a resource without a service prefix compares exactly', 'kms:cmk:encrypt', ['key'], [allow(['kms:cmk:encrypt'], ['KEy'])], 'none'],
  ['the service prefix folds case letter by letter', 'kms:cmk:encrypt', ['ß:r1:p1:KeyId:x'], [allow(['kms:cmk:encrypt'], ['SS:r1:p1:KeyId:x'])], 'none'],
  ['only the service prefix folds case', 'kms:cmk:encrypt', ['KMS:a:A'], [allow(['kms:cmk:encrypt'], ['KMS:A*'])], 'none'],
  ['StringEquals: any listed value', 'kms:cmk:encrypt', [KEY_A], [allow(['kms:cmk:encrypt'], undefined, { StringEquals: { 'kms:EncryptionContext': ['tenant=1', 'tenant=2'] } })], 'allow', { 'kms:EncryptionContext': 'tenant=2' }],
  ['StringNotEquals fails on a listed value', 'kms:cmk:encrypt', [KEY_A], [deny(['*'], undefined, { StringNotEquals: { 'kms:EncryptionContext': ['x', 'y'] } })], 'none', { 'kms:EncryptionContext': 'y' }],
  ['StringNotEquals holds on another value', 'kms:cmk:encrypt', [KEY_A], [deny(['*'], undefined, { StringNotEquals: { 'kms:EncryptionContext': ['x'] } })], 'deny', { 'kms:EncryptionContext': 'z' }],
  ['StringLike fails when absent', 'kms:cmk:decrypt', [KEY_A], [allow(['kms:cmk:decrypt'], undefined, { StringLike: { 'kms:EncryptionContext': ['*'] } })], 'none'],
  ['StringLike fails on no pattern', 'kms:cmk:decrypt', [KEY_A], [allow(['kms:cmk:decrypt'], undefined, { StringLike: { 'kms:EncryptionContext': ['tenant=*'] } })], 'none', { 'kms:EncryptionContext': 'other' }],
  ['StringLike: any listed pattern', 'kms:cmk:decrypt', [KEY_A], [allow(['kms:cmk:decrypt'], undefined, { StringLike: { 'kms:EncryptionContext': ['tenant=*', 'org=*'] } })], 'allow', { 'kms:EncryptionContext': 'org=5' }],
  ['StringNotLike holds when absent', 'kms:cmk:decrypt', [KEY_A], [deny(['*'], undefined, { StringNotLike: { 'kms:EncryptionContext': ['*'] } })], 'deny'],
  ['StringNotLike fails when any pattern matches', 'kms:cmk:decrypt', [KEY_A], [allow(['*']), deny(['*'], undefined, { StringNotLike: { 'kms:EncryptionContext': ['tenant=*', 'org=*'] } })], 'allow', { 'kms:EncryptionContext': 'org=5' }],
  ['Null false: a request with AAD', 'kms:cmk:encrypt', [KEY_A], [allow(['kms:cmk:encrypt'], undefined, { Null: { 'kms:EncryptionContext': ['false'] } })], 'allow', { 'kms:EncryptionContext': 'a' }],
  ['Null false: a request without AAD', 'kms:cmk:encrypt', [KEY_A], [allow(['kms:cmk:encrypt'], undefined, { Null: { 'kms:EncryptionContext': ['false'] } })], 'none'],
  ['every condition must hold', 'kms:cmk:encrypt', [KEY_A], [allow(['kms:cmk:encrypt'], undefined, { StringEquals: { 'kms:EncryptionContext': ['a'] }, Null: { 'kms:Other': ['false'] } })], 'none', { 'kms:EncryptionContext': 'a' }],
];

describe('policy evaluator: decision table', () => {
  it.each(TABLE)('%s', (_name, action, resources, statements, expected, context = {}) => {
    expect(evaluate(statements, { action, resources, context })).toBe(expected);
    // Every statement goes through the validator as an API caller would send it.
    if (statements.length) expect(parsePolicy({ Version: '1.1', Statement: statements }).Statement).toEqual(statements);
  });
});

describe('glob', () => {
  it.each([
    ['*', '', true],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['*x', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxy', false],
    ['', '', true],
    ['', 'a', false],
    ['**', 'abc', true],
    ['a*b', 'ab', true],
    ['?*b', 'xb', true],
    ['*a', 'ba', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['abc', 'abd', false],
    ['ab', 'abc', false],
    ['abc', 'ab', false],
    ['a*', 'b', false],
  ])('%s ~ %s = %s', (p, t, r) => expect(glob(p, t)).toBe(r));
});

describe('parsePolicy refuses', () => {
  const base = { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['kms:cmk:get'] }] };
  it.each([
    ['not an object', []],
    ['another version', { ...base, Version: '2012-10-17' }],
    ['no statements', { ...base, Statement: [] }],
    ['an unknown field', { ...base, Extra: 1 }],
    ['an unknown effect', { ...base, Statement: [{ Effect: 'Maybe', Action: ['kms:cmk:get'] }] }],
    ['a malformed action', { ...base, Statement: [{ Effect: 'Allow', Action: ['kms cmk get'] }] }],
    ['an empty resource list', { ...base, Statement: [{ Effect: 'Allow', Action: ['*'], Resource: [] }] }],
    ['an unknown operator', { ...base, Statement: [{ Effect: 'Allow', Action: ['*'], Condition: { NumericLessThan: { a: ['1'] } } }] }],
    ['a non-boolean Null', { ...base, Statement: [{ Effect: 'Allow', Action: ['*'], Condition: { Null: { a: ['yes'] } } }] }],
    ['an unknown statement field', { ...base, Statement: [{ Effect: 'Allow', Action: ['*'], NotAction: ['x'] }] }],
    ['a huge value', { ...base, Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['x'.repeat(513)] }] }],
  ])('%s', (_n, doc) => expect(() => parsePolicy(doc)).toThrow());
});

describe('actions', () => {
  it('every KMS and CSMS route has a policy action', () => {
    expect(KMS_ROUTES.filter((r) => !KMS_ACTIONS[r.name]).map((r) => r.name)).toEqual([]);
    expect(CSMS_ROUTES.filter((r) => !CSMS_ACTIONS[r.name]).map((r) => r.name)).toEqual([]);
  });
  it('names the actions Huawei names', () => {
    expect([KMS_ACTIONS['create-key'], KMS_ACTIONS['describe-key'], KMS_ACTIONS['list-keys'], KMS_ACTIONS['encrypt-data'], KMS_ACTIONS['decrypt-data'], KMS_ACTIONS.sign, KMS_ACTIONS.verify]).toEqual([
      'kms:cmk:create', 'kms:cmk:get', 'kms:cmk:list', 'kms:cmk:encrypt', 'kms:cmk:decrypt', 'kms:cmk:sign', 'kms:cmk:verify',
    ]);
    expect([KMS_ACTIONS['create-datakey'], KMS_ACTIONS['encrypt-datakey'], KMS_ACTIONS['decrypt-datakey']]).toEqual(['kms:dek:create', 'kms:dek:encrypt', 'kms:dek:decrypt']);
    expect([CSMS_ACTIONS.CreateSecret, CSMS_ACTIONS.ShowSecret, CSMS_ACTIONS.ShowSecretVersion, CSMS_ACTIONS.ListSecretVersions]).toEqual([
      'csms:secret:create', 'csms:secret:get', 'csms:secretVersion:get', 'csms:secretVersion:list',
    ]);
  });
});

describe('parsePolicy', () => {
  const doc = (statement: Record<string, unknown>) => ({ Version: '1.1', Statement: [statement] });
  const refusal = (input: unknown): string => {
    try {
      parsePolicy(input);
    } catch (e) {
      expect(e).toBeInstanceOf(PolicyError);
      expect((e as Error).name).toBe('PolicyError');
      return (e as Error).message;
    }
    throw new Error('parsePolicy accepted the document');
  };

  it('names what is wrong, in words an API caller reads back', () => {
    for (const notObject of [null, 'policy', 7, [], [{ Version: '1.1' }]]) expect(refusal(notObject)).toBe('the policy must be a JSON object');
    expect(refusal({ Version: '1.0', Statement: [] })).toBe('Version must be "1.1"');
    expect(refusal({ Statement: [{ Effect: 'Allow', Action: '*' }] })).toBe('Version must be "1.1"');
    expect(refusal({ Version: '1.1', Statement: {} })).toBe('Statement must be an array of 1-64 statements');
    expect(refusal({ Version: '1.1', Statement: [] })).toBe('Statement must be an array of 1-64 statements');
    for (const notObject of [null, 'Allow', 3, [{ Effect: 'Allow', Action: '*' }]]) expect(refusal({ Version: '1.1', Statement: [notObject] })).toBe('Statement 0: must be an object');
    expect(refusal({ Version: '1.1', Statement: [{ Effect: 'Allow', Action: '*' }, { Effect: 'Allow', Action: '*', Sid: 'x' }] })).toBe('Statement 1: unknown field "Sid"');
    expect(refusal(doc({ Effect: 'allow', Action: '*' }))).toBe('Statement 0: Effect must be "Allow" or "Deny"');
    expect(refusal(doc({ Effect: 'Allow' }))).toBe('Statement 0: Action must be a string or 1-64 strings');
    expect(refusal(doc({ Effect: 'Allow', Action: 'kms:cmk' }))).toBe('Statement 0: Action "kms:cmk" is not service:type:operation');
    expect(refusal(doc({ Effect: 'Allow', Action: '*', Resource: [] }))).toBe('Statement 0: Resource must be a string or 1-64 strings');
    expect(refusal(doc({ Effect: 'Allow', Action: '*', Resource: [''] }))).toBe('Statement 0: Resource values must be strings of 1-512 characters');
    expect(refusal(doc({ Effect: 'Allow', Action: '*', Resource: [7] }))).toBe('Statement 0: Resource values must be strings of 1-512 characters');
    expect(refusal(doc({ Effect: 'Allow', Action: '*', Resource: { a: 'b' } }))).toBe('Statement 0: Resource must be a string or 1-64 strings');
    for (const notObject of [null, 'x', ['StringEquals']]) expect(refusal(doc({ Effect: 'Allow', Action: '*', Condition: notObject }))).toBe('Statement 0: Condition must be an object');
    expect(refusal(doc({ Effect: 'Allow', Action: '*', Condition: { Bool: { a: 'true' } } }))).toBe(
      'Statement 0: condition operator "Bool" is not one of StringEquals, StringNotEquals, StringLike, StringNotLike, Null',
    );
    for (const keys of [{}, null, 'a', ['a']]) expect(refusal(doc({ Effect: 'Allow', Action: '*', Condition: { StringEquals: keys } }))).toBe('Statement 0: Condition.StringEquals must map condition keys to values');
    expect(refusal(doc({ Effect: 'Allow', Action: '*', Condition: { StringLike: { 'kms:EncryptionContext': [] } } }))).toBe(
      'Statement 0: Condition.StringLike.kms:EncryptionContext must be a string or 1-64 strings',
    );
    expect(refusal(doc({ Effect: 'Allow', Action: '*', Condition: { Null: { a: ['true', 'yes'] } } }))).toBe('Statement 0: Null takes "true" or "false"');
  });

  it('quotes at most 64 characters of a name it refuses', () => {
    const long = 'N'.repeat(100);
    expect(refusal({ Version: '1.1', Statement: [{ Effect: 'Allow', Action: '*' }], [long]: 1 })).toBe(`unknown policy field "${'N'.repeat(64)}"`);
    expect(refusal(doc({ Effect: 'Allow', Action: '*', [long]: 1 }))).toBe(`Statement 0: unknown field "${'N'.repeat(64)}"`);
    expect(refusal(doc({ Effect: 'Allow', Action: '*', Condition: { [long]: { a: 'b' } } }))).toMatch(new RegExp(`^Statement 0: condition operator "${'N'.repeat(64)}" is not one of`));
  });

  it('checks actions against service:type:operation as a whole', () => {
    for (const bad of ['not an action kms:cmk:get', 'kms:cmk:get extra', 'kms:cmk:get:more', 'kms', 'kms:cmk:', ':cmk:get', 'kms:cmk:get1']) {
      expect(refusal(doc({ Effect: 'Allow', Action: [bad] })), bad).toBe(`Statement 0: Action ${JSON.stringify(bad)} is not service:type:operation`);
    }
    const good = ['*', 'kms:*', 'KMS:CMK:Encrypt', 'kms:dek:*', 'csms:secret?:g*', 'kms:*:*'];
    expect(parsePolicy(doc({ Effect: 'Allow', Action: good })).Statement[0].Action).toEqual(good);
  });

  it('takes a single string where a list is expected, and keeps what it accepts as given', () => {
    expect(parsePolicy(doc({ Effect: 'Deny', Action: 'kms:cmk:decrypt', Resource: 'KMS:*:*:KeyId:*', Condition: { Null: { 'kms:EncryptionContext': 'true' } } }))).toEqual({
      Version: '1.1',
      Statement: [{ Effect: 'Deny', Action: ['kms:cmk:decrypt'], Resource: ['KMS:*:*:KeyId:*'], Condition: { Null: { 'kms:EncryptionContext': ['true'] } } }],
    });
    // The result is a new document holding only the known fields, never the caller's object.
    const input = { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['kms:cmk:get'] }] };
    const parsed = parsePolicy(input);
    expect(parsed).toEqual(input);
    expect(parsed).not.toBe(input);
  });

  it('bounds statements, values and value lengths, inclusive', () => {
    const statement = { Effect: 'Allow', Action: ['kms:cmk:get'] };
    expect(parsePolicy({ Version: '1.1', Statement: Array(64).fill(statement) }).Statement).toHaveLength(64);
    expect(refusal({ Version: '1.1', Statement: Array(65).fill(statement) })).toBe('Statement must be an array of 1-64 statements');
    const values = Array.from({ length: 64 }, (_, i) => `KMS:*:*:KeyAlias:a${i}`);
    expect(parsePolicy(doc({ Effect: 'Allow', Action: '*', Resource: values })).Statement[0].Resource).toEqual(values);
    expect(refusal(doc({ Effect: 'Allow', Action: '*', Resource: [...values, 'x'] }))).toBe('Statement 0: Resource must be a string or 1-64 strings');
    expect(parsePolicy(doc({ Effect: 'Allow', Action: '*', Resource: ['x'.repeat(512)] })).Statement[0].Resource).toEqual(['x'.repeat(512)]);
    expect(refusal(doc({ Effect: 'Allow', Action: '*', Resource: ['x'.repeat(513)] }))).toBe('Statement 0: Resource values must be strings of 1-512 characters');
  });
});

describe('evaluate: statements parsePolicy would not admit', () => {
  it('an unknown condition operator never applies its statement', () => {
    const odd = { Effect: 'Deny', Action: ['*'], Condition: { NumericEquals: { 'kms:EncryptionContext': ['1'] } } } as Statement;
    expect(evaluate([odd], { action: 'kms:cmk:encrypt', resources: [KEY_A], context: { 'kms:EncryptionContext': '1' } })).toBe('none');
    expect(evaluate([allow(['*']), odd], { action: 'kms:cmk:encrypt', resources: [KEY_A], context: { 'kms:EncryptionContext': '1' } })).toBe('allow');
  });
});

// A temporary credential's narrowing policy (docs/iam.md, Temporary credentials): the credential allows only
// what both its role's policies and the narrowing allow; anything the narrowing does not allow is refused,
// grants included; the narrowing never widens what the role's policies say.
describe('decide: narrowing', () => {
  const request = { action: 'kms:cmk:decrypt', resources: [KEY_A, ALIAS_A], context: {} };
  const ALLOW = [allow(['kms:cmk:decrypt'])];
  const DENY = [deny(['kms:cmk:decrypt'])];
  const SILENT = [allow(['kms:cmk:encrypt'])];
  it.each([
    ['no narrowing: the policies decide (allow)', ALLOW, undefined, 'allow'],
    ['no narrowing: the policies decide (none)', SILENT, undefined, 'none'],
    ['no narrowing: the policies decide (deny)', DENY, undefined, 'deny'],
    ['policies allow, narrowing allows', ALLOW, ALLOW, 'allow'],
    ['policies allow, narrowing silent: refused', ALLOW, SILENT, 'deny'],
    ['policies allow, narrowing denies', ALLOW, DENY, 'deny'],
    ['policies silent, narrowing allows: grants decide', SILENT, ALLOW, 'none'],
    ['policies silent, narrowing silent: refused, grants included', SILENT, SILENT, 'deny'],
    ['policies deny, narrowing allows', DENY, ALLOW, 'deny'],
    ['no policies, narrowing allows', [], ALLOW, 'none'],
    ['no policies, narrowing over another key', [], [allow(['*'], [KEY_B])], 'deny'],
  ] as [string, Statement[], Statement[] | undefined, string][])('%s', (_n, policies, narrowing, expected) => {
    expect(decide(policies, narrowing, request)).toBe(expected);
  });
});
