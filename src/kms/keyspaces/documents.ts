// Keyspace documents (key policies, access points): one JSON document per id under
// kms/<project>/<kind>/<id>, listed by keyspace with Huawei's limit / marker paging (the marker is the id
// to continue after). Single-document writes, like the key records: nothing half-made can survive.
import { getJson, listAll, putJson, type Store } from '../../store/store.ts';
import { Code, KmsError } from '../errors.ts';

export const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const UUID_RULE = { required: true, pattern: UUID } as const;
export const NAME_RULE = { required: true, pattern: /^[a-zA-Z0-9:/_-]{1,255}$/ } as const;
export const DESCRIPTION_RULE = { max: 255 } as const;
/**
 * Documents of one kind a project may hold. Every list request reads all of them, and nothing else bounds
 * how many a caller creates. Two creates racing at the limit may both pass: the bound is on the scale of
 * the work, not an exact count.
 */
export const MAX_DOCUMENTS_PER_PROJECT = 1000;

export interface KeyspaceDocument {
  id: string;
  keyspaceId: string;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

export type Kind = 'policy' | 'access-point';

const path = (project: string, kind: Kind, id: string) => `kms/${project}/${kind}/${id.toLowerCase()}`;

export class KeyspaceDocuments<T extends KeyspaceDocument> {
  constructor(
    private readonly store: Store,
    private readonly kind: Kind,
    private readonly what: string,
  ) {}

  notFound(id: string): KmsError {
    return new KmsError(Code.InvalidParameter, `The ${this.what} ${id} does not exist.`);
  }

  async get(project: string, id: string): Promise<{ doc: T; version: string }> {
    if (!UUID.test(id)) throw new KmsError(Code.InvalidUrl, `Invalid ${this.what} id in the request URL.`);
    const found = await getJson<T>(this.store, path(project, this.kind, id));
    if (!found) throw this.notFound(id);
    return { doc: found.value, version: found.version };
  }

  async create(project: string, doc: T): Promise<void> {
    if ((await listAll(this.store, `kms/${project}/${this.kind}/`)).length >= MAX_DOCUMENTS_PER_PROJECT) {
      throw new KmsError(Code.InvalidParameter, `The project already holds ${MAX_DOCUMENTS_PER_PROJECT} documents of this kind (${this.what}); delete one first.`);
    }
    await putJson(this.store, path(project, this.kind, doc.id), doc, { ifVersion: null });
  }

  /** Rewrites a document read at `version`; a concurrent change makes the caller retry (ConflictError). */
  async put(project: string, doc: T, version: string): Promise<void> {
    await putJson(this.store, path(project, this.kind, doc.id), doc, { ifVersion: version });
  }

  async delete(project: string, id: string, version: string): Promise<void> {
    await this.store.delete(path(project, this.kind, id), { ifVersion: version });
  }

  /** One page of a keyspace's documents, oldest id order; next_marker is "" on the last page. */
  async page(project: string, keyspaceId: string, limit: number, marker?: string): Promise<{ docs: T[]; nextMarker: string }> {
    const prefix = `kms/${project}/${this.kind}/`;
    const all: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.list(prefix, { cursor, limit: 1000 });
      for (const key of page.keys) {
        const found = await getJson<T>(this.store, key);
        if (found && found.value.keyspaceId.toLowerCase() === keyspaceId.toLowerCase()) all.push(found.value);
      }
      cursor = page.cursor;
    } while (cursor);
    const start = marker === undefined ? 0 : all.findIndex((d) => d.id === marker.toLowerCase()) + 1;
    if (marker !== undefined && start === 0) throw new KmsError(Code.InvalidMarker, 'Invalid marker: it names no entry of this keyspace.');
    const docs = all.slice(start, start + limit);
    return { docs, nextMarker: start + limit < all.length ? docs[docs.length - 1].id : '' };
  }
}

/** limit (1-100, default 50) and marker (an id) of a list request's query. */
export function pageQuery(query: URLSearchParams): { limit: number; marker?: string } {
  const limitText = query.get('limit') ?? '';
  const limit = limitText === '' ? 50 : Number(limitText);
  if (!/^[0-9]{1,3}$/.test(limitText || '50') || limit < 1 || limit > 100) throw new KmsError(Code.InvalidLimit, 'Invalid limit: must be 1-100.');
  const marker = query.get('marker') || undefined;
  if (marker !== undefined && !UUID.test(marker)) throw new KmsError(Code.InvalidMarker, 'Invalid marker: it must be an id from next_marker.');
  return { limit, marker };
}

export function keyspaceQuery(query: URLSearchParams): string {
  const id = query.get('keyspace_id');
  if (id === null || id === '') throw new KmsError(Code.MissingParameter, 'Missing required parameter: keyspace_id.');
  if (!UUID.test(id)) throw new KmsError(Code.InvalidParameter, 'Invalid keyspace_id: it must be a UUID.');
  return id;
}
