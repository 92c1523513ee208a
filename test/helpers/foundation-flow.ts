// The foundation flow every runtime must serve the same way, driven by Huawei's SDK core (or any client
// with the same shape): create, encrypt, decrypt, data keys, disable, rotate; then, after a restart,
// everything is still there. Used by the Workers (wrangler dev, Miniflare) and Deno acceptance tests.
import { expect } from 'vitest';
import type { HuaweiClient } from './huawei-sdk.ts';

export interface FoundationState {
  keyId: string;
  disabledId: string;
  cipherV1: string;
  cipherV2: string;
  datakey: { plain: string; cipher: string };
}

const kms = (action: string) => `/v1.0/{project_id}/kms/${action}`;

export async function runFoundationFlow(hc: HuaweiClient, alias = 'flow'): Promise<FoundationState> {
  const keyId = (await hc.call('POST', kms('create-key'), { key_alias: alias, key_spec: 'AES_256' })).key_info.key_id as string;
  const enc = await hc.call('POST', kms('encrypt-data'), { key_id: keyId, plain_text: 'hello edge', additional_authenticated_data: 'ctx' });
  const dec = await hc.call('POST', kms('decrypt-data'), { cipher_text: enc.cipher_text, additional_authenticated_data: 'ctx' });
  expect(dec.plain_text).toBe('hello edge');
  const wrongAad = await hc.fail('POST', kms('decrypt-data'), { cipher_text: enc.cipher_text, additional_authenticated_data: 'other' });
  expect(wrongAad.httpStatusCode).toBe(400);

  const dk = await hc.call('POST', kms('create-datakey'), { key_id: keyId, datakey_length: '256' });
  expect(dk.plain_text).toMatch(/^[0-9A-F]{64}$/);
  expect((await hc.call('POST', kms('decrypt-datakey'), { key_id: keyId, cipher_text: dk.cipher_text, datakey_cipher_length: '32' })).data_key).toBe(dk.plain_text);
  const wrapped = await hc.call('POST', kms('create-datakey-without-plaintext'), { key_id: keyId, datakey_length: '256' });
  expect((await hc.call('POST', kms('decrypt-datakey'), { key_id: keyId, cipher_text: wrapped.cipher_text, datakey_cipher_length: '32' })).data_key).toMatch(/^[0-9A-F]{64}$/);

  const disabledId = (await hc.call('POST', kms('create-key'), { key_alias: `${alias}-disabled` })).key_info.key_id as string;
  await hc.call('POST', kms('disable-key'), { key_id: disabledId });
  const refused = await hc.fail('POST', kms('encrypt-data'), { key_id: disabledId, plain_text: 'x' });
  expect([refused.httpStatusCode, refused.errorCode]).toEqual([400, 'KMS.0209']);

  await hc.call('POST', kms('rotate-on-demand'), { key_id: keyId });
  const enc2 = await hc.call('POST', kms('encrypt-data'), { key_id: keyId, plain_text: 'after rotation' });
  expect(enc2.cipher_text).not.toBe(enc.cipher_text);
  expect((await hc.call('POST', kms('decrypt-data'), { cipher_text: enc.cipher_text, additional_authenticated_data: 'ctx' })).plain_text).toBe('hello edge');
  return { keyId, disabledId, cipherV1: enc.cipher_text, cipherV2: enc2.cipher_text, datakey: { plain: dk.plain_text, cipher: dk.cipher_text } };
}

/** After a restart: every key, state, version and data key is still there. */
export async function checkFoundationKept(hc: HuaweiClient, s: FoundationState): Promise<void> {
  expect((await hc.call('POST', kms('decrypt-data'), { cipher_text: s.cipherV1, additional_authenticated_data: 'ctx' })).plain_text).toBe('hello edge');
  expect((await hc.call('POST', kms('decrypt-data'), { cipher_text: s.cipherV2 })).plain_text).toBe('after rotation');
  expect((await hc.call('POST', kms('decrypt-datakey'), { key_id: s.keyId, cipher_text: s.datakey.cipher, datakey_cipher_length: '32' })).data_key).toBe(s.datakey.plain);
  expect((await hc.call('POST', kms('describe-key'), { key_id: s.disabledId })).key_info.key_state).toBe('3');
  expect((await hc.call('POST', kms('get-key-rotation-status'), { key_id: s.keyId })).number_of_rotations).toBe(1);
}
