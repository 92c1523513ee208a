// The edgekms command through the product's flows against a real server process over loopback: keys,
// small data, data keys, signatures of files, secrets and sync, `call`, completion. Every command runs
// once with --json and its output must parse; the test ends by checking that every command of the table
// was among them.
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/run.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const work = mkdtempSync(join(tmpdir(), 'edgekms-cli-flows-'));
const dataDir = join(work, 'data');
let server: RunningServer;
const jsonRan = new Set<string>();

beforeAll(async () => {
  server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir });
}, 60_000);
afterAll(async () => {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
});

const cli = (args: string[], input?: string) => runCli(args, { EDGEKMS_DATA_DIR: dataDir, EDGEKMS_ENDPOINT: server.url }, input);

/** Runs a command with --json, expects exit 0 and returns the parsed answer; records the command as covered. */
async function json<T = any>(args: string[], input?: string): Promise<T> {
  const r = await cli([...args, '--json'], input);
  expect(r.code, r.err).toBe(0);
  const name = COMMANDS.find((c) => c.name === args.slice(0, 2).join(' ') || c.name === args[0])!.name;
  jsonRan.add(name);
  return JSON.parse(r.out);
}

function expectRefused(r: CliResult, code: string, exit = 1) {
  expect(r.code, r.err).toBe(exit);
  expect(r.err.split('\n')).toHaveLength(1);
  expect(r.err).toContain(code);
}

