// A consumer's script, run by Node and by Deno from a fresh project that installed the packed tarball: the
// embedded service ('edgekms/server') answers a KmsClient in-process, and ENV1 messages round-trip through
// a KMS keyring with both suites (the SM one needs the WASM core, found beside the package's bundle). Where
// the package resolves to its Node bundle (node:crypto by default), node:crypto's AES-GCM and WebCrypto's
// open each other's messages.
import { KmsClient, KmsKeyring, SM4_GCM_HKDF_SM3, DEFAULT_SUITE, decrypt, encrypt, loadWasm } from 'edgekms';
import * as sdk from 'edgekms';
import { MemoryStore, RootKey, adminCredential, createService, portableCrypto, readEnv } from 'edgekms/server';

await loadWasm();
const AK = 'CONSUMERAK0001';
const SK = 'ConsumerSecretKey000000000';
const rootKey = await RootKey.fromBytes(crypto.getRandomValues(new Uint8Array(32)), portableCrypto);
const service = await createService({
  store: new MemoryStore(),
  rootKey,
  crypto: portableCrypto,
  config: readEnv({ EDGEKMS_LOG: 'silent' }),
  credentials: [adminCredential(AK, SK)],
  logError: (line) => console.error(line),
});
const kms = new KmsClient({ endpoint: 'http://edgekms.local', accessKey: AK, secretKey: SK, projectId: 'consumerproject', fetch: (r) => service.app.fetch(r) });
const keyId = (await kms.createKey({ key_alias: 'consumer' })).key_info.key_id;
const keyring = new KmsKeyring({ client: kms, keyId, region: 'local-1' });
const plaintext = new TextEncoder().encode('hello from a consumer of the edgekms package '.repeat(2000));
const results = [];
for (const suite of [DEFAULT_SUITE, SM4_GCM_HKDF_SM3]) {
  const { ciphertext } = await encrypt(plaintext, { keyring, suite, encryptionContext: { app: 'consumer' } });
  const { plaintext: back, info } = await decrypt(ciphertext, { keyring });
  const same = back.length === plaintext.length && back.every((b, i) => b === plaintext[i]);
  if (!same) throw new Error(`suite ${suite.id}: decrypted bytes differ`);
  let tampered = false;
  ciphertext[ciphertext.length - 20] ^= 1;
  await decrypt(ciphertext, { keyring }).catch(() => (tampered = true));
  if (!tampered) throw new Error(`suite ${suite.id}: a flipped bit was not refused`);
  results.push({ suite: suite.id, bytes: ciphertext.length, context: info.encryptionContext.app });
}
let nodeCrypto = false;
if (sdk.nodeCrypto) {
  // node:crypto is this bundle's default; WebCrypto (portableCrypto) is chosen by passing it.
  const { ciphertext } = await encrypt(plaintext, { keyring, crypto: sdk.portableCrypto });
  const { plaintext: back } = await decrypt(ciphertext, { keyring });
  const again = await decrypt((await encrypt(plaintext, { keyring })).ciphertext, { keyring, crypto: sdk.portableCrypto });
  nodeCrypto = back.length === plaintext.length && back.every((b, i) => b === plaintext[i]) && again.plaintext.every((b, i) => b === plaintext[i]);
  if (!nodeCrypto) throw new Error('node:crypto and WebCrypto do not open each other\'s messages');
  if (typeof sdk.encryptNodeStream !== 'function' || typeof sdk.decryptFile !== 'function') throw new Error('the Node helpers are missing');
}
console.log(JSON.stringify({ ok: true, runtime: 'Deno' in globalThis ? 'deno' : 'node', nodeCrypto, results }));
