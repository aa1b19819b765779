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
  /** The value itself, when it is small enough to be one Deno KV value; absent when it is stored in `parts`. */
  v?: unknown;
  /** Epoch milliseconds after which the value is gone; null: never. */
  exp: number | null;
  /** A larger value: its JSON, as UTF-8 in `count` parts under the write's own `id` (see `partKey`). */
  parts?: { id: string; count: number };
}

/** Sorts after every string that starts with the same prefix, in Deno KV's byte order of UTF-8 keys. */
const AFTER_EVERY_SUFFIX = "\u{10FFFF}";

/** Keys one `getMany` of Deno KV takes at most. */
const GET_MANY_MAX = 10;

/**
 * Deno KV takes values of at most 64 KiB (of V8's serialization, which may spend up to 3 bytes on a character of
 * JSON: a number's 8 bytes for "1.5"). JSON of at most this many characters is stored as the value itself; a longer
 * one (a session near several of its bounds at once, a large menu) is stored in parts.
 */
const PLAIN_MAX_CHARS = 20_000;
/** Bytes of a part: one Deno KV value, with room. */
const PART_BYTES = 60_000;
/** Parts written in one commit: Deno KV takes at most 800 KiB of mutations in one. */
const PARTS_PER_COMMIT = 12;
/** Parts outlive their value's expiry by this much, so a value still live is never read without its parts. */
const PART_GRACE_MS = 10 * 60_000;
/** Reads of a value in parts that meet a part already gone (a writer replaced the value meanwhile) before giving up. */
const PART_READS = 3;

const isTooLarge = (e: unknown) => e instanceof Error && /too large/i.test(e.message);
/** SQLite's busy answer: two handles on one local file (`deno serve --parallel`, a second process) wrote at once. */
const isLocked = (e: unknown) => e instanceof Error && /database is locked/i.test(e.message);

type Read = { value: Stored | null; versionstamp: string | null };

