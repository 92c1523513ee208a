// Hostile input for the issue-3 operations: random bodies built from their own field names (and nested
// shapes: tags, filters, operations lists), sent by the administrator and by a non-administrator to every
// route, including the tag routes with odd path segments. Never a 5xx.
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.ts';
import { signRequest } from '../../src/iam/signer.ts';
import { KMS_ROUTES } from '../../src/kms/routes.ts';
import { ADMIN, USERS, makeRig } from '../helpers/kms.ts';

describe('issue-3 operations never answer 5xx to hostile input', () => {
  it('fuzzes every route with the new fields, as admin and as a user', async () => {
    const rig = await makeRig();
    const kms = (action: string, body: unknown) => rig.client.request('POST', `/v1.0/{project_id}/kms/${action}`, body);
    const aes = (await kms('create-key', { key_alias: 'fz-aes' })).key_info.key_id;
    const ec = (await kms('create-key', { key_alias: 'fz-ec', key_spec: 'EC_P256' })).key_info.key_id;
    const mac = (await kms('create-key', { key_alias: 'fz-mac', key_spec: 'HMAC_256' })).key_info.key_id;
    const ext = (await kms('create-key', { key_alias: 'fz-ext', origin: 'external' })).key_info.key_id;
    const imp = await kms('get-parameters-for-import', { key_id: ext, wrapping_algorithm: 'RSAES_OAEP_SHA_256' });
    await kms('create-grant', { key_id: ec, grantee_principal: USERS.alice.principal, operations: ['sign', 'verify', 'create-grant', 'retire-grant'] });

    const values: unknown[] = [
      null, true, false, 0, -1, 1.5, 2 ** 53, '', ' ', 'x'.repeat(7000), '\u0000', '\ud800', 'AAAA', 'QQ==', '====', 'A'.repeat(344), imp.import_token,
      aes, ec, mac, ext, 'alias/none', 'obs/default', '00000000-0000-0000-0000-000000000000', 'f'.repeat(64), 'ECDSA_SHA_256', 'RSASSA_PSS_SHA_256',
      'HMAC_SHA_256', 'RSAES_OAEP_SHA_256', 'RAW', 'DIGEST', 'create', 'delete', 'filter', 'count', 'resource_name', 'user', 'domain', 'RSA_2048',
      'ECC_NIST_P256', [], [null], ['sign'], ['create-grant'], [{ key: 'k', value: 'v' }], [{ key: 'k', values: ['a', 1] }], [{ key: 5 }],
      { key: 'k', value: 'v' }, { key: '' }, {}, [[]], 1e308, '-0', '1e3', '99999999999',
    ];
    const fields = [
      'key_id', 'message', 'signing_algorithm', 'message_type', 'signature', 'mac_algorithm', 'mac', 'plain_text', 'cipher_text', 'encryption_algorithm',
      'additional_authenticated_data', 'key_spec', 'with_plain_text', 'grantee_principal', 'operations', 'name', 'retiring_principal',
      'grantee_principal_type', 'grant_id', 'limit', 'marker', 'offset', 'action', 'tags', 'tag', 'matches', 'wrapping_algorithm', 'import_token',
      'encrypted_key_material', 'encrypted_privatekey', 'expiration_time', 'key_alias', 'origin', 'key_usage',
    ];
    const segments = [aes, ec, 'tags', '%E2%9C%93', 'x'.repeat(80), '00000000-0000-0000-0000-000000000000', 'a=b'];
    let seed = 4242;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const users = [ADMIN, { accessKey: USERS.alice.accessKey, secretKey: USERS.alice.secretKey }];
    let count = 0;
    for (const route of KMS_ROUTES) {
      for (let i = 0; i < 30; i++) {
        const who = users[i % 2];
        const body: Record<string, unknown> = {};
        for (const f of fields) if (rand(3) === 0) body[f] = values[rand(values.length)];
        const path = `/v1.0/${ADMIN.project}${route.path.replace(':key_id', segments[rand(segments.length)]).replace(':key', segments[rand(segments.length)])}`;
        const url = new URL(path, 'http://kms.test');
        const bytes = route.method === 'GET' ? undefined : utf8(JSON.stringify(body));
        const headers = signRequest(
          { method: route.method, path: url.pathname, query: [], headers: { 'content-type': 'application/json' }, body: bytes },
          { accessKey: who.accessKey, secretKey: who.secretKey, time: rig.clock.now() },
        );
        const r = await rig.app.fetch(new Request(url, { method: route.method, headers, body: bytes as BodyInit | undefined }));
        expect(r.status, `${route.method} ${path} ${JSON.stringify(body).slice(0, 300)}`).toBeLessThan(500);
        count++;
      }
    }
    expect(count).toBe(KMS_ROUTES.length * 30);
  });
});
