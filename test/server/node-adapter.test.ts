// The Node adapter's own request path (how npm start listens: headers read from Node's parsed header list,
// bodies from the IncomingMessage, answers released once per event-loop turn) enforces the same checks
// as the portable path (web Request and Headers): every request below gets the same status and error
// code from both, whether it is good, tampered, unsigned, repeated-header or malformed. The requests go
// out byte for byte over a raw socket, so repeated headers reach the server as sent.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.ts';
import { StaticCredentials } from '../../src/iam/credentials.ts';
import { signRequest } from '../../src/iam/signer.ts';
import { nodeBodyReader } from '../../src/runtime/node-body.ts';
import { nodeHeaderReader } from '../../src/runtime/node-headers.ts';
import { DEFAULT_SERVER_LIMITS, listen } from '../../src/runtime/node-server.ts';
import { createApp } from '../../src/server/app.ts';
import { ADMIN, makeRig } from '../helpers/kms.ts';

type Header = [string, string];
interface Answer {
  status: number;
  body: any;
  requestId: string | null;
}

let portable: ReturnType<typeof createApp>;
let port: number;
let close: () => void;
let keyId: string;

beforeAll(async () => {
  const rig = await makeRig();
  keyId = (await rig.client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'adapter' })).key_info.key_id;
  const credentials = new StaticCredentials([{ accessKey: ADMIN.accessKey, secretKey: utf8(ADMIN.secretKey), principal: 'admin', projects: '*', role: 'admin' }]);
  portable = createApp({ kms: rig.kms, credentials, onInternalError: () => {} });
  const node = createApp({ kms: rig.kms, credentials, bodyReader: nodeBodyReader, headerReader: nodeHeaderReader, onInternalError: () => {} });
  const server = await new Promise<ReturnType<typeof listen>>((resolve) => {
    const s = listen(node.fetch, { host: '127.0.0.1', port: 0, limits: DEFAULT_SERVER_LIMITS }, () => resolve(s));
  });
  port = (server.address() as { port: number }).port;
  close = () => server.close();
});
afterAll(() => close?.());

/**
 * One request over a fresh connection, exactly these header lines. `trickle`: the body follows the
 * headers in two later writes (the server has started on the request before its body is there), instead
 * of arriving with them.
 */
function overNode(method: string, path: string, headers: Header[], body: string, trickle = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const bytes = Buffer.from(utf8(body));
    const head = Buffer.from([`${method} ${path} HTTP/1.1`, `host: 127.0.0.1:${port}`, ...headers.map(([k, v]) => `${k}: ${v}`), `content-length: ${bytes.length}`, 'connection: close', '', ''].join('\r\n'), 'latin1');
    const later = (f: () => void) => setTimeout(f, 20);
    const send = () => {
      if (!trickle) return socket.end(Buffer.concat([head, bytes]));
      socket.write(head);
      later(() => {
        socket.write(bytes.subarray(0, 5));
        later(() => socket.end(bytes.subarray(5)));
      });
    };
    const socket = connect({ host: '127.0.0.1', port }, send);
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const lines = text.slice(0, split).split('\r\n');
      const requestId = lines.find((l) => /^x-request-id:/i.test(l))?.split(':')[1].trim() ?? null;
      const payload = text.slice(split + 4);
      resolve({ status: Number(lines[0].split(' ')[1]), body: payload ? JSON.parse(payload) : undefined, requestId });
    });
  });
}

/** The same request through the portable path: a web Request (repeated headers joined as Headers joins them). */
async function overWeb(method: string, path: string, headers: Header[], body: string): Promise<Answer> {
  const h = new Headers({ host: `127.0.0.1:${port}` });
  for (const [k, v] of headers) h.append(k, v);
  const res = await portable.fetch(new Request(`http://127.0.0.1:${port}${path}`, { method, headers: h, body }));
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, requestId: res.headers.get('x-request-id') };
}

const path = () => `/v1.0/${ADMIN.project}/kms/encrypt-data`;

/** A signed encrypt-data request as header lines, then changed by `edit` (after signing). */
function signed(body: string, edit: (headers: Header[]) => Header[] = (h) => h, signedPath = path()): Header[] {
  const headers = signRequest(
    { method: 'POST', path: signedPath, query: [], headers: { 'content-type': 'application/json', host: `127.0.0.1:${port}`, 'x-project-id': ADMIN.project }, body: utf8(body) },
    { accessKey: ADMIN.accessKey, secretKey: ADMIN.secretKey },
  );
  delete headers.host;
  return edit(Object.entries(headers));
}

