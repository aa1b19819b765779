/** KvStore over Deno KV: strongly consistent reads, and compare-and-set on versionstamps through atomic checks. */
import { AppError } from "../errors.js";
import { exponential, retry } from "../retry.js";
import { systemRandom, systemSleep, type Random, type Sleep } from "../system.js";
import { decodeUtf8Lenient } from "../utf8.js";
import { chunksOf, type KvEntry, type KvGetOptions, type KvPutOptions, type KvStore, type Stores } from "./kv.js";

export type DenoKvKey = readonly (string | number | bigint | boolean | symbol | Uint8Array)[];

export interface DenoAtomicLike {
  check(...checks: Array<{ key: DenoKvKey; versionstamp: string | null }>): DenoAtomicLike;
  set(key: DenoKvKey, value: unknown, options?: { expireIn?: number }): DenoAtomicLike;
  delete(key: DenoKvKey): DenoAtomicLike;
  /** The new versionstamp when it succeeded (Deno's `KvCommitResult`). */
  commit(): Promise<{ ok: boolean; versionstamp?: string }>;
}

/** The part of `Deno.Kv` used here, so that `src/` type-checks (and bundles for Workers) without Deno's types. */
export interface DenoKvLike {
  get<T = unknown>(key: DenoKvKey, options?: { consistency?: "strong" | "eventual" }): Promise<{ value: T | null; versionstamp: string | null }>;
  /** Up to 10 keys in one read, in order. */
  getMany(keys: readonly DenoKvKey[], options?: { consistency?: "strong" | "eventual" }): Promise<Array<{ value: unknown; versionstamp: string | null }>>;
  delete(key: DenoKvKey): Promise<void>;
  list<T = unknown>(selector: { start: DenoKvKey; end: DenoKvKey }): AsyncIterable<{ key: DenoKvKey; value: T; versionstamp: string }>;
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
  /**
   * Whether the namespace keeps an index of its keys, which `list` reads instead of the values (see `nameKey`).
   * On for the menus, whose listing would otherwise read every version; off for the sessions, written on every step.
   */
  keyIndex?: boolean;
}

/** Where the app's two stores live in one Deno KV database (the Worker has two namespaces). */
export const MENUS_NAMESPACE = "menus";
export const SESSIONS_NAMESPACE = "sessions";

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
/**
 * Parts of the replaced value removed in the commit that replaces it (Deno KV takes 1,000 mutations in one): a
 * value of 1 MiB has 18; beyond this many, the rest go right after the commit.
 */
const OLD_PARTS_PER_COMMIT = 500;
/** Attempts of a write without `ifVersion` whose key other writers keep replacing between its read and its commit. */
const REPLACE_TRIES = 5;
/** Keys named in one commit of the index's first build (Deno KV takes 100 checks in one). */
const INDEX_BATCH = 50;
/** Heads a store remembers (key, versionstamp, parts), so that a write after a read needs no read of its own. */
const KNOWN_MAX = 1000;

const isTooLarge = (e: unknown) => e instanceof Error && /too large/i.test(e.message);
/** SQLite's busy answer: two handles on one local file (`deno serve --parallel`, a second process) wrote at once. */
const isLocked = (e: unknown) => e instanceof Error && /database is locked/i.test(e.message);

