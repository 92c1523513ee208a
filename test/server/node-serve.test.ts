// npm start as an operator runs it: requests in flight finish on SIGTERM (bounded drain, then the store
// closes and releases its LOCK); HTTPS with EDGEKMS_TLS_CERT / EDGEKMS_TLS_KEY (a certificate made by the
// openssl CLI here); IPv6 loopback URLs; slow clients cut off by the header timeout; connections capped.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/iam/signer.ts';
import { isLoopback, listenUrl, plainHttpWarning } from '../../src/runtime/node-server.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const dirs: string[] = [];
const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'edgekms-serve-'));
  dirs.push(d);
  return d;
}

async function start(env: Record<string, string>): Promise<RunningServer> {
  const s = await startNodeServer(env);
  running.push(s);
  return s;
}

interface Admin {
  access_key: string;
  secret_key: string;
  project_id: string;
}

/** A signed POST whose body is sent in two parts: `finish()` sends the rest and resolves with the answer. */
function halfSentRequest(url: string, admin: Admin, action: string, body: object) {
  const u = new URL(`/v1.0/${admin.project_id}/kms/${action}`, url);
  const bytes = Buffer.from(JSON.stringify(body));
  const headers = signRequest(
    { method: 'POST', path: u.pathname, query: [], headers: { 'content-type': 'application/json', host: u.host }, body: bytes },
    { accessKey: admin.access_key, secretKey: admin.secret_key },
  );
  const req = httpRequest(u, { method: 'POST', headers: { ...headers, 'content-length': String(bytes.length) } });
  const answer = new Promise<{ status: number; body: any }>((resolve, reject) => {
    req.on('response', (res: IncomingMessage) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
  });
  const connected = new Promise<void>((resolve) => req.on('socket', (s: Socket) => (s.connecting ? s.once('connect', () => resolve()) : resolve())));
  req.write(bytes.subarray(0, 5));
  req.flushHeaders();
  return {
    connected,
    finish: () => {
      req.end(bytes.subarray(5));
      return answer;
    },
  };
}

const waitFor = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

describe('npm start: shutdown, TLS, addresses and slow clients', () => {
  it('SIGTERM lets the 8 requests in flight finish, refuses new connections, closes the store, exits 0', async () => {
    const dir = tempDir();
    const s = await start({ EDGEKMS_DATA_DIR: dir, EDGEKMS_SHUTDOWN_GRACE_MS: '30000' });
    const admin = JSON.parse(readFileSync(join(dir, 'admin.json'), 'utf8')) as Admin;
    const inFlight = Array.from({ length: 8 }, (_, i) => halfSentRequest(s.url, admin, 'create-key', { key_alias: `drain-${i}` }));
    await Promise.all(inFlight.map((r) => r.connected));
    await new Promise((r) => setTimeout(r, 300)); // let the server read the headers and the first bytes
    const exited = new Promise<number | null>((r) => s.child.once('exit', (code) => r(code)));
    s.child.kill('SIGTERM');
    await waitFor(() => s.output().includes('edgekms stopping (SIGTERM)'), 'the stopping line');
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
    // Longer than the old fixed 5 s exit: only a drain bounded by EDGEKMS_SHUTDOWN_GRACE_MS waits for them.
    await new Promise((r) => setTimeout(r, 6000));
    const answers = await Promise.all(inFlight.map((r) => r.finish()));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    for (const a of answers) expect(a.body.key_info.key_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await exited).toBe(0);
    expect(s.output()).toContain('edgekms stopped');
    expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toBe(''); // released: the file stays, its owner record is cleared
    // Everything answered was written: a restart lists the 8 keys.
    const again = await start({ EDGEKMS_DATA_DIR: dir });
    const u = new URL(`/v1.0/${admin.project_id}/kms/list-keys`, again.url);
    const body = Buffer.from('{"limit":"100"}');
    const headers = signRequest({ method: 'POST', path: u.pathname, query: [], headers: { 'content-type': 'application/json', host: u.host }, body }, { accessKey: admin.access_key, secretKey: admin.secret_key });
    const listed = await (await fetch(u, { method: 'POST', headers, body })).json();
    expect(listed.keys).toHaveLength(8);
    expect(await again.stop()).toBe(0);
  });

  it('serves HTTPS with EDGEKMS_TLS_CERT / EDGEKMS_TLS_KEY (a certificate from the openssl CLI)', async () => {
    const dir = tempDir();
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const s = await start({ EDGEKMS_DATA_DIR: join(dir, 'data'), EDGEKMS_TLS_CERT: cert, EDGEKMS_TLS_KEY: key });
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(s.output()).not.toContain('warning');
    const health = await new Promise<{ status: number; body: string; authorized: boolean }>((resolve, reject) => {
      const req = httpsRequest(`${s.url}/healthz`, { ca: readFileSync(cert) }, (res) => {
        const authorized = (res.socket as import('node:tls').TLSSocket).authorized;
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body, authorized }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(health).toMatchObject({ status: 200, authorized: true });
    expect(JSON.parse(health.body).status).toBe('ok');
    // Plain HTTP to the TLS port is not served.
    await expect(fetch(s.url.replace('https:', 'http:') + '/healthz')).rejects.toThrow();
    expect(await s.stop()).toBe(0);
  });

  it('HOST=::1 prints a valid URL, http://[::1]:PORT, that answers', async () => {
    const s = await start({ EDGEKMS_DATA_DIR: join(tempDir(), 'data'), HOST: '::1' });
    expect(s.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    expect(s.output()).not.toContain('warning');
    expect(await s.stop()).toBe(0);
  });

  it('a client trickling its headers is cut off; connections beyond the cap are closed at once', async () => {
    const s = await start({ EDGEKMS_DATA_DIR: join(tempDir(), 'data'), EDGEKMS_HEADERS_TIMEOUT_MS: '1000', EDGEKMS_MAX_CONNECTIONS: '4' });
    const { port } = new URL(s.url);
    const open = async () => {
      const sock = connect(Number(port), '127.0.0.1');
      await new Promise((r) => sock.once('connect', r));
      let received = '';
      sock.on('data', (d) => (received += d));
      const closed = new Promise<void>((r) => sock.once('close', () => r()));
      return { sock, closed, received: () => received };
    };
    const slow = await open();
    slow.sock.write('POST /v1.0/p/kms/list-keys HTTP/1.1\r\nHost: x\r\n');
    await slow.closed; // never finished its headers: the server answered 408 and closed
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408/);

    const held = [await open(), await open(), await open(), await open()];
    const extra = await open();
    await extra.closed;
    expect(extra.received()).toBe('');
    for (const h of held) h.sock.destroy();
    await Promise.all(held.map((h) => h.closed));
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      status = await fetch(`${s.url}/healthz`).then((r) => r.status, () => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);
    expect(await s.stop()).toBe(0);
  });
});

describe('listen addresses (in-process)', () => {
  it('brackets IPv6 literals, knows loopback, warns about plain HTTP beyond it', () => {
    expect(listenUrl('::1', 8787, false)).toBe('http://[::1]:8787');
    expect(listenUrl('127.0.0.1', 1, true)).toBe('https://127.0.0.1:1');
    expect(listenUrl('localhost', 2, false)).toBe('http://localhost:2');
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.1', 'kms.example.com']) expect(isLoopback(h), h).toBe(false);
    expect(plainHttpWarning('0.0.0.0', false)).toMatch(/^warning: HOST=0\.0\.0\.0 serves plain HTTP/);
    expect(plainHttpWarning('0.0.0.0', true)).toBeUndefined();
    expect(plainHttpWarning('127.0.0.1', false)).toBeUndefined();
  });
});
