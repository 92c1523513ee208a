// Every CSMS operation and where it lives on the wire (paths relative to /v1/{project_id}; docs/csms-api.md), with
// the error body form its API model declares: flat `{"error_code","error_msg"}` for the core secret,
// version, stage, scheduling, backup, import, task and password operations; nested for the tag, event,
// resource-instance, rotation and notification-record operations.
//
// Authorization: administrators of the project may use the whole secrets API. Any other caller may call
// only what an Allow of its identity policies covers (src/iam/policy.ts; actions in src/iam/actions.ts,
// resources the secret's name or id) and no Deny refuses; everything else is 403 KMS.0307, the same
// for a secret that exists and one that does not. Grants on keys give nothing here.
import { CSMS_ACTIONS, secretResources } from '../iam/actions.ts';
import { decide } from '../iam/policy.ts';
import { isAdmin } from '../kms/authorize.ts';
import { CsmsError } from './errors.ts';
import type { CsmsOperation } from './operation.ts';
import { showConfigOp, updateConfigOp } from './ops/config.ts';
import { backupSecretOp, batchImportOp, restoreFromBlobOp } from './ops/backup.ts';
import { createEventOp, deleteEventOp, generatePasswordOp, listEventsOp, listRecordsOp, listTasksOp, showEventOp, updateEventOp } from './ops/events.ts';
import { rotateSecretOp } from './ops/rotation.ts';
import { createSecretOp, deleteSecretOp, listSecretsOp, restoreSecretOp, scheduleDeletionOp, showSecretOp, updateSecretOp } from './ops/secrets.ts';
import { batchTagsOp, createTagOp, deleteTagOp, listTagsOp, projectTagsOp, resourceInstancesOp } from './ops/tags.ts';
import { createVersionOp, deleteStageOp, listVersionsOp, showStageOp, showVersionOp, updateStageOp, updateVersionOp } from './ops/versions.ts';

export type ErrorForm = 'flat' | 'nested';

export interface CsmsRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to /v1/{project_id}; `:name` segments become params. */
  path: string;
  /** The SDK operation's name, in logs. */
  name: string;
  errors: ErrorForm;
  op: CsmsOperation;
}

const S = '/secrets/:secret_name';

