// WASM crypto core throughput, each figure against its reference in the same run: AES-256-GCM vs
// @noble/ciphers' gcm (pure JS) and WebCrypto (OpenSSL, AES-NI: the ceiling, not a goal); SM4 vs
// sm-crypto's SM4 (pure JS) in the same mode (ECB, the only one sm-crypto has), SM4-GCM on its own; SM3 vs
// sm-crypto.
// Every candidate of a comparison gets the same input size and the same number of samples, interleaved
// round by round (report.ts, interleaved), so a slow spell of the shared machine hits all of them alike;
// figures are medians with their range, ratios the median of the per-round ratios.
// Goals: WASM AES-256-GCM >= 4x noble while constant time; SM4-GCM >= 150 MiB/s and >= 5x JS SM4.
import { gcm } from '@noble/ciphers/aes.js';
// @ts-expect-error sm-crypto ships no types
import smCrypto from 'sm-crypto';
import { aesGcmDecrypt, aesGcmEncrypt, aesGcmEncryptor } from '../../src/crypto/aes-gcm-stream.ts';
import { sm3 } from '../../src/crypto/sm3.ts';
import { sm4EcbEncrypt, sm4GcmEncrypt } from '../../src/crypto/sm4.ts';
import { loadWasmNode } from '../../src/runtime/wasm-node.ts';
import { interleaved, mibPerSecondOnce, range, ratios, type BenchReport, type Samples } from '../report.ts';

const MIB = 1024 * 1024;
/** One size for every candidate: large enough that a call takes milliseconds, small enough for pure JS. */
const SIZE = 4 * MIB;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);

function random(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

export default async function wasmSuite(report: BenchReport): Promise<void> {
  await loadWasmNode();
  const data = random(SIZE);
  const key32 = random(32);
  const key16 = random(16);
  const iv = random(12);
  const once = (fn: () => unknown) => () => mibPerSecondOnce(SIZE, fn);
  const row = (label: string, s: Samples, metric: string, note = '') => {
    report.row(label, s.median, 'MiB/s', `range ${range(s)}${note ? '; ' + note : ''}`);
    report.metric(metric, s.median);
  };
  const ratio = (label: string, s: Samples, metric: string, note: string) => {
    report.row(label, s.median, 'x', `range ${range(s)}; ${note}`);
    report.metric(metric, s.median);
  };
  const sizeNote = `${SIZE / MIB} MiB, ${ROUNDS} samples each`;

  const sealed = aesGcmEncrypt(key32, iv, data);
  const ck = await crypto.subtle.importKey('raw', key32, 'AES-GCM', false, ['encrypt']);
  const aes = await interleaved(
    {
      wasm: once(() => aesGcmEncrypt(key32, iv, data)),
      wasmStream: once(() => {
        const e = aesGcmEncryptor(key32, iv);
        for (let o = 0; o < SIZE; o += 64 * 1024) e.update(data.subarray(o, o + 64 * 1024));
        e.final();
      }),
      wasmDecrypt: once(() => aesGcmDecrypt(key32, iv, sealed)),
      noble: once(() => gcm(key32, iv).encrypt(data)),
      webcrypto: once(() => crypto.subtle.encrypt({ name: 'AES-GCM', iv }, ck, data)),
    },
    ROUNDS,
  );
  row('AES-256-GCM encrypt, WASM (bitsliced, constant time)', aes.wasm, 'wasm_aes256gcm_mibps', `one-shot, ${sizeNote}`);
  row('AES-256-GCM encrypt, WASM, 64 KiB updates', aes.wasmStream, 'wasm_aes256gcm_stream_mibps');
  row('AES-256-GCM decrypt, WASM', aes.wasmDecrypt, 'wasm_aes256gcm_decrypt_mibps');
  row('AES-256-GCM encrypt, @noble/ciphers gcm (JS, tables)', aes.noble, 'noble_aes256gcm_mibps');
  ratio('  WASM / noble (both one-shot encrypt)', ratios(aes.wasm, aes.noble), 'wasm_vs_noble_aes256gcm_ratio', 'goal >= 4');
  row('AES-256-GCM encrypt, WebCrypto (OpenSSL, AES-NI)', aes.webcrypto, 'webcrypto_aes256gcm_mibps', 'hardware ceiling, one-shot only');

  // sm-crypto takes arrays (it copies the input into one) and returns an array; ECB without padding is
  // its plainest path, so this is its best case.
  const keyHex = Array.from(key16, (b) => b.toString(16).padStart(2, '0')).join('');
  const sm4 = await interleaved(
    {
      wasmGcm: once(() => sm4GcmEncrypt(key16, iv, data)),
      wasmEcb: once(() => sm4EcbEncrypt(key16, data, { unauthenticated: true, padding: 'none' })),
      js: once(() => smCrypto.sm4.encrypt(data, keyHex, { padding: 'none', output: 'array' })),
    },
    ROUNDS,
  );
  row('SM4-GCM encrypt, WASM (bitsliced, constant time)', sm4.wasmGcm, 'wasm_sm4gcm_mibps', 'goal >= 150');
  row('SM4-ECB encrypt, WASM', sm4.wasmEcb, 'wasm_sm4ecb_mibps');
  row('SM4-ECB encrypt, sm-crypto 0.3.13 (JS)', sm4.js, 'js_sm4_mibps');
  ratio('  WASM SM4-ECB / JS SM4-ECB', ratios(sm4.wasmEcb, sm4.js), 'wasm_vs_js_sm4ecb_ratio', 'same mode');
  ratio('  WASM SM4-GCM / JS SM4-ECB', ratios(sm4.wasmGcm, sm4.js), 'wasm_sm4gcm_vs_js_sm4ecb_ratio', 'goal >= 5; GCM does more work than ECB');

  const hash = await interleaved({ wasm: once(() => sm3(data)), js: once(() => smCrypto.sm3(data)) }, ROUNDS);
  row('SM3, WASM', hash.wasm, 'wasm_sm3_mibps');
  row('SM3, sm-crypto 0.3.13 (JS)', hash.js, 'js_sm3_mibps');
  ratio('  WASM SM3 / JS SM3', ratios(hash.wasm, hash.js), 'wasm_vs_js_sm3_ratio', 'same input');
}
