// `edgekms encrypt-file|decrypt-file IN OUT` through the SDK's ENV1 streaming format, with KMS keyrings
// (several --key for a multi-region keyring). Files stream through in bounded memory. An output file is
// written to a temporary file beside it and renamed into place only once the whole message has been
// written (encrypt) or has verified (decrypt), so a failure leaves no partial output. With "-" for OUT the
// output streams to stdout segment by segment, each segment released only after it verified; a failure
// then exits non-zero after part of it was written, so check the exit code.
import { createReadStream, fstatSync, openSync, closeSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { KmsClient } from '../sdk/kms/client.ts';
import { KmsDiscoveryKeyring } from '../sdk/keyrings/kms-discovery.ts';
import { KmsKeyring } from '../sdk/keyrings/kms.ts';
import { MultiRegionKeyring } from '../sdk/keyrings/multi-region.ts';
import type { Keyring } from '../sdk/materials/types.ts';
import { decryptStream } from '../sdk/stream/decrypt-stream.ts';
import { encryptStream } from '../sdk/stream/encrypt-stream.ts';
import type { MessageInfo } from '../sdk/stream/options.ts';
import { nodeCrypto } from '../runtime/node-crypto.ts';
import { loadWasmNode } from '../runtime/wasm-node.ts';
import { writeFileWhenVerified } from '../runtime/sdk-node.ts';
import { arg, list, pairs, str, UsageError, type Command, type Invocation, type OptionSpec } from './command.ts';
import { connect } from './connection.ts';
import { progress } from './progress.ts';

const KEY_HELP = `--key is [REGION=]KEY[@ENDPOINT]: a key id or alias, the region label written into the message (default
--region), and that region's server (default --endpoint; the same credentials sign every region).
Several --key options make a multi-region keyring: on encrypt every region wraps the data key; on decrypt
they are tried in order. decrypt-file without --key opens messages whose keys are in this project and region.`;

interface KeySpecArg {
  region: string;
  keyId: string;
  endpoint?: string;
}

export function parseKeyArg(text: string, defaultRegion: string): KeySpecArg {
  const m = /^(?:([a-z0-9-]{1,64})=)?([^@=\s]+)(?:@(https?:\/\/\S+))?$/.exec(text);
  if (!m) throw new UsageError(`--key ${text}: expected [REGION=]KEY[@ENDPOINT]`);
  return { region: m[1] ?? defaultRegion, keyId: m[2], endpoint: m[3] };
}

function clientFor(inv: Invocation, endpoint: string | undefined): KmsClient {
  if (!endpoint) return inv.kms();
  return new KmsClient(connect({ endpoint, project: str(inv, 'project'), credentials: str(inv, 'credentials') }));
}

function keyringFor(inv: Invocation, decrypting: boolean): Keyring {
  const region = str(inv, 'region') ?? process.env.EDGEKMS_REGION ?? 'local-1';
  const keys = list(inv, 'key').map((k) => parseKeyArg(k, region));
  if (keys.length === 0) {
    if (!decrypting) throw new UsageError('--key is required');
    const kms = inv.kms();
    return new KmsDiscoveryKeyring({ clients: { [region]: kms }, allowedProjects: [kms.projectId] });
  }
  const regions = keys.map((k) => ({ region: k.region, keyId: k.keyId, client: clientFor(inv, k.endpoint) }));
  return regions.length === 1 ? new KmsKeyring(regions[0]) : new MultiRegionKeyring({ regions });
}

function input(path: string): { stream: ReadableStream<Uint8Array>; size?: number } {
  if (path === '-') return { stream: Readable.toWeb(process.stdin) as unknown as ReadableStream<Uint8Array> };
  const fd = openSync(path, 'r');
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return { stream: Readable.toWeb(createReadStream('', { fd })) as unknown as ReadableStream<Uint8Array>, size };
}

async function output(stream: ReadableStream<Uint8Array>, path: string): Promise<number> {
  let bytes = 0;
  const counted = stream.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform: (c, ctl) => ((bytes += c.byteLength), ctl.enqueue(c)) }));
  if (path === '-') await counted.pipeTo(Writable.toWeb(process.stdout) as WritableStream<Uint8Array>);
  else await writeFileWhenVerified(counted, path);
  return bytes;
}

