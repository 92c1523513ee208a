// A caching secret reader for applications. Each (secret, version) is fetched once and then served from
// memory; after `refreshMs` a read still gets the cached value at once while one refresh runs in the
// background. A failed refresh backs off exponentially (with jitter) up to `maxBackoffMs`, and the cached
// value keeps being served - but never once it is older than `maxAgeMs`: then a read waits for a fresh
// value, and fails with StaleSecretError if there is none. Values stay in this process's memory only.
import type { Version } from './types.ts';

/** Anything that can read a version: SecretsClient does. */
export interface VersionSource {
  getVersion(name: string, versionId?: string): Promise<Version>;
}

export interface CachingReaderOptions {
  /** How old a cached value may get before a read starts a background refresh (default 5 minutes). */
  refreshMs?: number;
  /** The oldest value ever served (default 3 x refreshMs); must be at least refreshMs. */
  maxAgeMs?: number;
  /** First retry delay after a failed refresh (default 1 s), doubling up to maxBackoffMs (default refreshMs). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
  /** Called with every failed refresh (for logs; the error never holds the value). */
  onError?: (error: unknown, name: string, versionId: string) => void;
}

/** No value fresh enough could be had: the last fetch failed and the cached value is past maxAgeMs. */
export class StaleSecretError extends Error {
  override name = 'StaleSecretError';
  constructor(
    readonly secretName: string,
    readonly versionId: string,
    override readonly cause: unknown,
  ) {
    super(`no value of secret ${secretName} (${versionId}) fresh enough to serve: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

interface Entry {
  version?: Version;
  fetchedAt: number;
  inflight?: Promise<Version>;
  failures: number;
  retryAt: number;
  lastError?: unknown;
}

export class CachingSecretReader {
  private readonly entries = new Map<string, Entry>();
  private readonly refreshMs: number;
  private readonly maxAgeMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly now: () => number;

  constructor(
    private readonly source: VersionSource,
    private readonly options: CachingReaderOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? 300_000;
    this.maxAgeMs = options.maxAgeMs ?? 3 * this.refreshMs;
    if (!(this.refreshMs > 0) || !(this.maxAgeMs >= this.refreshMs)) throw new RangeError('need 0 < refreshMs <= maxAgeMs');
    this.initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? this.refreshMs;
    this.now = options.now ?? Date.now;
  }

  /** The value of a version ("latest" by default): secret_string, or secret_binary as base64. */
  async getSecret(name: string, versionId = 'latest'): Promise<string> {
    const v = await this.getVersion(name, versionId);
    return v.secret_string ?? v.secret_binary ?? '';
  }

  /** The value parsed as JSON (for example `{username, password}` of a database credential). */
  async getSecretJson<T = Record<string, unknown>>(name: string, versionId = 'latest'): Promise<T> {
    const text = await this.getSecret(name, versionId);
    try {
      return JSON.parse(text) as T;
    } catch {
      // The parse error message would quote the value: say only what is wrong.
      throw new SyntaxError(`secret ${name} (${versionId}) is not JSON`);
    }
  }

  async getVersion(name: string, versionId = 'latest'): Promise<Version> {
    const id = `${name}\u0000${versionId}`;
    let e = this.entries.get(id);
    if (!e) {
      e = { fetchedAt: 0, failures: 0, retryAt: 0 };
      this.entries.set(id, e);
    }
    const now = this.now();
    const age = now - e.fetchedAt;
    if (e.version && age < this.refreshMs) return e.version;
    if (e.version && age < this.maxAgeMs) {
      if (!e.inflight && now >= e.retryAt) this.refresh(e, name, versionId).catch(() => {});
      return e.version;
    }
    // Nothing cached, or too old to serve: wait for a fetch (unless one just failed and we are backing off).
    if (!e.inflight && now < e.retryAt) throw new StaleSecretError(name, versionId, e.lastError);
    try {
      return await (e.inflight ?? this.refresh(e, name, versionId));
    } catch (err) {
      if (e.version) throw new StaleSecretError(name, versionId, err);
      throw err;
    }
  }

  /** Drops cached values (all, or one secret's). */
  clear(name?: string): void {
    for (const id of [...this.entries.keys()]) if (name === undefined || id.startsWith(`${name}\u0000`)) this.entries.delete(id);
  }

  private refresh(e: Entry, name: string, versionId: string): Promise<Version> {
    const p = this.source.getVersion(name, versionId).then(
      (v) => {
        e.version = v;
        e.fetchedAt = this.now();
        e.failures = 0;
        e.retryAt = 0;
        e.lastError = undefined;
        e.inflight = undefined;
        return v;
      },
      (err) => {
        e.failures++;
        const base = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (e.failures - 1));
        e.retryAt = this.now() + base / 2 + Math.random() * (base / 2);
        e.lastError = err;
        e.inflight = undefined;
        this.options.onError?.(err, name, versionId);
        throw err;
      },
    );
    e.inflight = p;
    return p;
  }
}
