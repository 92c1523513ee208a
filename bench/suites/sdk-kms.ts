// KMS calls the encryption SDK makes, against the production server in its own process (loopback HTTP,
// every request counted): 1000 messages of 1 KiB encrypted and then decrypted with a KMS keyring, plainly
// (one create-datakey and one decrypt-datakey per message), through the caching materials manager (max age
// 5 minutes, at most 1000 messages per data key), and with bucket keys (one key per bucket and day).
// Goal: caching cuts KMS calls at least 100-fold.
import { CachingMaterialsManager } from '../../src/sdk/caching/caching-manager.ts';
import { BucketKeyKeyring } from '../../src/sdk/keyrings/bucket-key.ts';
import { KmsKeyring } from '../../src/sdk/keyrings/kms.ts';
import { KmsClient } from '../../src/sdk/kms/client.ts';
import type { MaterialsManager } from '../../src/sdk/materials/types.ts';
import { decrypt, encrypt } from '../../src/sdk/stream/one-shot.ts';
import { startBenchServer } from '../lib/bench-server.ts';
import type { BenchReport } from '../report.ts';

const AK = 'BENCHSDKAK0000000000';
const SK = 'BenchSdkSecretKey0000000000000000000000';
const PROJECT = '0123456789abcdef0123456789abcdef';
const MESSAGES = 1000;

export default async function sdkKms(report: BenchReport): Promise<void> {
  const server = await startBenchServer(AK, SK);
  try {
    let calls = 0;
    const kms = new KmsClient({
      endpoint: server.url,
      accessKey: AK,
      secretKey: SK,
      projectId: PROJECT,
      fetch: (r) => {
        calls++;
        return fetch(r);
      },
    });
    const keyId = (await kms.createKey({ key_alias: 'bench-sdk' })).key_info.key_id;
    const keyring = new KmsKeyring({ client: kms, keyId, region: 'local-1' });
    const data = crypto.getRandomValues(new Uint8Array(1024));

    /** KMS calls and wall time for MESSAGES messages encrypted, then decrypted (each checked). */
    async function run(source: { keyring: KmsKeyring | BucketKeyKeyring } | { materialsManager: MaterialsManager }, context: (i: number) => Record<string, string>) {
      calls = 0;
      const t = performance.now();
      const messages: Uint8Array[] = [];
      for (let i = 0; i < MESSAGES; i++) messages.push((await encrypt(data, { ...source, encryptionContext: context(i) })).ciphertext);
      for (const m of messages) {
        const { plaintext } = await decrypt(m, source);
        if (plaintext.length !== data.length || plaintext[7] !== data[7]) throw new Error('round trip failed');
      }
      return { calls, perSecond: (2 * MESSAGES * 1000) / (performance.now() - t) };
    }

    const table = () => ({ table: 'orders' });
    const uncached = await run({ keyring }, table);
    const cached = await run({ materialsManager: new CachingMaterialsManager({ keyring, maxAgeMs: 5 * 60_000, maxMessages: 1000 }) }, table);
    const bucket = await run({ keyring: new BucketKeyKeyring({ keyring, bucket: 'photos' }) }, (i) => ({ object: `img/${i}.jpg` }));

    report.row('KMS calls, 1000 messages, KMS keyring', uncached.calls, 'calls', `${uncached.perSecond.toFixed(0)} encrypt+decrypt/s`);
    report.row('KMS calls, 1000 messages, caching manager', cached.calls, 'calls', `${(uncached.calls / cached.calls).toFixed(0)}x fewer; ${cached.perSecond.toFixed(0)}/s`);
    report.row('KMS calls, 1000 objects, bucket key (1 bucket, 1 day)', bucket.calls, 'calls', `${(uncached.calls / bucket.calls).toFixed(0)}x fewer; ${bucket.perSecond.toFixed(0)}/s`);
    report.metric('kms_calls_per_1000_messages_uncached', uncached.calls);
    report.metric('kms_calls_per_1000_messages_cached', cached.calls);
    report.metric('kms_calls_per_1000_objects_bucket_key', bucket.calls);
    report.metric('kms_calls_cache_reduction_factor', uncached.calls / cached.calls);
  } finally {
    server.stop();
  }
}
