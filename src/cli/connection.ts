// Where a command's requests go and how they are signed. In order: --credentials FILE; HUAWEICLOUD_SDK_AK /
// _SK (+ _SECURITY_TOKEN), as Huawei's SDK examples use; EDGEKMS_ADMIN_AK / _SK (the server's own admin
// settings); else the local server's admin.json ($EDGEKMS_DATA_DIR or ./.edgekms). --project (or
// HUAWEICLOUD_SDK_PROJECT_ID / EDGEKMS_PROJECT_ID) names the project; admin.json carries its own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignedClient } from '../sdk/client.ts';
import { fromEnv } from '../sdk/credentials.ts';
import { CliError, EXIT, UsageError } from './command.ts';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8787';

export interface ConnectionOptions {
  endpoint?: string;
  project?: string;
  credentials?: string;
}

export function connect(o: ConnectionOptions, env: NodeJS.ProcessEnv = process.env): SignedClient {
  const endpoint = o.endpoint ?? env.EDGEKMS_ENDPOINT ?? DEFAULT_ENDPOINT;
  if (!o.credentials && env.HUAWEICLOUD_SDK_AK && env.HUAWEICLOUD_SDK_SK) {
    const settings = fromEnv(env);
    const projectId = o.project ?? settings.projectId;
    if (!projectId) throw new UsageError('with HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, give --project or set HUAWEICLOUD_SDK_PROJECT_ID');
    return new SignedClient({ endpoint, projectId, credentials: settings.credentials });
  }
  if (!o.credentials && env.EDGEKMS_ADMIN_AK && env.EDGEKMS_ADMIN_SK) {
    const projectId = o.project ?? env.EDGEKMS_PROJECT_ID;
    if (!projectId) throw new UsageError('with EDGEKMS_ADMIN_AK and EDGEKMS_ADMIN_SK, give --project or set EDGEKMS_PROJECT_ID');
    return new SignedClient({ endpoint, projectId, accessKey: env.EDGEKMS_ADMIN_AK, secretKey: env.EDGEKMS_ADMIN_SK });
  }
  const file = o.credentials ?? join(env.EDGEKMS_DATA_DIR ?? './.edgekms', 'admin.json');
  let admin: { access_key?: unknown; secret_key?: unknown; project_id?: unknown };
  try {
    admin = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    // A parse error's message quotes the text around the fault, which holds the secret key.
    const why = e instanceof SyntaxError ? 'not valid JSON' : (e as Error).message;
    throw new CliError(`cannot read the credential file ${file}: ${why}`, EXIT.connection);
  }
  if (typeof admin.access_key !== 'string' || typeof admin.secret_key !== 'string' || typeof admin.project_id !== 'string') {
    throw new CliError(`${file} lacks access_key, secret_key or project_id`, EXIT.connection);
  }
  return new SignedClient({ endpoint, projectId: o.project ?? admin.project_id, accessKey: admin.access_key, secretKey: admin.secret_key });
}
