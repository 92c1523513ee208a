// user-quotas (docs/kms-api.md, "Quotas"): how many CMKs the project has against its limit, and the most grants any one of
// its keys has against the per-key grant limit. The limits are KmsLimits (EDGEKMS_QUOTA_KEYS and
// EDGEKMS_QUOTA_GRANTS_PER_KEY on Node); create-key beyond the first is KMS.1105, create-grant beyond the
// second KMS.2404.
import { ok, type Operation } from './operation.ts';

export const userQuotasOp: Operation = async (kms, call) => {
  const keys = await kms.repo.summaries(call.project);
  const grants = keys.reduce((most, r) => Math.max(most, r.grants), 0);
  return ok({
    quotas: {
      resources: [
        { type: 'CMK', used: keys.length, quota: kms.limits.keysPerProject },
        { type: 'grant_per_CMK', used: grants, quota: kms.limits.grantsPerKey },
      ],
    },
  });
};
