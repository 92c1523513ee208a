// Multi-region keyring against two real edgekms servers (npm start's entry point, each its own process,
// data directory and region), one of which is stopped in the middle of a run: decryption carries on
// through the other region; encryption fails closed, or with partial wrapping allowed, succeeds and says
// which region wrapped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoDataKeyError } from '../../src/sdk/format/errors.ts';
import { parseKeyUrn } from '../../src/sdk/keyrings/kms-key-urn.ts';
import { KmsDiscoveryKeyring } from '../../src/sdk/keyrings/kms-discovery.ts';
import { MultiRegionKeyring, MultiRegionWrapError, type RegionKey, type WrapReport } from '../../src/sdk/keyrings/multi-region.ts';
import { decrypt, encrypt } from '../../src/sdk/stream/one-shot.ts';
import { startFlakyServer } from '../helpers/flaky-server.ts';
import { countingClient, type CountingClient } from '../helpers/kms-sdk.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';
import { random, rejection } from './helpers.ts';

const AK = 'MULTIREGIONAK0000000';
const SK = 'MultiRegionSecretKey00000000000000000000';
const PROJECT = '5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a';
const dirs: string[] = [];

interface Region {
  name: string;
  server: RunningServer;
  client: CountingClient;
  keyId: string;
}

async function startRegion(name: string): Promise<Region> {
  const dir = mkdtempSync(join(tmpdir(), `edgekms-${name}-`));
  dirs.push(dir);
  const server = await startNodeServer({ EDGEKMS_DATA_DIR: dir, EDGEKMS_ADMIN_AK: AK, EDGEKMS_ADMIN_SK: SK, EDGEKMS_PROJECT_ID: PROJECT, EDGEKMS_REGION: name });
  // Short backoff: a stopped region refuses connections, which the client retries (the request was never sent).
  const client = countingClient(server.url, { accessKey: AK, secretKey: SK, projectId: PROJECT, retry: { baseDelayMs: 5, maxDelayMs: 20 } });
  const keyId = (await client.kms.createKey({ key_alias: `dr-${name}` })).key_info.key_id;
  return { name, server, client, keyId };
}

let east: Region;
let west: Region;

beforeAll(async () => {
  [east, west] = await Promise.all([startRegion('east-1'), startRegion('west-1')]);
}, 60_000);

