// Raw SM2 keyring: the data key is encrypted with SM2 public-key encryption (GB/T 32918.4, through the
// WASM core), EDK ciphertext = C1 ‖ C3 ‖ C2 (the order of GB/T 32918.4-2016; 97 bytes + the key). Like RSA,
// SM2 encryption takes no associated data: the message's commitment and header MAC bind the context.
import { sm2CheckPrivateKey, sm2Decrypt, sm2Encrypt, sm2NormalizePublicKey } from '../../crypto/sm2.ts';
import { InvalidArgumentError } from '../format/errors.ts';
import { RawKeyring, type RawKeyName } from './raw-keyring.ts';

export interface RawSm2KeyringOptions extends RawKeyName {
  /** SM2 public key, uncompressed (65 bytes, 04 ‖ x ‖ y) or compressed (33 bytes). Needed to encrypt. */
  readonly publicKey?: Uint8Array;
  /** SM2 private key scalar (32 bytes). Needed to decrypt. Copied. */
  readonly privateKey?: Uint8Array;
}

export class RawSm2Keyring extends RawKeyring {
  private readonly publicKey?: Uint8Array;
  private readonly privateKey?: Uint8Array;
  protected readonly canWrap: boolean;
  protected readonly canUnwrap: boolean;

  constructor(options: RawSm2KeyringOptions) {
    super(options);
    if (!options.publicKey && !options.privateKey) throw new InvalidArgumentError('a public key, a private key or both are required');
    try {
      if (options.publicKey) this.publicKey = sm2NormalizePublicKey(options.publicKey);
      if (options.privateKey) {
        sm2CheckPrivateKey(options.privateKey);
        this.privateKey = new Uint8Array(options.privateKey);
      }
    } catch (e) {
      throw new InvalidArgumentError(`invalid SM2 key: ${(e as Error).message}`);
    }
    this.canWrap = !!this.publicKey;
    this.canUnwrap = !!this.privateKey;
  }

  protected async wrap(dataKey: Uint8Array): Promise<Uint8Array> {
    return sm2Encrypt(this.publicKey!, dataKey);
  }

  protected async unwrap(ciphertext: Uint8Array): Promise<Uint8Array> {
    return sm2Decrypt(this.privateKey!, ciphertext);
  }
}
