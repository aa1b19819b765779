/** KvStore over Deno KV: strongly consistent reads, and compare-and-set on versionstamps through atomic checks. */
import { AppError } from "../errors.js";
import { exponential, retry } from "../retry.js";
import { systemRandom, systemSleep, type Random, type Sleep } from "../system.js";
import { chunksOf, type KvEntry, type KvGetOptions, type KvPutOptions, type KvStore, type Stores } from "./kv.js";

export type DenoKvKey = readonly (string | number | bigint | boolean | symbol | Uint8Array)[];

export interface DenoAtomicLike {
  check(...checks: Array<{ key: DenoKvKey; versionstamp: string | null }>): DenoAtomicLike;
  set(key: DenoKvKey, value: unknown, options?: { expireIn?: number }): DenoAtomicLike;
  commit(): Promise<{ ok: boolean }>;
}

/** The part of `Deno.Kv` used here, so that `src/` type-checks (and bundles for Workers) without Deno's types. */
export interface DenoKvLike {
  get<T = unknown>(key: DenoKvKey, options?: { consistency?: "strong" | "eventual" }): Promise<{ value: T | null; versionstamp: string | null }>;
  /** Up to 10 keys in one read, in order. */
  getMany(keys: readonly DenoKvKey[], options?: { consistency?: "strong" | "eventual" }): Promise<Array<{ value: unknown; versionstamp: string | null }>>;
  delete(key: DenoKvKey): Promise<void>;
  list<T = unknown>(selector: { start: DenoKvKey; end: DenoKvKey }): AsyncIterable<{ key: DenoKvKey; value: T }>;
  atomic(): DenoAtomicLike;
}

export interface DenoKvOptions {
  /** First part of every key, so that the menus and the sessions share one database without meeting. */
  namespace: string;
  now?: () => number;
  sleep?: Sleep;
  /** Jitters the backoff of a locked commit; the runtime's own by default. */
  random?: Random;
  /** Attempts for a commit that a local database file refuses as locked (another handle was writing). */
  commitAttempts?: number;
}

/**
 * What is stored under a key. Deno KV deletes an expired key "at earliest" after `expireIn`, and it may stay
 * visible a while longer, so the expiry travels with the value and reads enforce it, as Workers KV does.
 */
interface Stored {
  v: unknown;
  /** Epoch milliseconds after which the value is gone; null: never. */
  exp: number | null;
}

/** Sorts after every string that starts with the same prefix, in Deno KV's byte order of UTF-8 keys. */
const AFTER_EVERY_SUFFIX = "\u{10FFFF}";

/** Keys one `getMany` of Deno KV takes at most. */
const GET_MANY_MAX = 10;

const isTooLarge = (e: unknown) => e instanceof Error && /too large/i.test(e.message);
/** SQLite's busy answer: two handles on one local file (`deno serve --parallel`, a second process) wrote at once. */
const isLocked = (e: unknown) => e instanceof Error && /database is locked/i.test(e.message);

export function denoKv(kv: DenoKvLike, options: DenoKvOptions): KvStore {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? systemSleep;
  const random = options.random ?? systemRandom;
  const commitAttempts = options.commitAttempts ?? 6;
  const keyOf = (key: string): DenoKvKey => [options.namespace, key];
  const live = (stored: Stored | null): stored is Stored => stored !== null && (stored.exp === null || stored.exp > now());

  // A caller that accepts an edge cache (menus) accepts a nearby read replica too; sessions read strongly.
  const consistency = (opts?: KvGetOptions) => ({ consistency: opts?.cacheTtl === undefined ? ("strong" as const) : ("eventual" as const) });
  const entryOf = <T>(entry: { value: Stored | null; versionstamp: string | null }): KvEntry<T> | null =>
    live(entry.value) && entry.versionstamp !== null ? { value: entry.value.v as T, version: entry.versionstamp } : null;

  return {
    atomic: true,
    async get<T>(key: string, opts?: KvGetOptions): Promise<KvEntry<T> | null> {
      return entryOf<T>(await kv.get<Stored>(keyOf(key), consistency(opts)));
    },
    async getMany<T>(keys: readonly string[], opts?: KvGetOptions): Promise<Array<KvEntry<T> | null>> {
      const read = await Promise.all(chunksOf(keys.map(keyOf), GET_MANY_MAX).map((chunk) => kv.getMany(chunk, consistency(opts))));
      return read.flat().map((entry) => entryOf<T>(entry as { value: Stored | null; versionstamp: string | null }));
    },
    async put(key: string, value: unknown, opts?: KvPutOptions): Promise<boolean> {
      const k = keyOf(key);
      let expected = opts?.ifVersion;
      if (expected === null) {
        // "Only if absent" must also take a key that expired but is still stored: check against its versionstamp.
        const current = await kv.get<Stored>(k);
        if (live(current.value)) return false;
        expected = current.versionstamp;
      }
      const ttlMs = opts?.ttlSeconds === undefined ? undefined : opts.ttlSeconds * 1000;
      // Through JSON, so that what is read back is what Workers KV would give back.
      const stored: Stored = { v: JSON.parse(JSON.stringify(value) ?? "null") as unknown, exp: ttlMs === undefined ? null : now() + ttlMs };
      const commit = async () => {
        const op = expected === undefined ? kv.atomic() : kv.atomic().check({ key: k, versionstamp: expected });
        return (await op.set(k, stored, ttlMs === undefined ? undefined : { expireIn: ttlMs }).commit()).ok;
      };
      try {
        // A refused commit wrote nothing, and the same check still guards the next one: trying again is safe.
        return await retry(commit, { attempts: commitAttempts, retryable: isLocked, delayMs: (n) => exponential(n, 5) + random.float() * 5, sleep });
      } catch (cause) {
        if (isTooLarge(cause)) throw new AppError("ERR_STORE_VALUE_TOO_LARGE", `Deno KV refused "${key}": a value may be at most 64 KiB`, { cause });
        throw new AppError("ERR_STORE_UNAVAILABLE", `Deno KV write failed${isLocked(cause) ? " (database file locked)" : ""}`, { cause });
      }
    },
    async delete(key: string): Promise<void> {
      await kv.delete(keyOf(key));
    },
    async list(prefix: string, limit = 1000): Promise<string[]> {
      const names: string[] = [];
      const entries = kv.list<Stored>({ start: [options.namespace, prefix], end: [options.namespace, prefix + AFTER_EVERY_SUFFIX] });
      for await (const entry of entries) {
        const name = entry.key[1];
        if (typeof name === "string" && name.startsWith(prefix) && live(entry.value)) names.push(name);
        if (names.length >= limit) break;
      }
      return names;
    },
  };
}

/** Where the app's two stores live in one Deno KV database (the Worker has two namespaces). */
export const MENUS_NAMESPACE = "menus";
export const SESSIONS_NAMESPACE = "sessions";

/** The app's stores over one Deno KV database, under separate key prefixes. */
export function denoStores(kv: DenoKvLike, options: Omit<DenoKvOptions, "namespace">): Stores {
  return { menus: denoKv(kv, { ...options, namespace: MENUS_NAMESPACE }), sessions: denoKv(kv, { ...options, namespace: SESSIONS_NAMESPACE }) };
}