const good = () => JSON.stringify({ key_id: keyId, plain_text: 'hello' });
const set = (name: string, value: (v: string) => string) => (h: Header[]) => h.map(([k, v]): Header => [k, k === name ? value(v) : v]);

const cases: Record<string, () => { headers: Header[]; body: string; status: number; code?: string }> = {
  'a good signed request': () => ({ headers: signed(good()), body: good(), status: 200 }),
  'a header name in another case': () => ({ headers: signed(good(), (h) => h.map(([k, v]): Header => [k === 'x-sdk-date' ? 'X-SDK-Date' : k, v])), body: good(), status: 200 }),
  'a tampered signature': () => ({ headers: signed(good(), set('authorization', (v) => v.replace(/Signature=(.)/, (_, c) => `Signature=${c === '0' ? '1' : '0'}`))), body: good(), status: 401, code: 'APIGW.0301' }),
  'a tampered body': () => ({ headers: signed(good()), body: good().replace('hello', 'hellp'), status: 401, code: 'APIGW.0301' }),
  'a tampered signed header': () => ({ headers: signed(good(), set('x-project-id', () => 'fedcba9876543210fedcba9876543210')), body: good(), status: 401, code: 'APIGW.0301' }),
  'no Authorization header': () => ({ headers: signed(good(), (h) => h.filter(([k]) => k !== 'authorization')), body: good(), status: 401, code: 'APIGW.0301' }),
  'no X-Sdk-Date header': () => ({ headers: signed(good(), (h) => h.filter(([k]) => k !== 'x-sdk-date')), body: good(), status: 401, code: 'APIGW.0301' }),
  'the Authorization header twice': () => ({ headers: signed(good(), (h) => [...h, h.find(([k]) => k === 'authorization')!]), body: good(), status: 401, code: 'APIGW.0301' }),
  'a signed header twice (the signature covers one)': () => ({ headers: signed(good(), (h) => [...h, ['x-sdk-date', h.find(([k]) => k === 'x-sdk-date')![1]]]), body: good(), status: 401, code: 'APIGW.0301' }),
  'a signed header twice, both signed (joined like Headers joins)': () => {
    const body = good();
    const headers = signRequest(
      { method: 'POST', path: path(), query: [], headers: { 'content-type': 'application/json', host: `127.0.0.1:${port}`, 'x-project-id': ADMIN.project, 'x-extra': 'a, b' }, body: utf8(body) },
      { accessKey: ADMIN.accessKey, secretKey: ADMIN.secretKey },
    );
    delete headers.host;
    const lines = Object.entries(headers).filter(([k]) => k !== 'x-extra');
    return { headers: [...lines, ['X-Extra', 'a'], ['x-extra', 'b']], body, status: 200 };
  },
  'a body that is not JSON': () => ({ headers: signed('{"key_id": '), body: '{"key_id": ', status: 400, code: 'KMS.0202' }),
  'a body that is a JSON array': () => ({ headers: signed('[1]'), body: '[1]', status: 400, code: 'KMS.0202' }),
  'a field of the wrong type': () => {
    const body = JSON.stringify({ key_id: keyId, plain_text: 7 });
    return { headers: signed(body), body, status: 400, code: 'KMS.0308' };
  },
  'another project in X-Project-Id than in the path': () => {
    const body = good();
    const headers = signRequest(
      { method: 'POST', path: path(), query: [], headers: { 'content-type': 'application/json', host: `127.0.0.1:${port}`, 'x-project-id': 'fedcba9876543210fedcba9876543210' }, body: utf8(body) },
      { accessKey: ADMIN.accessKey, secretKey: ADMIN.secretKey },
    );
    delete headers.host;
    return { headers: Object.entries(headers), body, status: 403, code: 'KMS.0307' };
  },
};

describe('the Node adapter path and the portable path answer alike', () => {
  for (const [name, make, trickle] of Object.entries(cases).flatMap(([n, m]) => [[n, m, false], [`${n}, the body after the headers`, m, true]] as const)) {
    it(name, async () => {
      const c = make();
      const [node, web] = [await overNode('POST', path(), c.headers, c.body, trickle), await overWeb('POST', path(), c.headers, c.body)];
      expect(node.status).toBe(c.status);
      expect(web.status).toBe(c.status);
      expect(node.body?.error_code).toBe(c.code);
      expect(web.body?.error_code).toBe(c.code);
      if (c.status === 200) {
        expect(node.body.key_id).toBe(keyId);
        expect(web.body.key_id).toBe(keyId);
      }
      expect(node.requestId).toMatch(/^[0-9a-f]{32}$/);
      expect(web.requestId).toMatch(/^[0-9a-f]{32}$/);
    });
  }
});
