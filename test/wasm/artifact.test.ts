// The committed WASM artifact is the one its manifest describes, and (where Debian's Rust toolchain is
// installed) rebuilding the crate from source reproduces it byte for byte.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ABI_VERSION, instantiateCore } from '../../wasm/pkg/edgekms_core.ts';
import { requireTool } from '../helpers/required-tool.ts';

const root = new URL('../../', import.meta.url).pathname;
const pkg = join(root, 'wasm', 'pkg');
const manifest = JSON.parse(readFileSync(join(pkg, 'manifest.json'), 'utf8')) as {
  file: string;
  sha256: string;
  bytes: number;
  abi_version: number;
  rustc: string;
};
const artifact = readFileSync(join(pkg, manifest.file));

const RUSTC = '/usr/bin/rustc';
const toolchain = existsSync(RUSTC) && existsSync('/usr/bin/cargo') && existsSync('/usr/lib/rustlib/src/rust/library/core');
const rustcVersion = toolchain ? execFileSync(RUSTC, ['-V'], { encoding: 'utf8' }).trim() : '';
const skipReason = !toolchain
  ? 'skipped: Debian Rust toolchain (rustc-web cargo-web rust-web-src rust-web-llvm lld-22) not installed'
  : rustcVersion !== manifest.rustc
    ? `skipped: artifact built with "${manifest.rustc}", this machine has "${rustcVersion}"`
    : '';
describe('committed WASM artifact', () => {
  requireTool('Debian Rust toolchain', skipReason === '', `the WASM rebuild check ${skipReason}`);

  it('matches the SHA-256, size and ABI version in wasm/pkg/manifest.json', async () => {
    expect(createHash('sha256').update(artifact).digest('hex')).toBe(manifest.sha256);
    expect(artifact.length).toBe(manifest.bytes);
    expect(manifest.abi_version).toBe(ABI_VERSION);
    expect((await instantiateCore(artifact)).abi_version()).toBe(ABI_VERSION);
  });

  it.skipIf(skipReason !== '')(`rebuilds byte for byte from wasm/ (npm run build:wasm) ${skipReason}`, () => {
    const tmp = mkdtempSync(join(tmpdir(), 'edgekms-wasm-'));
    try {
      execFileSync('bash', [join(root, 'wasm', 'build.sh'), join(tmp, 'out')], {
        env: { ...process.env, CARGO_TARGET_DIR: join(tmp, 'target') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const rebuilt = readFileSync(join(tmp, 'out', manifest.file));
      expect(createHash('sha256').update(rebuilt).digest('hex')).toBe(manifest.sha256);
      expect(Buffer.compare(rebuilt, artifact)).toBe(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 600_000);
});
