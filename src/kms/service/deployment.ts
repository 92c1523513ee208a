// What the API says about the deployment itself: user-instances, the regions list, and the version
// documents (GET / and GET /{version_id}, served by the HTTP layer without a project).
//
// - user-instances: instance_num is the project's number of CMKs (the count user-quotas reports as "CMK").
// - regions (GET /v2/{project_id}/kms/regions): the one region this deployment is (EDGEKMS_REGION).
// - versions: v1.0 (CURRENT, the KMS API) and v2 (SUPPORTED: the regions path lives under it).
import { Code, KmsError } from '../errors.ts';
import { ok, type Operation } from '../operation.ts';

export const userInstancesOp: Operation = async (kms, call) => ok({ instance_num: await kms.repo.count(call.project) });

/** Refuses a query parameter that is present but not a non-negative integer. */
export function nonNegativeQuery(query: URLSearchParams, name: string, code: string): void {
  const v = query.get(name);
  if (v !== null && v !== '' && !/^(0|[1-9][0-9]{0,8})$/.test(v)) throw new KmsError(code, `Invalid ${name}: must be a non-negative integer.`);
}

export const listSupportRegionsOp: Operation = async (kms, _call, input) => {
  nonNegativeQuery(input.query, 'limit', Code.InvalidLimit);
  nonNegativeQuery(input.query, 'offset', Code.InvalidOffset);
  const offset = Number(input.query.get('offset') || 0);
  return ok({ regions: [kms.region].slice(offset) });
};

const UPDATED = '2026-08-01T00:00:00Z';

/** ApiVersionDetail of each version edgekms serves; `base` is the request's origin. */
export function apiVersions(base: string) {
  return [
    { id: 'v1.0', links: [{ href: `${base}/v1.0/`, rel: 'self' }], version: '', status: 'CURRENT', updated: UPDATED, min_version: '' },
    { id: 'v2', links: [{ href: `${base}/v2/`, rel: 'self' }], version: '', status: 'SUPPORTED', updated: UPDATED, min_version: '' },
  ];
}
