// The identity commands (users, access keys, policies, roles, security-token) against `npm start` over
// loopback: what they create works at once with the credentials they hand out, refusals are one line with
// the API's code and a non-zero exit, and a refused command changes nothing. Every identity command of
// the table runs with --json and its output parses; the test ends by checking none was left out.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/run.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const IDENTITY_GROUPS = ['users', 'access-keys', 'policies', 'roles', 'security-token'];
const work = mkdtempSync(join(tmpdir(), 'edgekms-cli-identity-'));
const dataDir = join(work, 'data');
let server: RunningServer;
let project: string;
const jsonRan = new Set<string>();

beforeAll(async () => {
  server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir });
  project = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8')).project_id;
}, 60_000);
afterAll(async () => {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
});

const cli = (args: string[], env: Record<string, string> = {}, input?: string) => runCli(args, { EDGEKMS_DATA_DIR: dataDir, EDGEKMS_ENDPOINT: server.url, ...env }, input);

async function json<T = any>(args: string[], env: Record<string, string> = {}, input?: string): Promise<T> {
  const r = await cli([...args, '--json'], env, input);
  expect(r.code, r.err).toBe(0);
  jsonRan.add(COMMANDS.find((c) => c.name === args.slice(0, 2).join(' ') || c.name === args[0])!.name);
  return JSON.parse(r.out);
}

function expectRefused(r: CliResult, code: string, exit = 1) {
  expect(r.code, r.err).toBe(exit);
  expect(r.err.split('\n'), r.err).toHaveLength(1);
  expect(r.err).toContain(code);
}

/** The whole identity state as the administrator sees it, to show a refused command changed nothing. */
async function snapshot() {
  const [users, policies, roles] = await Promise.all([cli(['users', 'list', '--json']), cli(['policies', 'list', '--json']), cli(['roles', 'list', '--json'])]);
  return [users.out, policies.out, roles.out];
}

const ORDERS = { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['kms:cmk:create', 'kms:cmk:list', 'kms:cmk:encrypt', 'kms:cmk:decrypt'], Resource: ['*'] }] };
const READ_ONLY = { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['kms:cmk:list'] }] };

