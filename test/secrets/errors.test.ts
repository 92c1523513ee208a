// CSMS errors: the API's codes, the default status, and the messages the field readers and helpers give.
import { describe, expect, it } from 'vitest';
import { CsmsCode, CsmsError, invalidParameter, resourceNotFound, secretNotFound, secretQuotaReached } from '../../src/secrets/errors.ts';
import { CSMS_FIELDS, csmsFields } from '../../src/secrets/operation.ts';

const shape = (e: unknown) => {
  const c = e as CsmsError;
  return [c.constructor, c.name, c.code, c.status, c.message];
};

describe('CSMS errors', () => {
  it('the code table', () => {
    expect(CsmsCode).toEqual({
      InvalidParameter: 'CSMS.0002',
      InvalidRequest: 'CSMS.0003',
      MalformedBody: 'CSMS.0004',
      NotFound: 'CSMS.0005',
      PendingDeletion: 'CSMS.0103',
      SystemStage: 'CSMS.0105',
      SecretNotFound: 'CSMS.0106',
      AlreadyPendingDeletion: 'CSMS.0107',
      NotPendingDeletion: 'CSMS.0108',
      SecretQuota: 'CSMS.0202',
      StageQuota: 'CSMS.0203',
    });
  });

  it('status 400 unless given; the helpers name what was wrong', () => {
    expect(shape(new CsmsError('CSMS.0003', 'm'))).toEqual([CsmsError, 'CsmsError', 'CSMS.0003', 400, 'm']);
    expect(shape(new CsmsError('CSMS.0005', 'm', 404))).toEqual([CsmsError, 'CsmsError', 'CSMS.0005', 404, 'm']);
    expect(shape(invalidParameter('name', 'too long'))).toEqual([CsmsError, 'CsmsError', 'CSMS.0002', 400, 'Invalid name: too long.']);
    expect(shape(secretNotFound('db'))).toEqual([CsmsError, 'CsmsError', 'CSMS.0106', 400, 'The secret db does not exist.']);
    expect(shape(resourceNotFound('stage beta'))).toEqual([CsmsError, 'CsmsError', 'CSMS.0005', 400, 'The stage beta does not exist.']);
    expect(shape(secretQuotaReached(3))).toEqual([CsmsError, 'CsmsError', 'CSMS.0202', 400, 'The project has reached its quota of 3 secrets.']);
  });

  it('field readers answer with CSMS.0002 and the field', () => {
    expect(shape(CSMS_FIELDS.missing('name'))).toEqual([CsmsError, 'CsmsError', 'CSMS.0002', 400, 'Missing required parameter: name.']);
    expect(shape(CSMS_FIELDS.invalid('name', 'must be a JSON string'))).toEqual([CsmsError, 'CsmsError', 'CSMS.0002', 400, 'Invalid name: must be a JSON string.']);
    const refused = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return shape(e);
      }
      throw new Error('accepted');
    };
    expect(refused(() => csmsFields([]))).toEqual([CsmsError, 'CsmsError', 'CSMS.0002', 400, 'Invalid request body: must be a JSON object.']);
    expect(refused(() => csmsFields('x', 'notification'))).toEqual([CsmsError, 'CsmsError', 'CSMS.0002', 400, 'Invalid notification: must be a JSON object.']);
    expect(refused(() => csmsFields({}).string('name', { required: true }))).toEqual([CsmsError, 'CsmsError', 'CSMS.0002', 400, 'Missing required parameter: name.']);
    expect(csmsFields({ name: 'a' }).string('name')).toBe('a');
  });
});