/** The summary: on stdout, unless stdout carries the data (then JSON goes to stderr and text nowhere). */
function report(inv: Invocation, to: string, summary: object, text: string): void {
  if (to !== '-') inv.print(summary, text);
  else if (inv.json) inv.stderr(JSON.stringify(summary));
}

function describe(info: MessageInfo | undefined) {
  return info && { message_id: Buffer.from(info.messageId).toString('hex'), suite: info.suite.name, encryption_context: info.encryptionContext, keys: info.trace.map((t) => `${t.action} ${t.key}`) };
}

const options: Record<string, OptionSpec> = {
  key: { type: 'string', multiple: true, value: 'KEY', description: 'a KMS key, [REGION=]KEY[@ENDPOINT] (repeatable: multi-region)' },
  context: { type: 'string', multiple: true, value: 'K=V', description: 'encryption context pair (repeatable); decrypt-file requires these pairs' },
  region: { type: 'string', value: 'R', description: 'region label for keys without one (env EDGEKMS_REGION, default local-1)' },
};

function files(inv: Invocation) {
  const [from, to] = [arg(inv, 0, '<in|->'), arg(inv, 1, '<out|->')];
  if (to === '-' && process.stdout.isTTY) throw new UsageError('refusing to write binary output to a terminal (pipe it, or give a file)');
  return { from, to };
}

export const fileCommands: Command[] = [
  {
    name: 'encrypt-file',
    args: '<in|-> <out|->',
    summary: 'encrypt a file (any size) into an ENV1 message under one or more KMS keys',
    details: KEY_HELP,
    options: { ...options, suite: { type: 'string', value: 'S', description: 'aes (AES-256-GCM, default) or sm4 (SM4-GCM with SM3)' } },
    async run(inv) {
      const { from, to } = files(inv);
      await loadWasmNode(); // the SM4 suite and SM3 run on the WASM core
      const suite = { aes: 0x0001, sm4: 0x0101 }[str(inv, 'suite') ?? 'aes'] as 0x0001 | 0x0101 | undefined;
      if (!suite) throw new UsageError('--suite must be aes or sm4');
      const keyring = keyringFor(inv, false);
      const src = input(from);
      const bar = progress(src.size, process.stderr, !inv.json);
      let info: MessageInfo | undefined;
      try {
        const message = encryptStream(src.stream.pipeThrough(bar.meter), { keyring, crypto: nodeCrypto, suite, encryptionContext: pairs(list(inv, 'context'), 'context'), plaintextLength: src.size, onMessage: (i) => (info = i) });
        const bytesOut = await output(message, to);
        report(inv, to, { in: from, out: to, bytes_out: bytesOut, ...describe(info) }, `${to}: ${bytesOut} bytes`);
      } finally {
        bar.done();
      }
    },
  },
  {
    name: 'decrypt-file',
    args: '<in|-> <out|->',
    summary: 'decrypt an ENV1 message; OUT appears only once the whole message verified (exit 4 if it does not)',
    details: KEY_HELP,
    options,
    async run(inv) {
      const { from, to } = files(inv);
      await loadWasmNode(); // the SM4 suite and SM3 run on the WASM core
      const keyring = keyringFor(inv, true);
      const src = input(from);
      const bar = progress(src.size, process.stderr, !inv.json);
      let info: MessageInfo | undefined;
      try {
        const plain = decryptStream(src.stream.pipeThrough(bar.meter), { keyring, crypto: nodeCrypto, requiredContext: pairs(list(inv, 'context'), 'context'), onHeader: (i) => void (info = i) });
        const bytesOut = await output(plain, to);
        report(inv, to, { in: from, out: to, bytes_out: bytesOut, ...describe(info) }, `${to}: ${bytesOut} bytes`);
      } finally {
        bar.done();
      }
    },
  },
];
