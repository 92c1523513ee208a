// Show/UpdateSecretsConfig: the project's `checking_secret_strength` switch. Huawei uses it to check new
// secret values against a strength policy (CheckSecrets); edgekms stores the setting as given and checks
// nothing (CheckSecrets is not served). Errors are flat (routes.ts).
import { getJson, putJson } from '../../store/store.ts';
import { ok, type CsmsOperation } from '../operation.ts';

const configPath = (project: string) => `csms/${project}/config`;

interface ProjectConfig {
  checkingSecretStrength: boolean;
}

export const showConfigOp: CsmsOperation = async (secrets, call) => {
  const c = await getJson<ProjectConfig>(secrets.kms.store, configPath(call.project));
  return ok({ checking_secret_strength: c?.value.checkingSecretStrength ?? false });
};

export const updateConfigOp: CsmsOperation = async (secrets, call, input) => {
  const checking = input.body.boolean('checking_secret_strength');
  const path = configPath(call.project);
  const current = await getJson<ProjectConfig>(secrets.kms.store, path);
  const next: ProjectConfig = { checkingSecretStrength: checking ?? current?.value.checkingSecretStrength ?? false };
  await putJson(secrets.kms.store, path, next);
  return ok({ checking_secret_strength: next.checkingSecretStrength });
};
