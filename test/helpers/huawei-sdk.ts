// A client built on Huawei's official @huaweicloud/huaweicloud-sdk-core (its HcClient and AK/SK signer),
// which needs `uuid` installed beside it (it requires it without declaring it). Errors come back as the SDK's exceptions.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { BasicCredentials } = require('@huaweicloud/huaweicloud-sdk-core');
const { ClientBuilder } = require('@huaweicloud/huaweicloud-sdk-core/ClientBuilder');

export interface HuaweiError {
  httpStatusCode: number;
  errorCode?: string;
  errorMsg?: string;
  requestId?: string;
}

export interface HuaweiClient {
  call<T = any>(method: string, path: string, data?: unknown, queryParams?: Record<string, string>): Promise<T>;
  /** Resolves to the SDK's exception (or throws if the call succeeded). */
  fail(method: string, path: string, data?: unknown, queryParams?: Record<string, string>): Promise<HuaweiError>;
}

/** `securityToken`: a temporary credential's token, which the SDK core sends (signed) as X-Security-Token. */
export function huaweiClient(endpoint: string, ak: string, sk: string, projectId: string, securityToken?: string): HuaweiClient {
  let credentials = new BasicCredentials().withAk(ak).withSk(sk).withProjectId(projectId);
  if (securityToken !== undefined) credentials = credentials.withSecurityToken(securityToken);
  const hc = new ClientBuilder((c: unknown) => c).withEndpoint(endpoint).withCredential(credentials).build();
  const call = async (method: string, path: string, data?: unknown, queryParams: Record<string, string> = {}) => {
    const res = await hc.sendRequest({
      method,
      url: path,
      contentType: 'application/json;charset=UTF-8',
      queryParams,
      pathParams: {},
      headers: {},
      ...(data === undefined ? {} : { data }),
    });
    return res;
  };
  return {
    call,
    async fail(method, path, data, queryParams) {
      try {
        await call(method, path, data, queryParams);
      } catch (e) {
        return e as HuaweiError;
      }
      throw new Error(`${method} ${path} succeeded but was expected to fail`);
    },
  };
}
