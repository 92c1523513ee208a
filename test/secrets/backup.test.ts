// Backup, restore and batch import in-process, each check on its own: a backup blob is the root key's seal
// of the secret's document under the backup purpose and the project, so a blob of another purpose or one
// whose document names another project is refused even when the other check would pass; restore respects
// the quota and an existing name; batch import reports each item by name and counts.
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.ts';
import { toBase64 } from '../../src/crypto/encoding.ts';
import { Secrets } from '../../src/secrets/secrets.ts';
import { listAll } from '../../src/store/store.ts';
import { makeRig, OTHER_PROJECT, rejection } from '../helpers/kms.ts';
import { observedCrypto } from '../helpers/observed-crypto.ts';

const P = '/v1/{project_id}';

async function rig(limits = {}) {
  const t = await makeRig(limits);
  const call = (method: string, path: string, body?: unknown) => t.client.request<any>(method, `${P}${path}`, body);
  const refused = async (method: string, path: string, body?: unknown) => {
    const e = await rejection(call(method, path, body));
    return [e.status, e.code, e.message.replace(`${e.code}: `, '')];
  };
  return { ...t, call, refused };
}

const notABackup = [400, 'CSMS.0002', 'Invalid secret_blob: it is not a backup of a secret of this project.'];

describe('backup and restore', () => {
  it('a pending-deletion secret is not backed up', async () => {
    const t = await rig();
    await t.call('POST', '/secrets', { name: 'gone', secret_string: 'x' });
    await t.call('POST', '/secrets/gone/scheduled-deleted-tasks/create', { recovery_window_in_days: 7 });
    expect(await t.refused('POST', '/secrets/gone/backup')).toEqual([400, 'CSMS.0103', 'The secret gone is pending deletion and cannot be used.']);
  });

  it('a blob sealed by the root key under another purpose, or naming another project, is not a backup', async () => {
    const t = await rig();
    await t.call('POST', '/secrets', { name: 's', secret_string: 'x' });
    const blob = (await t.call('POST', '/secrets/s/backup')).secret_blob as string;
    const doc = JSON.parse(new TextDecoder().decode(await t.kms.openSecret(Buffer.from(blob, 'base64'), ['csms-backup', t.client.projectId])));
    await t.call('DELETE', '/secrets/s');
    // The same document under another context of the root key: refused although its project is right.
    for (const context of [[], ['csms-value', t.client.projectId], ['csms-backup', OTHER_PROJECT]]) {
      const sealed = await t.kms.sealSecret(utf8(JSON.stringify(doc)), context);
      expect(await t.refused('POST', '/secrets/restore', { secret_blob: toBase64(sealed) }), JSON.stringify(context)).toEqual(notABackup);
    }
    // The backup purpose and this project's context, but a document of another project or schema.
    for (const changed of [{ ...doc, project: OTHER_PROJECT }, { ...doc, schema: 2 }]) {
      const sealed = await t.kms.sealSecret(utf8(JSON.stringify(changed)), ['csms-backup', t.client.projectId]);
      expect(await t.refused('POST', '/secrets/restore', { secret_blob: toBase64(sealed) })).toEqual(notABackup);
    }
    for (const junk of ['not base64!', toBase64(new Uint8Array(10))]) expect(await t.refused('POST', '/secrets/restore', { secret_blob: junk })).toEqual(notABackup);
    expect(await listAll(t.store, `csms/${t.client.projectId}/secret/`)).toEqual([]);
    expect((await t.call('POST', '/secrets/restore', { secret_blob: blob })).secret.name).toBe('s');
  });

  it('restore refuses a name that exists and a project at its quota', async () => {
    const t = await rig();
    await t.call('POST', '/secrets', { name: 'a', secret_string: 'x' });
    const blob = (await t.call('POST', '/secrets/a/backup')).secret_blob;
    expect(await t.refused('POST', '/secrets/restore', { secret_blob: blob })).toEqual([400, 'CSMS.0002', 'Invalid secret_blob: a secret named a already exists.']);
    // A quota of 1, reached by another secret: the restore is refused with CSMS.0202 before the name is looked at.
    const secrets = new Secrets(t.kms, { secretsPerProject: 1 });
    const { restoreFromBlobOp } = await import('../../src/secrets/ops/backup.ts');
    const { csmsFields } = await import('../../src/secrets/operation.ts');
    const call = { project: t.client.projectId } as never;
    const e = await rejection(restoreFromBlobOp(secrets, call, { body: csmsFields({ secret_blob: blob }), query: new URLSearchParams(), params: {} }));
    expect([e.code, e.message]).toEqual(['CSMS.0202', 'The project has reached its quota of 1 secrets.']);
    await t.call('DELETE', '/secrets/a');
    const ok = await restoreFromBlobOp(secrets, call, { body: csmsFields({ secret_blob: blob }), query: new URLSearchParams(), params: {} });
    expect((ok.body as any).secret.name).toBe('a');
  });
});

describe('batch import', () => {
  it('imports each good item, reports each bad one by its name (or position) with the API message, and counts', async () => {
    const t = await rig();
    await t.call('POST', '/secrets', { name: 'taken', secret_string: 'x' });
    const out = await t.call('POST', '/secrets/batch-import', {
      secrets: [{ name: 'one', secret_string: 'v1' }, { name: 'taken', secret_string: 'v' }, 'not an object', { name: 7, secret_string: 'v' }, { name: 'two', secret_binary: 'AAEC' }, { name: 'novalue' }, null],
    });
    expect(out).toEqual({
      error_list: [
        { name: 'taken', error_msg: 'Invalid name: a secret named taken already exists.' },
        { name: 'secrets[2]', error_msg: 'Invalid secrets[2]: must be a JSON object.' },
        { name: 'secrets[3]', error_msg: 'Invalid name: must be a JSON string.' },
        { name: 'novalue', error_msg: 'Invalid secret_string: give secret_string or secret_binary.' },
        { name: 'secrets[6]', error_msg: 'Invalid secrets[6]: must be a JSON object.' },
      ],
      total: 7,
      success: 2,
      failed: 5,
    });
    expect((await t.call('GET', '/secrets/one/versions/latest')).version.secret_string).toBe('v1');
    expect((await t.call('GET', '/secrets/two/versions/latest')).version.secret_binary).toBe('AAEC');
    expect((await t.refused('POST', '/secrets/batch-import', { secrets: [] }))[1]).toBe('CSMS.0002');
    expect(await t.refused('POST', '/secrets/batch-import', {})).toEqual([400, 'CSMS.0002', 'Missing required parameter: secrets.']);
  });

  it('a store failure stops the batch instead of being reported as an item error', async () => {
    const t = await rig();
    const put = t.store.put.bind(t.store);
    t.store.put = async () => {
      throw new Error('disk gone');
    };
    const e = await rejection(t.call('POST', '/secrets/batch-import', { secrets: [{ name: 'one', secret_string: 'v1' }] }));
    t.store.put = put;
    expect(e.status).toBe(500);
  });
});

describe('batch import wipes', () => {
  it('each imported value once it is sealed', async () => {
    const observed = observedCrypto();
    const t = await makeRig({ crypto: observed.crypto });
    await t.client.request('POST', `${P}/secrets/batch-import`, { secrets: [{ name: 'a', secret_string: 'value-one' }, { name: 'b', secret_binary: 'AAECAwQ=' }] });
    const values = observed.sealed.filter((b) => b.length === 9 || b.length === 5);
    expect(values.map((b) => b.length).sort()).toEqual([5, 9]);
    expect(values.every((b) => b.every((x) => x === 0))).toBe(true);
  });
});
