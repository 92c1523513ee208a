// Small data and randomness through KmsClient: encrypt/decrypt (up to 4096 bytes, with --aad), data keys,
// random bytes; and `call`, any signed request by method and path.
import { arg, int, readStdin, str, textArg, UsageError, type Command } from './command.ts';

const aad = { aad: { type: 'string', value: 'TEXT', description: 'additional authenticated data (at most 128 bytes); decrypt needs the same' } } as const;

export const dataCommands: Command[] = [
  {
    name: 'encrypt',
    args: '<key> <text|->',
    summary: 'encrypt small data (1-4096 bytes; - reads stdin); prints the ciphertext',
    options: { ...aad },
    async run(inv) {
      const key_id = arg(inv, 0, '<key>');
      const a = await inv.kms().encryptData({ key_id, plain_text: await textArg(inv, 1, '<text|->'), additional_authenticated_data: str(inv, 'aad') });
      inv.print(a, a.cipher_text);
    },
  },
  {
    name: 'decrypt',
    args: '<ciphertext|->',
    summary: 'decrypt what encrypt printed; prints the plaintext',
    options: { ...aad },
    async run(inv) {
      const a = await inv.kms().decryptData({ cipher_text: (await textArg(inv, 0, '<ciphertext|->')).trim(), additional_authenticated_data: str(inv, 'aad') });
      inv.print(a, a.plain_text);
    },
  },
  {
    name: 'datakey',
    args: '<key>',
    summary: 'create a data key: its plaintext and its ciphertext under <key>, hex',
    options: {
      bits: { type: 'string', value: 'N', description: 'key length in bits (default 256)' },
      'no-plaintext': { type: 'boolean', description: 'only the wrapped key (create-datakey-without-plaintext)' },
      ...aad,
    },
    async run(inv) {
      const bits = int(inv, 'bits', 8, 8192);
      const body = { key_id: arg(inv, 0, '<key>'), datakey_length: String(bits ?? 256), additional_authenticated_data: str(inv, 'aad') };
      if (inv.values['no-plaintext']) {
        const a = await inv.kms().createDatakeyWithoutPlaintext(body);
        return inv.print(a, a.cipher_text);
      }
      const a = await inv.kms().createDatakey(body);
      inv.print(a, `plain_text  ${a.plain_text}\ncipher_text ${a.cipher_text}`);
    },
  },
  {
    name: 'random',
    summary: 'random bytes from the server, hex',
    options: { bits: { type: 'string', value: 'N', description: 'how many bits (default 256, up to 8192)' } },
    async run(inv) {
      const a = await inv.kms().genRandom({ random_data_length: String(int(inv, 'bits', 8, 8192) ?? 256) });
      inv.print(a, a.random_data);
    },
  },
  {
    name: 'call',
    args: '<METHOD> <path> [json|-]',
    summary: 'any signed API call; {project_id} in the path is filled in; prints the JSON answer',
    details: `Example: edgekms call POST '/v1.0/{project_id}/kms/list-keys' '{"key_spec":"ALL"}'`,
    async run(inv) {
      const method = arg(inv, 0, '<METHOD>').toUpperCase();
      if (!/^(GET|POST|PUT|PATCH|DELETE|HEAD)$/.test(method)) throw new UsageError(`unknown HTTP method ${method}`);
      const path = arg(inv, 1, '<path>');
      if (!path.startsWith('/')) throw new UsageError('the path must start with /');
      let body: unknown;
      const raw = inv.positionals[2];
      if (raw !== undefined) {
        const text = raw === '-' ? (await readStdin()).toString('utf8') : raw;
        try {
          body = JSON.parse(text);
        } catch {
          throw new UsageError('the request body is not valid JSON');
        }
      }
      const a = await inv.http().request(method, path, body);
      inv.print(a ?? {}, () => JSON.stringify(a ?? {}, null, 2));
    },
  },
];
