// `edgekms sign|verify <key> FILE`: a file's digest is computed locally as it streams past (never held in
// memory) and only the digest goes to the KMS (signStream / verifyStream). A signature that does not
// verify exits 4.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { signStream, verifyStream } from '../sdk/integrity.ts';
import type { KmsClient } from '../sdk/kms/client.ts';
import { loadWasmNode } from '../runtime/wasm-node.ts';
import { arg, CliError, EXIT, str, textArg, UsageError, type Command, type Invocation } from './command.ts';

/** The algorithm a key spec signs with by default. */
const DEFAULT_ALGORITHM: Record<string, string> = {
  RSA_2048: 'RSASSA_PSS_SHA_256',
  RSA_3072: 'RSASSA_PSS_SHA_256',
  RSA_4096: 'RSASSA_PSS_SHA_256',
  EC_P256: 'ECDSA_SHA_256',
  SECP256K1: 'ECDSA_SHA_256',
  EC_P384: 'ECDSA_SHA_384',
  SM2: 'SM2DSA_SM3',
  ED25519: 'ED25519_PH_SHA_512',
};

async function target(inv: Invocation) {
  await loadWasmNode(); // SM2 digests (SM3 and Z) run on the WASM core
  const kms: KmsClient = inv.kms();
  const keyId = arg(inv, 0, '<key>');
  let signingAlgorithm = str(inv, 'algorithm');
  if (!signingAlgorithm) {
    const spec = (await kms.describeKey({ key_id: keyId })).key_info.key_spec;
    signingAlgorithm = DEFAULT_ALGORITHM[spec];
    if (!signingAlgorithm) throw new CliError(`key spec ${spec} does not sign; give a SIGN_VERIFY key`, EXIT.usage);
  }
  return { kms, keyId, signingAlgorithm };
}

function fileStream(path: string): ReadableStream<Uint8Array> {
  return Readable.toWeb(path === '-' ? process.stdin : createReadStream(path)) as unknown as ReadableStream<Uint8Array>;
}

const algorithm = { algorithm: { type: 'string', value: 'ALG', description: 'e.g. RSASSA_PSS_SHA_256, ECDSA_SHA_256, SM2DSA_SM3 (default: from the key spec)' } } as const;

export const signCommands: Command[] = [
  {
    name: 'sign',
    args: '<key> <file|->',
    summary: 'sign a file\'s digest with a SIGN_VERIFY key; prints the signature (base64)',
    options: { ...algorithm },
    async run(inv) {
      const t = await target(inv);
      const s = await signStream(fileStream(arg(inv, 1, '<file|->')), t);
      inv.print({ key_id: s.keyId, signing_algorithm: s.signingAlgorithm, digest: Buffer.from(s.digest).toString('hex'), signature: s.signature }, s.signature);
    },
  },
  {
    name: 'verify',
    args: '<key> <file> <signature|->',
    summary: 'check a file against a signature (base64; - reads it from stdin); exit 4 if it does not verify',
    options: { ...algorithm },
    async run(inv) {
      const t = await target(inv);
      const file = arg(inv, 1, '<file>');
      if (file === '-' && inv.positionals[2] === '-') throw new UsageError('the file and the signature cannot both come from stdin');
      const signature = (await textArg(inv, 2, '<signature|->')).trim();
      const valid = await verifyStream(fileStream(file), signature, t);
      inv.print({ key_id: t.keyId, signing_algorithm: t.signingAlgorithm, signature_valid: valid }, valid ? 'signature valid' : 'signature NOT valid');
      return valid ? EXIT.ok : EXIT.unverified;
    },
  },
];
