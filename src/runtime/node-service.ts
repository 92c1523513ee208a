// The service as npm start runs it on Node: createService with the Node bindings (body and header readers,
// the client address for the unauthenticated-request limit, node:crypto) and the file store's append-only
// audit segments. npm start (node.ts) and the server benchmark (bench/server-process.ts) both build it
// here, so the benchmark measures what ships.
import { getConnInfo } from '@hono/node-server/conninfo';
import type { FileStore } from '../store/file.ts';
import { nodeBodyReader } from './node-body.ts';
import { nodeCrypto } from './node-crypto.ts';
import { nodeHeaderReader } from './node-headers.ts';
import { createService, type Service, type ServiceOptions } from './service.ts';

export type NodeServiceOptions = Omit<ServiceOptions, 'crypto' | 'bodyReader' | 'headerReader' | 'clientAddress' | 'auditSegments' | 'store'> & { store: FileStore };

export async function createNodeService(o: NodeServiceOptions): Promise<Service> {
  return createService({
    ...o,
    crypto: nodeCrypto,
    bodyReader: nodeBodyReader,
    headerReader: nodeHeaderReader,
    clientAddress: (c) => getConnInfo(c).remote.address,
    auditSegments: await o.store.appendLog('audit'),
  });
}
