// Online use of the key, as DEW's console offers it: encrypt and decrypt short text (encrypt-data,
// decrypt-data), or sign and verify a short message (RAW). Results and the API's errors show in place.
import { utf8 } from '../../crypto/bytes.ts';
import { fromBase64, toBase64 } from '../../crypto/encoding.ts';
import type { KeyDetails } from '../../sdk/kms/types.ts';
import { Messages, busy, field, h, select } from './dom.ts';
import type { Clients } from './session.ts';

const ENCRYPTION: Record<string, string> = { RSA_2048: 'RSAES_OAEP_SHA_256', RSA_3072: 'RSAES_OAEP_SHA_256', RSA_4096: 'RSAES_OAEP_SHA_256', SM2: 'SM2_ENCRYPT' };
const SIGNING: Record<string, string[]> = {
  RSA_2048: ['RSASSA_PSS_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_256'],
  RSA_3072: ['RSASSA_PSS_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_256'],
  RSA_4096: ['RSASSA_PSS_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_256'],
  EC_P256: ['ECDSA_SHA_256'],
  EC_P384: ['ECDSA_SHA_384'],
  SECP256K1: ['ECDSA_SHA_256'],
  SM2: ['SM2DSA_SM3'],
  ED25519: ['ED25519_SHA_512'],
};

export function cryptoSection(c: Clients, k: KeyDetails): HTMLElement {
  if (k.key_usage === 'ENCRYPT_DECRYPT') return encryptDecrypt(c, k);
  if (k.key_usage === 'SIGN_VERIFY') return signVerify(c, k);
  return h('div');
}

function encryptDecrypt(c: Clients, k: KeyDetails): HTMLElement {
  const messages = new Messages();
  const algorithm = ENCRYPTION[k.key_spec];
  const plain = h('textarea', { name: 'plain_text', rows: 3, maxlength: 4096 });
  const aad = h('input', { name: 'aad', maxlength: 128, autocomplete: 'off' });
  const cipher = h('textarea', { name: 'cipher_text', rows: 4, spellcheck: 'false' });
  const decrypted = h('output', { class: 'result' });
  const encrypt = h('button', { type: 'button' }, 'Encrypt');
  const decrypt = h('button', { type: 'button' }, 'Decrypt');
  decrypted.setAttribute('aria-live', 'polite');
  encrypt.addEventListener('click', () =>
    busy(encrypt, messages, async () => {
      cipher.value = ''; // a refused call must not leave an older ciphertext looking like its answer
      const r = await c.kms.encryptData({ key_id: k.key_id, plain_text: plain.value, encryption_algorithm: algorithm, additional_authenticated_data: aad.value || undefined });
      cipher.value = r.cipher_text;
      messages.ok('Encrypted: the ciphertext is below.');
    }),
  );
  decrypt.addEventListener('click', () =>
    busy(decrypt, messages, async () => {
      const r = await c.kms.decryptData({ cipher_text: cipher.value.trim(), encryption_algorithm: algorithm, key_id: algorithm ? k.key_id : undefined, additional_authenticated_data: aad.value || undefined });
      decrypted.textContent = r.plain_text;
      messages.ok('Decrypted.');
    }),
  );
  decrypted.id = 'decrypted';
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'crypto-title' },
    h('h2', { id: 'crypto-title' }, 'Encrypt and decrypt'),
    messages.status,
    messages.alert,
    field('Plaintext (up to 4096 bytes)', plain),
    field('Additional authenticated data (optional)', aad, 'Needed again to decrypt.'),
    encrypt,
    field('Ciphertext (Base64)', cipher),
    decrypt,
    h('div', { class: 'field' }, h('label', { for: 'decrypted' }, 'Decrypted text'), decrypted),
  );
}

function signVerify(c: Clients, k: KeyDetails): HTMLElement {
  const messages = new Messages();
  const algorithms = SIGNING[k.key_spec] ?? [];
  const algorithm = select('signing_algorithm', algorithms.map((a) => [a, a]), algorithms[0]);
  const message = h('textarea', { name: 'message', rows: 3, maxlength: 4096 });
  const signature = h('textarea', { name: 'signature', rows: 4, spellcheck: 'false' });
  const sign = h('button', { type: 'button' }, 'Sign');
  const verify = h('button', { type: 'button' }, 'Verify');
  const body = () => ({ key_id: k.key_id, message: toBase64(utf8(message.value)), message_type: 'RAW', signing_algorithm: algorithm.value });
  sign.addEventListener('click', () =>
    busy(sign, messages, async () => {
      signature.value = (await c.kms.sign(body())).signature;
      messages.ok('Signed: the signature is below.');
    }),
  );
  verify.addEventListener('click', () =>
    busy(verify, messages, async () => {
      fromBase64(signature.value.trim()); // a malformed signature is reported here, not as a false "invalid"
      const r = await c.kms.verify({ ...body(), signature: signature.value.trim() });
      messages.ok(r.signature_valid === 'true' ? 'The signature is valid.' : 'The signature is NOT valid.');
    }),
  );
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'sign-title' },
    h('h2', { id: 'sign-title' }, 'Sign and verify'),
    messages.status,
    messages.alert,
    field('Signing algorithm', algorithm),
    field('Message', message),
    sign,
    field('Signature (Base64)', signature),
    verify,
  );
}