describe('edgekms identity commands against npm start', () => {
  it('users: create (default and given projects), list, get; an unknown user is EDGEKMS.0404 with exit 1', async () => {
    const alice = await json(['users', 'create', 'alice']);
    expect(alice.user).toMatchObject({ name: 'alice', projects: [project], policies: [], access_keys: [] });
    const bob = await json(['users', 'create', 'bob', '--projects', `${project},other0000000000000000000000000001`]);
    expect(bob.user.projects).toEqual([project, 'other0000000000000000000000000001']);
    expect((await json(['users', 'list'])).users.map((u: { name: string }) => u.name).sort()).toEqual(['alice', 'bob']);
    expect((await json(['users', 'get', 'bob'])).user.name).toBe('bob');
    expect((await cli(['users', 'get', 'alice'])).out).toMatch(/^alice {2}created .*\nprojects {5}/);

    const before = await snapshot();
    // Refusals change nothing, so they run at once.
    const refusals: [string[], string, number?][] = [
      [['users', 'get', 'nobody'], 'EDGEKMS.0404'],
      [['users', 'delete', 'nobody'], 'EDGEKMS.0404'],
      [['access-keys', 'create', 'nobody'], 'EDGEKMS.0404'],
      [['access-keys', 'create', 'nobody', '--out', join(work, 'nobody.json')], 'EDGEKMS.0404'],
      [['policies', 'attach', 'orders', '--user', 'nobody'], 'EDGEKMS.0404'],
      [['users', 'create', 'alice'], 'EDGEKMS.0409'],
      [['users', 'create', '../admin'], 'EDGEKMS.0400'],
      [['users', 'create', 'carol', '--projects', ','], '--projects', 2],
      [['users', 'create'], 'missing <name>', 2],
    ];
    const answers = await Promise.all(refusals.map(([args]) => cli(args)));
    refusals.forEach(([, code, exit], i) => expectRefused(answers[i], code, exit));
    expect(existsSync(join(work, 'nobody.json'))).toBe(false);
    expect(await snapshot()).toEqual(before);
  }, 180_000);

  it('policies: put from a file, stdin and the argument; invalid JSON (exit 2) and an invalid document (EDGEKMS.0400) change nothing', async () => {
    const file = join(work, 'orders.json');
    writeFileSync(file, JSON.stringify(ORDERS));
    const put = await json(['policies', 'put', 'orders', file]);
    expect(put.policy).toMatchObject({ name: 'orders', document: ORDERS });
    expect((await json(['policies', 'put', 'read-only', '-'], {}, JSON.stringify(READ_ONLY))).policy.document).toEqual(READ_ONLY);
    expect((await json(['policies', 'put', 'scratch', JSON.stringify(READ_ONLY)])).policy.name).toBe('scratch');
    expect((await json(['policies', 'list'])).policies.map((p: { name: string }) => p.name).sort()).toEqual(['orders', 'read-only', 'scratch']);
    expect((await json(['policies', 'get', 'orders'])).policy.document).toEqual(ORDERS);
    expect((await cli(['policies', 'get', 'orders'])).out).toContain('Allow  kms:cmk:create,kms:cmk:list,kms:cmk:encrypt,kms:cmk:decrypt  on *');

    const before = await snapshot();
    const broken = join(work, 'broken.json');
    writeFileSync(broken, '{"Version": "1.1", "Statement": [');
    const [notJson, notJsonStdin, notAFile, missingFile, invalid, badName, unknown] = await Promise.all([
      cli(['policies', 'put', 'orders', broken]),
      cli(['policies', 'put', 'orders', '-'], {}, 'nope'),
      cli(['policies', 'put', 'orders', '[1]']), // not "{": a file name
      cli(['policies', 'put', 'orders', join(work, 'missing.json')]),
      cli(['policies', 'put', 'orders', JSON.stringify({ Version: '1.1', Statement: [{ Effect: 'Permit', Action: ['kms:cmk:list'] }] })]),
      cli(['policies', 'put', 'bad/name', JSON.stringify(READ_ONLY)]),
      cli(['policies', 'get', 'nothing']),
    ]);
    expectRefused(notJson, 'not valid JSON', 2);
    expect(notJson.err).toContain(broken);
    expectRefused(notJsonStdin, 'not valid JSON', 2);
    expectRefused(notAFile, 'no such file', 5);
    expectRefused(missingFile, 'ENOENT', 5);
    expectRefused(invalid, 'EDGEKMS.0400');
    expect(invalid.err).toContain('Effect must be "Allow" or "Deny"');
    expectRefused(badName, 'EDGEKMS.04');
    expectRefused(unknown, 'EDGEKMS.0404');
    expect(await snapshot()).toEqual(before);
    expect((await json(['policies', 'get', 'orders'])).policy.document).toEqual(ORDERS); // not replaced
  }, 180_000);

  it('access keys: created with --out they sign this CLI\'s requests at once; the policy decides; disable gives 401, enable restores, delete ends it', async () => {
    await json(['policies', 'attach', 'read-only', '--user', 'alice']);
    expect((await json(['users', 'get', 'alice'])).user.policies).toEqual(['read-only']);
    const credFile = join(work, 'alice.json');
    const created = await json(['access-keys', 'create', 'alice', '--out', credFile]);
    expect(created.credential).not.toHaveProperty('secret_key');
    const cred = JSON.parse(readFileSync(credFile, 'utf8'));
    expect(cred).toEqual({ access_key: created.credential.access_key, secret_key: expect.stringMatching(/^[A-Za-z0-9]{40}$/), project_id: project });
    expect(statSync(credFile).mode & 0o777).toBe(0o600);
    const ak = cred.access_key;
    const asAlice = (args: string[]) => cli([...args, '--credentials', credFile]);

    expect((await asAlice(['keys', 'list'])).code).toBe(0);
    expectRefused(await asAlice(['keys', 'create', 'alice-key']), 'KMS.0307'); // read-only may not create
    expectRefused(await asAlice(['users', 'list']), 'KMS.0307'); // nor manage identities
    // A policy attached takes effect on the next request, no restart.
    await json(['policies', 'attach', 'orders', '--user', 'alice']);
    const keyId = (await json(['keys', 'create', 'alice-key', '--credentials', credFile])).key_info.key_id;
    expect(keyId).toMatch(/^[0-9a-f-]{36}$/);
    await json(['policies', 'detach', 'orders', '--user', 'alice']);
    expectRefused(await asAlice(['keys', 'create', 'alice-key-2']), 'KMS.0307');
    expectRefused(await cli(['policies', 'detach', 'orders', '--user', 'alice']), 'EDGEKMS.0404'); // not attached any more

    // The file is never overwritten: a second --out to it is refused before a key is made.
    const keysBefore = (await json(['access-keys', 'list', 'alice'])).credentials;
    expectRefused(await cli(['access-keys', 'create', 'alice', '--out', credFile]), 'exists already', 5);
    expect((await json(['access-keys', 'list', 'alice'])).credentials).toEqual(keysBefore);
    // Without --out the secret key is printed (once) and a note goes to stderr.
    const printed = await cli(['access-keys', 'create', 'alice']);
    expect(printed.code, printed.err).toBe(0);
    expect(printed.out).toMatch(/^access_key {2}[A-Z0-9]{20}\nsecret_key {2}[A-Za-z0-9]{40}$/);
    expect(printed.err).toContain('shown only now');
    const second = /access_key {2}([A-Z0-9]{20})/.exec(printed.out)![1];
    expectRefused(await cli(['access-keys', 'create', 'alice']), 'EDGEKMS.0409'); // two per user
    expect((await json(['access-keys', 'list', 'alice'])).credentials.map((k: { access_key: string }) => k.access_key).sort()).toEqual([ak, second].sort());

    expect(await json(['access-keys', 'disable', 'alice', ak])).toEqual({ access_key: ak, status: 'disabled' });
    expectRefused(await asAlice(['keys', 'list']), 'APIGW.0301');
    expect((await json(['access-keys', 'list', 'alice'])).credentials.find((k: { access_key: string }) => k.access_key === ak).status).toBe('disabled');
    expect(await json(['access-keys', 'enable', 'alice', ak])).toEqual({ access_key: ak, status: 'active' });
    expect((await asAlice(['keys', 'list'])).code).toBe(0);
    expectRefused(await cli(['access-keys', 'disable', 'alice', 'AAAAAAAAAAAAAAAAAAAA']), 'EDGEKMS.0404');
    expectRefused(await cli(['access-keys', 'delete', 'bob', ak]), 'EDGEKMS.0404'); // not bob's
    expect(await json(['access-keys', 'delete', 'alice', ak])).toEqual({ access_key: ak, deleted: true });
    expectRefused(await asAlice(['keys', 'list']), 'APIGW.0301');
    expect((await json(['access-keys', 'list', 'alice'])).credentials.map((k: { access_key: string }) => k.access_key)).toEqual([second]);
  }, 180_000);

  it('roles and security-token: a workload gets a temporary credential (--env for the SDK variables) limited by its role\'s policies; revoke and delete end it', async () => {
    const tokenFile = join(work, 'worker.token');
    const created = await json(['roles', 'create', 'worker', '--policy', 'read-only', '--duration', '900', '--out', tokenFile]);
    expect(created.role).toMatchObject({ name: 'worker', projects: [project], policies: ['read-only'], duration_seconds: 900 });
    expect(created).not.toHaveProperty('workload_token');
    expect(created.role).not.toHaveProperty('token_sha256');
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(token).toMatch(/^ekw\.worker\./);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect((await json(['roles', 'list'])).roles.map((r: { name: string }) => r.name)).toEqual(['worker']);
    expect((await json(['roles', 'get', 'worker'])).role.duration_seconds).toBe(900);
    const printed = await cli(['roles', 'create', 'batch', '--projects', project]);
    expect(printed.out.split('\n')[1]).toMatch(/^ekw\.batch\.[A-Za-z0-9_-]{43}$/);
    expectRefused(await cli(['roles', 'create', 'worker']), 'EDGEKMS.0409');
    expectRefused(await cli(['roles', 'create', 'w2', '--duration', '99999']), '--duration', 2);
    expectRefused(await cli(['roles', 'get', 'nobody']), 'EDGEKMS.0404');

    // The workload: the token from a file or $EDGEKMS_WORKLOAD_TOKEN, never an access key.
    const asWorkload = { EDGEKMS_WORKLOAD_TOKEN: token, EDGEKMS_DATA_DIR: join(work, 'no-such-dir') };
    const issued = await json(['security-token', '--duration', '600'], asWorkload);
    expect(Date.parse(issued.credential.expires_at) - Date.now()).toBeLessThanOrEqual(600_000);
    expect((await json(['security-token', '--token-file', tokenFile], { EDGEKMS_DATA_DIR: join(work, 'no-such-dir') })).credential.access).toMatch(/^[A-Z0-9]{20}$/);
    const exported = await cli(['security-token', '--env'], asWorkload);
    expect(exported.code, exported.err).toBe(0);
    const vars = Object.fromEntries([...exported.out.matchAll(/^export (HUAWEICLOUD_SDK_[A-Z_]+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
    expect(Object.keys(vars).sort()).toEqual(['HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SECURITY_TOKEN', 'HUAWEICLOUD_SDK_SK']);
    const asTemporary = (args: string[]) => cli([...args, '--project', project], vars);
    expect((await asTemporary(['keys', 'list'])).code).toBe(0); // the role's policy allows listing
    expectRefused(await asTemporary(['keys', 'create', 'worker-key']), 'KMS.0307'); // and nothing else
    // Attached to the role, a policy applies to credentials already issued.
    await json(['policies', 'attach', 'orders', '--role', 'worker']);
    expect((await asTemporary(['keys', 'create', 'worker-key'])).code).toBe(0);
    await json(['policies', 'detach', 'orders', '--role', 'worker']);
    expectRefused(await cli(['policies', 'detach', 'orders', '--role', 'worker']), 'EDGEKMS.0404'); // not attached any more
    expectRefused(await asTemporary(['keys', 'create', 'worker-key-2']), 'KMS.0307');
    // Narrowed by --policy: only what both allow.
    const narrowed = await cli(['security-token', '--env', '--policy', JSON.stringify({ Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['kms:cmk:get'] }] })], asWorkload);
    const narrowVars = Object.fromEntries([...narrowed.out.matchAll(/^export (HUAWEICLOUD_SDK_[A-Z_]+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
    expectRefused(await cli(['keys', 'list', '--project', project], narrowVars), 'KMS.0307');

    expectRefused(await cli(['security-token'], { EDGEKMS_WORKLOAD_TOKEN: `${token.slice(0, -1)}x` }), 'APIGW.0301');
    expectRefused(await cli(['security-token'], { EDGEKMS_WORKLOAD_TOKEN: '' }), 'EDGEKMS_WORKLOAD_TOKEN', 2);
    expectRefused(await cli(['security-token', '--policy', '{"Version":'], asWorkload), 'not valid JSON', 2);
    expectRefused(await cli(['security-token', '--duration', '1200'], asWorkload), 'EDGEKMS.0400'); // longer than the role's 900 s

    expect(await json(['roles', 'revoke', 'worker'])).toEqual({ name: 'worker', revoked: true });
    expectRefused(await asTemporary(['keys', 'list']), 'APIGW.0301');
    const again = await cli(['security-token', '--env'], asWorkload); // the workload token still works
    const againVars = Object.fromEntries([...again.out.matchAll(/^export (HUAWEICLOUD_SDK_[A-Z_]+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
    expect((await cli(['keys', 'list', '--project', project], againVars)).code).toBe(0);
    expect(await json(['roles', 'delete', 'worker'])).toEqual({ name: 'worker', deleted: true });
    expectRefused(await cli(['keys', 'list', '--project', project], againVars), 'APIGW.0301');
    expectRefused(await cli(['security-token'], asWorkload), 'APIGW.0301');
    expect((await cli(['security-token'], { ...asWorkload, EDGEKMS_ENDPOINT: 'http://127.0.0.1:9' })).code).toBe(3);
  }, 180_000);

  it('deleting a policy and a user: holders lose it at once, the user\'s keys stop working', async () => {
    expect(await json(['policies', 'delete', 'scratch'])).toEqual({ name: 'scratch', deleted: true });
    expectRefused(await cli(['policies', 'get', 'scratch']), 'EDGEKMS.0404');
    const credFile = join(work, 'bob.json');
    await json(['access-keys', 'create', 'bob', '--out', credFile]);
    await json(['policies', 'attach', 'read-only', '--user', 'bob']);
    expect((await cli(['keys', 'list', '--credentials', credFile])).code).toBe(0);
    await json(['policies', 'delete', 'read-only']);
    expectRefused(await cli(['keys', 'list', '--credentials', credFile]), 'KMS.0307');
    expect(await json(['users', 'delete', 'bob'])).toEqual({ name: 'bob', deleted: true });
    expectRefused(await cli(['keys', 'list', '--credentials', credFile]), 'APIGW.0301');
    expect((await json(['users', 'list'])).users.map((u: { name: string }) => u.name)).toEqual(['alice']);
  }, 180_000);

  it('usage: --user or --role (one of them); help names every identity command', async () => {
    expectRefused(await cli(['policies', 'attach', 'orders']), '--user NAME or --role NAME', 2);
    expectRefused(await cli(['policies', 'attach', 'orders', '--user', 'alice', '--role', 'worker']), '--user NAME or --role NAME', 2);
    const help = await cli(['--help']);
    for (const c of COMMANDS.filter((c) => IDENTITY_GROUPS.includes(c.name.split(' ')[0]))) expect(help.out).toContain(c.name);
  }, 180_000);

  it('ran every identity command of the table with --json', () => {
    const expected = COMMANDS.map((c) => c.name).filter((n) => IDENTITY_GROUPS.includes(n.split(' ')[0]));
    expect(expected.length).toBeGreaterThanOrEqual(19);
    expect([...jsonRan].filter((n) => IDENTITY_GROUPS.includes(n.split(' ')[0])).sort()).toEqual(expected.sort());
  });
});
