// One crypto provider, chosen explicitly: the rig runs on the provider `npm start` runs on, nothing swaps
// implementations behind the KMS's back, and both failure paths of the signature check (unknown access
// key, wrong signature of a known one) run on the provider's HMAC.
import { describe, expect, it } from 'vitest';
import * as aesGcm from '../../src/crypto/aes-gcm.ts';
import * as hash from '../../src/crypto/hash.ts';
import { portableCrypto, type CryptoProvider } from '../../src/crypto/provider.ts';
import { signRequest } from '../../src/iam/signer.ts';
import { nodeCrypto } from '../../src/runtime/node-crypto.ts';
import { ADMIN, makeRig } from '../helpers/kms.ts';

/** The node provider with its HMAC keying counted (each keyed state MACs once per request here). */
function counting(base: CryptoProvider) {
  const calls = { keyed: 0, macs: 0 };
  const provider: CryptoProvider = {
    ...base,
    name: 'counting',
    hashes: {
      sha256: base.hashes.sha256,
      keyedHmacSha256(key) {
        calls.keyed++;
        const mac = base.hashes.keyedHmacSha256(key);
        return (data) => {
          calls.macs++;
          return mac(data);
        };
      },
    },
  };
  return { provider, calls };
}

describe('crypto provider', () => {
  it('the test rig runs on the provider npm start uses, and reports it on /healthz', async () => {
    const rig = await makeRig();
    expect(rig.kms.crypto).toBe(nodeCrypto);
    expect(await (await rig.app.fetch(new Request('http://kms.test/healthz'))).json()).toMatchObject({ crypto: 'node' });
  });

  it('no module offers a global implementation switch', () => {
    expect(Object.keys(aesGcm).filter((k) => /^set/.test(k))).toEqual([]);
    expect(Object.keys(hash).filter((k) => /^set/.test(k))).toEqual([]);
  });

  it('known and unknown access keys are both checked with the provider’s HMAC', async () => {
    const { provider, calls } = counting(nodeCrypto);
    const rig = await makeRig({ crypto: provider });
    const send = (accessKey: string, secretKey: string) => {
      const url = new URL(`http://kms.test/v1.0/${ADMIN.project}/kms/list-keys`);
      const headers = signRequest(
        { method: 'POST', path: url.pathname, query: [], headers: { 'content-type': 'application/json' }, body: new TextEncoder().encode('{}') },
        { accessKey, secretKey, time: rig.clock.now() },
      );
      return rig.app.fetch(new Request(url, { method: 'POST', headers, body: '{}' }));
    };
    const before = calls.macs;
    const unknown = await send('NOSUCHACCESSKEY00000', ADMIN.secretKey);
    expect(unknown.status).toBe(401);
    expect(calls.macs).toBe(before + 1);
    const wrong = await send(ADMIN.accessKey, 'not-the-secret-key-000000000000000000000');
    expect(wrong.status).toBe(401);
    expect(calls.macs).toBe(before + 2);
    const right = await send(ADMIN.accessKey, ADMIN.secretKey);
    expect(right.status).toBe(200);
    expect(calls.macs).toBe(before + 3);
    // Both failures answer the same.
    const [a, b] = [await unknown.json(), await wrong.json()];
    expect(a.error_msg).toBe(b.error_msg);
  });

  it('a KMS on the portable provider serves the same requests (as Deno and Workers do)', async () => {
    const rig = await makeRig({ crypto: portableCrypto });
    const key = (await rig.client.request('POST', '/v1.0/{project_id}/kms/create-key', { key_alias: 'portable' })).key_info.key_id;
    const enc = await rig.client.request('POST', '/v1.0/{project_id}/kms/encrypt-data', { key_id: key, plain_text: 'same bytes' });
    expect((await rig.client.request('POST', '/v1.0/{project_id}/kms/decrypt-data', { cipher_text: enc.cipher_text })).plain_text).toBe('same bytes');
    expect(await (await rig.app.fetch(new Request('http://kms.test/healthz'))).json()).toMatchObject({ crypto: 'portable' });
  });
});