type Read = { value: Stored | null; versionstamp: string | null };
/** A head as this store last saw it: its versionstamp (null: absent) and the parts it names. */
type Head = { versionstamp: string | null; parts: Stored["parts"] };

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
  const live = <T extends { exp: number | null }>(stored: T | null): stored is T => stored !== null && (stored.exp === null || stored.exp > now());

  /**
   * Deno KV has no list of keys alone: a list hands back every value in its range. A namespace with an index names
   * each key beside it, `{"exp"}` under `[namespace + "/keys", key]`, set and deleted in the commit that writes or
   * deletes the key itself, so that `list` reads those small entries instead (as Workers KV lists keys without values).
   */
  const indexed = options.keyIndex ?? options.namespace === MENUS_NAMESPACE;
  const nameKey = (key: string): DenoKvKey => [`${options.namespace}/keys`, key];
  /** Set once every key written before the index existed is named in it (`buildIndex`). */
  const INDEX_COMPLETE: DenoKvKey = [`${options.namespace}/keys-complete`];
  const nameExpireIn = (exp: number | null) => (exp === null ? undefined : { expireIn: Math.max(1, exp - now()) });

  /**
   * The heads this store last read or wrote, by key. A write replaces a head it knows without reading it again:
   * its commit checks that versionstamp, so the parts it removes in the same commit are exactly the replaced
   * value's; when the check fails, the key moved on and the write reads it (or, with `ifVersion`, has lost anyway).
   */
  const known = new Map<string, Head>();
  const remember = (key: string, versionstamp: string | null, stored: Stored | null) => {
    known.delete(key);
    known.set(key, { versionstamp, parts: stored?.parts });
    if (known.size > KNOWN_MAX) known.delete(known.keys().next().value as string);
  };
  const readHead = async (key: string): Promise<Read> => {
    const read = await kv.get<Stored>(keyOf(key));
    remember(key, read.versionstamp, read.value);
    return read;
  };
  const headOf = (read: Read): Head => ({ versionstamp: read.versionstamp, parts: read.value?.parts });

  // A caller that accepts an edge cache (menus) accepts a nearby read replica too; sessions read strongly.
  const consistency = (opts?: KvGetOptions) => ({ consistency: opts?.cacheTtl === undefined ? ("strong" as const) : ("eventual" as const) });

  const commitWith = async (commit: () => Promise<{ ok: boolean; versionstamp?: string }>, key: string) => {
    try {
      // A refused commit wrote nothing, and the same check still guards the next one: trying again is safe.
      return await retry(commit, { attempts: commitAttempts, retryable: isLocked, delayMs: (n) => exponential(n, 5) + random.float() * 5, sleep });
    } catch (cause) {
      if (isTooLarge(cause)) throw new AppError("ERR_STORE_VALUE_TOO_LARGE", `Deno KV refused "${key}": a value may be at most 64 KiB`, { cause });
      throw new AppError("ERR_STORE_UNAVAILABLE", `Deno KV write failed${isLocked(cause) ? " (database file locked)" : ""}`, { cause });
    }
  };

  /** Removes parts from `from` on, outside a commit: those nothing names any more (a reader that still held their head reads again). */
  const dropParts = async (parts: Stored["parts"], from = 0) => {
    if (parts === undefined) return;
    await Promise.allSettled(Array.from({ length: Math.max(0, parts.count - from) }, (_, n) => kv.delete(partKey(parts.id, from + n))));
  };
  /** Adds to a commit the removal of the replaced value's first parts; answers how many it took. */
  const dropPartsIn = (op: DenoAtomicLike, parts: Stored["parts"]) => {
    const count = Math.min(parts?.count ?? 0, OLD_PARTS_PER_COMMIT);
    for (let n = 0; n < count; n++) op.delete(partKey(parts!.id, n));
    return count;
  };

  /**
   * Commits `change` to `key` over `head`, checked against its versionstamp, with the replaced value's first parts
   * removed in the same commit. When another writer moved the key on meanwhile: with `once`, answers null; else it
   * reads the new head and tries again, a few times. Answers the commit's versionstamp and the replaced value's parts
   * the commit did not remove, for the caller to remove once it has taken in the new head.
   */
  const replaceHead = async (key: string, head: Head, what: string, once: boolean, change: (op: DenoAtomicLike) => void) => {
    for (let attempt = 1; ; attempt++) {
      const replaced = head;
      let inCommit = 0;
      const result = await commitWith(async () => {
        const op = kv.atomic().check({ key: keyOf(key), versionstamp: replaced.versionstamp });
        change(op);
        inCommit = dropPartsIn(op, replaced.parts);
        return op.commit();
      }, key);
      if (result.ok) return { versionstamp: result.versionstamp, replaced: replaced.parts, inCommit };
      known.delete(key);
      if (once) return null;
      if (attempt === REPLACE_TRIES) throw new AppError("ERR_STORE_UNAVAILABLE", `Deno KV: other writers kept replacing "${key}" during ${what}; try again`);
      head = headOf(await readHead(key));
    }
  };

  /** Adds to a commit the parts `from` to `to` of `bytes`. */
  const setParts = (op: DenoAtomicLike, parts: { id: string }, bytes: Uint8Array, from: number, to: number, expireIn: { expireIn: number } | undefined) => {
    for (let n = from; n < to; n++) op.set(partKey(parts.id, n), bytes.subarray(n * PART_BYTES, (n + 1) * PART_BYTES), expireIn);
  };

  /** Writes the parts of `bytes` that do not fit in the head's commit (all but the last twelve) before it, under the write's id. */
  const writeEarlyParts = async (key: string, parts: { id: string; count: number }, bytes: Uint8Array, expireIn: { expireIn: number } | undefined) => {
    const early = Math.max(0, parts.count - PARTS_PER_COMMIT);
    try {
      for (let first = 0; first < early; first += PARTS_PER_COMMIT) {
        await commitWith(async () => {
          const op = kv.atomic();
          setParts(op, parts, bytes, first, Math.min(early, first + PARTS_PER_COMMIT), expireIn);
          return op.commit();
        }, key);
      }
    } catch (e) {
      await dropParts(parts);
      throw e;
    }
    return early;
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
    // This store's own writes (TextEncoder's), so always UTF-8: no refusal to make.
    return JSON.parse(decodeUtf8Lenient(bytes)) as unknown;
  };

  /** The entry a read of its head gave; a value in parts whose parts a newer write removed is read again, strongly. */
  const entryOf = async <T>(key: string, entry: Read, opts?: KvGetOptions): Promise<KvEntry<T> | null> => {
    let current = entry;
    remember(key, current.versionstamp, current.value);
    for (let attempt = 1; ; attempt++) {
      if (!live(current.value) || current.versionstamp === null) return null;
      const value = await assemble(current.value, attempt === 1 ? opts : undefined);
      if (value !== undefined) return { value: value as T, version: current.versionstamp };
      if (attempt === PART_READS) throw new AppError("ERR_STORE_UNAVAILABLE", `Deno KV: a part of "${key}" is missing`);
      current = await readHead(key);
    }
  };

  /**
   * A database that a release before the index wrote has keys the index does not name: the first list reads the
   * namespace once, as every list did before, and names each live key, each only while it is still the head that was
   * read (one that changed meanwhile was named, or removed, by its writer). Then it is never read that way again.
   */
  let index: Promise<void> | null = null;
  const buildIndex = async () => {
    if ((await kv.get(INDEX_COMPLETE)).value !== null) return;
    type Named = { key: DenoKvKey; versionstamp: string; name: string; exp: number | null };
    const name = (batch: Named[]) =>
      commitWith(async () => {
        const op = kv.atomic();
        for (const one of batch) op.check({ key: one.key, versionstamp: one.versionstamp }).set(nameKey(one.name), { exp: one.exp }, nameExpireIn(one.exp));
        return op.commit();
      }, "the key index");
    let batch: Named[] = [];
    const flush = async () => {
      if (batch.length > 0 && !(await name(batch)).ok) for (const one of batch) await name([one]);
      batch = [];
    };
    for await (const entry of kv.list<Stored>({ start: [options.namespace, ""], end: [options.namespace, AFTER_EVERY_SUFFIX] })) {
      const key = entry.key[1];
      if (typeof key === "string" && live(entry.value)) batch.push({ key: entry.key, versionstamp: entry.versionstamp, name: key, exp: entry.value.exp });
      if (batch.length >= INDEX_BATCH) await flush();
    }
    await flush();
    await commitWith(
      () =>
        kv
          .atomic()
          .set(INDEX_COMPLETE, { at: new Date(now()).toISOString() })
          .commit(),
      "the key index",
    );
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
      const ifVersion = opts?.ifVersion;
      const ttlMs = opts?.ttlSeconds === undefined ? undefined : opts.ttlSeconds * 1000;
      const exp = ttlMs === undefined ? null : now() + ttlMs;
      const expireIn = ttlMs === undefined ? undefined : { expireIn: ttlMs };
      // Through JSON, so that what is read back is what Workers KV would give back.
      const text = JSON.stringify(value) ?? "null";
      const bytes = text.length > PLAIN_MAX_CHARS ? new TextEncoder().encode(text) : null;
      const parts = bytes === null ? undefined : { id: random.uuid(), count: Math.ceil(bytes.length / PART_BYTES) };
      const partsExpireIn = ttlMs === undefined ? undefined : { expireIn: ttlMs + PART_GRACE_MS };
      const stored: Stored = parts === undefined ? { v: JSON.parse(text) as unknown, exp } : { exp, parts };

      // The head this write replaces. "Only if absent" reads it, as an expired value may still be stored; a value
      // too large for one commit reads it too, so as not to write parts for a compare-and-set already lost.
      let head: Head | undefined = known.get(key);
      if (ifVersion === null || (parts !== undefined && parts.count > PARTS_PER_COMMIT) || head === undefined || (ifVersion !== undefined && head.versionstamp !== ifVersion)) {
        const read = await readHead(key);
        if (ifVersion === null && live(read.value)) return false;
        if (typeof ifVersion === "string" && read.versionstamp !== ifVersion) return false;
        head = headOf(read);
      }
      // All but the last twelve parts go first, in commits of their own; the rest with the head, in one commit
      // that also removes the replaced value's parts: a value up to 720,000 bytes is replaced all at once.
      const early = parts === undefined || bytes === null ? 0 : await writeEarlyParts(key, parts, bytes, partsExpireIn);
      // What a write that does not go in leaves to remove: a refused commit wrote none of the parts it held.
      const written = early === 0 || parts === undefined ? undefined : { id: parts.id, count: early };
      // Without `ifVersion` the write always goes in: over what another writer put there since the read.
      const done = await replaceHead(key, head, "the write", ifVersion !== undefined, (op) => {
        if (parts !== undefined && bytes !== null) setParts(op, parts, bytes, early, parts.count, partsExpireIn);
        op.set(k, stored, expireIn);
        if (indexed) op.set(nameKey(key), { exp }, expireIn);
      }).catch(async (e: unknown) => {
        await dropParts(written);
        throw e;
      });
      if (done === null) {
        await dropParts(written);
        return false;
      }
      if (done.versionstamp === undefined) known.delete(key);
      else remember(key, done.versionstamp, stored);
      await dropParts(done.replaced, done.inCommit);
      return true;
    },
    async delete(key: string): Promise<void> {
      const k = keyOf(key);
      // Checked, so that a value written meanwhile keeps its parts.
      const done = await replaceHead(key, known.get(key) ?? headOf(await readHead(key)), "its delete", false, (op) => {
        op.delete(k);
        if (indexed) op.delete(nameKey(key));
      });
      remember(key, null, null);
      await dropParts(done?.replaced, done?.inCommit);
    },
    async list(prefix: string, limit = 1000): Promise<string[]> {
      if (indexed) {
        await (index ??= buildIndex().catch((e: unknown) => {
          index = null;
          throw e;
        }));
      }
      // The index's small entries where there is one, else the namespace itself, values and all.
      const range = indexed ? { start: nameKey(prefix), end: nameKey(prefix + AFTER_EVERY_SUFFIX) } : { start: [options.namespace, prefix], end: [options.namespace, prefix + AFTER_EVERY_SUFFIX] };
      const names: string[] = [];
      for await (const entry of kv.list<{ exp: number | null }>(range)) {
        const name = entry.key[1];
        if (typeof name === "string" && name.startsWith(prefix) && live(entry.value)) names.push(name);
        if (names.length >= limit) break;
      }
      return names;
    },
  };
}

/** The app's stores over one Deno KV database, under separate key prefixes. */
export function denoStores(kv: DenoKvLike, options: Omit<DenoKvOptions, "namespace">): Stores {
  return { menus: denoKv(kv, { ...options, namespace: MENUS_NAMESPACE }), sessions: denoKv(kv, { ...options, namespace: SESSIONS_NAMESPACE }) };
}
