// A consumer's browser code, bundled by esbuild from the installed package and run in Chromium: ENV1
// round trips with a raw AES keyring (WebCrypto), and the SM suite after loadWasm() fetched the core that
// the page serves next to the bundle. Reports on window.result.
import { RawAesKeyring, SM4_GCM_HKDF_SM3, decrypt, encrypt, loadWasm } from 'edgekms';

async function run(): Promise<unknown> {
  await loadWasm(new URL('./edgekms_core.wasm', location.href));
  const keyring = new RawAesKeyring({ keyNamespace: 'consumer', keyName: 'page', wrappingKey: crypto.getRandomValues(new Uint8Array(32)) });
  const data = new Uint8Array(300_000).map((_, i) => (i * 131) & 0xff);
  const out = [];
  for (const suite of [undefined, SM4_GCM_HKDF_SM3]) {
    const { ciphertext } = await encrypt(data, { keyring, suite, encryptionContext: { page: 'yes' } });
    const { plaintext } = await decrypt(ciphertext, { keyring });
    out.push(plaintext.length === data.length && plaintext.every((b, i) => b === data[i]));
  }
  return { ok: out.every(Boolean), out };
}

(globalThis as { result?: Promise<unknown> }).result = run().catch((e) => ({ ok: false, error: String(e) }));