const ROUTES: CsmsRoute[] = [
  { method: 'POST', path: '/secrets', name: 'CreateSecret', errors: 'flat', op: createSecretOp },
  { method: 'GET', path: '/secrets', name: 'ListSecrets', errors: 'flat', op: listSecretsOp },
  { method: 'POST', path: '/secrets/restore', name: 'UploadSecretBlob', errors: 'flat', op: restoreFromBlobOp },
  { method: 'POST', path: '/secrets/batch-import', name: 'BatchImportSecrets', errors: 'flat', op: batchImportOp },
  { method: 'GET', path: S, name: 'ShowSecret', errors: 'flat', op: showSecretOp },
  { method: 'PUT', path: S, name: 'UpdateSecret', errors: 'flat', op: updateSecretOp },
  { method: 'DELETE', path: S, name: 'DeleteSecret', errors: 'flat', op: deleteSecretOp },
  { method: 'POST', path: `${S}/scheduled-deleted-tasks/create`, name: 'DeleteSecretForSchedule', errors: 'flat', op: scheduleDeletionOp },
  { method: 'POST', path: `${S}/scheduled-deleted-tasks/cancel`, name: 'RestoreSecret', errors: 'flat', op: restoreSecretOp },
  { method: 'POST', path: `${S}/versions`, name: 'CreateSecretVersion', errors: 'flat', op: createVersionOp },
  { method: 'GET', path: `${S}/versions`, name: 'ListSecretVersions', errors: 'flat', op: listVersionsOp },
  { method: 'GET', path: `${S}/versions/:version_id`, name: 'ShowSecretVersion', errors: 'flat', op: showVersionOp },
  { method: 'PUT', path: `${S}/versions/:version_id`, name: 'UpdateVersion', errors: 'flat', op: updateVersionOp },
  { method: 'GET', path: `${S}/stages/:stage_name`, name: 'ShowSecretStage', errors: 'flat', op: showStageOp },
  { method: 'PUT', path: `${S}/stages/:stage_name`, name: 'UpdateSecretStage', errors: 'flat', op: updateStageOp },
  { method: 'DELETE', path: `${S}/stages/:stage_name`, name: 'DeleteSecretStage', errors: 'flat', op: deleteStageOp },
  { method: 'POST', path: `${S}/rotate`, name: 'RotateSecret', errors: 'nested', op: rotateSecretOp },
  { method: 'POST', path: `${S}/backup`, name: 'DownloadSecretBlob', errors: 'flat', op: backupSecretOp },
  { method: 'GET', path: '/csms/tags', name: 'ListProjectSecretsTags', errors: 'nested', op: projectTagsOp },
  { method: 'POST', path: '/csms/resource_instances/action', name: 'ListResourceInstances', errors: 'nested', op: resourceInstancesOp },
  { method: 'POST', path: '/csms/:secret_id/tags', name: 'CreateSecretTag', errors: 'nested', op: createTagOp },
  { method: 'POST', path: '/csms/:secret_id/tags/action', name: 'BatchCreateOrDeleteTags', errors: 'nested', op: batchTagsOp },
  { method: 'DELETE', path: '/csms/:secret_id/tags/:key', name: 'DeleteSecretTag', errors: 'nested', op: deleteTagOp },
  { method: 'GET', path: '/csms/:secret_id/tags', name: 'ListSecretTags', errors: 'nested', op: listTagsOp },
  { method: 'POST', path: '/csms/events', name: 'CreateSecretEvent', errors: 'nested', op: createEventOp },
  { method: 'GET', path: '/csms/events', name: 'ListSecretEvents', errors: 'nested', op: listEventsOp },
  { method: 'GET', path: '/csms/events/:event_name', name: 'ShowSecretEvent', errors: 'nested', op: showEventOp },
  { method: 'PUT', path: '/csms/events/:event_name', name: 'UpdateSecretEvent', errors: 'nested', op: updateEventOp },
  { method: 'DELETE', path: '/csms/events/:event_name', name: 'DeleteSecretEvent', errors: 'nested', op: deleteEventOp },
  { method: 'GET', path: '/csms/notification-records', name: 'ListNotificationRecords', errors: 'nested', op: listRecordsOp },
  { method: 'GET', path: '/csms/tasks', name: 'ListSecretTask', errors: 'flat', op: listTasksOp },
  { method: 'POST', path: '/csms/generate-password', name: 'GenerateRandomPassword', errors: 'flat', op: generatePasswordOp },
  { method: 'GET', path: '/secrets/checker/config', name: 'ShowSecretsConfig', errors: 'flat', op: showConfigOp },
  { method: 'POST', path: '/secrets/checker/config', name: 'UpdateSecretsConfig', errors: 'flat', op: updateConfigOp },
];

function checked(name: string, op: CsmsOperation): CsmsOperation {
  const action = CSMS_ACTIONS[name] ?? `csms:unknown:${name}`;
  return async (secrets, call, input) => {
    if (!isAdmin(call)) {
      const resources = secretResources(secrets.kms.region, call.project, input.params, name === 'CreateSecret' ? input.body.body.name : undefined);
      if (decide(call.policies ?? [], call.narrowing, { action, resources, context: {} }) !== 'allow') {
        throw new CsmsError('KMS.0307', `The caller may not call ${name}: no policy of the caller allows ${action} on this resource.`, 403);
      }
    }
    return op(secrets, call, input);
  };
}

export const CSMS_ROUTES: CsmsRoute[] = ROUTES.map((r) => ({ ...r, op: checked(r.name, r.op) }));
