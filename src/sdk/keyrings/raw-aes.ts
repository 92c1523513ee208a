// Raw AES keyring: the data key is sealed with AES-GCM under an application-held key (128 or 256 bits).
//   EDK ciphertext = IV (12, random) ‖ AES-GCM(wrappingKey, IV, dataKey, AAD) ‖ tag (16)
//   AAD            = "ENV1 raw AES" ‖ u16 len ‖ namespace ‖ u16 len ‖ key name ‖ encoded encryption context
// so an EDK opens only for its own key name and the message's own context.
import { concat, randomBytes, utf8 } from '../../crypto/bytes.ts';
import { GCM_IV_BYTES, importAesGcmKey, webCryptoAesGcm, type AesGcmKey } from '../../crypto/aes-gcm.ts';
import { encodeContext, type EncryptionContext } from '../format/context.ts';
import { InvalidArgumentError } from '../format/errors.ts';
import { RawKeyring, type RawKeyName } from './raw-keyring.ts';

export interface RawAesKeyringOptions extends RawKeyName {
  /** 16 or 32 bytes. Copied; the caller may wipe its buffer afterwards. */
  readonly wrappingKey: Uint8Array;
}

const u16 = (n: number) => Uint8Array.of(n >>> 8, n & 0xff);

export class RawAesKeyring extends RawKeyring {
  private readonly key: Promise<AesGcmKey>;
  private readonly aadPrefix: Uint8Array;
  protected readonly canWrap = true;
  protected readonly canUnwrap = true;

  constructor(options: RawAesKeyringOptions) {
    super(options);
    const k = options.wrappingKey;
    if (!(k instanceof Uint8Array) || (k.length !== 16 && k.length !== 32)) throw new InvalidArgumentError('wrappingKey must be 16 or 32 bytes');
    const copy = new Uint8Array(k); // a copy even for a Buffer (its slice() is a view): wiped below
    this.key = importAesGcmKey(copy, webCryptoAesGcm).finally(() => copy.fill(0));
    this.key.catch(() => {});
    const ns = utf8(this.namespace);
    const name = utf8(this.name);
    this.aadPrefix = concat(utf8('ENV1 raw AES'), u16(ns.length), ns, u16(name.length), name);
  }

  protected async wrap(dataKey: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    const iv = randomBytes(GCM_IV_BYTES);
    return concat(iv, await (await this.key).seal(iv, dataKey, concat(this.aadPrefix, encodeContext(context))));
  }

  protected async unwrap(ciphertext: Uint8Array, context: EncryptionContext, dataKeyBytes: number): Promise<Uint8Array> {
    if (ciphertext.length !== GCM_IV_BYTES + dataKeyBytes + 16) throw new InvalidArgumentError('wrong EDK length');
    return (await this.key).open(ciphertext.subarray(0, GCM_IV_BYTES), ciphertext.subarray(GCM_IV_BYTES), concat(this.aadPrefix, encodeContext(context)));
  }
}
