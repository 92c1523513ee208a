// encrypt-file / decrypt-file through the ENV1 streaming format against a real server: a 200 MB file makes
// the round trip byte-equal (generated and compared by streaming, never held in memory); a truncated or
// altered message exits 4 and leaves no output file (nor a temporary one), and an existing output file
// stays as it was; pipes through stdin/stdout; a multi-region message opens with either region's key.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cliScript, runCli, runCliBytes } from '../helpers/cli.ts';
import { requireTool } from '../helpers/required-tool.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';

const work = mkdtempDir();
const dataDir = join(work, 'data');
let server: RunningServer;
let keyId: string;
let drKeyId: string;

function mkdtempDir(): string {
  const d = join(tmpdir(), `edgekms-cli-files-${randomBytes(4).toString('hex')}`);
  mkdirSync(d, { recursive: true });
  return d;
}

const env = () => ({ EDGEKMS_DATA_DIR: dataDir, EDGEKMS_ENDPOINT: server.url });
const cli = (args: string[], input?: string | Buffer) => runCli(args, env(), input);

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Writes `bytes` pseudo-random bytes in 1 MiB chunks; returns their SHA-256. */
async function writeRandomFile(path: string, bytes: number): Promise<string> {
  const h = createHash('sha256');
  const out = createWriteStream(path);
  const chunk = randomBytes(1 << 20);
  for (let written = 0, i = 0; written < bytes; i++) {
    // Vary each chunk so no two segments are alike (a reordering would not go unnoticed by the hash).
    chunk.writeUInt32BE(i, 0);
    const part = chunk.subarray(0, Math.min(chunk.length, bytes - written));
    h.update(part);
    if (!out.write(part)) await once(out, 'drain');
    written += part.length;
  }
  out.end();
  await once(out, 'finish');
  return h.digest('hex');
}

beforeAll(async () => {
  server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir });
  keyId = JSON.parse((await cli(['keys', 'create', 'file-key', '--json'])).out).key_info.key_id;
  drKeyId = JSON.parse((await cli(['keys', 'create', 'file-key-dr', '--json'])).out).key_info.key_id;
}, 60_000);
afterAll(async () => {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
});

const leftovers = (dir: string, name: string) => readdirSync(dir).filter((f) => f.includes(name));

