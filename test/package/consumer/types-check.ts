// A consumer's TypeScript file: type-checked with `tsc --noEmit` against the installed package's
// declarations (exports "types" conditions), never run.
import { KmsClient, KmsKeyring, encrypt, nodeCrypto, type EncryptOptions, type MessageInfo } from 'edgekms';
import { createApp, createService, MemoryStore, type Service, type Store } from 'edgekms/server';

export async function roundTrip(kms: KmsClient, keyId: string, data: Uint8Array): Promise<MessageInfo> {
  const options: EncryptOptions = { keyring: new KmsKeyring({ client: kms, keyId, region: 'local-1' }), crypto: nodeCrypto };
  const { info } = await encrypt(data, options);
  return info;
}

export const store: Store = new MemoryStore();
export type Embedded = Service['app'];
export const factory: typeof createApp = createApp;
export const assemble: typeof createService = createService;
// @ts-expect-error a wrong type must be an error: the declarations are real, not `any`
export const wrong: Store = 42;
