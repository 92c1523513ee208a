// The policy evaluator against a decision table written from docs/iam.md's rules (Deny wins, Allow
// allows, silence is 'none'; wildcards; resource-less requests; conditions), not from the code.
import { describe, expect, it } from 'vitest';
import { CSMS_ACTIONS, KMS_ACTIONS } from '../../src/iam/actions.ts';
import { evaluate, glob, parsePolicy, type Statement } from '../../src/iam/policy.ts';
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
