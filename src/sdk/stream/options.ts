// Options shared by the ENV1 encrypt and decrypt entry points, and their checks.
import { portableCrypto, type CryptoProvider } from '../../crypto/provider.ts';
import type { EncryptionContext } from '../format/context.ts';
import { InvalidArgumentError } from '../format/errors.ts';
import { DEFAULT_LIMITS, DEFAULT_SEGMENT_LOG2, MAX_SEGMENT_LOG2, MIN_SEGMENT_LOG2, type HeaderLimits } from '../format/header.ts';
import { DEFAULT_SUITE, suiteById, type AlgorithmSuite, type SuiteId } from '../format/suites.ts';
import { KeyringMaterialsManager } from '../materials/materials.ts';
import type { EncryptedDataKey, Keyring, KeyringTraceEntry, MaterialsManager } from '../materials/types.ts';

/** Where the data keys come from: a keyring (wrapped in the plain manager) or a materials manager. */
export type KeySource = { keyring: Keyring; materialsManager?: undefined } | { materialsManager: MaterialsManager; keyring?: undefined };

/** What a caller learns about a message (after its header is authenticated, on decrypt). */
export interface MessageInfo {
  readonly suite: AlgorithmSuite;
  readonly messageId: Uint8Array;
  readonly segmentSize: number;
  readonly encryptionContext: EncryptionContext;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  /** Which keyrings generated, wrapped or unwrapped the data key. */
  readonly trace: readonly KeyringTraceEntry[];
}

interface Common {
  /**
   * The AES-GCM binding for AES-suite segments (default here: the portable provider, WebCrypto). The
   * package's Node entry fills in node:crypto instead when this is left out (src/runtime/sdk-native.ts).
   */
  crypto?: CryptoProvider;
  /**
   * Context bound to the message but NOT stored in it: decrypt must be given exactly the same pairs
   * (e.g. a row id the application already knows). Default: none.
   */
  unstoredContext?: EncryptionContext;
  /** Header limits (encrypt refuses to write a header it would refuse to read). */
  limits?: Partial<HeaderLimits>;
  /** Most bytes of segments in flight at once (default 2 MiB: 2 segments of 1 MiB); at least 2 segments are always allowed. */
  windowBytes?: number;
}

export type EncryptOptions = KeySource &
  Common & {
    /** Stored in the header, bound to the message and passed to keyrings as associated data. Not secret. */
    encryptionContext?: EncryptionContext;
    /** Default: AES-256-GCM with HKDF-SHA-512 (0x0001). */
    suite?: AlgorithmSuite | SuiteId;
    /** Plaintext bytes per segment, a power of two from 4096 to 16 MiB (default 1048576). */
    segmentSize?: number;
    /** Plaintext length when known in advance; caching managers use it to count bytes. */
    plaintextLength?: number;
    /** Called once the header is built, before any segment: message id, keys that wrapped, context. */
    onMessage?: (info: MessageInfo) => void;
  };

export type DecryptOptions = KeySource &
  Common & {
    /** Pairs the message's stored context must contain with these values (checked before any keyring runs). */
    requiredContext?: EncryptionContext;
    /** Suites accepted (default: every suite this SDK implements). */
    allowedSuites?: readonly SuiteId[];
    /**
     * Called once the header is authenticated and before any plaintext is released; throwing here (e.g.
     * after inspecting the context or the EDKs) fails the stream with that error.
     */
    onHeader?: (info: MessageInfo) => void | Promise<void>;
  };

export function materialsManagerOf(o: KeySource): MaterialsManager {
  if (o.keyring && o.materialsManager) throw new InvalidArgumentError('give either keyring or materialsManager, not both');
  if (o.keyring) return new KeyringMaterialsManager(o.keyring);
  if (o.materialsManager) return o.materialsManager;
  throw new InvalidArgumentError('a keyring or a materialsManager is required');
}

export function suiteOf(s: AlgorithmSuite | SuiteId | undefined): AlgorithmSuite {
  if (s === undefined) return DEFAULT_SUITE;
  return suiteById(typeof s === 'number' ? s : s.id);
}

export function segmentLog2Of(size: number | undefined): number {
  if (size === undefined) return DEFAULT_SEGMENT_LOG2;
  const log2 = Math.log2(size);
  if (!Number.isInteger(log2) || log2 < MIN_SEGMENT_LOG2 || log2 > MAX_SEGMENT_LOG2) {
    throw new InvalidArgumentError('segmentSize must be a power of two from 4096 to 16777216');
  }
  return log2;
}

export function limitsOf(l: Partial<HeaderLimits> | undefined): HeaderLimits {
  const out = { ...DEFAULT_LIMITS, ...l };
  const int = (n: number, lo: number, hi: number, what: string) => {
    if (!Number.isInteger(n) || n < lo || n > hi) throw new InvalidArgumentError(`${what} must be an integer from ${lo} to ${hi}`);
  };
  int(out.maxHeaderBytes, 128, 16 * 1024 * 1024, 'limits.maxHeaderBytes');
  int(out.maxEncryptedDataKeys, 1, 0xffff, 'limits.maxEncryptedDataKeys');
  int(out.maxSegmentLog2, MIN_SEGMENT_LOG2, MAX_SEGMENT_LOG2, 'limits.maxSegmentLog2');
  return out;
}

export const DEFAULT_WINDOW_BYTES = 2 * 1024 * 1024;

/** Segments in flight: as many as fit the byte window, at least 2, at most 64. */
export function windowOf(windowBytes: number | undefined, segmentSize: number): number {
  const w = windowBytes ?? DEFAULT_WINDOW_BYTES;
  if (!Number.isInteger(w) || w < 1) throw new InvalidArgumentError('windowBytes must be a positive integer');
  return Math.max(2, Math.min(64, Math.floor(w / segmentSize)));
}

export function aesGcmOf(o: { crypto?: CryptoProvider }) {
  return (o.crypto ?? portableCrypto).aesGcm;
}