describe('edgekms through the product flows', () => {
  let keyId: string;

  it('keys: create, list, describe, disable (then encrypt is refused with the API code), enable, alias, tags', async () => {
    const created = await json(['keys', 'create', 'flow-key', '--description', 'CLI flows']);
    keyId = created.key_info.key_id;
    expect(keyId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await json(['keys', 'list'])).keys).toContain(keyId);
    expect((await json(['keys', 'describe', keyId])).key_info).toMatchObject({ key_alias: 'flow-key', key_description: 'CLI flows', key_state: '2' });
    expect((await json(['keys', 'disable', keyId])).key_info.key_state).toBe('3');
    expectRefused(await cli(['encrypt', keyId, 'no']), 'KMS.0209');
    expect((await json(['keys', 'enable', keyId])).key_info.key_state).toBe('2');
    expect((await json(['keys', 'alias', keyId, 'flow-key-2'])).key_info.key_alias).toBe('flow-key-2');
    const tags = await json(['keys', 'tag', keyId, 'env=prod', 'team=crypto']);
    expect(tags.tags).toEqual(expect.arrayContaining([{ key: 'env', value: 'prod' }, { key: 'team', value: 'crypto' }]));
    expect((await json(['keys', 'tag', keyId, '--remove', 'team'])).tags).toEqual([{ key: 'env', value: 'prod' }]);
  });

  it('keys: rotation now and automatic, grants, scheduled deletion and its cancellation', async () => {
    expect((await json(['keys', 'rotate', keyId])).key_id).toBe(keyId);
    const auto = await json(['keys', 'rotate', keyId, '--every', '90']);
    expect(auto).toMatchObject({ key_rotation_enabled: true, rotation_interval: 90 });
    expect((await json(['keys', 'rotate', keyId, '--off'])).key_rotation_enabled).toBe(false);
    const grantee = 'a'.repeat(32);
    const grant = await json(['keys', 'grant', keyId, '--to', grantee, '--operations', 'encrypt-data,decrypt-data']);
    const listed = await json(['keys', 'grant', keyId]);
    expect(listed.grants).toEqual([expect.objectContaining({ grant_id: grant.grant_id, grantee_principal: grantee, operations: ['encrypt-data', 'decrypt-data'] })]);
    await json(['keys', 'grant', keyId, '--revoke', grant.grant_id]);
    expect((await json(['keys', 'grant', keyId])).grants).toEqual([]);
    expect((await cli(['keys', 'delete', keyId])).code).toBe(2); // --days is required
    expect((await cli(['keys', 'delete', keyId, '--days', '3'])).code).toBe(2); // 7-1096
    expect(await json(['keys', 'delete', keyId, '--days', '7'])).toMatchObject({ key_id: keyId, key_state: '4' });
    expect(await json(['keys', 'cancel-delete', keyId])).toMatchObject({ key_id: keyId, key_state: '3' });
    await json(['keys', 'enable', keyId]);
  });

  it('small data with --aad (the wrong AAD is refused), stdin for -, data keys, random, call', async () => {
    const enc = await json(['encrypt', keyId, '-', '--aad', 'order-42'], 'pay 10 EUR\n');
    expect((await json(['decrypt', enc.cipher_text, '--aad', 'order-42'])).plain_text).toBe('pay 10 EUR');
    expect((await cli(['decrypt', '-', '--aad', 'order-42'], `${enc.cipher_text}\n`)).out).toBe('pay 10 EUR');
    const wrongAad = await cli(['decrypt', enc.cipher_text, '--aad', 'order-43']);
    expect(wrongAad.code).toBe(1);
    expect(wrongAad.err).toMatch(/^edgekms: KMS\.\d{4}: /);

    const dk = await json(['datakey', keyId, '--bits', '128']);
    expect(dk.plain_text).toMatch(/^[0-9A-F]{32}$/);
    // The wrapped key opens to the same plaintext through decrypt-datakey (a signed `call`).
    const opened = await json(['call', 'POST', '/v1.0/{project_id}/kms/decrypt-datakey', JSON.stringify({ key_id: keyId, cipher_text: dk.cipher_text, datakey_cipher_length: '16' })]);
    expect(opened.data_key).toBe(dk.plain_text);
    const bare = await cli(['datakey', keyId, '--no-plaintext', '--json']);
    expect(JSON.parse(bare.out)).not.toHaveProperty('plain_text');

    const r1 = await json(['random', '--bits', '128']);
    const r2 = await json(['random', '--bits', '128']);
    expect(r1.random_data).toMatch(/^[0-9A-F]{32}$/);
    expect(r1.random_data).not.toBe(r2.random_data);
    expect((await cli(['random', '--bits', '7'])).code).toBe(2);
    expect((await cli(['call', 'POST', 'no-slash'])).code).toBe(2);
  });

  it('sign and verify a file by its digest: node:crypto checks the signature; a changed file exits 4', async () => {
    const signer = (await json(['keys', 'create', 'flow-signer', '--spec', 'EC_P256', '--usage', 'SIGN_VERIFY'])).key_info.key_id;
    const file = join(work, 'document.bin');
    writeFileSync(file, Buffer.alloc(3 * 1024 * 1024 + 7, 'edgekms'));
    const signed = await json(['sign', signer, file]);
    expect(signed.signing_algorithm).toBe('ECDSA_SHA_256');
    expect(signed.digest).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    // Independent check: the public key from the KMS verifies the DER signature over the file with node:crypto.
    const pub = await json(['call', 'POST', '/v1.0/{project_id}/kms/get-publickey', JSON.stringify({ key_id: signer })]);
    expect(verifySignature('sha256', readFileSync(file), createPublicKey(pub.public_key), Buffer.from(signed.signature, 'base64'))).toBe(true);
    expect((await json(['verify', signer, file, signed.signature])).signature_valid).toBe(true);
    writeFileSync(file, 'x', { flag: 'a' });
    const bad = await cli(['verify', signer, file, signed.signature]);
    expect(bad).toMatchObject({ code: 4, out: 'signature NOT valid' });
    expect((await cli(['sign', keyId, file])).code).toBe(2); // an AES key does not sign
  });

  it('secrets: put (key/value rows, then stdin), get by version and stage, versions, list, stage, delete and restore, rotate', async () => {
    const first = await json(['secrets', 'put', 'flow-db', '--field', 'user=app', '--field', 'password=one']);
    expect(first).toMatchObject({ created: true, version_metadata: { id: 'v1', version_stages: expect.arrayContaining(['SYSCURRENT']) } });
    const second = await json(['secrets', 'put', 'flow-db', '-'], '{"user":"app","password":"two"}\n');
    expect(second).toMatchObject({ created: false, version_metadata: { id: 'v2', version_stages: ['SYSCURRENT'] } });
    expect((await cli(['secrets', 'get', 'flow-db'])).out).toBe('{"user":"app","password":"two"}');
    expect(JSON.parse((await json(['secrets', 'get', 'flow-db', '--version', 'v1'])).version.secret_string)).toEqual({ user: 'app', password: 'one' });
    expect((await cli(['secrets', 'get', 'flow-db', '--stage', 'SYSPREVIOUS'])).out).toContain('"one"');
    const versions = await json(['secrets', 'versions', 'flow-db']);
    expect(versions.version_metadatas.map((v: { id: string }) => v.id).sort()).toEqual(['v1', 'v2']);
    expect((await json(['secrets', 'stage', 'flow-db', 'PINNED', 'v1'])).stage).toMatchObject({ name: 'PINNED', version_id: 'v1' });
    expect((await json(['secrets', 'list'])).secrets.map((s: { name: string }) => s.name)).toContain('flow-db');
    expect((await cli(['secrets', 'delete', 'flow-db'])).code).toBe(2); // --days or --now
    expect((await json(['secrets', 'delete', 'flow-db', '--days', '7'])).secret.state).toBe('PENDING_DELETE');
    expectRefused(await cli(['secrets', 'get', 'flow-db']), 'CSMS.');
    expect((await json(['secrets', 'restore', 'flow-db'])).secret.state).toBe('ENABLED');
    const rotated = await json(['secrets', 'rotate', 'flow-db']);
    expect(rotated).toMatchObject({ secret_name: 'flow-db', version_id: 'v3' });
    expectRefused(await cli(['secrets', 'get', 'no-such-secret']), 'CSMS.0106');
  });

  it('secrets sync --once writes the files (mode 0600) and reports them as JSON; delete --now removes the secret', async () => {
    await json(['secrets', 'put', 'flow-api', '--field', 'token=t0k3n']);
    const dir = join(work, 'synced');
    const round = await json(['secrets', 'sync', '--dir', dir, '--secret', 'flow-api:token', '--secret', 'flow-api', '--once']);
    expect(round.written.sort()).toEqual(['flow-api', 'flow-api.token']);
    expect(readFileSync(join(dir, 'flow-api.token'), 'utf8')).toBe('t0k3n');
    expect(spawnSync('stat', ['-c', '%a', join(dir, 'flow-api.token')], { encoding: 'utf8' }).stdout.trim()).toBe('600');
    expect(await json(['secrets', 'delete', 'flow-api', '--now'])).toEqual({ name: 'flow-api', deleted: true });
    const gone = await cli(['secrets', 'sync', '--dir', dir, '--secret', 'flow-api', '--once']);
    expect(gone.code).toBe(1);
    expect(readFileSync(join(dir, 'flow-api.token'), 'utf8')).toBe('t0k3n'); // the last good file stays
  });

  it('audit: the log of these calls verifies intact and lists the refusals', async () => {
    expect(await json(['audit', 'verify'])).toMatchObject({ intact: true });
    const failures = await json(['audit', 'list', '--result', 'failure']);
    expect(failures.records.length).toBeGreaterThan(0);
    expect(failures.records.every((r: { status: number }) => r.status >= 400)).toBe(true);
  });

  it('completion scripts for bash and zsh; bash completes commands, sub-commands and options', async () => {
    const bash = await json(['completion', 'bash']);
    const zsh = await json(['completion', 'zsh']);
    expect(zsh.script).toMatch(/^#compdef edgekms/);
    for (const c of COMMANDS) expect(zsh.script).toContain(c.name.split(' ').at(-1));
    const script = join(work, 'completion.bash');
    writeFileSync(script, bash.script);
    const complete = (words: string[]) =>
      spawnSync('bash', ['-c', `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _edgekms; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' }).stdout.trim().split('\n');
    expect(complete(['edgekms', 'se'])).toEqual(expect.arrayContaining(['serve', 'secrets']));
    expect(complete(['edgekms', 'keys', 'c'])).toEqual(['create', 'cancel-delete']);
    expect(complete(['edgekms', 'keys', 'delete', '--d'])).toEqual(['--days']);
    expect(complete(['edgekms', 'encrypt-file', '--k'])).toEqual(['--key']);
    expect((await cli(['completion', 'fish'])).code).toBe(2);
  });

  it('usage errors exit 2 with one line naming the command\'s help; help exits 0 for every command', async () => {
    const unknown = await cli(['keys', 'frobnicate']);
    expect(unknown).toMatchObject({ code: 2, err: 'edgekms: unknown keys command frobnicate (see edgekms keys --help)' });
    const badFlag = await cli(['keys', 'list', '--colour']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.err).toMatch(/^edgekms: Unknown option '--colour'.*\(see edgekms keys list --help\)$/);
    const helps = await Promise.all(COMMANDS.map((c) => cli([...c.name.split(' '), '--help'])));
    COMMANDS.forEach((c, i) => {
      expect(helps[i].code, c.name).toBe(0);
      expect(helps[i].out, c.name).toMatch(c.rawArgs ? /^Usage: edgekms / : new RegExp(`^Usage: edgekms ${c.name}`));
    });
  }, 60_000);

  it('ran every command of the table with --json (serve, the file commands, admin reset-credential, which needs the server stopped, and the identity commands are covered in their own tests)', () => {
    const identity = ['users', 'access-keys', 'policies', 'roles', 'security-token']; // test/cli/identity.test.ts
    const expected = COMMANDS.map((c) => c.name).filter((n) => !['serve', 'encrypt-file', 'decrypt-file', 'admin reset-credential'].includes(n) && !identity.includes(n.split(' ')[0]));
    expect([...jsonRan].sort()).toEqual(expected.sort());
  });
});
