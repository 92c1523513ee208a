// The stored form of a customer master key: metadata and every version of its material (sealed by the
// root key) in one document, so creating, rotating or deleting a key is a single compare-and-set write
// and can never leave material without its key or a key without its material.
import type { KeySpec, KeyUsage } from './key-spec.ts';
import { KEY_SPECS } from './key-spec.ts';
import type { KeyState } from './key-state.ts';

export interface MaterialVersion {
  /** 1, 2, ... in creation order; the last one is primary. */
  v: number;
  createdAt: number;
  /** The material sealed by the root key (base64 of IV ‖ ciphertext ‖ tag). */
  sealed: string;
  /** Public half of an asymmetric key (base64 SubjectPublicKeyInfo DER); public, so kept in the clear. */
  publicKey?: string;
  /** Messages this version has sealed, approximately (src/kms/seal-counter.ts); absent: none counted yet. */
  seals?: number;
}

export interface RotationSettings {
  enabled: boolean;
  intervalDays: number;
  /** When automatic rotation was last switched on; the schedule counts from here until the first rotation. */
  enabledAt?: number;
  lastRotatedAt?: number;
  count: number;
}

/** A grant (docs/kms-api.md, "Grants"): lets `grantee` run `operations` on this key. Kept in the key's own document. */
export interface GrantRecord {
  /** grant_id: 64 lower-case hex digits. */
  id: string;
  grantee: string;
  granteeType: 'user' | 'domain';
  operations: string[];
  /** Who created it (issuing_principal). */
  issuer: string;
  createdAt: number;
  name?: string;
  /** Who may retire it besides its issuer (and its grantee, when it holds retire-grant). */
  retiring?: string;
}

export interface TagRecord {
  key: string;
  value: string;
}

/**
 * What get-parameters-for-import handed out and import-key-material needs: the RSA wrapping key (its
 * private half sealed by the root key) and the token naming it. Removed when used or expired.
 */
export interface ImportParams {
  /** Hex SHA-256 of the import token handed out (the token itself is not kept). */
  tokenHash: string;
  wrappingAlgorithm: 'RSAES_OAEP_SHA_256' | 'RSAES_OAEP_SHA_1' | 'SM2_ENCRYPT';
  /** The wrapping key's private half, sealed by the root key (base64): PKCS#8 for RSA, the 32-byte scalar for SM2. */
  sealedPrivateKey: string;
  /** SubjectPublicKeyInfo of the wrapping key (base64). */
  publicKey: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface KeyRecord {
  schema: 1;
  id: string;
  project: string;
  /** key_alias: the key's unique name in its project. */
  alias: string;
  description: string;
  spec: KeySpec;
  usage: KeyUsage;
  origin: 'kms' | 'external';
  state: KeyState;
  /** A service default key (`<service>/default`): created on first use, never disabled or deleted. */
  defaultKey: boolean;
  createdAt: number;
  /** When the key and its material are destroyed (state "4"). */
  deletionAt?: number;
  rotation: RotationSettings;
  versions: MaterialVersion[];
  /** Imported material expires at this time (epoch ms). */
  materialExpiresAt?: number;
  enterpriseProjectId: string;
  keystoreId: string;
  grants?: GrantRecord[];
  tags?: TagRecord[];
  /** Pending import parameters (keys with origin external). */
  importParams?: ImportParams;
  /**
   * Fingerprint of the first material imported into this key (hex SHA-256 over a label, the key id and the
   * material): re-imports must bring the same material (KMS.2606), even after the material was deleted.
   */
  importedDigest?: string;
}

export const DEFAULT_ROTATION_DAYS = 365;

export function primaryVersion(r: KeyRecord): MaterialVersion | undefined {
  return r.versions[r.versions.length - 1];
}

export function findVersion(r: KeyRecord, v: number): MaterialVersion | undefined {
  return r.versions.find((m) => m.v === v);
}

/** What the wire KeyDetails object shows of a key: no material, grants or tags (list-keys pages these from memory). */
export type KeyListing = Pick<
  KeyRecord,
  'id' | 'alias' | 'description' | 'spec' | 'usage' | 'origin' | 'state' | 'defaultKey' | 'createdAt' | 'deletionAt' | 'materialExpiresAt' | 'enterpriseProjectId' | 'keystoreId'
> & { rotation: Pick<RotationSettings, 'enabled'> };

/** The wire KeyDetails object: every field a JSON string (docs/kms-api.md, describe-key). */
export function keyDetails(r: KeyListing, domainId: string, region: string): Record<string, string> {
  return {
    key_id: r.id,
    domain_id: domainId,
    key_alias: r.alias,
    realm: region,
    key_spec: r.spec,
    key_usage: r.usage,
    key_description: r.description,
    creation_date: String(r.createdAt),
    scheduled_deletion_date: r.deletionAt === undefined ? '' : String(r.deletionAt),
    key_state: r.state,
    default_key_flag: r.defaultKey ? '1' : '0',
    key_type: KEY_SPECS[r.spec].kind === 'asymmetric' ? '2' : '1',
    expiration_time: r.materialExpiresAt === undefined ? '' : String(r.materialExpiresAt),
    origin: r.origin,
    key_rotation_enabled: String(r.rotation.enabled),
    sys_enterprise_project_id: r.enterpriseProjectId,
    keystore_id: r.keystoreId,
  };
}
