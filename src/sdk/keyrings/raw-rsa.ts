// Raw RSA keyring: the data key is encrypted with RSAES-OAEP, SHA-256 and MGF1 with SHA-256 (WebCrypto's
// RSA-OAEP uses the same hash for MGF1), no label; EDK ciphertext = the RSA ciphertext (modulus length).
// A keyring with only the public key can encrypt (e.g. for an offline recipient) but never decrypt.
// RSA does not take the encryption context; the message's commitment and header MAC bind it instead.
import { InvalidArgumentError } from '../format/errors.ts';
import { RawKeyring, type RawKeyName } from './raw-keyring.ts';

export interface RawRsaKeyringOptions extends RawKeyName {
  /** An RSA-OAEP / SHA-256 public key with usage "encrypt" (needed to encrypt). */
  readonly publicKey?: CryptoKey;
  /** An RSA-OAEP / SHA-256 private key with usage "decrypt" (needed to decrypt). */
  readonly privateKey?: CryptoKey;
}

function checkKey(k: CryptoKey | undefined, type: KeyType, usage: KeyUsage): CryptoKey | undefined {
  if (k === undefined) return undefined;
  const alg = k.algorithm as RsaHashedKeyAlgorithm;
  if (k.type !== type || alg.name !== 'RSA-OAEP' || alg.hash?.name !== 'SHA-256' || !k.usages.includes(usage)) {
    throw new InvalidArgumentError(`${type}Key must be an RSA-OAEP SHA-256 ${type} key with usage "${usage}"`);
  }
  if (alg.modulusLength < 2048) throw new InvalidArgumentError('RSA keys shorter than 2048 bits are refused');
  return k;
}

export class RawRsaKeyring extends RawKeyring {
  private readonly publicKey?: CryptoKey;
  private readonly privateKey?: CryptoKey;
  protected readonly canWrap: boolean;
  protected readonly canUnwrap: boolean;

  constructor(options: RawRsaKeyringOptions) {
    super(options);
    this.publicKey = checkKey(options.publicKey, 'public', 'encrypt');
    this.privateKey = checkKey(options.privateKey, 'private', 'decrypt');
    if (!this.publicKey && !this.privateKey) throw new InvalidArgumentError('a public key, a private key or both are required');
    this.canWrap = !!this.publicKey;
    this.canUnwrap = !!this.privateKey;
  }

  protected async wrap(dataKey: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, this.publicKey!, dataKey as BufferSource));
  }

  protected async unwrap(ciphertext: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'RSA-OAEP' }, this.privateKey!, ciphertext as BufferSource));
  }
}