export function denoKv(kv: DenoKvLike, options: DenoKvOptions): KvStore {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? systemSleep;
  const random = options.random ?? systemRandom;
  const commitAttempts = options.commitAttempts ?? 6;
  const keyOf = (key: string): DenoKvKey => [options.namespace, key];
  /**
   * A part is named by its write's random id, never by the key: parts are written once and never changed, so a
   * writer that loses a compare-and-set cannot touch the parts of the value that won, and a reader that holds a
   * value's head reads exactly its parts. They live beside the namespace, so `list` never meets them.
   */
  const partKey = (id: string, n: number): DenoKvKey => [`${options.namespace}/parts`, id, n];
  const live = (stored: Stored | null): stored is Stored => stored !== null && (stored.exp === null || stored.exp > now());

  // A caller that accepts an edge cache (menus) accepts a nearby read replica too; sessions read strongly.
  const consistency = (opts?: KvGetOptions) => ({ consistency: opts?.cacheTtl === undefined ? ("strong" as const) : ("eventual" as const) });

  const commitWith = async (commit: () => Promise<boolean>, key: string) => {
    try {
      // A refused commit wrote nothing, and the same check still guards the next one: trying again is safe.
      return await retry(commit, { attempts: commitAttempts, retryable: isLocked, delayMs: (n) => exponential(n, 5) + random.float() * 5, sleep });
    } catch (cause) {
      if (isTooLarge(cause)) throw new AppError("ERR_STORE_VALUE_TOO_LARGE", `Deno KV refused "${key}": a value may be at most 64 KiB`, { cause });
      throw new AppError("ERR_STORE_UNAVAILABLE", `Deno KV write failed${isLocked(cause) ? " (database file locked)" : ""}`, { cause });
    }
  };

  /** Removes parts nothing names any more; a reader that still held their head reads again (see `assemble`). */
  const dropParts = async (parts: Stored["parts"]) => {
    if (parts === undefined) return;
    await Promise.allSettled(Array.from({ length: parts.count }, (_, n) => kv.delete(partKey(parts.id, n))));
  };

  /** Writes `text` in parts under a new id, before the value's head that names them: none is visible until then. */
  const writeParts = async (key: string, text: string, ttlMs: number | undefined) => {
    const bytes = new TextEncoder().encode(text);
    const parts = { id: random.uuid(), count: Math.ceil(bytes.length / PART_BYTES) };
    const expireIn = ttlMs === undefined ? undefined : { expireIn: ttlMs + PART_GRACE_MS };
    try {
      for (let first = 0; first < parts.count; first += PARTS_PER_COMMIT) {
        await commitWith(async () => {
          const op = kv.atomic();
          for (let n = first; n < Math.min(parts.count, first + PARTS_PER_COMMIT); n++) op.set(partKey(parts.id, n), bytes.subarray(n * PART_BYTES, (n + 1) * PART_BYTES), expireIn);
          return (await op.commit()).ok;
        }, key);
      }
    } catch (e) {
      await dropParts(parts);
      throw e;
    }
    return parts;
  };

  /** The value a head stands for: itself, or its parts joined; undefined when a part is gone. */
  const assemble = async (stored: Stored, opts?: KvGetOptions): Promise<unknown> => {
    if (stored.parts === undefined) return stored.v;
    const { id, count } = stored.parts;
    const keys = Array.from({ length: count }, (_, n) => partKey(id, n));
    const read = (await Promise.all(chunksOf(keys, GET_MANY_MAX).map((chunk) => kv.getMany(chunk, consistency(opts))))).flat();
    const chunks = read.map((entry) => entry.value);
    if (!chunks.every((chunk): chunk is Uint8Array => chunk instanceof Uint8Array)) return undefined;
    const bytes = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  };

  /** The entry a read of its head gave; a value in parts whose parts a newer write removed is read again, strongly. */
  const entryOf = async <T>(key: string, entry: Read, opts?: KvGetOptions): Promise<KvEntry<T> | null> => {
    let current = entry;
    for (let attempt = 1; ; attempt++) {
      if (!live(current.value) || current.versionstamp === null) return null;
      const value = await assemble(current.value, attempt === 1 ? opts : undefined);
      if (value !== undefined) return { value: value as T, version: current.versionstamp };
      if (attempt === PART_READS) throw new AppError("ERR_STORE_UNAVAILABLE", `Deno KV: a part of "${key}" is missing`);
      current = await kv.get<Stored>(keyOf(key));
    }
  };

  return {
    atomic: true,
    async get<T>(key: string, opts?: KvGetOptions): Promise<KvEntry<T> | null> {
      return entryOf<T>(key, await kv.get<Stored>(keyOf(key), consistency(opts)), opts);
    },
    async getMany<T>(keys: readonly string[], opts?: KvGetOptions): Promise<Array<KvEntry<T> | null>> {
      const read = await Promise.all(chunksOf(keys.map(keyOf), GET_MANY_MAX).map((chunk) => kv.getMany(chunk, consistency(opts))));
      return Promise.all(read.flat().map((entry, i) => entryOf<T>(keys[i] as string, entry as Read, opts)));
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
      const exp = ttlMs === undefined ? null : now() + ttlMs;
      // Through JSON, so that what is read back is what Workers KV would give back.
      const text = JSON.stringify(value) ?? "null";
      const large = text.length > PLAIN_MAX_CHARS;
      // A value in parts replaces one whose parts it then removes (a small one leaves them to their expiry), and
      // writes none when the compare-and-set has lost already.
      let before: Stored | null = null;
      if (large) {
        const current = await kv.get<Stored>(k);
        if (expected !== undefined && current.versionstamp !== expected) return false;
        before = current.value;
      }
      const stored: Stored = large ? { exp, parts: await writeParts(key, text, ttlMs) } : { v: JSON.parse(text) as unknown, exp };
      const written = await commitWith(async () => {
        const op = expected === undefined ? kv.atomic() : kv.atomic().check({ key: k, versionstamp: expected });
        return (await op.set(k, stored, ttlMs === undefined ? undefined : { expireIn: ttlMs }).commit()).ok;
      }, key).catch(async (e: unknown) => {
        await dropParts(stored.parts);
        throw e;
      });
      await dropParts(written ? before?.parts : stored.parts);
      return written;
    },
    async delete(key: string): Promise<void> {
      const k = keyOf(key);
      const { value } = await kv.get<Stored>(k);
      await kv.delete(k);
      await dropParts(value?.parts);
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
