/** The storage port: a small key-value contract that Workers KV, Deno KV and an in-memory map all meet. */

export interface KvEntry<T> {
  value: T;
  /** An opaque version for compare-and-set, or null where the store has none (Workers KV). */
  version: string | null;
}

export interface KvPutOptions {
  /** Time to live in seconds (Workers KV needs at least 60). */
  ttlSeconds?: number;
  /**
   * Compare-and-set: write only if the key is still at this version (null: only if absent).
   * Undefined writes unconditionally. Stores without versions write unconditionally and return true.
   */
  ifVersion?: string | null;
}

export interface KvGetOptions {
  /** How long an edge may serve this read from cache, in seconds (Workers KV `cacheTtl`, at least 30). */
  cacheTtl?: number;
}

export interface KvStore {
  get<T>(key: string, options?: KvGetOptions): Promise<KvEntry<T> | null>;
  /**
   * Several keys in one operation where the store has one (Workers KV's bulk get, Deno KV's getMany): one
   * subrequest instead of one per key. The entries come back in the order of `keys`.
   */
  getMany<T>(keys: readonly string[], options?: KvGetOptions): Promise<Array<KvEntry<T> | null>>;
  /** Returns false when a compare-and-set lost the race; the caller re-reads and decides again. */
  put(key: string, value: unknown, options?: KvPutOptions): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Keys that start with `prefix`, at most `limit`. */
  list(prefix: string, limit?: number): Promise<string[]>;
  /** True where `ifVersion` is honoured, so concurrent writers cannot overwrite each other. */
  readonly atomic: boolean;
}

/** `items` in runs of at most `size`: how a bulk read is split to fit a store's limit on keys per operation. */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The app's two stores: menus (read-mostly, edge-cached) and sessions (one write per webhook). */
export interface Stores {
  menus: KvStore;
  sessions: KvStore;
}
