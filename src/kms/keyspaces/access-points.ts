// Access points of a keyspace (newer SDKs: /kms/access-points): the places (an ECS instance, a CCE
// cluster, or a "Custom" client) allowed to open a keyspace's data key capsules. Stored and returned as the
// API defines them; edgekms enforces nothing with them (docs/kms-api.md).
//
// - type 1 (ECS) takes the instance id as identity; type 2 (CCE) the cluster's public key as identity and
//   needs cluster_id; type 3 (Custom) gets a key pair made here: an EC P-256 key whose PKCS#8 is sealed by
//   the root key and handed out, as PEM, only by get-privatekey (the API's purpose for it: the client signs
//   with it). Other types have no private key (KMS.0308).
// - state is 1 (enabled, on creation) or 0 (disabled); enable / disable / delete answer an empty 200.
import { toBase64, fromBase64 } from '../../crypto/encoding.ts';
import { wipe } from '../../crypto/bytes.ts';
import { generateAsymKeyPair } from '../../crypto/keypair.ts';
import { pemEncode } from '../../crypto/pem.ts';
import { Code, KmsError } from '../errors.ts';
import type { Kms } from '../kms.ts';
import { fields, ok, type Operation } from '../operation.ts';
import { DESCRIPTION_RULE, KeyspaceDocuments, NAME_RULE, UUID_RULE, keyspaceQuery, pageQuery, type KeyspaceDocument } from './documents.ts';

interface AccessPointDocument extends KeyspaceDocument {
  name: string;
  type: 1 | 2 | 3;
  state: 0 | 1;
  identity: string;
  clusterId: string;
  description: string;
  /** Custom access points: the sealed PKCS#8 (base64) and the public SPKI (base64). */
  sealedPrivateKey?: string;
  publicKey?: string;
}

const docsOf = (kms: Kms) => new KeyspaceDocuments<AccessPointDocument>(kms.store, 'access-point', 'access point');
const sealContext = (project: string, id: string) => ['access-point', project, id];

export const createAccessPointOp: Operation = async (kms, call, input) => {
  const f = fields(input, {});
  const keyspaceId = f.string('keyspace_id', UUID_RULE);
  const name = f.string('access_point_name', NAME_RULE);
  const type = f.integer('type', { required: true, min: 1, max: 3 }) as 1 | 2 | 3;
  const identity = f.string('identity', { max: 4096 }) ?? '';
  const clusterId = f.string('cluster_id', { max: 64 }) ?? '';
  const description = f.string('description', DESCRIPTION_RULE) ?? '';
  if (type === 1 && !identity) throw new KmsError(Code.MissingParameter, 'Missing required parameter: identity (the ECS instance id of an ECS access point).');
  if (type === 2 && (!identity || !clusterId)) throw new KmsError(Code.MissingParameter, 'Missing required parameter: identity and cluster_id of a CCE access point.');
  const now = kms.clock.now();
  const doc: AccessPointDocument = {
    id: crypto.randomUUID(),
    keyspaceId: keyspaceId.toLowerCase(),
    name,
    type,
    state: 1,
    identity,
    clusterId,
    description,
    createdBy: call.principal,
    createdAt: now,
    updatedAt: now,
  };
  if (type === 3) {
    const pair = await generateAsymKeyPair('ECC_NIST_P256');
    try {
      doc.sealedPrivateKey = toBase64(await kms.sealSecret(pair.privateKeyPkcs8, sealContext(call.project, doc.id)));
      doc.publicKey = toBase64(pair.publicKeySpki);
    } finally {
      wipe(pair.privateKeyPkcs8);
    }
  }
  await docsOf(kms).create(call.project, doc);
  return ok({ access_point_id: doc.id });
};

export const listAccessPointsOp: Operation = async (kms, call, input) => {
  const keyspaceId = keyspaceQuery(input.query);
  const { limit, marker } = pageQuery(input.query);
  const { docs, nextMarker } = await docsOf(kms).page(call.project, keyspaceId, limit, marker);
  return ok({
    page_info: { next_marker: nextMarker, current_count: docs.length },
    access_points: docs.map((d) => ({
      access_point_id: d.id,
      keyspace_id: d.keyspaceId,
      access_point_name: d.name,
      state: d.state,
      type: d.type,
      created_by: d.createdBy,
      create_time: String(d.createdAt),
      // The models' spelling.
      lsat_modify_time: String(d.updatedAt),
    })),
  });
};

function setState(state: 0 | 1): Operation {
  return async (kms, call, input) => {
    const docs = docsOf(kms);
    const { doc, version } = await docs.get(call.project, input.params.access_point_id ?? '');
    if (doc.state !== state) await docs.put(call.project, { ...doc, state, updatedAt: kms.clock.now() }, version);
    return ok();
  };
}

export const enableAccessPointOp = setState(1);
export const disableAccessPointOp = setState(0);

export const deleteAccessPointOp: Operation = async (kms, call, input) => {
  const docs = docsOf(kms);
  const { doc, version } = await docs.get(call.project, input.params.access_point_id ?? '');
  await docs.delete(call.project, doc.id, version);
  return ok();
};

export const getAccessPointPrivateKeyOp: Operation = async (kms, call, input) => {
  const { doc } = await docsOf(kms).get(call.project, input.params.access_point_id ?? '');
  if (!doc.sealedPrivateKey) throw new KmsError(Code.InvalidParameter, `The access point ${doc.id} is not a Custom access point: it has no private key.`);
  const pkcs8 = await kms.openSecret(fromBase64(doc.sealedPrivateKey), sealContext(call.project, doc.id));
  try {
    return ok({ access_point_id: doc.id, private_key: pemEncode('PRIVATE KEY', pkcs8) });
  } finally {
    wipe(pkcs8);
  }
};