describe('edgekms encrypt-file / decrypt-file', () => {
  it('a 200 MB file comes back byte-equal; the message is bound to its context', async () => {
    const plain = join(work, 'big.bin');
    const sealed = join(work, 'big.env1');
    const opened = join(work, 'big.out');
    const size = 200 * 1024 * 1024;
    const digest = await writeRandomFile(plain, size);
    const enc = await cli(['encrypt-file', plain, sealed, '--key', keyId, '--context', 'purpose=backup', '--json']);
    expect(enc.code, enc.err).toBe(0);
    expect(enc.err).toBe(''); // no progress bar through a pipe
    const summary = JSON.parse(enc.out);
    expect(summary).toMatchObject({ in: plain, out: sealed, encryption_context: { purpose: 'backup' } });
    expect(summary.bytes_out).toBe(statSync(sealed).size);
    expect(statSync(sealed).size).toBeGreaterThan(size);
    rmSync(plain);
    const dec = await cli(['decrypt-file', sealed, opened, '--context', 'purpose=backup', '--json']);
    expect(dec.code, dec.err).toBe(0);
    expect(dec.err).toBe('');
    expect(JSON.parse(dec.out)).toMatchObject({ bytes_out: size, message_id: summary.message_id });
    expect(statSync(opened).size).toBe(size);
    expect(await sha256File(opened)).toBe(digest);
    rmSync(opened);
    const wrongContext = await cli(['decrypt-file', sealed, opened, '--context', 'purpose=other']);
    expect(wrongContext.code).toBe(4);
    expect(wrongContext.err).toMatch(/^edgekms: ENV1_CONTEXT_MISMATCH: /);
    expect(existsSync(opened)).toBe(false);
    rmSync(sealed);
  }, 240_000);

  describe('a damaged message exits 4 and leaves no output', () => {
    let sealed: string;
    let original: Buffer;
    beforeAll(async () => {
      const plain = join(work, 'small.bin');
      writeFileSync(plain, randomBytes(300_000)); // five 64 KiB segments
      sealed = join(work, 'small.env1');
      expect((await cli(['encrypt-file', plain, sealed, '--key', keyId])).code).toBe(0);
      original = readFileSync(sealed);
    });

    const damaged: [string, (b: Buffer) => Buffer][] = [
      ['truncated inside the header', (b) => b.subarray(0, 40)],
      ['truncated in the middle of a segment', (b) => b.subarray(0, Math.floor(b.length / 2))],
      ['the last segment cut off', (b) => b.subarray(0, b.length - 100)],
      ['one byte altered in a segment', (b) => Buffer.from(b).fill(b[b.length >> 1] ^ 1, b.length >> 1, (b.length >> 1) + 1)],
      ['one byte altered in the header', (b) => Buffer.from(b).fill(b[20] ^ 0x80, 20, 21)],
      ['a byte appended', (b) => Buffer.concat([b, Buffer.from([0])])],
    ];
    for (const [what, damage] of damaged) {
      it(what, async () => {
        const dir = join(work, `damaged-${randomBytes(3).toString('hex')}`);
        mkdirSync(dir);
        const input = join(dir, 'in.env1');
        writeFileSync(input, damage(original));
        const r = await cli(['decrypt-file', input, join(dir, 'out.bin')]);
        expect(r.code, r.err).toBe(4);
        expect(r.err).toMatch(/^edgekms: ENV1_[A-Z_]+: [^\n]+$/);
        expect(leftovers(dir, 'out.bin')).toEqual([]); // neither the output nor its temporary file
      });
    }

    it('an existing output file is left as it was', async () => {
      const input = join(work, 'cut.env1');
      writeFileSync(input, original.subarray(0, original.length - 1));
      const out = join(work, 'kept.txt');
      writeFileSync(out, 'previous content');
      expect((await cli(['decrypt-file', input, out])).code).toBe(4);
      expect(readFileSync(out, 'utf8')).toBe('previous content');
    });

    it('a missing input exits 5 and writes nothing', async () => {
      const r = await cli(['decrypt-file', join(work, 'absent.env1'), join(work, 'absent.out')]);
      expect(r.code).toBe(5);
      expect(r.err).toMatch(/^edgekms: ENOENT: /);
      expect(existsSync(join(work, 'absent.out'))).toBe(false);
    });
  });

  it('"-" pipes: stdin to stdout both ways', async () => {
    const plain = randomBytes(150_000);
    const sealed = await runCliBytes(['encrypt-file', '-', '-', '--key', keyId], env(), plain);
    expect(sealed.code).toBe(0);
    const opened = await runCliBytes(['decrypt-file', '-', '-'], env(), sealed.stdout);
    expect(opened.code).toBe(0);
    expect(opened.stdout.equals(plain)).toBe(true);
  });

  const hasScript = requireTool('script (util-linux)', spawnSync('script', ['--version']).status === 0, 'runs encrypt-file on a terminal to see its progress bar');
  it.skipIf(!hasScript)('on a terminal a progress bar (bytes, bytes/s, ETA) goes to stderr; with --json none does', async () => {
    const plain = join(work, 'tty.bin');
    writeFileSync(plain, randomBytes(3 * 1024 * 1024));
    const script = await cliScript();
    // script(1) gives the command a pseudo-terminal for stdin, stdout and stderr, and copies what it writes.
    const onTty = (extra: string) =>
      spawnSync('script', ['-qec', `${process.execPath} ${script} encrypt-file ${plain} ${join(work, 'tty.env1')} --key ${keyId} ${extra}`, '/dev/null'], {
        encoding: 'utf8',
        env: { ...process.env, ...env() },
      });
    const shown = onTty('');
    expect(shown.status, shown.stdout).toBe(0);
    expect(shown.stdout).toMatch(/\r\[[#-]{24}\] [\d.]+ (B|KiB|MiB) \/ 3\.0 MiB {2}[\d.]+ (B|KiB|MiB|GiB)\/s {2}ETA \S+/);
    expect(shown.stdout).toContain('tty.env1: ');
    const quiet = onTty('--json');
    expect(quiet.status).toBe(0);
    expect(quiet.stdout).not.toContain('ETA');
    expect(JSON.parse(quiet.stdout.replace(/\r/g, '')).out).toBe(join(work, 'tty.env1'));
  });

  it('several --key make a multi-region message that either region\'s key opens alone', async () => {
    const plain = join(work, 'dr.bin');
    writeFileSync(plain, randomBytes(70_000));
    const sealed = join(work, 'dr.env1');
    const enc = JSON.parse((await cli(['encrypt-file', plain, sealed, '--key', keyId, '--key', `dr-1=${drKeyId}`, '--json'])).out);
    expect(enc.keys).toEqual([expect.stringMatching(new RegExp(`^generated kms:local-1:.*${keyId}$`)), expect.stringMatching(new RegExp(`^encrypted kms:dr-1:.*${drKeyId}$`))]);
    for (const key of [keyId, `dr-1=${drKeyId}`]) {
      const out = join(work, `dr-${key.length}.out`);
      const dec = JSON.parse((await cli(['decrypt-file', sealed, out, '--key', key, '--json'])).out);
      expect(dec.keys).toHaveLength(1);
      expect(readFileSync(out).equals(readFileSync(plain))).toBe(true);
    }
    // Disabling the first region's key: the DR region still opens it.
    await cli(['keys', 'disable', keyId]);
    try {
      const out = join(work, 'dr-after.out');
      const dec = await cli(['decrypt-file', sealed, out, '--key', keyId, '--key', `dr-1=${drKeyId}`, '--json']);
      expect(dec.code, dec.err).toBe(0);
      expect(JSON.parse(dec.out).keys).toEqual([expect.stringContaining(`dr-1`)]);
    } finally {
      await cli(['keys', 'enable', keyId]);
    }
  });
});
