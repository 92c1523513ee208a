// The multi-region keyring's encryption policy with three regions (loopback servers; a region that is down
// is a port nobody listens on): a minimum number of wraps, the next region generating when the first is
// down, and refusal when too few regions are left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MultiRegionKeyring, MultiRegionWrapError, type RegionKey, type WrapReport } from '../../src/sdk/keyrings/multi-region.ts';
import { parseKeyUrn } from '../../src/sdk/keyrings/kms-key-urn.ts';
import { decrypt, encrypt } from '../../src/sdk/stream/one-shot.ts';
import { closedPort } from '../helpers/flaky-server.ts';
import { countingClient } from '../helpers/kms-sdk.ts';
import { listen, makeRig } from '../helpers/kms.ts';
import { random, rejection } from './helpers.ts';

const servers: { close(): Promise<void> }[] = [];
const up: RegionKey[] = [];
let down: RegionKey;

beforeAll(async () => {
  for (const name of ['r-one', 'r-two', 'r-three']) {
    const rig = await makeRig();
    const s = await listen(rig.app);
    servers.push(s);
    const client = countingClient(s.url, { now: () => rig.clock.now() }).kms;
    up.push({ region: name, client, keyId: (await client.createKey({ key_alias: name })).key_info.key_id });
  }
  const dead = countingClient(`http://127.0.0.1:${await closedPort()}`, { retry: { baseDelayMs: 1, maxDelayMs: 2 } }).kms;
  down = { region: 'r-down', client: dead, keyId: up[0].keyId, keySpec: 'AES_256' };
});
afterAll(async () => {
  for (const s of servers) await s.close();
});

describe('multi-region encryption policy', () => {
  it('with the first region down and 2 of 3 required, the next region generates and the report names all three', async () => {
    const reports: WrapReport[] = [];
    const keyring = new MultiRegionKeyring({ regions: [down, up[1], up[2]], allowPartialWrap: 2, onWrapReport: (r) => reports.push(r) });
    const data = random(100);
    const { ciphertext, info } = await encrypt(data, { keyring });
    expect(info.encryptedDataKeys.map((e) => parseKeyUrn(e.providerInfo)!.region)).toEqual(['r-two', 'r-three']);
    expect(info.trace.map((t) => t.action)).toEqual(['generated', 'encrypted']);
    expect(reports[0].wrapped).toEqual(['r-two', 'r-three']);
    expect(reports[0].failed.map((f) => f.region)).toEqual(['r-down']);
    expect((await decrypt(ciphertext, { keyring: new MultiRegionKeyring({ regions: [up[2]] }) })).plaintext).toEqual(data);
  });

  it('refuses when fewer regions than required can wrap, and by default needs all of them', async () => {
    const two = await rejection(encrypt(random(1), { keyring: new MultiRegionKeyring({ regions: [up[0], down, up[2]], allowPartialWrap: 3 }) }));
    expect(two).toBeInstanceOf(MultiRegionWrapError);
    expect(two.report.wrapped).toEqual(['r-one', 'r-three']);
    expect(two.required).toBe(3);
    const strict = await rejection(encrypt(random(1), { keyring: new MultiRegionKeyring({ regions: [down, up[1]] }) }));
    expect(strict).toBeInstanceOf(MultiRegionWrapError);
    expect(strict.report.wrapped).toEqual([]);
    const all = await encrypt(random(1), { keyring: new MultiRegionKeyring({ regions: up }) });
    expect(all.info.encryptedDataKeys).toHaveLength(3);
    expect(() => new MultiRegionKeyring({ regions: up, allowPartialWrap: 4 })).toThrow(/allowPartialWrap/);
    expect(() => new MultiRegionKeyring({ regions: [up[0], up[0]] })).toThrow(/once/);
  });
});