afterAll(async () => {
  await Promise.all([east?.server.stop(), west?.server.stop()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const regionKey = (r: Region): RegionKey => ({ region: r.name, client: r.client.kms, keyId: r.keyId });
const ctx = { app: 'ledger', shard: '7' };

describe('multi-region keyring across two edgekms servers', () => {
  it('wraps under both regions, survives one region stopping mid-run, and encrypts by policy', async () => {
    const reports: WrapReport[] = [];
    const strict = new MultiRegionKeyring({ regions: [regionKey(east), regionKey(west)], onWrapReport: (r) => reports.push(r) });
    const partial = new MultiRegionKeyring({ regions: [regionKey(east), regionKey(west)], allowPartialWrap: true, onWrapReport: (r) => reports.push(r) });
    // Readers that prefer each region in turn.
    const preferWest = new MultiRegionKeyring({ regions: [regionKey(west), regionKey(east)], callTimeoutMs: 5_000 });
    const preferEast = new MultiRegionKeyring({ regions: [regionKey(east), regionKey(west)], callTimeoutMs: 5_000 });

    const messages: { data: Uint8Array; ciphertext: Uint8Array }[] = [];
    for (let i = 0; i < 12; i++) {
      if (i === 6) expect(await west.server.stop()).not.toBeNull(); // the west region goes down mid-run
      const westUp = i < 6;
      const data = random(1000 + i);

      if (westUp) {
        const { ciphertext, info } = await encrypt(data, { keyring: strict, encryptionContext: ctx });
        expect(info.encryptedDataKeys.map((e) => parseKeyUrn(e.providerInfo)?.region)).toEqual(['east-1', 'west-1']);
        expect(reports.at(-1)).toEqual({ wrapped: ['east-1', 'west-1'], failed: [] });
        messages.push({ data, ciphertext });
      } else {
        // Fail closed: without the west copy the message would not survive the loss of east.
        const e = await rejection(encrypt(data, { keyring: strict, encryptionContext: ctx }));
        expect(e).toBeInstanceOf(MultiRegionWrapError);
        expect(e.report.wrapped).toEqual(['east-1']);
        expect(e.report.failed.map((f: { region: string }) => f.region)).toEqual(['west-1']);
        // Partial wrapping allowed: it succeeds and says west did not wrap.
        const { ciphertext, info } = await encrypt(data, { keyring: partial, encryptionContext: ctx });
        expect(info.encryptedDataKeys.map((e) => parseKeyUrn(e.providerInfo)?.region)).toEqual(['east-1']);
        expect(reports.at(-1)!.wrapped).toEqual(['east-1']);
        expect(reports.at(-1)!.failed.map((f) => f.region)).toEqual(['west-1']);
        messages.push({ data, ciphertext });
      }

      // Every message so far still decrypts, whichever region the reader prefers.
      for (const m of messages) {
        for (const keyring of [preferWest, preferEast]) {
          const out = await decrypt(m.ciphertext, { keyring });
          expect(Buffer.from(out.plaintext).equals(Buffer.from(m.data))).toBe(true);
        }
      }
    }

    // With west down and east preferred, decrypt makes one KMS call, to east only.
    east.client.calls.clear();
    west.client.calls.clear();
    await decrypt(messages[0].ciphertext, { keyring: preferEast });
    expect(east.client.total()).toBe(1);
    expect(west.client.total()).toBe(0);

    // A reader configured for the stopped region alone finds no data key.
    const westOnly = new MultiRegionKeyring({ regions: [regionKey(west)], callTimeoutMs: 2_000 });
    expect(await rejection(decrypt(messages[0].ciphertext, { keyring: westOnly }))).toBeInstanceOf(NoDataKeyError);
  }, 120_000);

  it('a region that hangs costs one per-call timeout, then the next region decrypts', async () => {
    // A stand-in KMS that wraps (answers encrypt-datakey) and then never answers again.
    const fakeKeyId = '11111111-2222-4333-8444-555555555555';
    const hung = await startFlakyServer([{ status: 200, body: { key_id: fakeKeyId, cipher_text: 'AB'.repeat(80), datakey_length: '32' } }, 'hang']);
    try {
      const slow = countingClient(hung.url, { accessKey: AK, secretKey: SK, projectId: PROJECT });
      const regions = [regionKey(east), { region: 'slow-1', client: slow.kms, keyId: fakeKeyId, keySpec: 'AES_256' }];
      const data = random(300);
      const { ciphertext } = await encrypt(data, { keyring: new MultiRegionKeyring({ regions }), encryptionContext: ctx });
      const errors: string[] = [];
      const reader = new MultiRegionKeyring({ regions: [regions[1], regions[0]], callTimeoutMs: 300, onUnwrapError: (_, region) => errors.push(region) });
      const out = await decrypt(ciphertext, { keyring: reader });
      expect(Buffer.from(out.plaintext).equals(Buffer.from(data))).toBe(true);
      expect(errors).toEqual(['slow-1']);
      expect(hung.seen.map((r) => r.path.split('/').pop())).toEqual(['encrypt-datakey', 'decrypt-datakey']);
    } finally {
      await hung.close();
    }
  });

  it('a discovery keyring opens only EDKs of allowed projects and regions, through its own clients', async () => {
    const { ciphertext } = await encrypt(random(64), { keyring: new MultiRegionKeyring({ regions: [regionKey(east)] }), encryptionContext: ctx });
    east.client.calls.clear();
    const other = new KmsDiscoveryKeyring({ clients: { 'east-1': east.client.kms }, allowedProjects: ['00000000000000000000000000000000'] });
    expect(await rejection(decrypt(ciphertext, { keyring: other }))).toBeInstanceOf(NoDataKeyError);
    expect(east.client.total()).toBe(0);
    const ok = new KmsDiscoveryKeyring({ clients: { 'east-1': east.client.kms }, allowedProjects: [PROJECT] });
    expect((await decrypt(ciphertext, { keyring: ok })).plaintext).toHaveLength(64);
    expect(() => new KmsDiscoveryKeyring({ clients: { 'east-1': east.client.kms }, allowedProjects: [] })).toThrow(/allowedProjects/);
    await expect(encrypt(random(1), { keyring: ok })).rejects.toThrow(/only decrypts/);
  });
});
